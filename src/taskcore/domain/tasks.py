"""Tasks: the unit of work inside a project, its changes and views (the checks of its
fields are in :mod:`~taskcore.domain.task_fields`; its order and filters in
:mod:`~taskcore.domain.task_listing`, re-exported here)."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping

import attrs

from taskcore.domain.custom_fields import CustomValue
from taskcore.domain.events import (
    Change,
    DomainEvent,
    TaskAssigned,
    TaskStatusChanged,
    TaskUpdated,
    change,
    json_value,
)
from taskcore.domain.projects import Priority
from taskcore.domain.task_listing import TaskCriteria, TaskOrder, TaskSort, is_overdue
from taskcore.domain.values import UNSET, Unset

__all__ = [
    "TaskCriteria",
    "TaskOrder",
    "TaskSort",
    "is_overdue",
]


class TaskStatus(enum.StrEnum):
    """Where a task stands."""

    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"

    @property
    def is_open(self) -> bool:
        """Whether work on the task is still expected (so it can be overdue)."""
        return self in (TaskStatus.PENDING, TaskStatus.IN_PROGRESS)


@attrs.define(kw_only=True)
class Task:
    """A piece of work in a project.

    Invariant: ``completed_at`` is set exactly when ``status`` is ``completed``; change the
    status through :meth:`set_status` to keep it. ``assignee_ids`` are the task's
    assignees in order, without duplicates; ``assignee_id`` is always the first of them
    (or ``None``): a task built with only ``assignee_id`` gets it as its one assignee.
    ``labels`` are normalised (see
    :func:`~taskcore.domain.task_fields.normalize_labels`) and ``watchers`` are sorted user
    ids. ``position`` orders tasks within their status column on a board (lower first).
    """

    id: int | None = None
    project_id: int
    title: str
    description: str = ""
    status: TaskStatus = TaskStatus.PENDING
    priority: Priority = Priority.MEDIUM
    due_date: dt.datetime | None = None
    completed_at: dt.datetime | None = None
    estimated_hours: float | None = None
    actual_hours: float | None = None
    assignee_id: int | None = None
    labels: tuple[str, ...] = ()
    watchers: tuple[int, ...] = ()
    position: float = 1.0
    parent_id: int | None = None
    assignee_ids: tuple[int, ...] = ()
    custom_fields: dict[str, CustomValue] = attrs.field(factory=dict)
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int = 1

    def __attrs_post_init__(self) -> None:
        if self.assignee_ids:
            self.assignee_id = self.assignee_ids[0]
        elif self.assignee_id is not None:
            self.assignee_ids = (self.assignee_id,)

    def assign(self, assignee_ids: tuple[int, ...]) -> None:
        """Make ``assignee_ids`` the task's assignees (the first one is ``assignee_id``)."""
        self.assignee_ids = assignee_ids
        self.assignee_id = assignee_ids[0] if assignee_ids else None

    @property
    def key(self) -> int:
        """The id of a stored task.

        Raises:
            ValueError: the task has not been stored yet.
        """
        if self.id is None:
            raise ValueError("task has no id yet")
        return self.id

    def set_status(self, status: TaskStatus, now: dt.datetime) -> bool:
        """Move the task to ``status``, stamping or clearing ``completed_at``.

        Returns:
            Whether the status changed.
        """
        if status is self.status:
            return False
        self.status = status
        self.completed_at = now if status is TaskStatus.COMPLETED else None
        return True

    def edit(self, patch: TaskPatch, now: dt.datetime) -> TaskEdit:
        """Apply the checked values of ``patch`` and bump ``updated_at`` (even when nothing
        changes).

        A new status goes through :meth:`set_status` (stamping or clearing
        ``completed_at``); every other given field is set when it differs.

        Returns:
            What changed, as the ``old``/``new`` JSON values of each changed field (status
            and ``completed_at`` first, then the fields in the order of
            :class:`TaskPatch`), with the status and assignee before the edit.
        """
        old_status, old_assignee, old_done = self.status, self.assignee_id, self.completed_at
        old_assignees = self.assignee_ids
        changes: dict[str, Change] = {}
        if patch.status is not UNSET and self.set_status(patch.status, now):
            changes["status"] = change(old_status.value, self.status.value)
            if self.completed_at != old_done:
                changes["completed_at"] = change(
                    json_value(old_done), json_value(self.completed_at)
                )
        wanted = patch.assignees(self.assignee_ids)
        for field, value in patch.given().items():
            if field in ("assignee_id", "assignee_ids", "custom_fields"):
                continue
            old = getattr(self, field)
            if old != value:
                changes[field] = change(json_value(old), json_value(value))
                setattr(self, field, value)
        if patch.custom_fields is not UNSET:
            merged = {**self.custom_fields, **patch.custom_fields}
            values = {k: v for k, v in merged.items() if v is not None}
            if values != self.custom_fields:
                changes["custom_fields"] = change(
                    {k: json_value(v) for k, v in self.custom_fields.items()},
                    {k: json_value(v) for k, v in values.items()},
                )
                self.custom_fields = values
        if wanted is not None and wanted != old_assignees:
            self.assign(wanted)
            if self.assignee_id != old_assignee:
                changes["assignee_id"] = change(old_assignee, self.assignee_id)
            changes["assignee_ids"] = change(list(old_assignees), list(wanted))
        self.updated_at = now
        return TaskEdit(
            changes=changes,
            old_status=old_status,
            old_assignee_id=old_assignee,
            old_assignee_ids=old_assignees,
        )


@attrs.frozen(kw_only=True)
class TaskPatch:
    """Checked new values for :meth:`Task.edit`; :data:`~taskcore.domain.values.UNSET`
    leaves a field as it is (``None`` clears the fields that may be empty)."""

    status: TaskStatus | Unset = UNSET
    title: str | Unset = UNSET
    description: str | Unset = UNSET
    priority: Priority | Unset = UNSET
    assignee_id: int | Unset | None = UNSET
    estimated_hours: float | Unset | None = UNSET
    actual_hours: float | Unset | None = UNSET
    due_date: dt.datetime | Unset | None = UNSET
    labels: tuple[str, ...] | Unset = UNSET
    watchers: tuple[int, ...] | Unset = UNSET
    position: float | Unset = UNSET
    parent_id: int | Unset | None = UNSET
    assignee_ids: tuple[int, ...] | Unset = UNSET
    custom_fields: Mapping[str, CustomValue | None] | Unset = UNSET
    """Custom-field values by key, merged into the task's (``None`` removes one)."""

    def given(self) -> dict[str, object]:
        """The given fields other than the status, in declaration order."""
        values = attrs.asdict(self, recurse=False)
        return {k: v for k, v in values.items() if k != "status" and v is not UNSET}

    def assignees(self, current: tuple[int, ...]) -> tuple[int, ...] | None:
        """The assignees after this patch of a task assigned to ``current`` (``None``: no
        change asked).

        ``assignee_ids`` replaces the list. ``assignee_id`` alone replaces the first
        assignee and keeps the others (``None`` unassigns everyone), so a client that
        knows only one assignee keeps working.
        """
        if self.assignee_ids is not UNSET:
            return self.assignee_ids
        first = self.assignee_id
        if first is UNSET:
            return None
        if first is None:
            return ()
        return (first, *(u for u in current[1:] if u != first))


@attrs.frozen(kw_only=True)
class TaskEdit:
    """What :meth:`Task.edit` changed.

    Attributes:
        changes: The ``{"old": ..., "new": ...}`` JSON record of each changed field.
        old_status: The status before the edit.
        old_assignee_id: The assignee before the edit.
        old_assignee_ids: The assignees before the edit.
    """

    changes: dict[str, Change]
    old_status: TaskStatus
    old_assignee_id: int | None
    old_assignee_ids: tuple[int, ...] = ()

    @property
    def changed_children(self) -> bool:
        """Whether the labels, the watchers, the assignees or the custom fields changed
        (they are stored apart)."""
        return any(
            k in self.changes for k in ("labels", "watchers", "assignee_ids", "custom_fields")
        )

    def events(self, actor_id: int, task: Task, now: dt.datetime) -> list[DomainEvent]:
        """The events of this edit of ``task`` (as saved, with its new version), at ``now``:
        :class:`TaskUpdated` always, :class:`TaskStatusChanged` when the status changed,
        :class:`TaskAssigned` for the assignees' changes (see :func:`assignments`)."""
        events: list[DomainEvent] = [
            TaskUpdated(
                occurred_at=now,
                actor_id=actor_id,
                entity_id=task.key,
                entity_version=task.version,
                project_id=task.project_id,
                title=task.title,
                changes=self.changes,
            )
        ]
        if task.status is not self.old_status:
            events.append(
                TaskStatusChanged(
                    occurred_at=now,
                    actor_id=actor_id,
                    entity_id=task.key,
                    entity_version=task.version,
                    project_id=task.project_id,
                    title=task.title,
                    old_status=self.old_status.value,
                    new_status=task.status.value,
                    assignee_id=task.assignee_id,
                )
            )
        events.extend(assignments(actor_id, task, self.old_assignee_ids, now))
        return events


def assignments(
    actor_id: int, task: Task, old: tuple[int, ...], now: dt.datetime
) -> list[TaskAssigned]:
    """The :class:`TaskAssigned` events of ``task`` (as saved) going from the assignees
    ``old`` to its current ones.

    One event per user who joined (``assignee_id``) or left (``old_assignee_id``), a
    leaving user paired with a joining one in their order: a task with one assignee
    changing to another still records one event from the old to the new, and every new
    assignee is named by an event (which notifies them). Each carries the whole new list
    in ``assignee_ids``. A mere reordering records none (its ``task.updated`` says it).
    """
    added = [u for u in task.assignee_ids if u not in old]
    removed = [u for u in old if u not in task.assignee_ids]
    return [
        TaskAssigned(
            occurred_at=now,
            actor_id=actor_id,
            entity_id=task.key,
            entity_version=task.version,
            project_id=task.project_id,
            title=task.title,
            old_assignee_id=removed[i] if i < len(removed) else None,
            assignee_id=added[i] if i < len(added) else None,
            assignee_ids=list(task.assignee_ids),
        )
        for i in range(max(len(added), len(removed)))
    ]


@attrs.frozen(kw_only=True)
class StatusCounts:
    """How many tasks have each status."""

    pending: int = 0
    in_progress: int = 0
    completed: int = 0
    cancelled: int = 0


@attrs.frozen(kw_only=True)
class SubtaskRollup:
    """What a task's direct subtasks add up to.

    Attributes:
        total: How many subtasks the task has.
        by_status: How many of them have each status.
        estimated_hours: The sum of their estimates (``0`` without any).
        actual_hours: The sum of their spent hours (``0`` without any).
        percent_done: Completed subtasks out of those not cancelled, in whole percent
            rounded down; ``None`` when every subtask is cancelled or there is none.
    """

    total: int = 0
    by_status: StatusCounts = StatusCounts()
    estimated_hours: float = 0.0
    actual_hours: float = 0.0
    percent_done: int | None = None

    @classmethod
    def of(cls, lines: Iterable[RollupLine]) -> SubtaskRollup:
        """The roll-up of per-status lines (a status may come in several lines)."""
        counts = dict.fromkeys(TaskStatus, 0)
        estimated = actual = 0.0
        for line in lines:
            counts[line.status] += line.count
            estimated += line.estimated_hours or 0.0
            actual += line.actual_hours or 0.0
        total = sum(counts.values())
        counted = total - counts[TaskStatus.CANCELLED]
        done = counts[TaskStatus.COMPLETED]
        return cls(
            total=total,
            by_status=StatusCounts(**{status.value: n for status, n in counts.items()}),
            estimated_hours=round(estimated, 2),
            actual_hours=round(actual, 2),
            percent_done=None if counted == 0 else done * 100 // counted,
        )

    @classmethod
    def of_tasks(cls, tasks: Iterable[Task]) -> SubtaskRollup:
        """The roll-up of these subtasks."""
        return cls.of(
            RollupLine(
                status=t.status,
                count=1,
                estimated_hours=t.estimated_hours,
                actual_hours=t.actual_hours,
            )
            for t in tasks
        )


NO_SUBTASKS = SubtaskRollup()
"""The roll-up of a task without subtasks."""


@attrs.frozen(kw_only=True)
class RollupLine:
    """Some subtasks of one status: how many, and their summed hours."""

    status: TaskStatus
    count: int
    estimated_hours: float | None
    actual_hours: float | None


@attrs.frozen(kw_only=True)
class TaskView:
    """A task as callers see it: 13 keys plus labels, watchers, position,
    version, its parent and the roll-up of its subtasks."""

    id: int
    project_id: int
    title: str
    description: str
    status: TaskStatus
    priority: Priority
    due_date: dt.datetime | None
    completed_at: dt.datetime | None
    estimated_hours: float | None
    actual_hours: float | None
    assignee_id: int | None
    labels: tuple[str, ...]
    watchers: tuple[int, ...]
    position: float
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int
    parent_id: int | None = None
    subtasks: SubtaskRollup = NO_SUBTASKS
    assignee_ids: tuple[int, ...] = ()
    blocked: bool = False
    custom_fields: dict[str, CustomValue] = attrs.field(factory=dict)

    @classmethod
    def of(
        cls, task: Task, subtasks: SubtaskRollup = NO_SUBTASKS, *, blocked: bool = False
    ) -> TaskView:
        """The view of a stored task, with the roll-up of its subtasks and whether an open
        task blocks it."""
        return cls(
            id=task.key,
            project_id=task.project_id,
            title=task.title,
            description=task.description,
            status=task.status,
            priority=task.priority,
            due_date=task.due_date,
            completed_at=task.completed_at,
            estimated_hours=task.estimated_hours,
            actual_hours=task.actual_hours,
            assignee_id=task.assignee_id,
            labels=task.labels,
            watchers=task.watchers,
            position=task.position,
            created_at=task.created_at,
            updated_at=task.updated_at,
            version=task.version,
            parent_id=task.parent_id,
            subtasks=subtasks,
            assignee_ids=task.assignee_ids,
            blocked=blocked,
            custom_fields=dict(task.custom_fields),
        )
