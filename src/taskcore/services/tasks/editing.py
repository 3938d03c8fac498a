"""Changing tasks: fields, status and board position (:meth:`update_task`), and
watching (:meth:`set_watching`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import attrs

from taskcore.domain.events import TaskBlockersOverridden
from taskcore.domain.projects import Priority
from taskcore.domain.tasks import Task, TaskPatch, TaskStatus, TaskView
from taskcore.domain.values import UNSET, Unparsed, Unset
from taskcore.errors import TaskBlocked, ValidationError
from taskcore.ports.uow import UnitOfWork
from taskcore.services import access
from taskcore.services.access import Actor
from taskcore.services.tasks.base import (
    WRITE_DENIED,
    Hours,
    Instant,
    TasksBase,
    check_members,
    check_parent,
    end_of_column,
    view_of,
    visible_task,
)
from taskcore.services.tasks.custom_fields import check_custom
from taskcore.services.tasks.inputs import check_patch


class Editing(TasksBase):
    """Changing a task: its fields, status and position, and who watches it."""

    def update_task(
        self,
        actor: Actor,
        task_id: int,
        *,
        title: str | Unset | None = UNSET,
        description: str | Unset | None = UNSET,
        status: TaskStatus | Unparsed | Unset | None = UNSET,
        priority: Priority | Unparsed | Unset | None = UNSET,
        assignee_id: int | Unset | None = UNSET,
        estimated_hours: Hours | Unset = UNSET,
        actual_hours: Hours | Unset = UNSET,
        due_date: Instant | Unset = UNSET,
        labels: Iterable[str] | Unset | None = UNSET,
        watchers: Iterable[int] | Unset | None = UNSET,
        position: float | Unset = UNSET,
        parent_id: int | Unset | None = UNSET,
        project_id: int | Unset = UNSET,
        assignee_ids: Iterable[int] | Unset | None = UNSET,
        override_blockers: bool = False,
        custom_fields: object | Unset = UNSET,
        expected_version: int | None = None,
    ) -> TaskView:
        """Change a task (owners and members); only the fields given change.

        Fields take the typed values :meth:`create_task` takes.

        Checks run in this order (title, description, status, priority,
        assignee, estimated hours, actual hours, due_date), then lengths, labels, watchers,
        position and membership; nothing is saved if any fails. ``updated_at`` is bumped
        on every call, even one that changes nothing. ``None`` clears the
        assignee, the hours and the due date (an empty due date too). Moving into
        ``completed`` stamps ``completed_at``, moving out clears it; a task changing status
        without a new ``position`` goes to the end of its new column.

        ``parent_id`` makes the task a subtask of another task of its project (``None``:
        a top-level task again), checked by :func:`check_parent`. ``project_id`` is
        read-only: the task's own project or another one is ignored, except that a task
        with a parent or with subtasks cannot be sent to another project (tasks do not
        move between projects, and a tree never spans two).

        ``assignee_ids`` replaces the assignees (members only; ``None`` or ``[]``
        unassigns everyone). ``assignee_id`` alone replaces the first assignee and keeps
        the others (``None`` unassigns everyone). Given together, ``assignee_id`` must be
        the first of ``assignee_ids`` or the task's current ``assignee_id`` (a client
        sending back what it read).

        ``custom_fields`` changes the given custom-field values by key (``None`` removes
        one, except a required one); the others stay.

        A task an open task blocks (``blocks`` relations) cannot be completed unless
        ``override_blockers`` is given (by a writer, as every change): the override is
        recorded as a ``task.blockers_overridden`` event naming the blockers.

        Raises:
            TaskNotFound: no such task, or the caller is not a member of its project.
            ProjectRoleRequired: the caller is a viewer.
            VersionMismatch: ``expected_version`` is not the current version.
            TaskBlocked: the task would be completed while open tasks block it.
            ValidationError: ``Task title cannot be empty`` and the errors of
                :meth:`create_task`; ``A task with a parent or subtasks cannot move to
                another project`` (field ``project_id``); ``assignee_id must be the first
                of assignee_ids``.
        """
        with self._tx() as work:
            uow = work.uow
            task, role = visible_task(uow, actor, task_id)
            access.require_write(actor, role, task.project_id, WRITE_DENIED)
            access.check_version(task.version, expected_version)
            patch = check_patch(
                uow,
                title=title,
                description=description,
                status=status,
                priority=priority,
                assignee_id=assignee_id,
                estimated_hours=estimated_hours,
                actual_hours=actual_hours,
                due_date=due_date,
                labels=labels,
                watchers=watchers,
                position=position,
                parent_id=parent_id,
                assignee_ids=assignee_ids,
            )
            patch = _settled_patch(uow, task, patch, custom_fields, project_id)
            blockers: list[int] = []
            if patch.status is TaskStatus.COMPLETED and task.status is not TaskStatus.COMPLETED:
                blockers = _check_blockers(uow, actor, task, override=override_blockers)
            now = self._clock.now()
            edit = task.edit(patch, now)
            task = uow.tasks.update(task, children_changed=edit.changed_children)
            work.record(*edit.events(actor.user_id, task, now))
            if blockers:
                work.record(_blockers_overridden(actor, task, now, blockers))
            view = view_of(uow, task)
            work.commit()
        return view

    def set_watching(self, actor: Actor, task_id: int, *, watching: bool) -> TaskView:
        """Start or stop watching a task, for the caller only.

        Any member may watch, viewers included: it changes nothing but the caller's own
        subscription.

        Raises:
            TaskNotFound: no such task, or the caller is not a member of its project.
        """
        with self._tx() as work:
            uow = work.uow
            task, _ = visible_task(uow, actor, task_id)
            current = set(task.watchers)
            wanted = current | {actor.user_id} if watching else current - {actor.user_id}
            if wanted == current:
                return view_of(uow, task)
            if watching and not uow.projects.member_roles(task.project_id, [actor.user_id]):
                raise ValidationError("Watchers must be members of the project", field="watchers")
            now = self._clock.now()
            edit = task.edit(TaskPatch(watchers=tuple(sorted(wanted))), now)
            task = uow.tasks.update(task)
            work.record(*edit.events(actor.user_id, task, now))
            view = view_of(uow, task)
            work.commit()
        return view


def _settled_patch(
    uow: UnitOfWork,
    task: Task,
    patch: TaskPatch,
    custom_fields: object | Unset,
    project_id: int | Unset,
) -> TaskPatch:
    """``patch`` checked against ``task`` and its project (assignees, custom fields, the
    project, the parent, members), with the end of the new column as its position when
    the status changes without one.

    Raises:
        ValidationError: as :meth:`Editing.update_task` describes.
    """
    patch = _one_assignee_list(patch, task)
    if custom_fields is not UNSET:
        custom = check_custom(uow, task.project_id, custom_fields, creating=False)
        patch = attrs.evolve(patch, custom_fields=custom)
    if project_id is not UNSET and project_id != task.project_id:
        _refuse_tree_move(uow, task)
    new_parent = patch.parent_id
    if isinstance(new_parent, int) and new_parent != task.parent_id:
        check_parent(uow, task.project_id, new_parent, task)
    wanted = patch.assignees(task.assignee_ids)
    check_members(
        uow,
        task.project_id,
        [u for u in wanted or () if u not in task.assignee_ids],
        patch.watchers if patch.watchers is not UNSET else (),
        field="assignee_id" if patch.assignee_ids is UNSET else "assignee_ids",
    )
    status_moves = patch.status is not UNSET and patch.status is not task.status
    if status_moves and patch.position is UNSET and patch.status is not UNSET:
        # A task changing column without a position goes to the end of the new one.
        end = end_of_column(uow, task.project_id, patch.status)
        patch = attrs.evolve(patch, position=end)
    return patch


def _blockers_overridden(
    actor: Actor, task: Task, now: dt.datetime, blockers: list[int]
) -> TaskBlockersOverridden:
    """The event recording that ``actor`` completed ``task`` despite its open ``blockers``."""
    return TaskBlockersOverridden(
        occurred_at=now,
        actor_id=actor.user_id,
        entity_id=task.key,
        entity_version=task.version,
        project_id=task.project_id,
        title=task.title,
        blocker_ids=blockers,
    )


def _check_blockers(uow: UnitOfWork, actor: Actor, task: Task, *, override: bool) -> list[int]:
    """The open blockers of ``task`` being completed (empty when there are none).

    Raises:
        TaskBlocked: there are some and no ``override``; it names those in projects the
            caller can see and counts the others.
    """
    blockers = uow.tasks.open_blockers(task.key)
    if not blockers or override:
        return [b for b, _ in blockers]
    seen: dict[int, bool] = {}
    for _, project_id in blockers:
        if project_id not in seen:
            seen[project_id] = actor.is_admin or bool(
                uow.projects.member_roles(project_id, [actor.user_id])
            )
    shown = [b for b, p in blockers if seen[p]]
    raise TaskBlocked(shown, hidden=len(blockers) - len(shown))


def _one_assignee_list(patch: TaskPatch, task: Task) -> TaskPatch:
    """``patch`` with ``assignee_id`` dropped when ``assignee_ids`` is given too (after
    checking that they agree)."""
    if patch.assignee_ids is UNSET or patch.assignee_id is UNSET:
        return patch
    first = patch.assignee_ids[0] if patch.assignee_ids else None
    if patch.assignee_id not in (first, task.assignee_id):
        raise ValidationError("assignee_id must be the first of assignee_ids", field="assignee_id")
    return attrs.evolve(patch, assignee_id=UNSET)


def _refuse_tree_move(uow: UnitOfWork, task: Task) -> None:
    if task.parent_id is not None or uow.tasks.rollups([task.key]):
        raise ValidationError(
            "A task with a parent or subtasks cannot move to another project",
            field="project_id",
        )
