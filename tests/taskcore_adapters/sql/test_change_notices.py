"""Change notices (``LISTEN``/``NOTIFY``) and the caches they keep honest."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import attrs
import pytest
from sqlalchemy import Engine, event, update

from taskcore.app import Taskcore, build
from taskcore.ports.uow import UnitOfWorkFactory
from taskcore_adapters.memory import FakeTokenService, ManualClock, PlainPasswordHasher
from taskcore_adapters.sql import SqlAlchemyUnitOfWorkFactory, make_engine
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


def build_core(uow_factory: UnitOfWorkFactory) -> Taskcore:
    return build(
        uow_factory=uow_factory,
        clock=ManualClock(),
        password_hasher=PlainPasswordHasher(),
        token_service=FakeTokenService(),
    )


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


@pytest.mark.postgres
def test_custom_field_definitions_are_kept_until_a_change_is_announced(
    engines: tuple[Engine, Engine], empty_database: Callable[[Engine], None]
) -> None:
    """One process keeps a project's definitions (its second read runs no statement on
    them); a definition added by another process is seen as soon as the notice arrives,
    and a transaction that changed definitions reads its own."""
    writer, other = engines
    empty_database(writer)
    here = build_core(SqlAlchemyUnitOfWorkFactory(writer))
    there = SqlAlchemyUnitOfWorkFactory(other)
    _live(change_listener(other))  # type: ignore[arg-type]
    alice = here.as_user(
        here.users.register(
            username="alice", email="a@example.com", password="pw-12345678", full_name="A"
        ).id
    )
    project_id = here.projects.create_project(alice, name="Fields").id
    here.tasks.define_field(alice, project_id, key="points", label="Points", field_type="number")
    reads: list[str] = []

    def note(_c: object, _cur: object, statement: str, *_args: object) -> None:
        if "FROM task_field_definitions" in statement:
            reads.append(statement)

    event.listen(other, "before_cursor_execute", note)
    try:

        def keys() -> list[str]:
            with there() as uow:
                return [d.key for d in uow.tasks.fields_of([project_id])]

        assert ["points"] == keys()
        assert ["points"] == keys()
        assert 1 == len(reads)  # the second answer was kept
        here.tasks.define_field(alice, project_id, key="team", label="Team", field_type="text")
        deadline = time.monotonic() + 5
        while keys() != ["points", "team"]:
            assert time.monotonic() < deadline, "the new definition was never seen"
            time.sleep(0.01)
        with there() as uow:
            field = uow.tasks.fields_of([project_id])[0]
            uow.tasks.update_field(attrs.evolve(field, label="Story points"))
            assert "Story points" == uow.tasks.fields_of([project_id])[0].label
    finally:
        event.remove(other, "before_cursor_execute", note)


@pytest.mark.postgres
def test_disposing_of_the_engine_closes_the_listeners_connection_before_returning(
    engines: tuple[Engine, Engine],
) -> None:
    """A caller may drop the database right after closing: no listening session is left
    behind (it used to linger up to half a second, and log a warning if the database was
    dropped meanwhile)."""
    writer, other = engines
    _live(change_listener(other))  # type: ignore[arg-type]

    def listeners() -> int:
        with writer.connect() as conn:
            return int(
                conn.exec_driver_sql(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND query LIKE 'LISTEN %%'"
                ).scalar_one()
            )

    assert listeners() == 1
    other.dispose()
    assert listeners() == 0
