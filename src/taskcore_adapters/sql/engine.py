"""Engines configured for taskcore: SQLite pragmas; PostgreSQL timeouts and a check of
pooled connections on checkout."""

from __future__ import annotations

import os
import select
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import NullPool


def _private_database_file(path: Path) -> None:
    """Create the SQLite file's folder (mode 0700) and the file itself (mode 0600) before
    SQLite opens it, whatever the process umask; SQLite gives its ``-wal`` and ``-shm``
    files the database file's mode. Existing folders and files are left as they are."""
    path.parent.parent.mkdir(parents=True, exist_ok=True)
    path.parent.mkdir(mode=0o700, exist_ok=True)
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))


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
    (so concurrent writers wait instead of failing). PostgreSQL gets a check of each pooled
    connection on checkout (:func:`check_alive`) and a statement timeout, so a lock wait
    cannot stall a worker for ever.

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
            _private_database_file(Path(parsed.database))
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
            read_only = conn.get_execution_options().get("taskcore_read_only", False)
            conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

        return engine
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    connect_args = {
        "connect_timeout": 5,
        "options": f"-c statement_timeout={statement_timeout_ms}",
    }
    if not pooled:
        return create_engine(parsed, poolclass=NullPool, connect_args=connect_args)
    engine = create_engine(
        parsed,
        pool_size=pool_size,
        max_overflow=pool_size if max_overflow is None else max_overflow,
        pool_timeout=pool_timeout,
        connect_args=connect_args,
    )
    event.listen(engine, "checkout", check_alive)
    return engine


def check_alive(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """Refuse a pooled PostgreSQL connection the server has ended, without a round trip.

    An idle connection has nothing to read: the server sends nothing unasked (no
    ``LISTEN`` is used). When the server ends a session (``pg_terminate_backend``, a
    restart, an idle timeout) it sends its last message and closes the socket, which
    makes the socket readable; so does a connection reset. Such a connection is refused
    here, and the pool replaces it with a new one, as ``pool_pre_ping`` would, but
    without a ``SELECT 1`` round trip on every checkout. A connection cut off silently
    (no packet at all) is noticed by the statement that uses it, as with a ping.

    Raises:
        DisconnectionError: the connection is closed, broken, or has unread data.
    """
    try:
        if dbapi_connection.closed or dbapi_connection.broken:
            raise DisconnectionError("connection closed")
        readable, _, _ = select.select([dbapi_connection.fileno()], [], [], 0)
    except DisconnectionError:
        raise
    except Exception as exc:  # any failure to inspect it means a new connection
        raise DisconnectionError(str(exc)) from exc
    if readable:
        raise DisconnectionError("the server ended the connection")
