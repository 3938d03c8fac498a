"""The time area's in-transaction handlers: a deleted task's entries and timers go with
it, and a task's ``actual_hours`` stays the sum of its entries."""

from __future__ import annotations

from collections.abc import Sequence

from taskcore.domain.events import DomainEvent, ProjectDeleted, TaskDeleted, TaskUpdated
from taskcore.domain.time_entries import hours_of
from taskcore.errors import ValidationError
from taskcore.services.time.base import TimeBase
from taskcore.uow import Work

ACTUAL_HOURS_LOCKED = (
    "actual_hours is the sum of the task's time entries; change its time entries instead"
)


class Handlers(TimeBase):
    """Reactions to other areas' events, inside their transactions."""

    def on_tasks_deleted(self, work: Work, events: Sequence[DomainEvent]) -> None:
        """Delete the time entries, timers, recurrences and reminders of deleted tasks (the
        SQL schema cascades too; the memory store relies on this)."""
        task_ids: list[int] = []
        for event in events:
            if isinstance(event, TaskDeleted):
                task_ids.append(event.entity_id)
            elif isinstance(event, ProjectDeleted):
                task_ids.extend(event.task_ids)
        if task_ids:
            work.uow.time_entries.delete_for_tasks(task_ids)
            work.uow.timers.delete_for_tasks(task_ids)
            work.uow.recurrences.delete_for_tasks(task_ids)
            work.uow.reminders.delete_for_tasks(task_ids)

    def guard_actual_hours(self, work: Work, events: Sequence[DomainEvent]) -> None:
        """Refuse setting ``actual_hours`` directly on a task that has time entries: it is
        their sum (tasks without entries keep taking it directly).

        Raises:
            ValidationError: the new value is not the sum of the task's entries (field
                ``actual_hours``); nothing of the transaction is committed.
        """
        for event in events:
            if not isinstance(event, TaskUpdated) or "actual_hours" not in event.changes:
                continue
            minutes = work.uow.time_entries.task_minutes(event.entity_id)
            if minutes is None:
                continue
            if event.changes["actual_hours"]["new"] != hours_of(minutes):
                raise ValidationError(ACTUAL_HOURS_LOCKED, field="actual_hours")
