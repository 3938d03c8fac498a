"""Shared fixtures: clocks, hashers, and clean databases on every backend.

The SQL backend is chosen by ``TASKCORE_TEST_DB`` (``sqlite``, the default, or
``postgres``). PostgreSQL tests use the real server at ``TASKCORE_TEST_POSTGRES_URL``
(default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``), each run in a database
of its own; without a server they skip, and when ``CI`` is set they fail instead.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import Connection, Engine, create_engine, insert, text
from sqlalchemy.engine import make_url

from taskcore.domain.notifications import SEEDED_TEMPLATES
from taskcore.ports.uow import UnitOfWorkFactory
from taskcore_adapters.memory import InMemoryStore, ManualClock
from taskcore_adapters.memory.notifications import SEEDED_AT
from taskcore_adapters.security import Argon2PasswordHasher
from taskcore_adapters.sql import SqlAlchemyUnitOfWorkFactory, make_engine, upgrade
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


@pytest.fixture(scope="session")
def _postgres_database() -> Iterator[str]:
    admin_url = make_url(PG_URL)
    name = f"taskcore_test_{uuid.uuid4().hex[:12]}"
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - any failure to reach the server
        service_missing(f"PostgreSQL is not reachable at {admin_url.render_as_string()}: {exc}")
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _truncate_postgres(url: str) -> None:
    engine = create_engine(url)
    names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        _reseed(conn)
    engine.dispose()


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
    """An engine on a clean database."""
    eng = make_engine(database_url)
    yield eng
    eng.dispose()


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
