"""Engines configured for taskcore: SQLite pragmas, PostgreSQL timeouts and pre-ping."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool


def make_engine(
    url: str,
    *,
    statement_timeout_ms: int = 15_000,
    pool_size: int = 10,
    max_overflow: int | None = None,
    pool_timeout: float = 10,
    pooled: bool = True,
) -> Engine:
    """Create an engine for a SQLite or PostgreSQL URL.

    SQLite gets foreign keys, WAL, a busy timeout, and ``BEGIN IMMEDIATE`` transactions
    (so concurrent writers wait instead of failing). PostgreSQL gets ``pool_pre_ping`` and
    a statement timeout, so a lock wait cannot stall a worker for ever.

    Args:
        url: ``sqlite:///path`` or ``postgresql+psycopg://...``.
        statement_timeout_ms: PostgreSQL statement timeout.
        pool_size: PostgreSQL connection pool size.
        max_overflow: PostgreSQL connections opened beyond ``pool_size`` under load
            (``pool_size`` again by default).
        pool_timeout: Seconds a PostgreSQL checkout waits for a free connection before
            ``sqlalchemy.exc.TimeoutError`` (the unit of work turns it into
            ``Unavailable``).
        pooled: ``False`` opens a fresh PostgreSQL connection per use (health probes,
            which must not queue behind requests for a pooled connection).
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    connect_args = {
        "connect_timeout": 5,
        "options": f"-c statement_timeout={statement_timeout_ms}",
    }
    if not pooled:
        return create_engine(parsed, poolclass=NullPool, connect_args=connect_args)
    return create_engine(
        parsed,
        pool_pre_ping=True,
        pool_size=pool_size,
        max_overflow=pool_size if max_overflow is None else max_overflow,
        pool_timeout=pool_timeout,
        connect_args=connect_args,
    )
