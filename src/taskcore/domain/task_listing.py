"""The order and filters of task lists: what a list may be sorted by, a list's order (and
its cursors' sort values), and which tasks a listing returns.
:mod:`taskcore.domain.tasks` re-exports them."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable
from typing import TYPE_CHECKING

import attrs

from taskcore.domain import pagination
from taskcore.domain.custom_fields import FieldFilter, FieldSort
from taskcore.domain.pagination import SortValue
from taskcore.domain.projects import Priority

if TYPE_CHECKING:
    from taskcore.domain.tasks import Task, TaskStatus, TaskView


class TaskSort(enum.StrEnum):
    """What a task list may be sorted by."""

    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"
    DUE_DATE = "due_date"
    PRIORITY = "priority"
    POSITION = "position"


@attrs.frozen(kw_only=True)
class TaskOrder:
    """A task list's order: one sort field, then the id, in one direction.

    Priorities sort by rank (low < medium < high < critical); tasks without a due date
    come last whatever the direction.
    """

    sort: TaskSort = TaskSort.CREATED_AT
    descending: bool = True
    custom: FieldSort | None = None
    """When set, the order is by this custom field's value instead of ``sort``."""

    @property
    def name(self) -> str:
        """Identifies the order inside cursors, so a cursor cannot be reused with another."""
        what = self.sort.value if self.custom is None else f"cf{self.custom.field_id}"
        return f"tasks:{what}:{'desc' if self.descending else 'asc'}"

    def value(self, task: Task | TaskView) -> SortValue:
        """The sort value of ``task`` in this order."""
        if self.custom is not None:
            return self.custom.value(task.custom_fields)
        match self.sort:
            case TaskSort.CREATED_AT:
                return task.created_at
            case TaskSort.UPDATED_AT:
                return task.updated_at
            case TaskSort.DUE_DATE:
                return task.due_date
            case TaskSort.PRIORITY:
                return task.priority.rank
            case TaskSort.POSITION:
                return task.position

    def parser(self) -> Callable[[object], SortValue]:
        """Checks the sort value stored in a cursor for this order."""
        if self.custom is not None:
            return self.custom.parser()
        match self.sort:
            case TaskSort.CREATED_AT | TaskSort.UPDATED_AT:
                return pagination.datetime_value
            case TaskSort.DUE_DATE:
                return pagination.optional_datetime_value
            case TaskSort.PRIORITY:
                return pagination.integer_value
            case TaskSort.POSITION:
                return pagination.number_value


@attrs.frozen(kw_only=True)
class TaskCriteria:
    """Which tasks a listing returns (every given condition must hold).

    Args:
        project_id: Only tasks of this project.
        member_id: Only tasks of projects this user is a member of.
        status: Only tasks with this status.
        priority: Only tasks with this priority.
        assignee_id: Only tasks this user is one of the assignees of.
        label: Only tasks carrying this (normalised) label.
        due_before: Only tasks due strictly before this instant.
        due_after: Only tasks due at or after this instant.
        overdue: ``True``: only overdue tasks (due before ``now`` and still open);
            ``False``: only tasks that are not overdue.
        now: The instant ``overdue`` is judged at.
        search: Only tasks whose title or description contains this text, in any case.
        parent_id: Only the direct subtasks of this task.
        top_level: ``True``: only tasks without a parent; ``False``: only subtasks.
        blocked: ``True``: only tasks an open task blocks; ``False``: only the others
            (the repository checks it: it needs the relations).
        custom: Only tasks whose custom field (by key) meets each filter.
    """

    project_id: int | None = None
    member_id: int | None = None
    status: TaskStatus | None = None
    priority: Priority | None = None
    assignee_id: int | None = None
    label: str | None = None
    due_before: dt.datetime | None = None
    due_after: dt.datetime | None = None
    overdue: bool | None = None
    now: dt.datetime | None = None
    search: str | None = None
    parent_id: int | None = None
    top_level: bool | None = None
    blocked: bool | None = None
    custom: tuple[tuple[str, FieldFilter], ...] = ()

    def matches(self, task: Task) -> bool:
        """Whether ``task`` meets every condition except ``member_id`` and ``blocked``
        (which need the memberships and relations, so the repository checks them)."""
        checks = (
            self.project_id is None or task.project_id == self.project_id,
            self.status is None or task.status is self.status,
            self.priority is None or task.priority is self.priority,
            self.assignee_id is None or self.assignee_id in task.assignee_ids,
            self.label is None or self.label in task.labels,
            self.due_before is None
            or (task.due_date is not None and task.due_date < self.due_before),
            self.due_after is None
            or (task.due_date is not None and task.due_date >= self.due_after),
            self.overdue is None or is_overdue(task, self.now) is self.overdue,
            self.search is None
            or self.search.lower() in task.title.lower()
            or self.search.lower() in task.description.lower(),
            self.parent_id is None or task.parent_id == self.parent_id,
            self.top_level is None or (task.parent_id is None) is self.top_level,
            all(f.matches(task.custom_fields.get(key)) for key, f in self.custom),
        )
        return all(checks)


def is_overdue(task: Task | TaskView, now: dt.datetime | None) -> bool:
    """Whether ``task`` is past its due date at ``now`` and still open."""
    return (
        now is not None
        and task.due_date is not None
        and task.due_date < now
        and task.status.is_open
    )
