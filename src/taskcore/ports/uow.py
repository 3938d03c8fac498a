"""The unit of work: one transaction over every repository.

Each area declares its repositories in its own module of ``taskcore.ports``; this module
assembles them. Repositories are reached only through a unit of work and never commit;
ids are assigned by ``add`` so events can carry them.
"""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self

from taskcore.ports.access_tokens import AccessTokenRepository
from taskcore.ports.activity import ActivityRepository
from taskcore.ports.attachments import AttachmentRepository, BlobDeletionRepository
from taskcore.ports.comments import CommentRepository
from taskcore.ports.deliveries import DeliveryRepository
from taskcore.ports.identities import IdentityRepository
from taskcore.ports.imports import ImportRepository
from taskcore.ports.invitations import InvitationRepository
from taskcore.ports.live import LiveFeed
from taskcore.ports.notifications import (
    NotificationRepository,
    PreferenceRepository,
    TemplateRepository,
)
from taskcore.ports.outbox import Outbox
from taskcore.ports.projects import ProjectRepository
from taskcore.ports.reports import ReportQueries, ReportRepository
from taskcore.ports.sessions import RevokedTokenRepository, SessionRepository
from taskcore.ports.tasks import TaskRepository
from taskcore.ports.teams import TeamRepository
from taskcore.ports.time import (
    CalendarFeedRepository,
    DigestRepository,
    RecurrenceRepository,
    ReminderRepository,
    TimeEntryRepository,
    TimerRepository,
)
from taskcore.ports.users import UserRepository
from taskcore.ports.webhooks import WebhookDeliveryRepository, WebhookRepository


class UnitOfWork(Protocol):
    """One atomic transaction.

    Used as a context manager. Nothing is kept unless :meth:`commit` is called before the
    block ends; leaving the block without committing, or by an exception, rolls back.
    Implementations translate their own connection failures into
    :class:`~taskcore.errors.Unavailable`.
    """

    @property
    def users(self) -> UserRepository:
        """User accounts."""
        ...

    @property
    def identities(self) -> IdentityRepository:
        """Users' external identities (accounts at identity providers)."""
        ...

    @property
    def revoked_tokens(self) -> RevokedTokenRepository:
        """Revoked access tokens."""
        ...

    @property
    def sessions(self) -> SessionRepository:
        """Login sessions and their refresh tokens."""
        ...

    @property
    def access_tokens(self) -> AccessTokenRepository:
        """Personal access tokens."""
        ...

    @property
    def projects(self) -> ProjectRepository:
        """Projects and their memberships."""
        ...

    @property
    def teams(self) -> TeamRepository:
        """Teams, their members and their roles in projects."""
        ...

    @property
    def invitations(self) -> InvitationRepository:
        """Invitations to projects."""
        ...

    @property
    def tasks(self) -> TaskRepository:
        """Tasks, with their labels and watchers."""
        ...

    @property
    def comments(self) -> CommentRepository:
        """Comments on tasks."""
        ...

    @property
    def deliveries(self) -> DeliveryRepository:
        """Which handler has processed which event."""
        ...

    @property
    def attachments(self) -> AttachmentRepository:
        """Attachments' metadata."""
        ...

    @property
    def blob_deletions(self) -> BlobDeletionRepository:
        """Blobs to remove from the file store once their attachments are gone."""
        ...

    @property
    def activity(self) -> ActivityRepository:
        """The activity log and its daily summaries."""
        ...

    @property
    def notifications(self) -> NotificationRepository:
        """Queued e-mail and in-app notifications."""
        ...

    @property
    def notification_templates(self) -> TemplateRepository:
        """Notification templates."""
        ...

    @property
    def notification_preferences(self) -> PreferenceRepository:
        """Users' notification preferences."""
        ...

    @property
    def reports(self) -> ReportRepository:
        """Generated reports."""
        ...

    @property
    def report_queries(self) -> ReportQueries:
        """The figures of dashboards and reports, read in this transaction."""
        ...

    @property
    def webhooks(self) -> WebhookRepository:
        """Projects' outgoing webhook endpoints."""
        ...

    @property
    def webhook_deliveries(self) -> WebhookDeliveryRepository:
        """Deliveries of events to webhook endpoints."""
        ...

    @property
    def time_entries(self) -> TimeEntryRepository:
        """Time spent on tasks."""
        ...

    @property
    def timers(self) -> TimerRepository:
        """People's running timers."""
        ...

    @property
    def calendar_feeds(self) -> CalendarFeedRepository:
        """Users' calendar feeds."""
        ...

    @property
    def recurrences(self) -> RecurrenceRepository:
        """Recurring tasks' rules and series."""
        ...

    @property
    def reminders(self) -> ReminderRepository:
        """Reminders on tasks."""
        ...

    @property
    def digests(self) -> DigestRepository:
        """Daily digest subscriptions."""
        ...

    @property
    def outbox(self) -> Outbox:
        """Events waiting to be published."""
        ...

    @property
    def imports(self) -> ImportRepository:
        """Import runs and the sources of imported tasks."""
        ...

    @property
    def live(self) -> LiveFeed:
        """Committed events and in-app notifications in order, for live updates."""
        ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None:
        """Make every change of this unit durable, together."""
        ...

    def rollback(self) -> None:
        """Discard every change of this unit."""
        ...


class UnitOfWorkFactory(Protocol):
    """Creates a fresh :class:`UnitOfWork` per use-case call."""

    def __call__(self, *, read_only: bool = False) -> UnitOfWork:
        """A new unit of work.

        Args:
            read_only: The caller only reads, and never commits (:meth:`UnitOfWork.commit`
                raises): the adapter may read without a transaction of its own where
                that changes nothing the caller can see (PostgreSQL's READ COMMITTED
                gives each statement its own snapshot anyway), or with a lighter one.
        """
        ...
