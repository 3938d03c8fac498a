"""The SQL unit of work's writers' turn on SQLite: a writer waiting for the one before it
holds no pooled connection, so reads go on beside a burst of writes."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Engine, text

from taskcore.errors import Unavailable
from taskcore_adapters.sql import uow as sql_uow
from taskcore_adapters.sql.uow import SqlAlchemyUnitOfWork, writer_gate


def test_postgresql_has_no_turn(engine: Engine) -> None:
    """Only SQLite, which runs one writer at a time, gets a turn; one per engine."""
    if engine.dialect.name == "postgresql":
        assert writer_gate(engine) is None
    else:
        assert writer_gate(engine) is writer_gate(engine) is not None


@contextmanager
def a_write_open(engine: Engine) -> Iterator[None]:
    """A write unit of work held open by another thread until the block ends."""
    holding = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with SqlAlchemyUnitOfWork(engine):
            holding.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert holding.wait(10)
        yield
    finally:
        release.set()
        holder.join(10)


def test_a_waiting_writer_holds_no_connection(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("the writers' turn is SQLite's")
    second_done = threading.Event()

    def second() -> None:
        with SqlAlchemyUnitOfWork(engine) as work:
            work.commit()
        second_done.set()

    waiting = threading.Thread(target=second)
    with a_write_open(engine):
        waiting.start()
        time.sleep(0.2)  # the second writer is waiting for its turn
        assert (1, False) == (engine.pool.checkedout(), second_done.is_set())  # type: ignore[attr-defined]
        # A read goes on meanwhile.
        with SqlAlchemyUnitOfWork(engine, read_only=True) as reading:
            assert reading.users.get(1) is None
    waiting.join(10)
    assert second_done.is_set()


def test_the_turn_is_given_back_after_a_failed_start(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A writer whose connection fails to open gives its turn back (the next one gets in
    at once), and one that waits too long is told the database is busy."""
    if engine.dialect.name != "sqlite":
        pytest.skip("the writers' turn is SQLite's")

    def broken() -> None:
        raise RuntimeError("no connection")

    with monkeypatch.context() as patch:
        patch.setattr(engine, "connect", broken)
        with pytest.raises(RuntimeError), SqlAlchemyUnitOfWork(engine):
            pass
    started = time.monotonic()
    with SqlAlchemyUnitOfWork(engine) as work:
        work.commit()
    assert time.monotonic() - started < 1

    monkeypatch.setattr(sql_uow, "WRITER_WAIT_SECONDS", 0.1)
    with (
        a_write_open(engine),
        pytest.raises(Unavailable, match="Database busy"),
        SqlAlchemyUnitOfWork(engine),
    ):
        pass
    with engine.connect() as conn:
        assert 1 == conn.execute(text("SELECT 1")).scalar_one()
