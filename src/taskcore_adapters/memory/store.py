"""An in-memory database with serialisable transactions (one at a time, copy on begin)."""

from __future__ import annotations

import copy
import threading
from types import TracebackType
from typing import Self

from taskcore.domain.events import DomainEvent
from taskcore_adapters.memory.access_tokens import InMemoryAccessTokenRepository
from taskcore_adapters.memory.activity import InMemoryActivityRepository
from taskcore_adapters.memory.attachments import (
    InMemoryAttachmentRepository,
    InMemoryBlobDeletionRepository,
)
from taskcore_adapters.memory.comments import InMemoryCommentRepository
from taskcore_adapters.memory.deliveries import InMemoryDeliveryRepository
from taskcore_adapters.memory.identities import InMemoryIdentityRepository
from taskcore_adapters.memory.imports import InMemoryImportRepository
from taskcore_adapters.memory.invitations import InMemoryInvitationRepository
from taskcore_adapters.memory.live import InMemoryLiveFeed, OutboxPositions
from taskcore_adapters.memory.notifications import (
    InMemoryNotificationRepository,
    InMemoryPreferenceRepository,
    InMemoryTemplateRepository,
)
from taskcore_adapters.memory.outbox import InMemoryOutbox
from taskcore_adapters.memory.projects import InMemoryProjectRepository
from taskcore_adapters.memory.reports import InMemoryReportQueries, InMemoryReportRepository
from taskcore_adapters.memory.sessions import (
    InMemoryRevokedTokenRepository,
    InMemorySessionRepository,
)
from taskcore_adapters.memory.tables import Tables
from taskcore_adapters.memory.tasks import InMemoryTaskRepository
from taskcore_adapters.memory.teams import InMemoryTeamRepository
from taskcore_adapters.memory.time import (
    InMemoryCalendarFeedRepository,
    InMemoryDigestRepository,
    InMemoryRecurrenceRepository,
    InMemoryReminderRepository,
    InMemoryTimeEntryRepository,
    InMemoryTimerRepository,
)
from taskcore_adapters.memory.users import InMemoryUserRepository
from taskcore_adapters.memory.webhooks import (
    InMemoryWebhookDeliveryRepository,
    InMemoryWebhookRepository,
)


class InMemoryStore:
    """The data of one in-memory taskcore; call it to get a unit of work.

    Transactions are serialised by a lock, so concurrent callers behave as if each ran
    alone, as under SERIALIZABLE isolation.
    """

    def __init__(self) -> None:
        self._tables = Tables()
        self._lock = threading.RLock()
        self.outbox_positions = OutboxPositions()

    def __call__(self, *, read_only: bool = False) -> InMemoryUnitOfWork:
        return InMemoryUnitOfWork(self, read_only=read_only)

    @property
    def lock(self) -> threading.RLock:
        """The lock that serialises transactions."""
        return self._lock

    def events(self) -> list[DomainEvent]:
        """Every event ever committed to the outbox, oldest first (published or not)."""
        with self._lock:
            return [event for event, _ in self._tables.outbox]

    def snapshot(self) -> Tables:
        """A private copy of every table.

        The outbox and the activity log, the tables that grow with every write, hold frozen
        rows that nothing changes once written: their containers are copied and their rows
        shared, so a transaction's cost does not grow with the history.
        """
        tables = self._tables
        memo: dict[int, object] = {
            id(container): copy.copy(container) for container in (tables.outbox, tables.activity)
        }
        return copy.deepcopy(tables, memo)

    def install(self, tables: Tables) -> None:
        """Replace every table (on commit)."""
        self._tables = tables


class InMemoryUnitOfWork:
    """A transaction over an :class:`InMemoryStore` (see ``taskcore.ports.uow``)."""

    users: InMemoryUserRepository
    identities: InMemoryIdentityRepository
    revoked_tokens: InMemoryRevokedTokenRepository
    sessions: InMemorySessionRepository
    access_tokens: InMemoryAccessTokenRepository
    projects: InMemoryProjectRepository
    invitations: InMemoryInvitationRepository
    teams: InMemoryTeamRepository
    tasks: InMemoryTaskRepository
    comments: InMemoryCommentRepository
    attachments: InMemoryAttachmentRepository
    blob_deletions: InMemoryBlobDeletionRepository
    reports: InMemoryReportRepository
    report_queries: InMemoryReportQueries
    outbox: InMemoryOutbox
    live: InMemoryLiveFeed
    imports: InMemoryImportRepository
    activity: InMemoryActivityRepository
    deliveries: InMemoryDeliveryRepository
    webhooks: InMemoryWebhookRepository
    webhook_deliveries: InMemoryWebhookDeliveryRepository
    notifications: InMemoryNotificationRepository
    notification_templates: InMemoryTemplateRepository
    notification_preferences: InMemoryPreferenceRepository
    time_entries: InMemoryTimeEntryRepository
    timers: InMemoryTimerRepository
    calendar_feeds: InMemoryCalendarFeedRepository
    recurrences: InMemoryRecurrenceRepository
    reminders: InMemoryReminderRepository
    digests: InMemoryDigestRepository

    def __init__(self, store: InMemoryStore, *, read_only: bool = False) -> None:
        self._store = store
        self._tables: Tables | None = None
        self._read_only = read_only

    def __enter__(self) -> Self:
        self._store.lock.acquire()
        self._tables = self._store.snapshot()
        self._rebind()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._tables = None
        self._store.lock.release()

    def commit(self) -> None:
        """Install this transaction's copy as the store's data."""
        if self._tables is None:
            raise RuntimeError("commit outside the unit of work")
        if self._read_only:
            raise RuntimeError("commit of a read-only unit of work")
        self._store.install(self._tables)
        self._tables = self._store.snapshot()
        self._rebind()

    def rollback(self) -> None:
        """Throw away this transaction's changes."""
        self._tables = self._store.snapshot()
        self._rebind()

    def _rebind(self) -> None:
        if self._tables is None:
            raise RuntimeError("unit of work is not open")
        self.users = InMemoryUserRepository(self._tables)
        self.identities = InMemoryIdentityRepository(self._tables)
        self.revoked_tokens = InMemoryRevokedTokenRepository(self._tables.revoked)
        self.sessions = InMemorySessionRepository(
            self._tables.sessions, self._tables.refresh_tokens, self._tables.users
        )
        self.access_tokens = InMemoryAccessTokenRepository(
            self._tables.access_tokens, self._tables.users, self._tables.allocate
        )
        self.projects = InMemoryProjectRepository(self._tables)
        self.teams = InMemoryTeamRepository(self._tables)
        self.invitations = InMemoryInvitationRepository(
            self._tables.invitations,
            self._tables.projects,
            self._tables.users,
            self._tables.allocate,
        )
        self.tasks = InMemoryTaskRepository(self._tables)
        self.comments = InMemoryCommentRepository(self._tables)
        self.attachments = InMemoryAttachmentRepository(self._tables)
        self.blob_deletions = InMemoryBlobDeletionRepository(self._tables)
        self.reports = InMemoryReportRepository(self._tables)
        self.report_queries = InMemoryReportQueries(self._tables)
        self.outbox = InMemoryOutbox(self._tables)
        self.live = InMemoryLiveFeed(self._tables, self._store.outbox_positions)
        self.imports = InMemoryImportRepository(self._tables)
        self.activity = InMemoryActivityRepository(
            self._tables.activity,
            self._tables.activity_summaries,
            self._tables.users,
            self._tables.allocate,
        )
        self.deliveries = InMemoryDeliveryRepository(self._tables.deliveries)
        self.webhooks = InMemoryWebhookRepository(
            self._tables.webhooks, self._tables.webhook_deliveries, self._tables.allocate
        )
        self.webhook_deliveries = InMemoryWebhookDeliveryRepository(
            self._tables.webhook_deliveries, self._tables.allocate, self._tables.webhooks
        )
        tables = self._tables
        self.notifications = InMemoryNotificationRepository(
            tables.notifications, lambda: tables.allocate("notification_queue")
        )
        self.notification_templates = InMemoryTemplateRepository(tables.notification_templates)
        self.notification_preferences = InMemoryPreferenceRepository(
            tables.notification_preferences
        )
        self.time_entries = InMemoryTimeEntryRepository(tables)
        self.timers = InMemoryTimerRepository(tables)
        self.calendar_feeds = InMemoryCalendarFeedRepository(tables)
        self.recurrences = InMemoryRecurrenceRepository(tables)
        self.reminders = InMemoryReminderRepository(tables)
        self.digests = InMemoryDigestRepository(tables)
