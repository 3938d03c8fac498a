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
from taskcore.domain.events import DomainEvent, TaskUpdated
from taskcore.domain.notifications import (
    EMAIL,
    IN_APP,
    Channel,
    Notification,
    NotificationStatus,
    NotifyEvent,
)
from taskcore.domain.reminders import TaskReminder
from taskcore.domain.task_fields import parse_instant
from taskcore.domain.tasks import Task
from taskcore.domain.time_events import TaskReminderSent
from taskcore.errors import NotFound, ValidationError
from taskcore.ports.jobs import JobSpec
from taskcore.ports.uow import UnitOfWork
from taskcore.services import access
from taskcore.services.access import Actor
from taskcore.services.time.base import TimeBase, visible_task
from taskcore.uow import Work

SEND_REMINDERS: Final = JobSpec(name="time.send_reminders", retries=0, timeout_seconds=300)
"""The periodic job that sends due reminders (not retried: the next run picks up what a
failed one left)."""
SEND_INTERVAL: Final = dt.timedelta(minutes=1)
REMINDER_MISSING = "Reminder not found"
WRITE_DENIED = "You do not have permission to change this task's reminders"


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
            recipients = _recipients(uow, task.project_id, [task.assignee_id, *task.watchers])
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


def _notify(uow: UnitOfWork, user_id: int, task: Task, now: dt.datetime) -> None:
    """Store one person's reminder notifications: in the app and by e-mail, as their
    preferences for ``task_reminder`` say (e-mail waits for the dispatch job)."""
    user = uow.users.get(user_id)
    if user is None or not user.is_active:
        return
    prefs = uow.notification_preferences.get(user_id)
    due = task.due_date
    when = f"due {due.isoformat()}" if due is not None else "no due date"
    subject = f"Reminder: {task.title}"
    body = f"A reminder about the task {task.title!r} ({when})."
    context = {"event": NotifyEvent.TASK_REMINDER.value, "task_id": task.key}
    for channel, kind in ((Channel.IN_APP, IN_APP), (Channel.EMAIL, EMAIL)):
        if not prefs.wants(NotifyEvent.TASK_REMINDER, channel):
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
