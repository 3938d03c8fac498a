"""Change notices (``LISTEN``/``NOTIFY``) and the caches they keep honest."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, update

from taskcore_adapters.sql import make_engine
from taskcore_adapters.sql.engine import (
    AUTH,
    WEBHOOKS,
    ChangeListener,
    change_listener,
    notice_cache,
)
from taskcore_adapters.sql.tables import auth_sessions, users, webhook_endpoints


def test_sqlite_has_no_listener(tmp_path: object) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/db.sqlite")
    try:
        assert change_listener(engine) is None
        assert change_listener(None) is None
    finally:
        engine.dispose()


@pytest.fixture
def engines(request: pytest.FixtureRequest) -> Iterator[tuple[Engine, Engine]]:
    """Two engines on the test database: one writes, the other stands for a second
    process and listens."""
    url: str = request.getfixturevalue("_postgres_database")
    writer, other = make_engine(url, pool_size=1), make_engine(url, pool_size=1)
    yield writer, other
    writer.dispose()
    other.dispose()


def _live(listener: ChangeListener) -> ChangeListener:
    deadline = time.monotonic() + 10
    while not listener.live:
        assert time.monotonic() < deadline, "the listener did not connect"
        time.sleep(0.01)
    return listener


@pytest.mark.postgres
def test_a_committed_change_reaches_the_other_process_and_a_rollback_does_not(
    engines: tuple[Engine, Engine],
) -> None:
    """(Statements that match no row are enough: the notice names the topic.)"""
    writer, other = engines
    user_id = -1
    listener = _live(change_listener(other))  # type: ignore[arg-type]
    seen: list[str] = []
    arrived = threading.Event()

    def auth() -> None:
        seen.append(AUTH)

    def webhooks() -> None:
        seen.append(WEBHOOKS)
        arrived.set()

    listener.subscribe(AUTH, auth)
    listener.subscribe(WEBHOOKS, webhooks)
    with writer.connect() as conn:
        conn.execute(update(users).where(users.c.id == user_id).values(is_active=False))
        conn.rollback()
    with writer.begin() as conn:  # announced at the commit; the rollback was not
        conn.execute(
            update(auth_sessions).where(auth_sessions.c.user_id == user_id).values(revoked_at=None)
        )
    with writer.begin() as conn:
        conn.execute(update(webhook_endpoints).where(webhook_endpoints.c.id == -1).values(url="u"))
    assert arrived.wait(5)
    assert [AUTH, WEBHOOKS] == seen


@pytest.mark.postgres
def test_the_notice_cache_keeps_only_reads_no_change_raced_with(
    engines: tuple[Engine, Engine],
) -> None:
    writer, _ = engines
    _live(change_listener(writer))  # type: ignore[arg-type]
    with writer.connect() as conn:
        cache = notice_cache(conn, WEBHOOKS)
        assert cache is not None
        assert cache.get(1)[0] is None
        _, generation = cache.get(1)
        cache.clear()  # a change arrived while the caller was reading
        cache.put(1, "stale", generation)
        assert cache.get(1)[0] is None
        _, generation = cache.get(1)
        cache.put(1, "fresh", generation)
        assert "fresh" == cache.get(1)[0]
        conn.execute(update(users).where(users.c.id == -1).values(is_active=True))
        assert notice_cache(conn, AUTH) is None  # its own transaction changed users
        assert notice_cache(conn, WEBHOOKS) is cache
        conn.rollback()
