"""The SQLAlchemy unit of work: one connection, one transaction."""

from __future__ import annotations

import threading
import weakref
from types import TracebackType
from typing import Final, Self

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from taskcore.errors import Unavailable
from taskcore_adapters.sql.access_tokens import SqlAlchemyAccessTokenRepository
from taskcore_adapters.sql.activity import SqlAlchemyActivityRepository
from taskcore_adapters.sql.attachments import (
    SqlAlchemyAttachmentRepository,
    SqlAlchemyBlobDeletionRepository,
)
from taskcore_adapters.sql.calendar_feeds import SqlAlchemyCalendarFeedRepository
from taskcore_adapters.sql.comments import SqlAlchemyCommentRepository
from taskcore_adapters.sql.deliveries import SqlAlchemyDeliveryRepository
from taskcore_adapters.sql.identities import SqlAlchemyIdentityRepository
from taskcore_adapters.sql.imports import SqlAlchemyImportRepository
from taskcore_adapters.sql.invitations import SqlAlchemyInvitationRepository
from taskcore_adapters.sql.live import SqlAlchemyLiveFeed
from taskcore_adapters.sql.notifications import (
    SqlAlchemyNotificationRepository,
    SqlAlchemyPreferenceRepository,
    SqlAlchemyTemplateRepository,
)
from taskcore_adapters.sql.outbox import SqlAlchemyOutbox
from taskcore_adapters.sql.projects import SqlAlchemyProjectRepository
from taskcore_adapters.sql.recurrences import SqlAlchemyRecurrenceRepository
from taskcore_adapters.sql.reminders import SqlAlchemyDigestRepository, SqlAlchemyReminderRepository
from taskcore_adapters.sql.reports import SqlAlchemyReportQueries, SqlAlchemyReportRepository
from taskcore_adapters.sql.sessions import (
    SqlAlchemyRevokedTokenRepository,
    SqlAlchemySessionRepository,
)
from taskcore_adapters.sql.tasks import SqlAlchemyTaskRepository
from taskcore_adapters.sql.teams import SqlAlchemyTeamRepository
from taskcore_adapters.sql.time import SqlAlchemyTimeEntryRepository, SqlAlchemyTimerRepository
from taskcore_adapters.sql.users import SqlAlchemyUserRepository
from taskcore_adapters.sql.webhooks import (
    SqlAlchemyWebhookDeliveryRepository,
    SqlAlchemyWebhookRepository,
)

WRITER_WAIT_SECONDS: Final = 30.0
"""How long a write on SQLite waits for its turn in this process (as long as SQLite's own
busy timeout) before :class:`~taskcore.errors.Unavailable`."""

_gates: weakref.WeakKeyDictionary[Engine, threading.RLock] = weakref.WeakKeyDictionary()
_gates_lock = threading.Lock()


def writer_gate(engine: Engine) -> threading.RLock | None:
    """The turn of ``engine``'s writers in this process on SQLite (``None`` elsewhere).

    SQLite runs one write transaction at a time. Without a turn, each waiting writer holds
    a pooled connection while it waits for the database's write lock, and a burst of
    writes takes every connection of the pool: reads, which SQLite runs beside a writer,
    then wait for the whole burst. A writer therefore waits for its turn here before it
    takes a connection; between processes, SQLite's busy timeout still orders them."""
    if engine.dialect.name != "sqlite":
        return None
    with _gates_lock:
        gate = _gates.get(engine)
        if gate is None:
            gate = _gates[engine] = threading.RLock()
        return gate


class SqlAlchemyUnitOfWork:
    """A transaction over one pooled connection (see ``taskcore.ports.uow.UnitOfWork``).

    Connection failures become :class:`taskcore.errors.Unavailable`, chained to the
    original error; so does a pool with no free connection within its ``pool_timeout``
    (the caller is told to retry instead of queueing for ever).
    """

    users: SqlAlchemyUserRepository
    identities: SqlAlchemyIdentityRepository
    revoked_tokens: SqlAlchemyRevokedTokenRepository
    sessions: SqlAlchemySessionRepository
    access_tokens: SqlAlchemyAccessTokenRepository
    projects: SqlAlchemyProjectRepository
    invitations: SqlAlchemyInvitationRepository
    teams: SqlAlchemyTeamRepository
    tasks: SqlAlchemyTaskRepository
    comments: SqlAlchemyCommentRepository
    attachments: SqlAlchemyAttachmentRepository
    blob_deletions: SqlAlchemyBlobDeletionRepository
    reports: SqlAlchemyReportRepository
    report_queries: SqlAlchemyReportQueries
    outbox: SqlAlchemyOutbox
    live: SqlAlchemyLiveFeed
    imports: SqlAlchemyImportRepository
    deliveries: SqlAlchemyDeliveryRepository
    webhooks: SqlAlchemyWebhookRepository
    webhook_deliveries: SqlAlchemyWebhookDeliveryRepository
    notifications: SqlAlchemyNotificationRepository
    notification_templates: SqlAlchemyTemplateRepository
    notification_preferences: SqlAlchemyPreferenceRepository
    activity: SqlAlchemyActivityRepository
    time_entries: SqlAlchemyTimeEntryRepository
    timers: SqlAlchemyTimerRepository
    calendar_feeds: SqlAlchemyCalendarFeedRepository
    recurrences: SqlAlchemyRecurrenceRepository
    reminders: SqlAlchemyReminderRepository
    digests: SqlAlchemyDigestRepository

    def __init__(self, engine: Engine, *, read_only: bool = False) -> None:
        self._engine = engine
        self._conn: Connection | None = None
        self._read_only = read_only
        self._turn: threading.RLock | None = None

    def __enter__(self) -> Self:
        gate = None if self._read_only else writer_gate(self._engine)
        if gate is not None:
            if not gate.acquire(timeout=WRITER_WAIT_SECONDS):
                raise Unavailable("Database busy")
            self._turn = gate
        try:
            self._conn = self._engine.connect()
            if self._read_only and self._conn.dialect.name == "postgresql":
                # Reads only, under READ COMMITTED: each statement has its own snapshot
                # with or without a transaction, so skip BEGIN and ROLLBACK.
                self._conn.execution_options(isolation_level="AUTOCOMMIT")
            else:
                # (SQLite: a read-only transaction begins deferred, without the write lock.)
                self._conn.execution_options(taskcore_read_only=self._read_only)
                self._conn.begin()
        except DBAPIError as exc:
            self._close()
            raise Unavailable("Database unavailable") from exc
        except PoolTimeout as exc:
            self._close()
            raise Unavailable("Database busy") from exc
        except BaseException:
            self._close()  # gives the writers' turn back
            raise
        self.users = SqlAlchemyUserRepository(self._conn)
        self.identities = SqlAlchemyIdentityRepository(self._conn)
        self.revoked_tokens = SqlAlchemyRevokedTokenRepository(self._conn)
        self.sessions = SqlAlchemySessionRepository(self._conn)
        self.access_tokens = SqlAlchemyAccessTokenRepository(self._conn)
        self.projects = SqlAlchemyProjectRepository(self._conn)
        self.invitations = SqlAlchemyInvitationRepository(self._conn)
        self.teams = SqlAlchemyTeamRepository(self._conn)
        self.tasks = SqlAlchemyTaskRepository(self._conn)
        self.comments = SqlAlchemyCommentRepository(self._conn)
        self.attachments = SqlAlchemyAttachmentRepository(self._conn)
        self.blob_deletions = SqlAlchemyBlobDeletionRepository(self._conn)
        self.reports = SqlAlchemyReportRepository(self._conn)
        self.report_queries = SqlAlchemyReportQueries(self._conn)
        self.outbox = SqlAlchemyOutbox(self._conn)
        self.live = SqlAlchemyLiveFeed(self._conn)
        self.imports = SqlAlchemyImportRepository(self._conn)
        self.deliveries = SqlAlchemyDeliveryRepository(self._conn)
        self.webhooks = SqlAlchemyWebhookRepository(self._conn)
        self.webhook_deliveries = SqlAlchemyWebhookDeliveryRepository(self._conn)
        self.notifications = SqlAlchemyNotificationRepository(self._conn)
        self.notification_templates = SqlAlchemyTemplateRepository(self._conn)
        self.notification_preferences = SqlAlchemyPreferenceRepository(self._conn)
        self.activity = SqlAlchemyActivityRepository(self._conn)
        self.time_entries = SqlAlchemyTimeEntryRepository(self._conn)
        self.timers = SqlAlchemyTimerRepository(self._conn)
        self.calendar_feeds = SqlAlchemyCalendarFeedRepository(self._conn)
        self.recurrences = SqlAlchemyRecurrenceRepository(self._conn)
        self.reminders = SqlAlchemyReminderRepository(self._conn)
        self.digests = SqlAlchemyDigestRepository(self._conn)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.rollback()
        finally:
            self._close()
        if isinstance(exc, OperationalError) or (
            isinstance(exc, DBAPIError) and exc.connection_invalidated
        ):
            raise Unavailable("Database unavailable") from exc

    def commit(self) -> None:
        if self._conn is None:
            raise RuntimeError("commit outside the unit of work")
        if self._read_only:
            raise RuntimeError("commit of a read-only unit of work")
        try:
            self._conn.commit()
        except OperationalError as exc:
            raise Unavailable("Database unavailable") from exc

    def rollback(self) -> None:
        if self._conn is not None and self._conn.in_transaction():
            try:
                self._conn.rollback()
            except DBAPIError:
                self._conn.invalidate()

    def _close(self) -> None:
        try:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
        finally:
            if self._turn is not None:
                self._turn.release()
                self._turn = None


class SqlAlchemyUnitOfWorkFactory:
    """Makes a :class:`SqlAlchemyUnitOfWork` per use-case call from one engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def __call__(self, *, read_only: bool = False) -> SqlAlchemyUnitOfWork:
        return SqlAlchemyUnitOfWork(self.engine, read_only=read_only)
