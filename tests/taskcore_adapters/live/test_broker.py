"""The per-process reader of the live feeds on a real database: events whose
transactions commit out of order (PostgreSQL hands out outbox ids before commit) are all
delivered, the late one after its gap was waited for, and a gap that never fills is given
up."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import Engine

from taskcore.domain.events import UserRegistered
from taskcore.services.live import LiveService
from taskcore.uow import Transactions
from taskcore_adapters.live.broker import Broker, Round
from taskcore_adapters.sql import SqlAlchemyUnitOfWorkFactory
from taskcore_adapters.sql.outbox import SqlAlchemyOutbox

NOW = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)


def event(n: int) -> UserRegistered:
    return UserRegistered(occurred_at=NOW, actor_id=1, entity_id=n, username=f"u{n}")


def concurrent_writers(engine: Engine) -> None:
    """Skip on SQLite: it serialises writers, so its ids always commit in order."""
    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite commits outbox ids in order (one writer at a time)")


async def next_round(queue: asyncio.Queue[Round | None]) -> Round:
    found = await asyncio.wait_for(queue.get(), 5)
    assert found is not None
    return found


def test_a_transaction_committing_late_is_still_delivered(engine: Engine) -> None:
    """An event committed after a later-numbered one reaches subscribers in the next
    round; until then the watermark stays below it."""
    concurrent_writers(engine)
    service = LiveService(transactions=Transactions(SqlAlchemyUnitOfWorkFactory(engine)))

    async def scenario() -> tuple[list[int], list[int], int, int]:
        broker = Broker(service, interval=0.01)
        sub = await broker.subscribe(1)
        with engine.connect() as slow:
            slow.begin()
            SqlAlchemyOutbox(slow).append([event(1)])  # takes its id now, commits later
            with engine.begin() as fast:
                SqlAlchemyOutbox(fast).append([event(2)])
            first = await next_round(sub.queue)
            waiting = first.event_watermark
            slow.commit()
        second = await next_round(sub.queue)
        broker.unsubscribe(sub)
        return (
            [e.event.entity_id for e in first.events if e.event],
            [e.event.entity_id for e in second.events if e.event],
            waiting,
            second.event_watermark,
        )

    early, late, waiting, settled = asyncio.run(scenario())
    assert ([2], [1]) == (early, late)
    assert waiting < settled


def test_a_gap_that_never_fills_is_given_up(engine: Engine) -> None:
    """A number taken by a transaction that rolled back is waited for, then passed."""
    concurrent_writers(engine)
    service = LiveService(transactions=Transactions(SqlAlchemyUnitOfWorkFactory(engine)))

    async def scenario() -> tuple[int, int]:
        broker = Broker(service, interval=0.01, gap_wait=0.1)
        sub = await broker.subscribe(1)
        with engine.connect() as doomed:
            doomed.begin()
            SqlAlchemyOutbox(doomed).append([event(1)])
            with engine.begin() as fast:
                SqlAlchemyOutbox(fast).append([event(2)])
            first = await next_round(sub.queue)
            doomed.rollback()
        settled = await next_round(sub.queue)
        broker.unsubscribe(sub)
        return first.event_watermark, settled.event_watermark

    before, after = asyncio.run(scenario())
    assert after > before
