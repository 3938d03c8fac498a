"""Engines configured for taskcore: SQLite pragmas; PostgreSQL timeouts, a check of
pooled connections on checkout, and change notices (``LISTEN``/``NOTIFY``) that let each
process keep what it caches about sessions, users, webhook endpoints and custom-field
definitions until a
committed change says otherwise."""

from __future__ import annotations

import logging
import os
import re
import select
import threading
import time
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import NullPool, QueuePool
from sqlalchemy.sql.dml import UpdateBase

log = logging.getLogger(__name__)

CHANNEL = "taskcore_changes"
"""The PostgreSQL notification channel of committed changes to watched tables."""

AUTH = "auth"
"""Topic: a user, a login session, a revoked token or a personal access token changed
(logout, password change, deactivation, token revocation, admin flag, username...)."""
WEBHOOKS = "webhooks"
"""Topic: a webhook endpoint was added, changed or removed."""
FIELDS = "fields"
"""Topic: a custom-field definition was added, changed or removed."""

_WATCHED: dict[tuple[str, str], str] = {
    ("users", "update"): AUTH,
    ("users", "delete"): AUTH,
    ("auth_sessions", "update"): AUTH,
    ("auth_sessions", "delete"): AUTH,
    ("revoked_tokens", "insert"): AUTH,
    ("access_tokens", "update"): AUTH,
    ("access_tokens", "delete"): AUTH,
    ("webhook_endpoints", "insert"): WEBHOOKS,
    ("webhook_endpoints", "update"): WEBHOOKS,
    ("webhook_endpoints", "delete"): WEBHOOKS,
    ("task_field_definitions", "insert"): FIELDS,
    ("task_field_definitions", "update"): FIELDS,
    ("task_field_definitions", "delete"): FIELDS,
}
"""(table, statement kind) -> topic. Inserts of users and sessions change nothing that a
process may have cached (a login is a new session), so they send no notice."""
_PENDING = "taskcore_changes"
QUIET = "taskcore_quiet"
"""Execution option: this write to a watched table changes nothing a process caches (a
personal access token's last use), so it sends no change notice."""


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
    pool_size: int = 20,
    max_overflow: int = 0,
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
        pool_size: PostgreSQL connections the pool opens as needed and keeps open.
        max_overflow: PostgreSQL connections opened beyond ``pool_size`` under load
            (none by default). Each is closed when it is given back, so a process kept
            above ``pool_size`` connects anew for many of its requests: a new backend,
            and the prepared statements lost.
        pool_timeout: Seconds a PostgreSQL checkout waits for a free connection before
            ``sqlalchemy.exc.TimeoutError`` (the unit of work turns it into
            ``Unavailable``).
        pooled: ``False`` opens a fresh PostgreSQL connection per use (health probes,
            which must not queue behind requests for a pooled connection).
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        on_file = bool(parsed.database) and parsed.database != ":memory:"
        if on_file:
            _private_database_file(Path(str(parsed.database)))
        engine = create_engine(
            url,
            connect_args={"timeout": 30, "check_same_thread": False},
            **({"poolclass": ClosingPool} if on_file else {}),
        )

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
        engine = create_engine(parsed, poolclass=NullPool, connect_args=connect_args)
    else:
        engine = create_engine(
            parsed,
            pool_size=pool_size,
            max_overflow=max_overflow,
            pool_timeout=pool_timeout,
            connect_args=connect_args,
            poolclass=ClosingPool,
        )
        event.listen(engine, "checkout", check_alive)
    event.listen(engine, "before_execute", _note_change)
    event.listen(engine, "commit", _announce_changes)
    event.listen(engine, "rollback", _forget_changes)
    event.listen(engine, "before_cursor_execute", _note_schema_change)
    engine.dialect.do_rollback = _rollback_keeping_statements  # type: ignore[method-assign]
    return engine


_SCHEMA_CHANGE = re.compile(r"\s*(CREATE|ALTER|DROP|TRUNCATE|COMMENT|GRANT|REVOKE)\b", re.I)


def _note_schema_change(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
    if _SCHEMA_CHANGE.match(statement):
        conn.connection.dbapi_connection.taskcore_schema_changed = True


def _rollback_keeping_statements(dbapi_connection: Any) -> None:
    """Roll back without dropping the connection's prepared statements.

    psycopg's ``rollback()`` forgets every statement it prepared on the connection and
    sends ``DEALLOCATE ALL`` (in case the transaction created objects they name). Each
    rolled-back read (the background relay's look at the outbox, every couple of
    seconds) then cost the pool's connection its prepared statements, which psycopg
    prepares again only after five more uses of each. Prepared statements outlive a
    rollback in PostgreSQL, so a transaction that changed no schema is rolled back here
    with a plain ``ROLLBACK``, keeping them; one that did (migrations) goes through
    psycopg's own rollback.
    """
    raw = getattr(dbapi_connection, "dbapi_connection", None) or dbapi_connection
    exec_command = getattr(raw, "_exec_command", None)
    if (
        exec_command is None
        or getattr(raw, "_pipeline", None) is not None
        or getattr(raw, "taskcore_schema_changed", False)
    ):
        raw.taskcore_schema_changed = False
        raw.rollback()
        return
    if raw.info.transaction_status == psycopg_idle():
        return
    with raw.lock:
        raw.wait(exec_command(b"ROLLBACK"))


def psycopg_idle() -> Any:
    from psycopg.pq import TransactionStatus

    return TransactionStatus.IDLE


def _note_change(conn: Any, clause: Any, *_args: Any) -> None:
    """Remember, on the connection, the topics a write to a watched table touches."""
    if not isinstance(clause, UpdateBase) or clause.get_execution_options().get(QUIET):
        return
    table = getattr(clause.table, "name", None)
    topic = _WATCHED.get((str(table), clause.__visit_name__))
    if topic is not None:
        conn.info.setdefault(_PENDING, set()).add(topic)


def _announce_changes(conn: Any) -> None:
    """Before the commit of a transaction that wrote to watched tables: ``NOTIFY`` the
    topics in that transaction (PostgreSQL delivers them to every listening process at
    the commit, and not at all on a rollback), and tell this process's listener at once,
    so a request that follows the answer in this process never waits for the round trip."""
    topics: set[str] | None = conn.info.pop(_PENDING, None)
    if not topics:
        return
    payload = ",".join(sorted(topics))
    conn.connection.dbapi_connection.execute("SELECT pg_notify(%s, %s)", (CHANNEL, payload))
    listener = _listeners.get(conn.engine)
    if listener is not None:
        listener.dispatch(payload)


def _forget_changes(conn: Any) -> None:
    if conn.invalidated:
        # A dead connection (its info cannot be reached until the rollback): it is not
        # reused, and the worst a stale topic can do is one notice too many.
        return
    conn.info.pop(_PENDING, None)


class ChangeListener:
    """One process's ``LISTEN`` on :data:`CHANNEL`, on a connection of its own, in a
    daemon thread.

    Subscribers get called (from that thread, or from the committing thread for this
    process's own changes) with nothing when a topic they follow changed, and also
    whenever the listener connects or loses its connection, since notices may have been
    missed: whatever they cache must then be dropped. :attr:`live` says whether notices
    are arriving; a cache must not keep anything while it is ``False``.
    """

    def __init__(self, url: str) -> None:
        self._url = url
        self._subscribers: dict[str, list[Callable[[], None]]] = {}
        self._stop = threading.Event()
        self.live = False
        self._thread = threading.Thread(target=self._run, name="taskcore-changes", daemon=True)
        self._thread.start()

    def subscribe(self, topic: str, callback: Callable[[], None]) -> None:
        self._subscribers.setdefault(topic, []).append(callback)

    def dispatch(self, payload: str) -> None:
        for topic in payload.split(","):
            for callback in self._subscribers.get(topic, ()):
                callback()

    def _everything(self) -> None:
        for callbacks in list(self._subscribers.values()):
            for callback in callbacks:
                callback()

    def stop(self) -> None:
        """Stop listening, and wait (up to a second) for the thread to close its
        connection: a caller may drop the database next."""
        self._stop.set()
        self.live = False
        self._everything()
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout=1.0)

    def _run(self) -> None:
        import psycopg

        pause = 0.1
        while not self._stop.is_set():
            try:
                with psycopg.connect(self._url, autocommit=True, connect_timeout=5) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self._everything()
                    self.live = not self._stop.is_set()
                    pause = 0.1
                    while not self._stop.is_set():
                        for notice in conn.notifies(timeout=0.2):
                            self.dispatch(notice.payload)
            except Exception as exc:  # noqa: BLE001 - any failure: drop caches, reconnect
                if not self._stop.is_set():
                    log.warning("change notices interrupted: %s", exc)
            finally:
                self.live = False
                self._everything()
            self._stop.wait(pause)
            pause = min(pause * 2, 5.0)


_listeners: weakref.WeakKeyDictionary[Engine, ChangeListener] = weakref.WeakKeyDictionary()
_listeners_lock = threading.Lock()


def change_listener(engine: Engine | None) -> ChangeListener | None:
    """The change listener of a PostgreSQL ``engine`` made by :func:`make_engine`,
    started on first use and stopped when the engine is disposed; ``None`` for SQLite
    (or no engine), where nothing may be cached across requests."""
    if engine is None or engine.dialect.name != "postgresql":
        return None
    with _listeners_lock:
        listener = _listeners.get(engine)
        if listener is None:
            url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
            listener = _listeners[engine] = ChangeListener(url)
            if not event.contains(engine, "engine_disposed", _stop_listener):
                event.listen(engine, "engine_disposed", _stop_listener)
        return listener


def _stop_listener(engine: Engine) -> None:
    with _listeners_lock:
        listener = _listeners.pop(engine, None)
    if listener is not None:
        listener.stop()


class ClosingPool(QueuePool):
    """SQLAlchemy's queue pool, except that once ``Engine.dispose()`` has replaced it, a
    connection given back to it (by a thread that was still using it) is closed.

    SQLAlchemy's own pool keeps such a connection open in the discarded pool until the
    garbage collector reaches it, whenever that is, and Python then reports it as a
    ``ResourceWarning``. The engines of :func:`make_engine` use this pool, so every
    ``dispose()`` (a runtime's, a command's, a test's) is safe with a connection in use.
    """

    _disposed = False

    def dispose(self) -> None:
        super().dispose()
        self._disposed = True

    def recreate(self) -> QueuePool:
        new = super().recreate()  # it copies this pool's listeners: add the closing after
        if self._disposed:  # not after ``dispose(close=False)``, in a forked child
            event.listen(self, "checkin", _close_given_back)
            super().dispose()  # what came back in between
        return new


def _close_given_back(_dbapi_connection: Any, record: Any) -> None:
    """Close a connection as it is given back (the pool entry connects anew if it is
    ever checked out again)."""
    record.invalidate()


def dispose(engine: Engine, *, wait: float) -> None:
    """Dispose of ``engine`` for good: once the connections still checked out (e.g. by a
    live stream's read finishing in a worker thread) have come back, waiting up to
    ``wait`` seconds, its pool is disposed of, and one given back later is closed then
    (:class:`ClosingPool`). A thread that still uses the engine afterwards (a job lane
    finishing a job, say) gets a working connection, closed when it is given back: the
    engine's new pool keeps none open for the garbage collector to find."""
    checked_out = getattr(engine.pool, "checkedout", lambda: 0)  # a NullPool keeps none
    deadline = time.monotonic() + wait
    while checked_out() > 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    engine.dispose()
    event.listen(engine.pool, "checkin", _close_given_back)


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


class NoticeCache:
    """Values read from the database, kept by one process until a change notice of
    ``topic`` arrives (then everything is dropped), and only while notices arrive.

    :meth:`get` gives ``(value, generation)`` or ``(None, generation)``; pass that
    generation back to :meth:`put` after reading, so that a read that raced with a
    change is not kept. A connection whose own transaction changed the topic must not
    use the cache (:func:`changed_here`): it would not see its own changes.
    """

    LIMIT = 10_000

    def __init__(self, listener: ChangeListener, topic: str) -> None:
        self._listener = listener
        self._entries: dict[Any, Any] = {}
        self._lock = threading.Lock()
        self._generation = 0
        listener.subscribe(topic, self.clear)

    def clear(self) -> None:
        with self._lock:
            self._generation += 1
            self._entries.clear()

    def get(self, key: Any) -> tuple[Any, int]:
        generation = self._generation
        if not self._listener.live:
            return None, generation
        return self._entries.get(key), generation

    def put(self, key: Any, value: Any, generation: int) -> None:
        with self._lock:
            if generation != self._generation or not self._listener.live:
                return
            if len(self._entries) >= self.LIMIT:
                self._entries.clear()
            self._entries[key] = value


_caches: weakref.WeakKeyDictionary[ChangeListener, dict[str, NoticeCache]] = (
    weakref.WeakKeyDictionary()
)


def notice_cache(conn: Any, topic: str) -> NoticeCache | None:
    """The process's cache of ``topic`` for the engine of ``conn`` (a SQLAlchemy
    connection), or ``None`` when it has no change notices (SQLite) or when the
    connection's own transaction changed ``topic``."""
    if topic in conn.info.get(_PENDING, ()):
        return None
    listener = change_listener(conn.engine)
    if listener is None:
        return None
    with _listeners_lock:
        by_topic = _caches.setdefault(listener, {})
        cache = by_topic.get(topic)
        if cache is None:
            cache = by_topic[topic] = NoticeCache(listener, topic)
        return cache
