"""The outbox in SQL: domain events written in the same transaction as the change."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import Connection, delete, exists, insert, select, update

from taskcore.domain.events import DomainEvent
from taskcore.ports.deliveries import DeliveryStatus
from taskcore_adapters.sql import events as codec
from taskcore_adapters.sql.tables import event_deliveries, outbox

_INSERT_OUTBOX = insert(outbox)
_UNSETTLED = (
    select(event_deliveries.c.event_id)
    .where(
        event_deliveries.c.event_id == outbox.c.event_id,
        event_deliveries.c.status != DeliveryStatus.DONE.value,
    )
    .correlate(outbox)
)
"""A pending or failed delivery of the outer query's event."""


class SqlAlchemyOutbox:
    """The outbox table."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def append(
        self, events: Sequence[DomainEvent], *, published_at: dt.datetime | None = None
    ) -> None:
        self._conn.execute(
            _INSERT_OUTBOX,
            [
                {
                    "event_id": e.event_id,
                    "name": e.name,
                    "payload": codec.encode(e),
                    "occurred_at": e.occurred_at,
                    "published_at": published_at,
                }
                for e in events
            ],
        )

    def pending(self, limit: int) -> Sequence[DomainEvent]:
        rows = self._conn.execute(
            select(outbox.c.name, outbox.c.payload)
            .where(outbox.c.published_at.is_(None))
            .order_by(outbox.c.id)
            .limit(limit)
        ).all()
        return [codec.decode(r.name, r.payload) for r in rows]

    def get(self, event_id: str) -> DomainEvent | None:
        row = self._conn.execute(
            select(outbox.c.name, outbox.c.payload).where(outbox.c.event_id == event_id)
        ).first()
        return codec.decode(row.name, row.payload) if row else None

    def mark_published(self, event_ids: Sequence[str], when: dt.datetime) -> None:
        if event_ids:
            self._conn.execute(
                update(outbox)
                .where(outbox.c.event_id.in_(list(event_ids)), outbox.c.published_at.is_(None))
                .values(published_at=when)
            )

    def purgeable(self, published_before: dt.datetime, limit: int) -> Sequence[str]:
        rows = self._conn.execute(
            select(outbox.c.event_id)
            .where(outbox.c.published_at < published_before, ~exists(_UNSETTLED))
            .order_by(outbox.c.published_at, outbox.c.id)
            .limit(limit)
        ).all()
        return [r.event_id for r in rows]

    def delete_settled(self, event_ids: Sequence[str]) -> int:
        if not event_ids:
            return 0
        result = self._conn.execute(
            delete(outbox).where(
                outbox.c.event_id.in_(list(event_ids)),
                outbox.c.published_at.is_not(None),
                ~exists(_UNSETTLED),
            )
        )
        return int(result.rowcount)
