"""Shared fixtures: clocks, hashers, and clean databases on every backend.

The SQL backend is chosen by ``TASKCORE_TEST_DB`` (``sqlite``, the default, or
``postgres``). PostgreSQL tests use the real server at ``TASKCORE_TEST_POSTGRES_URL``
(default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``), each run in a database
of its own; without a server they skip, and when ``CI`` is set they fail instead.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import Connection, Engine, create_engine, delete, insert, text
from sqlalchemy.engine import make_url

from taskcore.domain.notifications import SEEDED_TEMPLATES
from taskcore.ports.uow import UnitOfWorkFactory
from taskcore_adapters.memory import InMemoryStore, ManualClock
from taskcore_adapters.memory.notifications import SEEDED_AT
from taskcore_adapters.security import Argon2PasswordHasher
from taskcore_adapters.sql import SqlAlchemyUnitOfWorkFactory, make_engine, upgrade
from taskcore_adapters.sql.engine import dispose
from taskcore_adapters.sql.tables import metadata, notification_templates

settings.register_profile(
    "ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=30, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

PG_URL = os.environ.get(
    "TASKCORE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("TASKCORE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
SQL_BACKEND = os.environ.get("TASKCORE_TEST_DB", "sqlite")


def service_missing(reason: str) -> None:
    """Skip for a missing server, or fail when running under CI."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so this fails instead of skipping)")
    pytest.skip(reason)


@pytest.fixture
def clock() -> ManualClock:
    """A clock that stands still until advanced."""
    return ManualClock()


@pytest.fixture(scope="session")
def hasher() -> Argon2PasswordHasher:
    """argon2id with the cheapest parameters, so tests stay fast."""
    return Argon2PasswordHasher.cheapest()


# -- SQL databases --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


STALE_DATABASE_SECONDS = 6 * 3600
"""Test databases older than this are dropped by the next run (a run killed before its
own clean-up leaves its database behind)."""

_DROP_SCRIPT = """
import sys, time
from sqlalchemy import create_engine, text
admin = create_engine(sys.argv[1], isolation_level="AUTOCOMMIT")
names = sys.argv[2:]
with admin.connect() as conn:
    rows = conn.execute(text("SELECT datname FROM pg_database WHERE datname LIKE 'taskcore_t_%'"))
    for (datname,) in rows:
        try:
            born = int(datname.split("_")[2])
        except (IndexError, ValueError):
            continue
        if born < time.time() - STALE:
            names.append(datname)
    for name in dict.fromkeys(names):
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
admin.dispose()
"""


def create_postgres_database(purpose: str = "test") -> tuple[str, str]:
    """Create and migrate a PostgreSQL database of this run's own; its URL and name.

    The name carries its creation time (``taskcore_t_<epoch>_<purpose>_<random>``), so
    that :func:`drop_postgres_database` can also clear what killed runs left behind.
    Skips (or fails under CI) when the server is unreachable.
    """
    admin_url = make_url(PG_URL)
    name = f"taskcore_t_{int(time.time())}_{purpose}_{uuid.uuid4().hex[:8]}"
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure to reach the server
        service_missing(f"PostgreSQL is not reachable at {admin_url.render_as_string()}: {exc}")
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url, name


def drop_postgres_database(name: str) -> None:
    """Drop a test database without waiting for it.

    ``DROP DATABASE`` waits for a checkpoint, which takes tens of seconds on a busy
    server; nothing in the run needs the database gone, so a detached process drops it
    (with the stale databases of killed runs) while the run goes on or ends.
    """
    script = _DROP_SCRIPT.replace("STALE", str(STALE_DATABASE_SECONDS))
    # sh puts the dropper in the background and exits at once: nothing is left to wait for
    background = '"$0" -c "$1" "$2" "$3" </dev/null >/dev/null 2>&1 &'
    subprocess.run(["sh", "-c", background, sys.executable, script, PG_URL, name], check=True)


@pytest.fixture(scope="session")
def new_postgres_database() -> Iterator[Callable[[str], str]]:
    """Create more migrated PostgreSQL databases of this run (for servers a module starts);
    the URL of each, all dropped after the run."""
    names: list[str] = []

    def make(purpose: str) -> str:
        url, name = create_postgres_database(purpose)
        names.append(name)
        return url

    yield make
    for name in names:
        drop_postgres_database(name)


@pytest.fixture(scope="session")
def _postgres_database() -> Iterator[str]:
    url, name = create_postgres_database()
    try:
        yield url
    finally:
        drop_postgres_database(name)


_HOLDING_ROWS = " UNION ALL ".join(
    f"SELECT '{t.name}' WHERE EXISTS (SELECT 1 FROM \"{t.name}\")" for t in metadata.sorted_tables
)
"""The tables that hold rows, in one query."""

_RESTART_USED_SEQUENCES = (
    "SELECT setval(format('%I.%I', schemaname, sequencename)::regclass, 1, false) "
    "FROM pg_sequences WHERE last_value IS NOT NULL"
)
"""Every sequence a test drew from starts again at 1, as on a fresh database."""


def empty_postgres(conn: Connection) -> None:
    """Empty the tables holding rows and restart the sequences drawn from, so that ids
    start at 1 again: truncating only those is several times faster than truncating
    every table each time."""
    dirty = [f'"{row[0]}"' for row in conn.execute(text(_HOLDING_ROWS))]
    if dirty:
        conn.execute(text(f"TRUNCATE {', '.join(dirty)} CASCADE"))
    conn.execute(text(_RESTART_USED_SEQUENCES))


def _truncate_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        empty_postgres(conn)
        _reseed(conn)
    engine.dispose()


@pytest.fixture
def drop_database_later() -> Callable[[str], None]:
    """:func:`drop_postgres_database`, for tests that make databases of their own."""
    return drop_postgres_database


@pytest.fixture
def empty_database() -> Callable[[Engine], None]:
    """Empties a database of the selected backend, ids restarting at 1 (between the
    examples of a property test that shares one database)."""

    def empty(engine: Engine) -> None:
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                empty_postgres(conn)
            else:
                for table in reversed(metadata.sorted_tables):
                    conn.execute(delete(table))

    return empty


def _reseed(conn: Connection) -> None:
    """Put back the rows the migrations insert (the original's notification templates)."""
    conn.execute(
        insert(notification_templates),
        [
            {
                "name": name,
                "subject_template": subject,
                "body_template": body,
                "notification_type": "email",
                "is_active": True,
                "created_at": SEEDED_AT,
                "updated_at": SEEDED_AT,
            }
            for name, (subject, body) in SEEDED_TEMPLATES.items()
        ],
    )


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A clean, migrated database of the selected SQL backend."""
    if SQL_BACKEND == "postgres":
        url: str = request.getfixturevalue("_postgres_database")
        _truncate_postgres(url)
        yield url
    else:
        template: Path = request.getfixturevalue("_sqlite_template")
        path = tmp_path / "taskcore.db"
        shutil.copy(template, path)
        yield f"sqlite:///{path}"


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on a clean database, disposed of for good after the test (a thread the
    test left running gets no pooled connection from it any more)."""
    eng = make_engine(database_url)
    yield eng
    dispose(eng, wait=0)


@pytest.fixture
def redis_url() -> str:
    """The URL of the real Redis server, checked with a PING (skip, or fail under CI)."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        service_missing(f"Redis is not reachable at {REDIS_URL}: {exc}")
    finally:
        client.close()
    return REDIS_URL


@pytest.fixture(params=["memory", "sql"])
def uow_factory(request: pytest.FixtureRequest) -> Iterator[UnitOfWorkFactory]:
    """A unit-of-work factory over a fresh, empty store of each kind (memory, and SQL on
    the backend of the run)."""
    if request.param == "memory":
        yield InMemoryStore()
    else:
        engine: Engine = request.getfixturevalue("engine")
        yield SqlAlchemyUnitOfWorkFactory(engine)
