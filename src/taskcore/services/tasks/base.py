"""What the parts of the tasks service share: its collaborators, the checks of
a task's visibility, assignee and members, and the end of a status column."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from decimal import Decimal

from taskcore.domain import task_fields as fields
from taskcore.domain.projects import Role
from taskcore.domain.tasks import NO_SUBTASKS, Task, TaskStatus, TaskView
from taskcore.domain.values import Unparsed
from taskcore.errors import TaskNotFound, ValidationError
from taskcore.ports.clock import Clock
from taskcore.ports.uow import UnitOfWork
from taskcore.services import access
from taskcore.services.access import Actor
from taskcore.uow import Transactions

Instant = dt.date | dt.datetime | Unparsed | None
"""A due date or instant as use cases take it: a datetime (aware, or UTC when naive) or
a date (midnight UTC); hosts pass :class:`~taskcore.domain.values.Unparsed` for text
that did not parse."""
Hours = float | Decimal | Unparsed | None
"""Hours as use cases take them: a float, an int or a ``Decimal``."""

WRITE_DENIED = "You do not have permission to change tasks in this project"


class TasksBase:
    """The collaborators every part of :class:`TaskService` uses (set by its
    ``__init__``)."""

    _tx: Transactions
    _clock: Clock


def visible_task(uow: UnitOfWork, actor: Actor, task_id: int) -> tuple[Task, Role | None]:
    """A task the caller may see and their role (:func:`access.visible_task`)."""
    return access.visible_task(uow, actor, task_id, TaskNotFound(task_id))


def check_user(uow: UnitOfWork, user_id: int, field: str = "assignee_id") -> None:
    if uow.users.get(user_id) is None:
        raise ValidationError("Assignee user not found", field=field)


def check_members(
    uow: UnitOfWork,
    project_id: int,
    assignees: Sequence[int],
    watchers: Sequence[int],
    *,
    field: str = "assignee_id",
) -> None:
    wanted = set(watchers) | set(assignees)
    if not wanted:
        return
    check_roles(uow.projects.member_roles(project_id, wanted), assignees, watchers, field=field)


def check_roles(
    roles: Mapping[int, Role],
    assignees: Sequence[int],
    watchers: Sequence[int],
    *,
    field: str = "assignee_id",
) -> None:
    """Raise unless the assignees and watchers are members (``field`` names where the
    assignees came from: ``assignee_id`` or ``assignee_ids``)."""
    if any(a not in roles for a in assignees):
        message = (
            "Assignee must be a member of the project"
            if field == "assignee_id"
            else "Assignees must be members of the project"
        )
        raise ValidationError(message, field=field)
    if any(w not in roles for w in watchers):
        raise ValidationError("Watchers must be members of the project", field="watchers")


def end_of_column(uow: UnitOfWork, project_id: int, status: TaskStatus) -> float:
    last = uow.tasks.last_position(project_id, status)
    return 1.0 if last is None else math.floor(last) + 1.0


PARENT_NOT_FOUND = "Parent task not found in this project"


def check_parent(uow: UnitOfWork, project_id: int, parent_id: int, task: Task | None) -> None:
    """Raise unless ``task`` (``None``: a new task) may become a subtask of ``parent_id``:
    a task of the same project, not the task itself nor one of its subtasks, and the
    subtree stays within :data:`~taskcore.domain.task_fields.SUBTASK_DEPTH_MAX` levels.
    Locks the project's row for the rest of the transaction.

    Raises:
        ValidationError: ``Parent task not found in this project`` (also for a task of
            another project, which the caller may not see) and the errors of
            :func:`~taskcore.domain.task_fields.check_placement` (field ``parent_id``).
    """
    if uow.tasks.project_id_of(parent_id) != project_id:
        raise ValidationError(PARENT_NOT_FOUND, field="parent_id")
    # Structural changes of one project take turns (the project row is locked until the
    # commit), so two concurrent moves cannot each pass the checks and close a cycle.
    uow.projects.get(project_id, for_update=True)
    height = 1
    if task is not None:
        below = uow.tasks.descendants(task.key)
        height = fields.subtree_height(task.key, {t.key: t.parent_id for t in below})
    fields.check_placement(None if task is None else task.key, uow.tasks.lineage(parent_id), height)


def view_of(uow: UnitOfWork, task: Task) -> TaskView:
    """The view of one stored task, with the roll-up of its subtasks and whether it is
    blocked."""
    return views_of(uow, [task])[0]


def views_of(uow: UnitOfWork, tasks: Sequence[Task]) -> list[TaskView]:
    """The views of stored tasks, their roll-ups and blocked states read in one query."""
    if not tasks:
        return []
    rollups, blocked = uow.tasks.view_facts([t.key for t in tasks])
    return [
        TaskView.of(t, rollups.get(t.key, NO_SUBTASKS), blocked=t.key in blocked) for t in tasks
    ]
