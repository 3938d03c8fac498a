"""Recurring tasks: setting, reading and clearing a task's rule, skipping an occurrence,
and creating the next occurrence when one is completed (an in-transaction handler of
:class:`~taskcore.domain.events.TaskStatusChanged`, so the completion and the next
occurrence commit together)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

import attrs

from taskcore.domain import recurrence as rules
from taskcore.domain.events import DomainEvent, TaskCreated, TaskStatusChanged
from taskcore.domain.recurrence import RecurrenceMode, TaskRecurrence
from taskcore.domain.tasks import Task, TaskPatch, TaskStatus
from taskcore.domain.time_events import (
    TaskOccurrenceCreated,
    TaskOccurrenceSkipped,
    TaskRecurrenceCleared,
    TaskRecurrenceSet,
    TaskSeriesEnded,
)
from taskcore.errors import Conflict, NotFound, ValidationError
from taskcore.ports.uow import UnitOfWork
from taskcore.services import access
from taskcore.services.access import Actor
from taskcore.services.time.base import TimeBase, visible_task, zone_of
from taskcore.uow import Work

NOT_RECURRING = "The task does not recur"
WRITE_DENIED = "You do not have permission to change this task"
SERIES_ENDED = "The series has no further occurrence"


@attrs.frozen(kw_only=True)
class RecurrenceView:
    """A task's recurrence as callers see it, with the due date its next occurrence
    would get (``None`` when the series ends, or when it repeats from completion)."""

    task_id: int
    rule: str
    mode: RecurrenceMode
    timezone: str
    series_start: dt.datetime
    occurrence: int
    previous_task_id: int | None
    next_task_id: int | None
    next_due_date: dt.datetime | None
    version: int


class Recurrences(TimeBase):
    """Recurring tasks.

    Members read a task's recurrence; owners and members set, clear and skip. Rules are
    computed in the time zone of whoever set them, from the task's due date (which a
    recurring task must have).
    """

    def get_recurrence(self, actor: Actor, task_id: int) -> RecurrenceView | None:
        """The task's recurrence, or ``None`` if it does not recur.

        Raises:
            TaskNotFound: ``Task not found or access denied``.
        """
        with self._tx(read_only=True) as work:
            uow = work.uow
            task, _ = visible_task(uow, actor, task_id)
            found = uow.recurrences.get(task_id)
            return None if found is None else self._view(found, task)

    def set_recurrence(
        self,
        actor: Actor,
        task_id: int,
        *,
        rule: object,
        mode: object = None,
        expected_version: int | None = None,
    ) -> RecurrenceView:
        """Make a task recur, or change its rule: the series restarts from the task's
        current due date, computed in the caller's time zone.

        Raises:
            TaskNotFound: ``Task not found or access denied``.
            ProjectRoleRequired: the caller is a viewer.
            ValidationError: the rule is invalid (naming the part that is wrong) or too
                frequent (field ``rule``), an unknown ``mode``, or the task has no due
                date (field ``due_date``).
            VersionMismatch: ``expected_version`` is not the recurrence's version.
        """
        text = rules.check_rule_text(rule)
        how = rules.check_mode(mode)
        canonical = self._rules.check(text)
        with self._tx() as work:
            uow = work.uow
            task, role = visible_task(uow, actor, task_id)
            access.require_write(actor, role, task.project_id, WRITE_DENIED)
            if task.due_date is None:
                raise ValidationError("A recurring task needs a due date", field="due_date")
            now = self._clock.now()
            where = zone_of(uow, actor.user_id).key
            current = uow.recurrences.get(task_id)
            if current is None:
                stored = uow.recurrences.add(
                    TaskRecurrence(
                        task_id=task_id,
                        rule=canonical,
                        mode=how,
                        timezone=where,
                        series_start=task.due_date,
                        created_by=actor.user_id,
                        created_at=now,
                        updated_at=now,
                    )
                )
            else:
                access.check_version(current.version, expected_version)
                stored = uow.recurrences.update(
                    attrs.evolve(
                        current,
                        rule=canonical,
                        mode=how,
                        timezone=where,
                        series_start=task.due_date,
                        occurrence=1,
                        updated_at=now,
                    )
                )
            work.record(
                TaskRecurrenceSet(
                    occurred_at=now,
                    actor_id=actor.user_id,
                    entity_id=task_id,
                    entity_version=task.version,
                    project_id=task.project_id,
                    title=task.title,
                    rule=canonical,
                    mode=how.value,
                    timezone=where,
                )
            )
            view = self._view(stored, task)
            work.commit()
        return view

    def clear_recurrence(self, actor: Actor, task_id: int) -> None:
        """Stop a task recurring (occurrences already created stay).

        Raises:
            TaskNotFound: ``Task not found or access denied``.
            ProjectRoleRequired: the caller is a viewer.
            NotFound: ``The task does not recur``.
        """
        with self._tx() as work:
            uow = work.uow
            task, role = visible_task(uow, actor, task_id)
            access.require_write(actor, role, task.project_id, WRITE_DENIED)
            if not uow.recurrences.delete(task_id):
                raise NotFound(NOT_RECURRING)
            work.record(
                TaskRecurrenceCleared(
                    occurred_at=self._clock.now(),
                    actor_id=actor.user_id,
                    entity_id=task_id,
                    entity_version=task.version,
                    project_id=task.project_id,
                    title=task.title,
                )
            )
            work.commit()

    def skip_occurrence(self, actor: Actor, task_id: int) -> RecurrenceView:
        """Skip the task's current occurrence: its due date moves to the rule's next one
        (which counts towards ``COUNT``).

        Raises:
            TaskNotFound: ``Task not found or access denied``.
            ProjectRoleRequired: the caller is a viewer.
            NotFound: ``The task does not recur``.
            Conflict: the task is completed or cancelled, or ``The series has no further
                occurrence``.
        """
        with self._tx() as work:
            uow = work.uow
            task, role = visible_task(uow, actor, task_id)
            access.require_write(actor, role, task.project_id, WRITE_DENIED)
            found = uow.recurrences.get(task_id)
            if found is None:
                raise NotFound(NOT_RECURRING)
            if not task.status.is_open:
                raise Conflict("Only an open occurrence can be skipped")
            now = self._clock.now()
            skipped = task.due_date or now
            due = self._next_due(found, due=skipped, completed_at=now)
            if due is None:
                raise Conflict(SERIES_ENDED)
            edit = task.edit(TaskPatch(due_date=due), now)
            task = uow.tasks.update(task, children_changed=edit.changed_children)
            stored = uow.recurrences.update(
                attrs.evolve(found, occurrence=found.occurrence + 1, updated_at=now)
            )
            work.record(
                *edit.events(actor.user_id, task, now),
                TaskOccurrenceSkipped(
                    occurred_at=now,
                    actor_id=actor.user_id,
                    entity_id=task_id,
                    entity_version=task.version,
                    project_id=task.project_id,
                    title=task.title,
                    skipped=skipped.isoformat(),
                    due_date=due.isoformat(),
                ),
            )
            view = self._view(stored, task)
            work.commit()
        return view

    def on_task_status_changed(self, work: Work, events: Sequence[DomainEvent]) -> None:
        """In-transaction handler: a recurring task that became ``completed`` gets its
        next occurrence, once (re-opening and completing it again creates no other)."""
        for event in events:
            if isinstance(event, TaskStatusChanged) and event.new_status == "completed":
                self._advance(work, event.entity_id, event.actor_id)

    def _advance(self, work: Work, task_id: int, actor_id: int | None) -> None:
        """Create the next occurrence of a completed recurring task, if it has none yet."""
        uow = work.uow
        found = uow.recurrences.get(task_id)
        task = uow.tasks.get(task_id)
        if found is None or found.next_task_id is not None or task is None:
            return
        now = self._clock.now()
        due = self._next_due(found, due=task.due_date, completed_at=task.completed_at or now)
        if due is None:
            work.record(
                TaskSeriesEnded(
                    occurred_at=now,
                    actor_id=actor_id,
                    entity_id=task_id,
                    entity_version=task.version,
                    project_id=task.project_id,
                    title=task.title,
                )
            )
            return
        stored = uow.tasks.add(_next_task(uow, task, due, now))
        uow.recurrences.add(
            attrs.evolve(
                found,
                task_id=stored.key,
                occurrence=found.occurrence + 1,
                previous_task_id=task_id,
                next_task_id=None,
                created_at=now,
                updated_at=now,
            )
        )
        uow.recurrences.update(attrs.evolve(found, next_task_id=stored.key, updated_at=now))
        work.record(
            TaskCreated(
                occurred_at=now,
                actor_id=actor_id,
                entity_id=stored.key,
                entity_version=stored.version,
                project_id=stored.project_id,
                title=stored.title,
                status=stored.status.value,
                priority=stored.priority.value,
                assignee_id=stored.assignee_id,
            ),
            TaskOccurrenceCreated(
                occurred_at=now,
                actor_id=actor_id,
                entity_id=stored.key,
                entity_version=stored.version,
                project_id=stored.project_id,
                title=stored.title,
                previous_task_id=task_id,
                due_date=due.isoformat(),
            ),
        )

    def _next_due(
        self, found: TaskRecurrence, *, due: dt.datetime | None, completed_at: dt.datetime
    ) -> dt.datetime | None:
        """The due date (UTC) of the occurrence after one due at ``due`` and completed at
        ``completed_at``, or ``None`` when the series has ended."""
        where = rules.zone(found.timezone)
        if found.mode is RecurrenceMode.DUE_DATE:
            after = (due or completed_at).astimezone(where)
            start = found.series_start.astimezone(where)
            nxt = self._rules.next_after(found.rule, start=start, after=after)
        else:
            count = rules.rule_part(found.rule, "COUNT")
            if count is not None and found.occurrence >= int(count):
                return None
            done = completed_at.astimezone(where)
            clock = (due or completed_at).astimezone(where).time()
            start = rules.instant(dt.datetime.combine(done.date(), clock), where).astimezone(where)
            rule = rules.without_parts(found.rule, "COUNT")
            nxt = self._rules.next_after(rule, start=start, after=max(start, done))
        return None if nxt is None else nxt.astimezone(dt.UTC)

    def _view(self, found: TaskRecurrence, task: Task) -> RecurrenceView:
        upcoming = None
        if found.mode is RecurrenceMode.DUE_DATE and found.next_task_id is None:
            upcoming = self._next_due(found, due=task.due_date, completed_at=self._clock.now())
        return RecurrenceView(
            task_id=found.task_id,
            rule=found.rule,
            mode=found.mode,
            timezone=found.timezone,
            series_start=found.series_start,
            occurrence=found.occurrence,
            previous_task_id=found.previous_task_id,
            next_task_id=found.next_task_id,
            next_due_date=upcoming,
            version=found.version,
        )


def _next_task(uow: UnitOfWork, task: Task, due: dt.datetime, now: dt.datetime) -> Task:
    """The next occurrence of ``task``: an open copy (title, description, priority,
    assignee, watchers, labels, estimate and whatever else the task carries), due at
    ``due``, at the end of the project's pending column, without time spent."""
    last = uow.tasks.last_position(task.project_id, TaskStatus.PENDING)
    return attrs.evolve(
        task,
        id=None,
        status=TaskStatus.PENDING,
        completed_at=None,
        due_date=due,
        actual_hours=None,
        position=1.0 if last is None else math.floor(last) + 1.0,
        created_at=now,
        updated_at=now,
        version=1,
    )
