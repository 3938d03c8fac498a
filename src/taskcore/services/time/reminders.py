"""Reminders on tasks, and the periodic job that sends each one exactly once.

The job (:data:`SEND_REMINDERS`) reads the due reminders, then handles each in its own
transaction: it claims the reminder with a conditional update (``sent_at`` set where it
was unset) and, in the same transaction, stores its notifications (in-app, and e-mail
queued for the notification area's dispatch) and records ``task.reminder_sent``. Two
workers racing for a reminder: the second one's claim waits for the first transaction
and then changes nothing, so it sends nothing. A worker that dies before committing
leaves the reminder unclaimed, and the next run sends it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, Final

from taskcore.domain import reminders as rules
from taskcore.domain.calendar_feeds import FEED_PAST, FEED_TASKS_MAX, FeedTask
from taskcore.domain.events import DomainEvent, TaskUpdated
from taskcore.domain.notifications import (
    EMAIL,
    IN_APP,
    Channel,
    Notification,
    NotificationStatus,
    NotifyEvent,
)
from taskcore.domain.reminders import DigestSubscription, TaskReminder
from taskcore.domain.task_fields import parse_instant
from taskcore.domain.tasks import Task, TaskStatus
from taskcore.domain.time_events import (
    DailyDigestSent,
    DigestChanged,
    TaskReminderAdded,
    TaskReminderDeleted,
    TaskReminderSent,
)
from taskcore.domain.users import User
from taskcore.errors import NotFound, ValidationError
from taskcore.ports.jobs import JobSpec
from taskcore.ports.uow import UnitOfWork
from taskcore.services import access
from taskcore.services.access import Actor
from taskcore.services.time.base import TimeBase, visible_task, zone_of
from taskcore.uow import Work

SEND_REMINDERS: Final = JobSpec(name="time.send_reminders", retries=0, timeout_seconds=300)
"""The periodic job that sends due reminders (not retried: the next run picks up what a
failed one left)."""
SEND_INTERVAL: Final = dt.timedelta(minutes=1)
SEND_DIGESTS: Final = JobSpec(name="time.send_digests", retries=0, timeout_seconds=600)
"""The periodic job that sends the daily digests whose local hour has come."""
DIGEST_INTERVAL: Final = dt.timedelta(minutes=15)
DIGEST_BATCH: Final = 500
REMINDER_MISSING = "Reminder not found"
WRITE_DENIED = "You do not have permission to change this task's reminders"
OPEN: Final = (TaskStatus.PENDING.value, TaskStatus.IN_PROGRESS.value)


class Reminders(TimeBase):
    """Reminders on tasks: members read them; owners and members add and delete them."""

    def add_reminder(
        self,
        actor: Actor,
        task_id: int,
        *,
        remind_at: str | None = None,
        before_minutes: object = None,
    ) -> TaskReminder:
        """Add a reminder at ``remind_at`` (ISO 8601), or ``before_minutes`` before the
        task's due date (following the due date when it changes).

        Raises:
            TaskNotFound: ``Task not found or access denied``.
            ProjectRoleRequired: the caller is a viewer.
            ValidationError: neither or both given, a malformed time or number (naming the
                field), or the task already has 20 reminders.
        """
        if (remind_at is None) == (before_minutes is None):
            raise ValidationError("Give either remind_at or before_minutes", field="remind_at")
        at = (
            None
            if remind_at is None
            else parse_instant(remind_at, "remind_at", "remind_at must be an ISO 8601 time")
        )
        if remind_at is not None and at is None:
            raise ValidationError("remind_at must be an ISO 8601 time", field="remind_at")
        before = None if before_minutes is None else rules.check_before(before_minutes)
        with self._tx() as work:
            uow = work.uow
            task, role = visible_task(uow, actor, task_id)
            access.require_write(actor, role, task.project_id, WRITE_DENIED)
            if len(uow.reminders.for_task(task_id)) >= rules.PER_TASK_MAX:
                raise ValidationError(
                    f"A task has at most {rules.PER_TASK_MAX} reminders", field="task_id"
                )
            now = self._clock.now()
            stored = uow.reminders.add(
                TaskReminder(
                    task_id=task_id,
                    created_by=actor.user_id,
                    remind_at=at,
                    before_minutes=before,
                    fire_at=rules.fire_time(at, before, task.due_date),
                    created_at=now,
                )
            )
            work.record(
                TaskReminderAdded(
                    occurred_at=now,
                    actor_id=actor.user_id,
                    entity_id=task_id,
                    project_id=task.project_id,
                    title=task.title,
                    reminder_id=stored.key,
                    remind_at=None if at is None else at.isoformat(),
                    before_minutes=before,
                )
            )
            work.commit()
        return stored

    def list_reminders(self, actor: Actor, task_id: int) -> Sequence[TaskReminder]:
        """A task's reminders (at most 20), by when they fire.

        Raises:
            TaskNotFound: ``Task not found or access denied``.
        """
        with self._tx(read_only=True) as work:
            visible_task(work.uow, actor, task_id)
            return work.uow.reminders.for_task(task_id)

    def delete_reminder(self, actor: Actor, reminder_id: int) -> None:
        """Delete a reminder (owners and members of its task's project).

        Raises:
            NotFound: ``Reminder not found`` (also when the caller may not see its task).
            ProjectRoleRequired: the caller is a viewer.
        """
        with self._tx() as work:
            uow = work.uow
            found = uow.reminders.get(reminder_id)
            if found is None:
                raise NotFound(REMINDER_MISSING)
            project_id = uow.tasks.project_id_of(found.task_id)
            if project_id is None:  # pragma: no cover - reminders go with their task
                raise NotFound(REMINDER_MISSING)
            role = access.visible_role(uow.projects, actor, project_id, NotFound(REMINDER_MISSING))
            access.require_write(actor, role, project_id, WRITE_DENIED)
            uow.reminders.delete(reminder_id)
            task = uow.tasks.get(found.task_id)
            work.record(
                TaskReminderDeleted(
                    occurred_at=self._clock.now(),
                    actor_id=actor.user_id,
                    entity_id=found.task_id,
                    project_id=project_id,
                    title="" if task is None else task.title,
                    reminder_id=reminder_id,
                )
            )
            work.commit()

    def on_due_date_changed(self, work: Work, events: Sequence[DomainEvent]) -> None:
        """In-transaction handler: a task's relative reminders follow its new due date."""
        for event in events:
            if isinstance(event, TaskUpdated) and "due_date" in event.changes:
                task = work.uow.tasks.get(event.entity_id)
                if task is not None:
                    work.uow.reminders.reschedule(task.key, task.due_date)

    def send_due_reminders(self, limit: int = rules.SEND_BATCH) -> int:
        """Send the reminders due now, each in its own transaction (see the module).

        Returns:
            How many this call sent (not counting skipped ones, nor ones another worker
            took).
        """
        now = self._clock.now()
        with self._tx(read_only=True) as work:
            due = work.uow.reminders.due(now, limit)
        return sum(self._send_one(reminder_id, now) for reminder_id in due)

    def run_reminder_job(self, args: Mapping[str, Any]) -> None:
        """The :data:`SEND_REMINDERS` job (no arguments)."""
        self.send_due_reminders()

    def digest_subscription(self, actor: Actor) -> DigestSubscription | None:
        """The caller's daily digest subscription, or ``None`` (digests are opt-in)."""
        with self._tx(read_only=True) as work:
            return work.uow.digests.get(actor.user_id)

    def set_digest(
        self, actor: Actor, *, enabled: object, hour: object = 8
    ) -> DigestSubscription | None:
        """Subscribe the caller to a daily digest at a local ``hour`` (0-23), or
        unsubscribe (``enabled`` false).

        Raises:
            ValidationError: ``enabled`` is not a boolean, or a bad ``hour``.
        """
        if not isinstance(enabled, bool):
            raise ValidationError("enabled must be true or false", field="enabled")
        checked = rules.check_hour(hour) if enabled else 0
        with self._tx() as work:
            digests = work.uow.digests
            current = digests.get(actor.user_id)
            now = self._clock.now()
            if not enabled:
                if digests.delete(actor.user_id):
                    work.record(
                        DigestChanged(
                            occurred_at=now,
                            actor_id=actor.user_id,
                            entity_id=actor.user_id,
                            enabled=False,
                        )
                    )
                    work.commit()
                return None
            subscription = DigestSubscription(
                user_id=actor.user_id,
                hour=checked,
                last_sent_on=current.last_sent_on if current else None,
            )
            digests.save(subscription)
            if current is None or current.hour != checked:
                work.record(
                    DigestChanged(
                        occurred_at=now,
                        actor_id=actor.user_id,
                        entity_id=actor.user_id,
                        enabled=True,
                        hour=checked,
                    )
                )
            work.commit()
        return subscription

    def send_due_digests(self) -> int:
        """Send every daily digest whose local hour has come today and that has not gone
        out today, each exactly once (a conditional claim of the day, with its
        notifications, in one transaction). A person with nothing due today and nothing
        overdue gets none.

        Returns:
            How many digests this call sent.
        """
        now = self._clock.now()
        sent, after = 0, 0
        while True:
            with self._tx(read_only=True) as work:
                batch = work.uow.digests.all(after_user_id=after, limit=DIGEST_BATCH)
                zones = {s.user_id: zone_of(work.uow, s.user_id) for s in batch}
            if not batch:
                return sent
            for subscription in batch:
                local = now.astimezone(zones[subscription.user_id])
                done = subscription.last_sent_on
                if local.hour >= subscription.hour and (done is None or done < local.date()):
                    sent += self._send_digest(subscription.user_id, local, now)
            after = batch[-1].user_id

    def run_digest_job(self, args: Mapping[str, Any]) -> None:
        """The :data:`SEND_DIGESTS` job (no arguments)."""
        self.send_due_digests()

    def _send_digest(self, user_id: int, local: dt.datetime, now: dt.datetime) -> bool:
        day = local.date()
        end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), local.tzinfo)
        start = dt.datetime.combine(day, dt.time(), local.tzinfo)
        with self._tx() as work:
            uow = work.uow
            user = uow.users.get(user_id)
            if user is None or not uow.digests.claim(user_id, day):
                return False
            found = uow.calendar_feeds.tasks_for(
                user_id, due_from=now - FEED_PAST, limit=FEED_TASKS_MAX
            )
            open_ = [t for t in found if t.status in OPEN and t.due_date < end]
            today = sorted((t for t in open_ if t.due_date >= start), key=_due)
            overdue = sorted((t for t in open_ if t.due_date < start), key=_due)
            if not user.is_active or not (today or overdue):
                work.commit()
                return False
            listed = (today + overdue)[: rules.DIGEST_TASKS_MAX]
            lines = [
                f"- {t.title} ({t.project_name}), due {t.due_date.isoformat()}" for t in listed
            ]
            body = (
                f"Due today: {len(today)}. Overdue: {len(overdue)}.\n\n" + "\n".join(lines) + "\n"
            )
            _store(
                uow,
                user,
                NotifyEvent.DAILY_DIGEST,
                subject=f"Your tasks for {day.isoformat()}",
                body=body,
                context={"event": NotifyEvent.DAILY_DIGEST.value, "day": day.isoformat()},
                now=now,
            )
            work.record(
                DailyDigestSent(
                    occurred_at=now,
                    actor_id=None,
                    entity_id=user_id,
                    day=day.isoformat(),
                    due_today=[t.id for t in today],
                    overdue=[t.id for t in overdue],
                )
            )
            work.commit()
        return True

    def _send_one(self, reminder_id: int, now: dt.datetime) -> bool:
        with self._tx() as work:
            uow = work.uow
            found = uow.reminders.get(reminder_id)
            task = None if found is None else uow.tasks.get(found.task_id)
            if found is None or task is None:
                return False
            # Overdue and due-soon notices never go out for completed or cancelled tasks.
            closed = not task.status.is_open
            if not uow.reminders.claim(reminder_id, now, skipped=closed):
                return False
            if closed:
                work.commit()
                return False
            recipients = _recipients(uow, task.project_id, [*task.assignee_ids, *task.watchers])
            for user_id in recipients:
                _notify(uow, user_id, task, now)
            work.record(
                TaskReminderSent(
                    occurred_at=now,
                    actor_id=None,
                    entity_id=task.key,
                    project_id=task.project_id,
                    title=task.title,
                    reminder_id=reminder_id,
                    recipients=recipients,
                )
            )
            work.commit()
        return True


def _recipients(uow: UnitOfWork, project_id: int, candidates: Sequence[int | None]) -> list[int]:
    """The distinct candidates who are still members of the project, in order."""
    wanted = [user_id for user_id in dict.fromkeys(candidates) if user_id is not None]
    members = uow.projects.member_roles(project_id, wanted)
    return [user_id for user_id in wanted if user_id in members]


def _due(task: FeedTask) -> tuple[dt.datetime, int]:
    return task.due_date, task.id


def _notify(uow: UnitOfWork, user_id: int, task: Task, now: dt.datetime) -> None:
    """Store one person's reminder notifications (see :func:`_store`)."""
    user = uow.users.get(user_id)
    if user is None or not user.is_active:
        return
    due = task.due_date
    when = f"due {due.isoformat()}" if due is not None else "no due date"
    _store(
        uow,
        user,
        NotifyEvent.TASK_REMINDER,
        subject=f"Reminder: {task.title}",
        body=f"A reminder about the task {task.title!r} ({when}).",
        context={"event": NotifyEvent.TASK_REMINDER.value, "task_id": task.key},
        now=now,
    )


def _store(
    uow: UnitOfWork,
    user: User,
    what: NotifyEvent,
    *,
    subject: str,
    body: str,
    context: dict[str, Any],
    now: dt.datetime,
) -> None:
    """Store a person's notifications about ``what``: in the app and by e-mail, as their
    preferences say (e-mail waits for the notification area's dispatch job)."""
    user_id = user.key
    prefs = uow.notification_preferences.get(user_id)
    for channel, kind in ((Channel.IN_APP, IN_APP), (Channel.EMAIL, EMAIL)):
        if not prefs.wants(what, channel):
            continue
        delivered = kind == IN_APP
        uow.notifications.add(
            Notification(
                recipient_email=user.email,
                recipient_id=user_id,
                subject=" ".join(subject.split()),
                body=body,
                notification_type=kind,
                status=NotificationStatus.SENT if delivered else NotificationStatus.PENDING,
                context_data=context,
                scheduled_at=now,
                sent_at=now if delivered else None,
                created_at=now,
                next_attempt_at=now,
            )
        )
