"""The check of pooled PostgreSQL connections on checkout (``check_alive``)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

from taskcore_adapters.sql import make_engine

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    url: str = request.getfixturevalue("_postgres_database")
    engine = make_engine(url, pool_size=1)
    yield engine
    engine.dispose()


def backend_pid(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())


def test_a_healthy_connection_is_reused(pg_engine: Engine) -> None:
    """An idle pooled connection passes the check: the same backend serves the next
    checkout (no reconnect per request)."""
    first = backend_pid(pg_engine)
    assert [first, first, first] == [backend_pid(pg_engine) for _ in range(3)]


def test_the_default_pool_keeps_every_connection_it_opens(
    request: pytest.FixtureRequest,
) -> None:
    """Fifteen requests at once, twice: the second wave is served by the first wave's
    backends. (A pool of 10 with an overflow of 10 closed the five connections beyond
    its size as they were given back, so a process above 10 requests at once connected
    anew for many of them.)"""
    engine = make_engine(request.getfixturevalue("_postgres_database"))
    width = 15

    def wave() -> set[int]:
        barrier = threading.Barrier(width)
        pids: list[int] = []

        def hold() -> None:
            with engine.connect() as conn:
                pids.append(int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one()))
                barrier.wait(timeout=30)

        threads = [threading.Thread(target=hold) for _ in range(width)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert len(pids) == width
        return set(pids)

    try:
        first = wave()
        assert len(first) == width
        assert first == wave()
    finally:
        engine.dispose()


def test_a_terminated_connection_is_replaced_without_an_error(pg_engine: Engine) -> None:
    """After the server ends the pooled connection's session, the next checkout gets a
    new backend and its statement succeeds."""
    first = backend_pid(pg_engine)
    admin = make_engine(pg_engine.url.render_as_string(hide_password=False))
    try:
        with admin.connect() as conn:
            assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first}).scalar()
        deadline = time.monotonic() + 5
        with admin.connect() as conn:
            while (
                time.monotonic() < deadline
                and conn.execute(
                    text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": first}
                ).scalar()
            ):
                time.sleep(0.01)
    finally:
        admin.dispose()
    second = backend_pid(pg_engine)
    assert first != second


def test_a_rollback_keeps_the_prepared_statements(pg_engine: Engine) -> None:
    """A rolled-back transaction that changed no schema leaves psycopg's prepared
    statements in place (no ``DEALLOCATE ALL``); one that changed the schema drops them."""
    with pg_engine.connect() as conn:
        for _ in range(6):  # psycopg prepares a statement at its fifth use
            conn.execute(text("SELECT 1 + :x"), {"x": 1})
        raw = conn.connection.dbapi_connection
        assert raw is not None
        conn.rollback()
        assert 1 == len(raw._prepared._names)
        prepared = conn.execute(text("SELECT count(*) FROM pg_prepared_statements")).scalar()
        assert 1 == prepared
        conn.execute(text("CREATE TEMP TABLE scratch (a int)"))
        conn.rollback()
        assert 0 == len(raw._prepared._names)
