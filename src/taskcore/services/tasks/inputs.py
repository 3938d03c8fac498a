"""A task's fields as callers give them (filters, drafts, changes) and their checks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

import attrs

from taskcore.domain import task_fields as fields
from taskcore.domain import validation
from taskcore.domain.custom_fields import CustomValue
from taskcore.domain.projects import Priority, given
from taskcore.domain.tasks import Task, TaskPatch, TaskSort, TaskStatus
from taskcore.domain.values import UNSET, Unparsed, Unset
from taskcore.ports.uow import UnitOfWork
from taskcore.services.tasks.base import Hours, Instant, check_user


@attrs.frozen(kw_only=True)
class TaskFilters:
    """Filters and order of a task listing (checked by the service).

    Args:
        status: Only this status.
        priority: Only this priority.
        assignee_id: Only tasks assigned to this user.
        label: Only tasks with this label (compared after normalisation).
        due_before: Only tasks due strictly before this instant or date (midnight UTC).
        due_after: Only tasks due at or after this instant or date.
        overdue: ``True``: only tasks past due and still open; ``False``: only the others.
        search: Only tasks whose title or description contains this text, in any case.
        parent_id: Only the direct subtasks of this task.
        top_level: ``True``: only tasks without a parent; ``False``: only subtasks.
        blocked: ``True``: only tasks an open task blocks; ``False``: only the others.
        custom: ``(key, op, text)`` filters on custom fields: ``op`` ``eq``, ``gte``,
            ``lte`` or ``in`` (comma-separated values); only in a project's lists.
        sort: ``created_at`` (default), ``updated_at``, ``due_date``, ``priority`` (by
            urgency) or ``position`` (board order).
        order: ``desc`` (default) or ``asc``.
    """

    status: TaskStatus | Unparsed | None = None
    priority: Priority | Unparsed | None = None
    assignee_id: int | None = None
    label: str | None = None
    due_before: Instant = None
    due_after: Instant = None
    overdue: bool | None = None
    search: str | None = None
    parent_id: int | None = None
    top_level: bool | None = None
    blocked: bool | None = None
    custom: tuple[tuple[str, str, str], ...] = ()
    sort: str = TaskSort.CREATED_AT.value
    order: str = "desc"


@attrs.frozen(kw_only=True)
class TaskDraft:
    """One task to create with :meth:`TaskService.import_tasks`.

    The fields mean what the arguments of :meth:`TaskService.create_task` mean and are
    checked the same way.
    """

    title: str | None
    description: str | None = None
    status: TaskStatus | Unparsed | None = None
    priority: Priority | Unparsed | None = None
    due_date: Instant = None
    estimated_hours: Hours = None
    actual_hours: Hours = None
    assignee_id: int | None = None
    labels: Iterable[str] | None = None
    watchers: Iterable[int] | None = None
    position: float | None = None
    parent_id: int | None = None
    assignee_ids: Iterable[int] | None = None


@attrs.frozen(kw_only=True)
class Checked:
    """A draft's values after the field checks, before membership and position."""

    title: str
    description: str
    status: TaskStatus
    priority: Priority
    due_date: dt.datetime | None
    estimated_hours: float | None
    actual_hours: float | None
    assignee_id: int | None
    labels: tuple[str, ...]
    watchers: tuple[int, ...]
    position: float | None
    parent_id: int | None = None
    assignee_ids: tuple[int, ...] = ()
    custom_fields: dict[str, CustomValue] = attrs.field(factory=dict)

    @property
    def assignee_field(self) -> str:
        """Where the assignees came from, for the messages naming them."""
        return "assignee_ids" if len(self.assignee_ids) > 1 else "assignee_id"

    def task(self, project_id: int, position: float, now: dt.datetime) -> Task:
        return Task(
            project_id=project_id,
            title=self.title,
            description=self.description,
            status=self.status,
            priority=self.priority,
            due_date=self.due_date,
            completed_at=now if self.status is TaskStatus.COMPLETED else None,
            estimated_hours=self.estimated_hours,
            actual_hours=self.actual_hours,
            assignee_id=self.assignee_id,
            assignee_ids=self.assignee_ids,
            labels=self.labels,
            watchers=self.watchers,
            position=position,
            parent_id=self.parent_id,
            custom_fields=dict(self.custom_fields),
            created_at=now,
            updated_at=now,
        )


def task_status(value: TaskStatus | Unparsed | None) -> TaskStatus:
    """The status a use case was given (see :func:`~taskcore.domain.projects.given`)."""
    return given(TaskStatus, value, what="status", field="status")


def task_priority(value: Priority | Unparsed | None) -> Priority:
    """The priority a use case was given (see :func:`~taskcore.domain.projects.given`)."""
    return given(Priority, value, what="priority", field="priority")


def check_draft(draft: TaskDraft, check_user: Callable[[int, str], None]) -> Checked:
    """The field checks of a new task, in this order (title, assignee, assignees,
    due_date, status, priority), then hours, lengths, labels, watchers and position."""
    title = fields.check_title(draft.title, message="Task title is required")
    if draft.assignee_id is not None:
        check_user(draft.assignee_id, "assignee_id")
    listed = None if draft.assignee_ids is None else fields.normalize_assignees(draft.assignee_ids)
    assignees = fields.merge_assignees(draft.assignee_id, listed)
    for user_id in assignees:
        if user_id != draft.assignee_id:
            check_user(user_id, "assignee_ids")
    due = fields.check_due_date(draft.due_date)
    status = TaskStatus.PENDING if draft.status is None else task_status(draft.status)
    priority = Priority.MEDIUM if draft.priority is None else task_priority(draft.priority)
    estimated = fields.check_hours(draft.estimated_hours, "estimated_hours", "Estimated hours")
    actual = fields.check_hours(draft.actual_hours, "actual_hours", "Actual hours")
    fields.check_title_length(title)
    text = validation.clean_description(draft.description)
    validation.check_description_length(text)
    return Checked(
        title=title,
        description=text,
        status=status,
        priority=priority,
        due_date=due,
        estimated_hours=estimated,
        actual_hours=actual,
        assignee_id=assignees[0] if assignees else None,
        assignee_ids=assignees,
        labels=fields.normalize_labels(draft.labels),
        watchers=fields.normalize_watchers(draft.watchers),
        position=None if draft.position is None else fields.check_position(draft.position),
        parent_id=fields.check_parent_id(draft.parent_id),
    )


def check_patch(
    uow: UnitOfWork,
    *,
    title: str | Unset | None,
    description: str | Unset | None,
    status: TaskStatus | Unparsed | Unset | None,
    priority: Priority | Unparsed | Unset | None,
    assignee_id: int | Unset | None,
    estimated_hours: Hours | Unset,
    actual_hours: Hours | Unset,
    due_date: Instant | Unset,
    labels: Iterable[str] | Unset | None,
    watchers: Iterable[int] | Unset | None,
    position: float | Unset,
    parent_id: int | Unset | None = UNSET,
    assignee_ids: Iterable[int] | Unset | None = UNSET,
) -> TaskPatch:
    """The field checks of a task update, in this order (title, description, status,
    priority, assignee, estimated hours, actual hours, due_date), then lengths, labels,
    watchers and position; only the given fields are checked."""
    new_title = (
        UNSET if title is UNSET else fields.check_title(title, message="Task title cannot be empty")
    )
    new_description = UNSET if description is UNSET else validation.clean_description(description)
    new_status = UNSET if status is UNSET else task_status(status)
    new_priority = UNSET if priority is UNSET else task_priority(priority)
    if assignee_id is not UNSET and assignee_id is not None:
        check_user(uow, assignee_id)
    assignees: tuple[int, ...] | Unset = UNSET
    if assignee_ids is not UNSET:
        assignees = fields.normalize_assignees(assignee_ids)
        for user_id in assignees:
            check_user(uow, user_id, "assignee_ids")
    estimated = (
        UNSET
        if estimated_hours is UNSET
        else fields.check_hours(estimated_hours, "estimated_hours", "Estimated hours")
    )
    actual = (
        UNSET
        if actual_hours is UNSET
        else fields.check_hours(actual_hours, "actual_hours", "Actual hours")
    )
    due = UNSET if due_date is UNSET else fields.check_due_date(due_date)
    if new_title is not UNSET:
        fields.check_title_length(new_title)
    if new_description is not UNSET:
        validation.check_description_length(new_description)
    return TaskPatch(
        title=new_title,
        description=new_description,
        status=new_status,
        priority=new_priority,
        assignee_id=assignee_id,
        estimated_hours=estimated,
        actual_hours=actual,
        due_date=due,
        labels=UNSET if labels is UNSET else fields.normalize_labels(labels),
        watchers=UNSET if watchers is UNSET else fields.normalize_watchers(watchers),
        position=UNSET if position is UNSET else fields.check_position(position),
        parent_id=UNSET if parent_id is UNSET else fields.check_parent_id(parent_id),
        assignee_ids=assignees,
    )
