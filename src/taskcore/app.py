"""The composition of the core: build every service from the ports it is handed."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from taskcore.domain.attachments import DEFAULT_MAX_UPLOAD_BYTES, DEFAULT_USER_QUOTA_BYTES
from taskcore.domain.events import (
    CommentAdded,
    DomainEvent,
    MemberInvited,
    ProjectDeleted,
    TaskAssigned,
    TaskDeleted,
    TaskStatusChanged,
    TaskUpdated,
    UserMentioned,
)
from taskcore.errors import AccountDisabled, UserNotFound
from taskcore.ports.clock import Clock
from taskcore.ports.events import EventBus
from taskcore.ports.files import FileStore
from taskcore.ports.jobs import JobQueue
from taskcore.ports.mail import Mailer, TemplateRenderer
from taskcore.ports.scanning import MalwareScanner
from taskcore.ports.security import PasswordHasher, TokenService
from taskcore.ports.time import RecurrenceRules
from taskcore.ports.uow import UnitOfWorkFactory
from taskcore.ports.webhooks import WebhookSender
from taskcore.services import activity as activity_log
from taskcore.services import events as event_outbox
from taskcore.services import notifications as notification_area
from taskcore.services import time as time_area
from taskcore.services import webhooks as webhook_area
from taskcore.services.activity import ActivityService
from taskcore.services.attachments import SWEEP_FILES, AttachmentService, NoFileStore
from taskcore.services.comments import CommentService
from taskcore.services.events import EventDispatcher, HandlerSpec
from taskcore.services.jobs import DEFAULT_LANES, Jobs
from taskcore.services.notifications import (
    DEFAULT_MAX_ATTEMPTS,
    NoMailer,
    NotificationService,
    PlaceholderRenderer,
)
from taskcore.services.projects import ProjectService
from taskcore.services.reports import GENERATE_REPORT, PURGE_EXPIRED_REPORTS, ReportService
from taskcore.services.tasks import TaskService
from taskcore.services.teams import TeamService
from taskcore.services.time import TimeService
from taskcore.services.time.base import NoRecurrenceRules
from taskcore.services.transfer import TransferService
from taskcore.services.transfer import importing as transfer_area
from taskcore.services.users import UserService
from taskcore.services.users.views import Principal
from taskcore.services.webhooks import WebhookOptions, WebhookService
from taskcore.uow import Transactions

log = logging.getLogger(__name__)


@attrs.frozen(kw_only=True)
class Taskcore:
    """A ready taskcore instance: one attribute per use-case area.

    Instances share nothing; several can live in one process.
    """

    users: UserService
    projects: ProjectService
    tasks: TaskService
    comments: CommentService
    attachments: AttachmentService
    reports: ReportService
    activity: ActivityService
    webhooks: WebhookService
    notifications: NotificationService
    time: TimeService
    events: EventDispatcher
    jobs: Jobs
    transactions: Transactions
    clock: Clock
    background_relay: bool = False
    _wake: threading.Event = attrs.field(factory=threading.Event, alias="_wake")
    _closed: threading.Event = attrs.field(factory=threading.Event, alias="_closed")
    _pumps: set[threading.Thread] = attrs.field(factory=set, alias="_pumps")
    transfer: TransferService = attrs.field(
        default=attrs.Factory(
            lambda core: TransferService(
                transactions=core.transactions, clock=core.clock, jobs=core.jobs
            ),
            takes_self=True,
        )
    )
    """Data in and out (exports and imports), on the instance's own transactions."""
    teams: TeamService = attrs.field(
        default=attrs.Factory(
            lambda core: TeamService(transactions=core.transactions, clock=core.clock),
            takes_self=True,
        )
    )
    """Teams of users, their members and the roles teams hold in projects."""

    def as_user(self, user_id: int) -> Principal:
        """The caller to pass to every use case to act as the user ``user_id``, without a
        login: for an application that embeds taskcore and has authenticated its user
        itself. The principal is built from the stored account (its username and whether
        it is an administrator) and has the user's full rights, like a login session; it
        is not remembered, so ask again after changing the account.

        Raises:
            UserNotFound: no such user.
            AccountDisabled: the account is deactivated.
        """
        with self.transactions(read_only=True) as work:
            user = work.uow.users.get(user_id)
        if user is None:
            raise UserNotFound(user_id)
        if not user.is_active:
            raise AccountDisabled()
        return Principal(user_id=user.key, username=user.username, is_admin=user.is_admin)

    def run_job(self, name: str, args: Mapping[str, Any]) -> None:
        """Run a background job by name (job queues and workers call this).

        Raises:
            ValueError: no job has this name.
        """
        self.jobs.run(name, args)

    def tick(self) -> None:
        """One round of background housekeeping: queue new deliveries' jobs, relay the
        outbox, re-queue event deliveries that are due, and enqueue periodic jobs whose
        time has come."""
        self.events.flush()
        self.events.relay_now()
        self.events.retry_due()
        self.jobs.run_due(self.clock.now())

    def close(self, timeout: float = 10.0) -> None:
        """End every :meth:`pump` of this instance (a round under way finishes first) and
        stop the in-process job lanes: running jobs get ``timeout`` seconds, queued ones
        are left to their durable records (the next process queues them again)."""
        self._closed.set()
        self._wake.set()
        deadline = time.monotonic() + timeout
        for thread in list(self._pumps):
            if thread is not threading.current_thread():
                thread.join(max(0.0, deadline - time.monotonic()))
        self.jobs.close(timeout)

    def wake(self) -> None:
        """Make :meth:`pump` run its next round now (with ``background_relay``, every
        commit that stored events calls this)."""
        self._wake.set()

    def pump(self, stop: threading.Event, interval: float = 2.0) -> None:
        """Call :meth:`tick` every ``interval`` seconds, or at once when woken, until
        ``stop`` is set (the worker and the server run this in a thread; call
        :meth:`wake` after setting ``stop`` to end it at once), or until :meth:`close`. A
        failing round (database or queue briefly down) is logged and tried again next
        round."""
        self._pumps.add(threading.current_thread())
        try:
            self._pump_until(stop, interval)
        finally:
            self._pumps.discard(threading.current_thread())

    def _pump_until(self, stop: threading.Event, interval: float) -> None:
        last: float | None = None
        while not stop.is_set() and not self._closed.is_set():
            self._wake.clear()
            try:
                # A wake-up (a commit) only needs its deliveries' jobs queued; the whole
                # round runs every ``interval``.
                self.events.flush()
                if last is None or time.monotonic() - last >= interval:
                    last = time.monotonic()
                    self.tick()
            except Exception:  # keep pumping; the next round retries
                log.exception("background round failed")
            self._wake.wait(max(0.0, interval - (time.monotonic() - (last or 0.0))))


def build(
    *,
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    password_hasher: PasswordHasher,
    token_service: TokenService,
    event_bus: EventBus | None = None,
    job_queue: JobQueue | None = None,
    event_handlers: Sequence[HandlerSpec] = (),
    file_store: FileStore | None = None,
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
    user_quota_bytes: int | None = DEFAULT_USER_QUOTA_BYTES,
    malware_scanner: MalwareScanner | None = None,
    session_ttl: dt.timedelta = dt.timedelta(days=30),
    refresh_reuse_grace: dt.timedelta = dt.timedelta(seconds=10),
    activity_retention_days: int = activity_log.DEFAULT_RETENTION_DAYS,
    event_retention_days: int = event_outbox.DEFAULT_RETENTION_DAYS,
    webhook_sender: WebhookSender | None = None,
    webhook_options: WebhookOptions | None = None,
    mailer: Mailer | None = None,
    template_renderer: TemplateRenderer | None = None,
    mail_max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    background_relay: bool = False,
    job_lanes: Mapping[str, int] | None = DEFAULT_LANES,
    recurrence_rules: RecurrenceRules | None = None,
) -> Taskcore:
    """Assemble taskcore from its ports.

    Args:
        uow_factory: Makes a unit of work per use-case call.
        clock: Source of the current time (aware UTC).
        password_hasher: Hashes and verifies passwords.
        token_service: Mints and verifies access tokens.
        event_bus: Receives events after commit, if given.
        job_queue: Where background jobs go; by default they run inline, in process.
        event_handlers: Consumers of domain events, each run once per event.
        file_store: Where attachments' files live; without one, uploads and downloads
            fail with ``Unavailable``.
        max_upload_bytes: The largest attachment accepted (16 MiB by default).
        user_quota_bytes: How many bytes of attachments each user may have stored (1 GiB
            by default); ``None`` for no limit.
        malware_scanner: Scans uploaded files; without one, files are not scanned.
        session_ttl: How long a login can be renewed with refresh tokens (30 days).
        refresh_reuse_grace: How long after its first use a replayed refresh token is only
            refused, not treated as reuse that revokes the session (10 seconds; zero
            disables the grace period).
        activity_retention_days: Activity entries older than this many days are deleted
            by the daily cleanup (90 by default).
        event_retention_days: Published events older than this many days, whose
            deliveries are all done, are deleted with those deliveries by the daily purge
            (7 by default); events with a pending or failed delivery are kept.
        webhook_sender: Sends projects' webhooks; without one, deliveries stay pending
            (with an error saying why) until a sender is configured.
        webhook_options: Webhook URL rules, retries and disabling (defaults: https on
            port 443 only, 8 attempts, disabled after 10 failed deliveries in a row).
        mailer: Sends notification e-mail; without one, e-mail notifications end
            ``failed_config`` (in-app notifications work regardless).
        template_renderer: Renders notification templates; by default a plain
            ``{{key}}`` substitution, with values escaped in HTML bodies.
        mail_max_attempts: Delivery attempts of one e-mail before it is marked failed.
        background_relay: Relay the outbox in :meth:`Taskcore.pump`'s thread, woken by
            each commit, instead of in the committing thread right after its commit: the
            caller does not wait for event handlers (or their job enqueues), and bursts
            of commits are relayed in batches. Whoever sets it must run ``pump``.
        job_lanes: Without a ``job_queue``, the threads of each lane of jobs that reach
            other servers (sending mail, delivering webhooks): they run there, never in
            the thread that queued them (see ``taskcore.services.jobs.InlineQueue``;
            ``Jobs.drain`` waits for them, ``Taskcore.close`` stops them). ``None`` runs
            them in the calling thread too, which only deterministic tests should want.
        recurrence_rules: Computes recurring tasks' rules (python-dateutil's, from
            ``taskcore_adapters``); without one, recurring tasks answer ``Unavailable``
            naming the extra to install.

    Returns:
        The assembled instance.
    """
    transactions = Transactions(uow_factory, event_bus)
    jobs = Jobs(job_queue, lanes=job_lanes)
    events, wake = _event_outbox(
        transactions,
        clock,
        jobs,
        handlers=event_handlers,
        background_relay=background_relay,
        retention_days=event_retention_days,
    )
    notifications = NotificationService(
        transactions=transactions,
        clock=clock,
        jobs=jobs,
        mailer=mailer or NoMailer(),
        renderer=template_renderer or PlaceholderRenderer(),
        max_attempts=mail_max_attempts,
    )
    _subscribe_notifications(events, notifications)
    core = Taskcore(
        users=UserService(
            transactions=transactions,
            clock=clock,
            hasher=password_hasher,
            tokens=token_service,
            session_ttl=session_ttl,
            refresh_reuse_grace=refresh_reuse_grace,
        ),
        projects=ProjectService(transactions=transactions, clock=clock),
        tasks=TaskService(transactions=transactions, clock=clock),
        comments=CommentService(transactions=transactions, clock=clock),
        # In-transaction handlers register in this order: attachments, activity, webhooks, time.
        attachments=_attachments(
            transactions,
            clock,
            files=file_store,
            max_upload_bytes=max_upload_bytes,
            user_quota_bytes=user_quota_bytes,
            scanner=malware_scanner,
        ),
        reports=ReportService(transactions=transactions, clock=clock, jobs=jobs),
        activity=_activity(transactions, clock, jobs, retention_days=activity_retention_days),
        webhooks=_webhooks(transactions, clock, jobs, webhook_sender, webhook_options),
        notifications=notifications,
        time=_time(transactions, clock, rules=recurrence_rules or NoRecurrenceRules()),
        events=events,
        jobs=jobs,
        transactions=transactions,
        clock=clock,
        background_relay=background_relay,
        _wake=wake,
    )
    _register_jobs(core)
    return core


def _register_jobs(core: Taskcore) -> None:
    """Every area's background jobs, and when the periodic ones run, in one place: each
    service offers a ``run_..._job`` method per job and registers none itself."""
    jobs, events, attachments, reports = core.jobs, core.events, core.attachments, core.reports
    activity, webhooks, notifications = core.activity, core.webhooks, core.notifications
    day = dt.timedelta(days=1)
    # Each event reaches each handler by one job; settled events beyond the retention
    # period go, with their done deliveries.
    jobs.register(event_outbox.DELIVER, events.run_delivery_job)
    jobs.register(event_outbox.PURGE, events.run_purge_job)
    jobs.every(event_outbox.PURGE, day, offset=dt.timedelta(hours=2, minutes=30))
    # Pending blob removals are finished; orphaned and unfinished uploads removed.
    jobs.register(SWEEP_FILES, attachments.run_sweep_job)
    jobs.every(SWEEP_FILES, day, offset=dt.timedelta(hours=3))
    jobs.register(GENERATE_REPORT, reports.run_generate_job)
    jobs.register(PURGE_EXPIRED_REPORTS, reports.run_purge_job)
    jobs.every(PURGE_EXPIRED_REPORTS, dt.timedelta(hours=1), offset=dt.timedelta(minutes=20))
    jobs.register(activity_log.SUMMARIZE, activity.run_summary_job)
    jobs.register(activity_log.CLEANUP, activity.run_cleanup_job)
    jobs.every(activity_log.SUMMARIZE, day, offset=dt.timedelta(hours=1))
    jobs.every(activity_log.CLEANUP, day, offset=dt.timedelta(hours=2))
    jobs.register(webhook_area.DELIVER, webhooks.run_deliver_job)
    jobs.register(webhook_area.RETRY_DUE, webhooks.run_retry_job)
    jobs.every(webhook_area.RETRY_DUE, webhooks.options.retry_interval)
    jobs.register(notification_area.SEND, notifications.run_send_job)
    jobs.register(notification_area.DISPATCH, notifications.run_dispatch_job)
    jobs.every(notification_area.DISPATCH, notification_area.DISPATCH_INTERVAL)
    # Due reminders go out once each, whichever worker runs the job.
    jobs.register(time_area.SEND_REMINDERS, core.time.run_reminder_job)
    jobs.every(time_area.SEND_REMINDERS, time_area.SEND_INTERVAL)
    jobs.register(time_area.SEND_DIGESTS, core.time.run_digest_job)
    jobs.every(time_area.SEND_DIGESTS, time_area.DIGEST_INTERVAL)
    # Imports are written chunk by chunk; a run whose worker stopped is queued again.
    jobs.register(transfer_area.IMPORT, core.transfer.run_import_job)
    jobs.register(transfer_area.RESUME, core.transfer.run_resume_job)
    jobs.every(transfer_area.RESUME, dt.timedelta(minutes=5))


def _event_outbox(
    transactions: Transactions,
    clock: Clock,
    jobs: Jobs,
    *,
    handlers: Sequence[HandlerSpec],
    background_relay: bool,
    retention_days: int,
) -> tuple[EventDispatcher, threading.Event]:
    """The outbox's dispatcher, publishing every transaction's events, and the event that
    wakes :meth:`Taskcore.pump` (set by each commit with ``background_relay``)."""
    events = EventDispatcher(
        transactions=transactions,
        clock=clock,
        jobs=jobs,
        handlers=handlers,
        defer_enqueue=background_relay,
        retention_days=retention_days,
    )
    # Each transaction stores its events with their deliveries; the jobs are queued once
    # it has committed, by the committing thread or by the pump's.
    transactions.publish_with(events.publish)
    wake = threading.Event()
    transactions.after_commit(wake.set if background_relay else events.catch_up)
    return events, wake


def _attachments(
    transactions: Transactions,
    clock: Clock,
    *,
    files: FileStore | None,
    max_upload_bytes: int,
    user_quota_bytes: int | None,
    scanner: MalwareScanner | None,
) -> AttachmentService:
    """The attachments area, deleting a task's or project's attachments with it."""
    attachments = AttachmentService(
        transactions=transactions,
        clock=clock,
        files=files or NoFileStore(),
        max_upload_bytes=max_upload_bytes,
        user_quota_bytes=user_quota_bytes,
        scanner=scanner,
    )
    # Deleting a task or project deletes its attachments in the same transaction.
    transactions.handle_in_transaction((TaskDeleted, ProjectDeleted), attachments.on_tasks_deleted)
    return attachments


def _activity(
    transactions: Transactions, clock: Clock, jobs: Jobs, *, retention_days: int
) -> ActivityService:
    """The activity area, recording every event."""
    activity = ActivityService(
        transactions=transactions, clock=clock, jobs=jobs, retention_days=retention_days
    )
    # Every event becomes one activity entry, committed with the change it records.
    transactions.handle_in_transaction((DomainEvent,), activity.record)
    return activity


def _webhooks(
    transactions: Transactions,
    clock: Clock,
    jobs: Jobs,
    sender: WebhookSender | None,
    options: WebhookOptions | None,
) -> WebhookService:
    """The webhooks area, turning projects' events into deliveries."""
    webhooks = WebhookService(
        transactions=transactions, clock=clock, jobs=jobs, sender=sender, options=options
    )
    # Events of a project become signed webhook deliveries, stored in the transaction that
    # records them; a deleted project's webhooks go with it (first, so it sends nothing).
    transactions.handle_in_transaction((ProjectDeleted,), webhooks.on_project_deleted)
    transactions.handle_in_transaction((DomainEvent,), webhooks.on_events)
    return webhooks


def _time(transactions: Transactions, clock: Clock, *, rules: RecurrenceRules) -> TimeService:
    """The time area: a deleted task's time goes with it, a task with time entries keeps
    their sum as its ``actual_hours``, and a completed recurring task gets its next
    occurrence."""
    time = TimeService(transactions=transactions, clock=clock, rules=rules)
    transactions.handle_in_transaction((TaskDeleted, ProjectDeleted), time.on_tasks_deleted)
    transactions.handle_in_transaction((TaskUpdated,), time.guard_actual_hours)
    # Completing a recurring task creates its next occurrence in the same transaction.
    transactions.handle_in_transaction((TaskStatusChanged,), time.on_task_status_changed)
    # Relative reminders follow their task's due date.
    transactions.handle_in_transaction((TaskUpdated,), time.on_due_date_changed)
    return time


def _subscribe_notifications(events: EventDispatcher, notifications: NotificationService) -> None:
    """Assignments, completions, comments, mentions and invitations notify the people
    concerned, in app and by e-mail as each prefers: one outbox handler each."""
    for name, event_type, handler, when in (
        (
            "notifications.task_assigned",
            TaskAssigned,
            notifications.on_task_assigned,
            notifications.notifies_assignment,
        ),
        (
            "notifications.task_completed",
            TaskStatusChanged,
            notifications.on_task_status_changed,
            notifications.notifies_completion,
        ),
        ("notifications.comment_added", CommentAdded, notifications.on_comment_added, None),
        (
            "notifications.user_mentioned",
            UserMentioned,
            notifications.on_user_mentioned,
            None,
        ),
        (
            "notifications.member_invited",
            MemberInvited,
            notifications.on_member_invited,
            None,
        ),
    ):
        events.register(HandlerSpec(name=name, events=(event_type,), func=handler, when=when))
