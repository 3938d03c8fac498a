"""Notifications: queued e-mail from templates, the in-app inbox, and preferences.

Notifications are created in the transaction of whatever caused them: the event handlers
registered by :func:`taskcore.app.build` (a task assigned or completed, a comment, an
@mention) and the administrators' compatibility endpoints. E-mail is sent by the job
``notifications.send`` once that transaction has committed, so a rolled-back write sends
nothing. Each attempt first *claims* its notification (``pending → sending``), so two runs
never send it twice at the same time; the periodic job ``notifications.dispatch`` picks up
whatever is due (retries after back-off, a claim whose run died, a lost job).

Delivery is at least once: a crash between the server's acceptance and the status update
sends again after the claim expires, with the same ``Message-ID``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from taskcore.domain import notifications as rules
from taskcore.domain.comments import mentioned_names
from taskcore.domain.events import DomainEvent
from taskcore.domain.notifications import (
    BUILTIN_TEMPLATES,
    EMAIL,
    IN_APP,
    Channel,
    Notification,
    NotificationPreferences,
    NotificationStatus,
    NotificationTemplate,
    NotifyEvent,
)
from taskcore.domain.pagination import Page, PageRequest
from taskcore.domain.users import User
from taskcore.domain.values import UNSET, Unset
from taskcore.errors import (
    AdminRequired,
    MailConfigurationError,
    MailRejected,
    MailTemporaryFailure,
    NotificationNotFound,
    PermissionDenied,
    TemplateNotFound,
    UserNotFound,
    ValidationError,
)
from taskcore.ports.clock import Clock
from taskcore.ports.jobs import JobSpec
from taskcore.ports.mail import Mailer, OutgoingMail, TemplateRenderer
from taskcore.ports.uow import UnitOfWork
from taskcore.services.access import Actor
from taskcore.services.jobs import Jobs
from taskcore.uow import Transactions, Work

log = logging.getLogger(__name__)

SEND = JobSpec(name="notifications.send", retries=0, timeout_seconds=120, lane="mail")
"""Sends one e-mail notification (retries are the service's own, with back-off)."""

DISPATCH = JobSpec(name="notifications.dispatch", retries=0, timeout_seconds=300)
"""Every minute: queues a send for every e-mail notification that is due."""

DISPATCH_INTERVAL = dt.timedelta(minutes=1)

LEASE = dt.timedelta(seconds=SEND.timeout_seconds + 60)
"""How long a claim holds; after that another run may take the notification over."""

DEFAULT_MAX_ATTEMPTS = 5
DEFAULT_BACKOFF_SECONDS = (30, 120, 600, 1800, 3600)
DISPATCH_BATCH = 50
MAX_ERROR_LENGTH = 1000

RECIPIENT_MISSING = "Recipient user not found"
RENDER_FAILED = "Failed to render template"
ACCESS_DENIED = "Access denied"

INVITATION_SUBJECT = "You have been invited to a project on taskcore"
"""The subject of every invitation notification: fixed, never another user's text."""

INVITATION_BODY = (
    "Hello,\n\n"
    "A user of taskcore has invited you to join a project. Sign in to taskcore and open\n"
    "Invitations to see who invited you and to which project, and to accept or decline.\n"
    "Until you accept, you are not a member and nothing of the project is shared with you.\n\n"
    "If you did not expect this, you can decline the invitation or ignore this message.\n"
)
"""The body of the invitation e-mail: fixed text, naming neither project nor inviter."""


class PlaceholderRenderer:
    """The minimal :class:`~taskcore.ports.mail.TemplateRenderer`: the original's
    ``{{key}}`` substitution (spaces inside the braces allowed), escaping values in HTML.

    Unknown placeholders are left as written; there are no conditionals or loops. Hosts
    that want full templates pass a sandboxed jinja renderer instead.
    """

    _PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")

    def render(self, source: str, context: Mapping[str, Any], *, html: bool) -> str:
        def value(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in context:
                return match.group(0)
            text = str(context[name])
            return _escape(text) if html else text

        return self._PLACEHOLDER.sub(value, source)

    def check(self, source: str, field: str) -> None:
        """Every text is a valid placeholder template."""


def _escape(text: str) -> str:
    return html.escape(text, quote=True)


class NoMailer:
    """The mailer used when none is configured: every message fails as a configuration
    error, so nothing is silently dropped (the notification ends ``failed_config``)."""

    def send(self, mail: OutgoingMail) -> None:
        raise MailConfigurationError("No mailer is configured")


@attrs.frozen(kw_only=True)
class Inbox:
    """A page of the caller's in-app notifications and how many are unread in all."""

    page: Page[Notification]
    unread_count: int


class NotificationService:
    """Use cases of the notifications area.

    Args:
        transactions: Opens units of work.
        clock: Source of the current time.
        jobs: Where send jobs go.
        mailer: Sends e-mail.
        renderer: Renders templates.
        max_attempts: Delivery attempts of one e-mail before it is marked failed.
        backoff_seconds: Pause after each failed attempt; the last value repeats.
    """

    def __init__(
        self,
        *,
        transactions: Transactions,
        clock: Clock,
        jobs: Jobs,
        mailer: Mailer,
        renderer: TemplateRenderer,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        backoff_seconds: Sequence[int] = DEFAULT_BACKOFF_SECONDS,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self._tx = transactions
        self._clock = clock
        self._jobs = jobs
        self._mailer = mailer
        self._renderer = renderer
        self._max_attempts = max_attempts
        self._backoff = tuple(backoff_seconds) or (60,)

    def register_jobs(self) -> None:
        """Register the send job and the periodic dispatch with :class:`Jobs`."""
        self._jobs.register(SEND, self._run_send)
        self._jobs.register(DISPATCH, self._run_dispatch)
        self._jobs.every(DISPATCH, DISPATCH_INTERVAL)

    # -- the original's endpoints (administrators only) ----------------------------------------

    def send_notification(
        self,
        actor: Actor,
        *,
        recipient_id: int | None,
        notification_type: str | None,
        subject: str | None = None,
        body: str | None = None,
        priority: str | None = None,
        context_data: Mapping[str, Any] | None = None,
        scheduled_at: str | dt.datetime | None = None,
        template_name: str | None = None,
    ) -> Notification:
        """Queue a notification to a user (administrators only).

        If ``template_name`` names an active template that renders with ``context_data``,
        it provides the subject and body; otherwise they are used as given (as in the
        original, a failed render is ignored).

        Raises:
            AdminRequired: the caller is not an administrator.
            ValidationError: ``recipient_id is required``, ``notification_type is
                required``, a bad priority, schedule time or length.
            UserNotFound: ``Recipient user not found``.
        """
        _require_admin(actor)
        if not recipient_id:
            raise ValidationError("recipient_id is required", field="recipient_id")
        kind = rules.check_text(notification_type, "notification_type", rules.MAX_TYPE_LENGTH)
        text_subject = rules.check_text(
            subject, "subject", rules.MAX_SUBJECT_LENGTH, required=False
        )
        text_body = rules.check_text(body, "body", rules.MAX_BODY_LENGTH, required=False)
        level = rules.parse_priority(priority)
        now = self._clock.now()
        when = rules.parse_when(scheduled_at, now)
        context = dict(context_data or {})
        with self._tx() as work:
            recipient = _recipient(work.uow, recipient_id)
            if template_name:
                template = work.uow.notification_templates.get_by_name(template_name)
                if template is not None and template.is_active:
                    # The original ignored a failed render.
                    with contextlib.suppress(ValidationError):
                        text_subject, text_body = self._render(template, context)
            stored = self._queue(
                work,
                recipient,
                kind=kind,
                subject=text_subject[: rules.MAX_SUBJECT_LENGTH],
                body=text_body,
                priority=level,
                context=context or None,
                scheduled_at=when,
                now=now,
            )
            work.commit()
        return stored

    def send_template(
        self,
        actor: Actor,
        *,
        recipient_id: int | None,
        template_name: str | None,
        context: Mapping[str, Any] | None = None,
        notification_type: str | None = None,
        priority: str | None = None,
        scheduled_at: str | dt.datetime | None = None,
    ) -> Notification:
        """Queue a notification rendered from a template (administrators only).

        The context gets ``user_name`` (the recipient's full name, or their username) and
        ``user_email``; the merged context is stored as ``context_data``.

        Raises:
            AdminRequired: the caller is not an administrator.
            ValidationError: ``recipient_id is required``, ``template_name is required``,
                ``Failed to render template`` (unknown or inactive), bad priority or time.
            UserNotFound: ``Recipient user not found``.
        """
        _require_admin(actor)
        return self._send_template(
            recipient_id=recipient_id,
            template_name=template_name,
            context=context,
            notification_type=notification_type,
            priority=priority,
            scheduled_at=scheduled_at,
        )

    def task_assigned(
        self,
        actor: Actor,
        *,
        assignee_id: int | None,
        task_title: str | None,
        project_name: str | None = None,
        assigned_by_name: str | None = None,
        due_date: str | None = None,
    ) -> Notification:
        """The original's task-assigned webhook: queue the ``task_assigned`` template to
        the assignee directly (administrators only; no HTTP call to itself).

        Raises:
            AdminRequired: the caller is not an administrator.
            ValidationError: ``Webhook processing failed`` (a required value is missing),
                or ``Failed to render template``.
            UserNotFound: ``Recipient user not found``.
        """
        _require_admin(actor)
        assignee_id = _webhook_recipient("assignee_id", assignee_id, task_title)
        return self._send_template(
            recipient_id=assignee_id,
            template_name=rules.TASK_ASSIGNED,
            context={
                "task_title": task_title,
                "project_name": project_name or "Unknown Project",
                "assigned_by": assigned_by_name or "System",
                "due_date": due_date or "Not specified",
            },
        )

    def task_completed(
        self,
        actor: Actor,
        *,
        project_owner_id: int | None,
        task_title: str | None,
        project_name: str | None = None,
        completed_by_name: str | None = None,
        completion_date: str | None = None,
    ) -> Notification:
        """The original's task-completed webhook: queue the ``task_completed`` template to
        the project owner directly (administrators only).

        Raises:
            AdminRequired: the caller is not an administrator.
            ValidationError: ``Webhook processing failed`` (a required value is missing),
                or ``Failed to render template``.
            UserNotFound: ``Recipient user not found``.
        """
        _require_admin(actor)
        project_owner_id = _webhook_recipient("project_owner_id", project_owner_id, task_title)
        return self._send_template(
            recipient_id=project_owner_id,
            template_name=rules.TASK_COMPLETED,
            context={
                "task_title": task_title,
                "project_name": project_name or "Unknown Project",
                "completed_by": completed_by_name or "System",
                "completion_date": completion_date or self._clock.now().date().isoformat(),
            },
        )

    def _send_template(
        self,
        *,
        recipient_id: int | None,
        template_name: str | None,
        context: Mapping[str, Any] | None,
        notification_type: str | None = None,
        priority: str | None = None,
        scheduled_at: str | dt.datetime | None = None,
    ) -> Notification:
        if not recipient_id:
            raise ValidationError("recipient_id is required", field="recipient_id")
        if not template_name:
            raise ValidationError("template_name is required", field="template_name")
        kind = rules.check_text(
            notification_type or EMAIL, "notification_type", rules.MAX_TYPE_LENGTH
        )
        level = rules.parse_priority(priority)
        now = self._clock.now()
        when = rules.parse_when(scheduled_at, now)
        with self._tx() as work:
            recipient = _recipient(work.uow, recipient_id)
            template = work.uow.notification_templates.get_by_name(template_name)
            if template is None or not template.is_active:
                raise ValidationError(RENDER_FAILED, field="template_name")
            merged = {**(context or {}), **_user_context(recipient)}
            try:
                subject, body = self._render(template, merged)
            except ValidationError:
                raise ValidationError(RENDER_FAILED, field="template_name") from None
            stored = self._queue(
                work,
                recipient,
                kind=kind,
                subject=subject[: rules.MAX_SUBJECT_LENGTH],
                body=body,
                priority=level,
                context=merged,
                scheduled_at=when,
                now=now,
            )
            work.commit()
        return stored

    def get_notification(self, actor: Actor, notification_id: int) -> Notification:
        """One notification (its recipient or an administrator).

        Raises:
            NotificationNotFound: ``Notification not found``: it does not exist, or it is
                someone else's (the same answer, so ids reveal nothing).
        """
        with self._tx() as work:
            found = work.uow.notifications.get(notification_id)
        if found is None or (found.recipient_id != actor.user_id and not actor.is_admin):
            raise NotificationNotFound(notification_id)
        return found

    def list_for_user(
        self,
        actor: Actor,
        user_id: int,
        *,
        page: PageRequest = PageRequest(),  # noqa: B008 - immutable
    ) -> Page[Notification]:
        """A user's notifications of every type, newest first (the user or an admin).

        Raises:
            PermissionDenied: ``Access denied``.
        """
        if user_id != actor.user_id and not actor.is_admin:
            raise PermissionDenied(ACCESS_DENIED)
        with self._tx() as work:
            repo = work.uow.notifications
            return Page(
                items=repo.find(user_id, offset=page.offset, limit=page.per_page),
                page=page.page,
                per_page=page.per_page,
                total=repo.count(user_id),
            )

    # -- templates -----------------------------------------------------------------------------

    def list_templates(self, actor: Actor) -> Sequence[NotificationTemplate]:
        """Every active template, by id (any authenticated user)."""
        with self._tx() as work:
            return work.uow.notification_templates.active()

    def get_template(self, actor: Actor, template_id: int) -> NotificationTemplate:
        """One template, active or not (administrators only).

        Raises:
            AdminRequired: the caller is not an administrator.
            TemplateNotFound: ``Template not found``.
        """
        _require_admin(actor)
        with self._tx() as work:
            found = work.uow.notification_templates.get(template_id)
        if found is None:
            raise TemplateNotFound(template_id)
        return found

    def create_template(
        self,
        actor: Actor,
        *,
        name: str | None,
        subject_template: str | None,
        body_template: str | None,
        notification_type: str | None,
    ) -> NotificationTemplate:
        """Create an active template (administrators only; checked before the input).

        Raises:
            AdminRequired: ``Admin privileges required``.
            ValidationError: ``<field> is required``, too long, or not a valid template.
            TemplateNameExists: another template has the name.
        """
        _require_admin(actor)
        template_name = rules.check_text(name, "name", rules.MAX_NAME_LENGTH)
        subject = rules.check_text(subject_template, "subject_template", rules.MAX_SUBJECT_LENGTH)
        body = rules.check_text(body_template, "body_template", rules.MAX_BODY_LENGTH)
        kind = rules.check_text(notification_type, "notification_type", rules.MAX_TYPE_LENGTH)
        self._renderer.check(subject, "subject_template")
        self._renderer.check(body, "body_template")
        now = self._clock.now()
        with self._tx() as work:
            stored = work.uow.notification_templates.add(
                NotificationTemplate(
                    name=template_name,
                    subject_template=subject,
                    body_template=body,
                    notification_type=kind,
                    is_active=True,
                    created_at=now,
                    updated_at=now,
                )
            )
            work.commit()
        return stored

    def update_template(
        self,
        actor: Actor,
        template_id: int,
        *,
        name: str | Unset = UNSET,
        subject_template: str | Unset = UNSET,
        body_template: str | Unset = UNSET,
        notification_type: str | Unset = UNSET,
        is_active: bool | Unset = UNSET,
    ) -> NotificationTemplate:
        """Change a template; fields left ``UNSET`` keep their value (administrators only).

        Raises:
            AdminRequired: the caller is not an administrator.
            TemplateNotFound: ``Template not found``.
            ValidationError: an empty, too long or malformed value.
            TemplateNameExists: another template has the new name.
        """
        _require_admin(actor)
        changes: dict[str, Any] = {}
        if name is not UNSET:
            changes["name"] = rules.check_text(name, "name", rules.MAX_NAME_LENGTH)
        if subject_template is not UNSET:
            changes["subject_template"] = rules.check_text(
                subject_template, "subject_template", rules.MAX_SUBJECT_LENGTH
            )
            self._renderer.check(changes["subject_template"], "subject_template")
        if body_template is not UNSET:
            changes["body_template"] = rules.check_text(
                body_template, "body_template", rules.MAX_BODY_LENGTH
            )
            self._renderer.check(changes["body_template"], "body_template")
        if notification_type is not UNSET:
            changes["notification_type"] = rules.check_text(
                notification_type, "notification_type", rules.MAX_TYPE_LENGTH
            )
        if is_active is not UNSET:
            changes["is_active"] = is_active
        with self._tx() as work:
            repo = work.uow.notification_templates
            current = repo.get(template_id)
            if current is None:
                raise TemplateNotFound(template_id)
            if not changes:
                return current
            stored = repo.update(attrs.evolve(current, **changes, updated_at=self._clock.now()))
            work.commit()
        return stored

    def deactivate_template(self, actor: Actor, template_id: int) -> NotificationTemplate:
        """Deactivate a template: it is no longer listed or used (administrators only).

        Raises:
            AdminRequired: the caller is not an administrator.
            TemplateNotFound: ``Template not found``.
        """
        return self.update_template(actor, template_id, is_active=False)

    # -- the in-app inbox and preferences ------------------------------------------------------

    def inbox(
        self,
        actor: Actor,
        *,
        page: PageRequest = PageRequest(),  # noqa: B008 - immutable
        unread_only: bool = False,
    ) -> Inbox:
        """The caller's in-app notifications, newest first, and their unread count."""
        with self._tx() as work:
            repo = work.uow.notifications
            items = repo.find(
                actor.user_id,
                notification_type=IN_APP,
                unread_only=unread_only,
                offset=page.offset,
                limit=page.per_page,
            )
            total = repo.count(actor.user_id, notification_type=IN_APP, unread_only=unread_only)
            unread = repo.count(actor.user_id, notification_type=IN_APP, unread_only=True)
        return Inbox(
            page=Page(items=items, page=page.page, per_page=page.per_page, total=total),
            unread_count=unread,
        )

    def mark_read(self, actor: Actor, notification_id: int) -> Notification:
        """Mark one of the caller's in-app notifications read (again is harmless).

        Raises:
            NotificationNotFound: no such in-app notification of the caller's.
        """
        with self._tx() as work:
            repo = work.uow.notifications
            found = repo.get(notification_id)
            if (
                found is None
                or found.recipient_id != actor.user_id
                or found.notification_type != IN_APP
            ):
                raise NotificationNotFound(notification_id)
            repo.mark_read(actor.user_id, [notification_id], self._clock.now())
            stored = repo.get(notification_id)
            work.commit()
        if stored is None:  # pragma: no cover - read back in the same transaction
            raise NotificationNotFound(notification_id)
        return stored

    def mark_all_read(self, actor: Actor) -> int:
        """Mark every unread in-app notification of the caller's read; returns how many."""
        with self._tx() as work:
            changed = work.uow.notifications.mark_read(actor.user_id, None, self._clock.now())
            work.commit()
        return changed

    def preferences(self, actor: Actor) -> NotificationPreferences:
        """The caller's notification preferences (everything on unless changed)."""
        with self._tx() as work:
            return work.uow.notification_preferences.get(actor.user_id)

    def update_preferences(
        self, actor: Actor, changes: Mapping[str, Mapping[str, Any]]
    ) -> NotificationPreferences:
        """Change some of the caller's preferences: ``{event: {channel: bool}}``.

        Raises:
            ValidationError: an unknown event or channel, or a value that is not a boolean.
        """
        with self._tx() as work:
            repo = work.uow.notification_preferences
            updated = repo.get(actor.user_id).changed(changes)
            repo.save(updated)
            work.commit()
        return updated

    # -- delivery ------------------------------------------------------------------------------

    def deliver(self, notification_id: int) -> NotificationStatus | None:
        """Make one delivery attempt of a due e-mail notification (the send job).

        Returns:
            The status after the attempt, or ``None`` if the notification was not due
            (already sent, failed, claimed by another run, or scheduled later).
        """
        now = self._clock.now()
        with self._tx() as work:
            claimed = work.uow.notifications.claim(
                notification_id, now=now, lease_until=now + LEASE
            )
            work.commit()
        if claimed is None:
            return None
        outcome = attrs.evolve(claimed)
        retry_at: dt.datetime | None = None
        try:
            self._mailer.send(_mail(claimed))
        except MailTemporaryFailure as exc:
            outcome.retry_count += 1
            outcome.error_message = _error(exc)
            if claimed.attempts >= self._max_attempts:
                outcome.status = NotificationStatus.FAILED
                outcome.error_message = _error(exc, f" (gave up after {claimed.attempts} attempts)")
                log.warning("notification %s failed for good: %s", claimed.key, exc)
            else:
                retry_at = self._clock.now() + dt.timedelta(seconds=self._pause(claimed.attempts))
                outcome.status = NotificationStatus.PENDING
                outcome.next_attempt_at = retry_at
                log.info("notification %s will be retried: %s", claimed.key, exc)
        except MailConfigurationError as exc:
            outcome.status = NotificationStatus.FAILED_CONFIG
            outcome.retry_count += 1
            outcome.error_message = _error(exc)
            log.error("mail is misconfigured; notification %s not sent: %s", claimed.key, exc)
        except MailRejected as exc:
            outcome.status = NotificationStatus.FAILED
            outcome.retry_count += 1
            outcome.error_message = _error(exc)
            log.warning("notification %s was refused: %s", claimed.key, exc)
        else:
            outcome.status = NotificationStatus.SENT
            outcome.sent_at = self._clock.now()
            outcome.error_message = None
        with self._tx() as work:
            saved = work.uow.notifications.finish(outcome, attempt=claimed.attempts)
            work.commit()
        if not saved:
            log.warning("notification %s changed during its attempt", claimed.key)
        if retry_at is not None:
            self._enqueue(claimed.key, claimed.attempts + 1, retry_at)
        return outcome.status

    def dispatch(self, limit: int = DISPATCH_BATCH) -> int:
        """Queue a send for each due e-mail notification, most urgent first (the periodic
        job): retries whose back-off is over, claims that expired, lost jobs.

        Returns:
            How many were queued.
        """
        now = self._clock.now()
        with self._tx() as work:
            due = work.uow.notifications.due(now, limit)
        for notification in due:
            self._enqueue(
                notification.key,
                notification.attempts + 1,
                None,
                suffix=f"-d{int(now.timestamp())}",
            )
        return len(due)

    def _run_send(self, args: Mapping[str, Any]) -> None:
        self.deliver(int(args["notification_id"]))

    def _run_dispatch(self, args: Mapping[str, Any]) -> None:
        self.dispatch()

    def _pause(self, attempt: int) -> int:
        return self._backoff[min(attempt, len(self._backoff)) - 1]

    def _enqueue(
        self, notification_id: int, attempt: int, run_at: dt.datetime | None, suffix: str = ""
    ) -> None:
        try:
            self._jobs.enqueue(
                SEND,
                {"notification_id": notification_id},
                job_id=f"notifications-send-{notification_id}-{attempt}{suffix}",
                run_at=run_at,
            )
        except Exception:  # the dispatch job finds the notification due and queues it again
            log.exception("could not queue notification %s", notification_id)

    # -- creating notifications ----------------------------------------------------------------

    def _render(
        self, template: NotificationTemplate, context: Mapping[str, Any]
    ) -> tuple[str, str]:
        subject = self._renderer.render(template.subject_template, context, html=False)
        is_html = "<html" in template.body_template.lower()
        body = self._renderer.render(template.body_template, context, html=is_html)
        return " ".join(subject.split()), body

    def _queue(
        self,
        work: Work,
        recipient: User,
        *,
        kind: str,
        subject: str,
        body: str,
        priority: rules.NotificationPriority,
        context: dict[str, Any] | None,
        scheduled_at: dt.datetime,
        now: dt.datetime,
    ) -> Notification:
        """Store a notification; e-mail is queued for sending once ``work`` commits.

        In-app notifications are delivered at once; other types cannot be delivered and
        are marked failed, so nothing stays pending for ever.
        """
        notification = Notification(
            recipient_email=recipient.email,
            recipient_id=recipient.key,
            subject=" ".join(subject.split()),  # one line: a header cannot hold line breaks
            body=body,
            notification_type=kind,
            priority=priority,
            context_data=context,
            scheduled_at=scheduled_at,
            created_at=now,
            next_attempt_at=scheduled_at,
        )
        if kind == IN_APP:
            notification.status = NotificationStatus.SENT
            notification.sent_at = now
        elif kind != EMAIL:
            notification.status = NotificationStatus.FAILED
            notification.error_message = f"No delivery channel for notification type {kind!r}"
        stored = work.uow.notifications.add(notification)
        if kind == EMAIL:
            # Due now: straight to the queue; later: scheduled (the dispatch is the backstop).
            run_at = scheduled_at if scheduled_at > now else None
            work.on_commit(lambda: self._enqueue(stored.key, 1, run_at))
        return stored

    def _notify(
        self,
        work: Work,
        *,
        user_id: int,
        what: NotifyEvent,
        template_name: str,
        context: Mapping[str, Any],
        links: Mapping[str, Any],
        now: dt.datetime,
    ) -> None:
        """Notify one user about ``what`` through the channels they want."""
        uow = work.uow
        user = uow.users.get(user_id)
        if user is None or not user.is_active:
            return
        prefs = uow.notification_preferences.get(user_id)
        channels = [c for c in Channel if prefs.wants(what, c)]
        if not channels:
            return
        merged = {**context, **_user_context(user)}
        subject, body = self._event_message(uow, template_name, merged)
        data = {**links, "event": what.value}
        if Channel.IN_APP in channels:
            self._queue(
                work,
                user,
                kind=IN_APP,
                subject=subject,
                body=rules.plain_text(body) if "<html" in body.lower() else body,
                priority=rules.NotificationPriority.NORMAL,
                context=data,
                scheduled_at=now,
                now=now,
            )
        if Channel.EMAIL in channels:
            self._queue(
                work,
                user,
                kind=EMAIL,
                subject=subject,
                body=body,
                priority=rules.NotificationPriority.NORMAL,
                context={**merged, **data},
                scheduled_at=now,
                now=now,
            )

    def _event_message(
        self, uow: UnitOfWork, template_name: str, context: Mapping[str, Any]
    ) -> tuple[str, str]:
        """Subject and body from the active stored template of that name, or the built-in
        one (also when the stored one fails to render)."""
        stored = uow.notification_templates.get_by_name(template_name)
        if stored is not None and stored.is_active:
            try:
                subject, body = self._render(stored, context)
                return subject[: rules.MAX_SUBJECT_LENGTH], body
            except ValidationError:
                log.warning("template %s failed to render; using the built-in one", template_name)
        subject_source, body_source = BUILTIN_TEMPLATES[template_name]
        builtin = NotificationTemplate(
            name=template_name,
            subject_template=subject_source,
            body_template=body_source,
            created_at=self._clock.now(),
            updated_at=self._clock.now(),
        )
        subject, body = self._render(builtin, context)
        return subject[: rules.MAX_SUBJECT_LENGTH], body

    # -- event handlers (registered by taskcore.app.build) -------------------------------------

    @staticmethod
    def notifies_assignment(event: DomainEvent) -> bool:
        """Whether a ``task.assigned`` event notifies anyone (not a self-assignment)."""
        assignee = event.details.get("assignee_id")
        return isinstance(assignee, int) and assignee != event.actor_id

    @staticmethod
    def notifies_completion(event: DomainEvent) -> bool:
        """Whether a ``task.status_changed`` event notifies anyone (a completion)."""
        return event.details.get("new") == "completed"

    def on_task_assigned(self, event: DomainEvent, work: Work) -> None:
        """``task.assigned``: notify the new assignee (unless they assigned themselves)."""
        if not self.notifies_assignment(event):
            return
        assignee = event.details["assignee_id"]
        uow = work.uow
        if not _is_member(uow, event.details.get("project_id"), assignee):
            return
        task = uow.tasks.get(event.entity_id)
        due = task.due_date if task is not None else None
        self._notify(
            work,
            user_id=assignee,
            what=NotifyEvent.TASK_ASSIGNED,
            template_name=rules.TASK_ASSIGNED,
            context={
                "task_title": event.details.get("title", ""),
                "project_name": _project_name(uow, event.details.get("project_id")),
                "assigned_by": _actor_name(uow, event.actor_id),
                "due_date": due.date().isoformat() if due is not None else "Not specified",
            },
            links=_links(event),
            now=event.occurred_at,
        )

    def on_task_status_changed(self, event: DomainEvent, work: Work) -> None:
        """``task.status_changed`` to completed: notify the project's owners and the
        assignee (not whoever completed it)."""
        if not self.notifies_completion(event):
            return
        uow = work.uow
        project_id = event.details.get("project_id")
        recipients: list[int] = []
        if isinstance(project_id, int):
            recipients.extend(uow.projects.owner_ids(project_id))
        assignee = event.details.get("assignee_id")
        if isinstance(assignee, int):
            recipients.append(assignee)
        context = {
            "task_title": event.details.get("title", ""),
            "project_name": _project_name(uow, project_id),
            "completed_by": _actor_name(uow, event.actor_id),
            "completion_date": event.occurred_at.date().isoformat(),
        }
        for user_id in dict.fromkeys(recipients):
            if user_id != event.actor_id and _is_member(uow, project_id, user_id):
                self._notify(
                    work,
                    user_id=user_id,
                    what=NotifyEvent.TASK_COMPLETED,
                    template_name=rules.TASK_COMPLETED,
                    context=context,
                    links=_links(event),
                    now=event.occurred_at,
                )

    def on_comment_added(self, event: DomainEvent, work: Work) -> None:
        """``comment.added``: notify the task's assignee and watchers, except the author
        and anyone the comment mentions (they are told by the mention)."""
        uow = work.uow
        task_id = event.details.get("task_id")
        task = uow.tasks.get(task_id) if isinstance(task_id, int) else None
        if task is None:
            return
        comment = uow.comments.get(event.entity_id)
        mentioned = set(mentioned_names(comment.content)) if comment is not None else set()
        recipients = [*([task.assignee_id] if task.assignee_id else []), *task.watchers]
        context = {
            "task_title": task.title,
            "project_name": _project_name(uow, task.project_id),
            "author": _actor_name(uow, event.actor_id),
            "snippet": event.details.get("content_snippet", ""),
        }
        for user_id in dict.fromkeys(recipients):
            if user_id == event.actor_id:
                continue
            user = uow.users.get(user_id)
            if user is None or user.username.lower() in mentioned:
                continue
            if not _is_member(uow, task.project_id, user_id):
                continue
            self._notify(
                work,
                user_id=user_id,
                what=NotifyEvent.COMMENT_ADDED,
                template_name=rules.COMMENT_ADDED,
                context=context,
                links=_links(event),
                now=event.occurred_at,
            )

    def on_user_mentioned(self, event: DomainEvent, work: Work) -> None:
        """``comment.user_mentioned``: notify the mentioned member (never the author)."""
        user_id = event.details.get("user_id")
        if not isinstance(user_id, int) or user_id == event.actor_id:
            return
        uow = work.uow
        if not _is_member(uow, event.details.get("project_id"), user_id):
            return
        task_id = event.details.get("task_id")
        task = uow.tasks.get(task_id) if isinstance(task_id, int) else None
        self._notify(
            work,
            user_id=user_id,
            what=NotifyEvent.MENTIONED,
            template_name=rules.USER_MENTIONED,
            context={
                "task_title": task.title if task is not None else "",
                "project_name": _project_name(uow, event.details.get("project_id")),
                "author": _actor_name(uow, event.actor_id),
                "snippet": event.details.get("content_snippet", ""),
            },
            links=_links(event),
            now=event.occurred_at,
        )

    def on_member_invited(self, event: DomainEvent, work: Work) -> None:
        """``project.member_invited``: tell the invited user, in the app and by e-mail as
        they prefer.

        The invitee is not a member, so the e-mail carries no text another user wrote: its
        subject and body are fixed (:data:`INVITATION_SUBJECT`, :data:`INVITATION_BODY`),
        naming neither the project nor the inviter, and no stored template can change them.
        The in-app notification, read after signing in, names both.
        """
        user_id = event.details.get("user_id")
        if not isinstance(user_id, int):
            return
        uow = work.uow
        user = uow.users.get(user_id)
        if user is None or not user.is_active:
            return
        prefs = uow.notification_preferences.get(user_id)
        links = {**_links(event), "invitation_id": event.details.get("invitation_id")}
        data = {**links, "event": NotifyEvent.PROJECT_INVITED.value}
        now = event.occurred_at
        if prefs.wants(NotifyEvent.PROJECT_INVITED, Channel.IN_APP):
            inviter = _actor_name(uow, event.actor_id)
            project = _project_name(uow, event.details.get("project_id"))
            self._queue(
                work,
                user,
                kind=IN_APP,
                subject=INVITATION_SUBJECT,
                body=f"{inviter} invited you to join the project “{project}” as "
                f"{event.details.get('role', 'member')}. Accept or decline it under "
                "Invitations.",
                priority=rules.NotificationPriority.NORMAL,
                context=data,
                scheduled_at=now,
                now=now,
            )
        if prefs.wants(NotifyEvent.PROJECT_INVITED, Channel.EMAIL):
            self._queue(
                work,
                user,
                kind=EMAIL,
                subject=INVITATION_SUBJECT,
                body=INVITATION_BODY,
                priority=rules.NotificationPriority.NORMAL,
                context=data,
                scheduled_at=now,
                now=now,
            )


def _is_member(uow: UnitOfWork, project_id: object, user_id: int) -> bool:
    """Whether the user is a member of the project now (when the notification is made).

    Notifications about a project's content (titles, comments: other users' free text) go
    only to its members, so a user who left or was removed meanwhile is told nothing.
    """
    if not isinstance(project_id, int):
        return False
    found = uow.projects.access(project_id, user_id)
    return found is not None and found.role is not None


def _require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise AdminRequired()


def _recipient(uow: UnitOfWork, user_id: int) -> User:
    user = uow.users.get(user_id)
    if user is None or not user.is_active:
        raise UserNotFound(user_id, message=RECIPIENT_MISSING)
    return user


def _user_context(user: User) -> dict[str, Any]:
    return {"user_name": user.full_name or user.username, "user_email": user.email}


def _actor_name(uow: UnitOfWork, user_id: int | None) -> str:
    user = uow.users.get(user_id) if user_id is not None else None
    if user is None:
        return "System"
    return user.full_name or user.username


def _project_name(uow: UnitOfWork, project_id: object) -> str:
    project = uow.projects.get(project_id) if isinstance(project_id, int) else None
    return project.name if project is not None else "Unknown Project"


def _links(event: DomainEvent) -> dict[str, Any]:
    """What an in-app client needs to link the notification to its subject."""
    links: dict[str, Any] = {"event_id": event.event_id}
    for key in ("project_id", "task_id"):
        if key in event.details:
            links[key] = event.details[key]
    links[f"{event.entity_type}_id"] = event.entity_id
    return links


def _mail(notification: Notification) -> OutgoingMail:
    if notification.is_html:
        return OutgoingMail(
            to=notification.recipient_email,
            subject=notification.subject,
            text=rules.plain_text(notification.body),
            html=notification.body,
            message_id=notification.message_id,
        )
    return OutgoingMail(
        to=notification.recipient_email,
        subject=notification.subject,
        text=notification.body,
        message_id=notification.message_id,
    )


def _error(exc: Exception, suffix: str = "") -> str:
    return (str(exc)[: MAX_ERROR_LENGTH - len(suffix)] + suffix) or type(exc).__name__


def _webhook_recipient(field: str, recipient_id: int | None, task_title: str | None) -> int:
    """The recipient of one of the original's webhooks, once both required values are
    given (truthy, as the original checked).

    Raises:
        ValidationError: ``Webhook processing failed``, naming the missing value.
    """
    if not recipient_id:
        raise ValidationError("Webhook processing failed", field=field)
    if not task_title:
        raise ValidationError("Webhook processing failed", field="task_title")
    return recipient_id
