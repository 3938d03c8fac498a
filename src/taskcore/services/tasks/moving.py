"""Moving a task to another project (:meth:`Moving.move_task`)."""

from __future__ import annotations

from taskcore.domain.event_base import Change, change, json_value
from taskcore.domain.events import TaskUpdated
from taskcore.domain.tasks import Task, TaskView
from taskcore.errors import ProjectNotFound, ValidationError
from taskcore.ports.uow import UnitOfWork
from taskcore.services import access
from taskcore.services.access import Actor
from taskcore.services.tasks.base import (
    WRITE_DENIED,
    TasksBase,
    end_of_column,
    view_of,
    visible_task,
)
from taskcore.services.tasks.custom_fields import check_custom

MOVE_TREE = "A task with a parent or subtasks cannot move to another project"
SAME_PROJECT = "The task is already in this project"
ASSIGNEES_ELSEWHERE = "The task's assignees must be members of the destination project"
DESTINATION_DENIED = "You do not have permission to add tasks to the destination project"


class Moving(TasksBase):
    """Moving a task from one project to another."""

    def move_task(
        self,
        actor: Actor,
        task_id: int,
        project_id: int,
        *,
        expected_version: int | None = None,
    ) -> TaskView:
        """Move a task to another project (writers of both projects).

        The task keeps its title, description, status, priority, dates, hours, labels,
        assignees, comments, attachments, time entries and relations; it goes to the end
        of its status column in the destination. Watchers who are not members of the
        destination stop watching it (they could not see it there). Custom-field values
        whose key the destination defines are kept and checked against its definition;
        the others are dropped. One ``task.updated`` event in the destination records the
        change (``project_id`` old and new, and whatever else changed).

        A task with a parent or with subtasks is refused: a tree never spans two
        projects, and subtasks do not move on their own.

        Raises:
            TaskNotFound: no such task, or the caller is not a member of its project.
            ProjectNotFound: no such destination, or the caller may not see it.
            ProjectRoleRequired: the caller is a viewer of either project.
            VersionMismatch: ``expected_version`` is not the current version.
            ValidationError: field ``project_id``: the task is already there, it has a
                parent or subtasks, or an assignee is not a member of the destination;
                field ``custom_fields.<key>``: a kept value the destination's definition
                refuses, or a value its required field lacks.
        """
        with self._tx() as work:
            uow = work.uow
            task, role = visible_task(uow, actor, task_id)
            access.require_write(actor, role, task.project_id, WRITE_DENIED)
            access.check_version(task.version, expected_version)
            there = access.visible_role(
                uow.projects, actor, project_id, ProjectNotFound(project_id)
            )
            access.require_write(actor, there, project_id, DESTINATION_DENIED)
            if project_id == task.project_id:
                raise ValidationError(SAME_PROJECT, field="project_id")
            if task.parent_id is not None or uow.tasks.rollups([task.key]):
                raise ValidationError(MOVE_TREE, field="project_id")
            now = self._clock.now()
            changes = _move(uow, task, project_id)
            task.updated_at = now
            task = uow.tasks.update(task, children_changed=True)
            work.record(
                TaskUpdated(
                    occurred_at=now,
                    actor_id=actor.user_id,
                    entity_id=task.key,
                    entity_version=task.version,
                    project_id=task.project_id,
                    title=task.title,
                    changes=changes,
                )
            )
            view = view_of(uow, task)
            work.commit()
        return view


def _move(uow: UnitOfWork, task: Task, project_id: int) -> dict[str, Change]:
    """Put ``task`` in ``project_id`` (checked there: assignees, watchers, custom fields,
    position), returning the changes.

    Raises:
        ValidationError: as :meth:`Moving.move_task` describes.
    """
    people = set(task.assignee_ids) | set(task.watchers)
    roles = uow.projects.member_roles(project_id, people) if people else {}
    if any(a not in roles for a in task.assignee_ids):
        raise ValidationError(ASSIGNEES_ELSEWHERE, field="project_id")
    defined = {d.key for d in uow.tasks.fields_of([project_id])}
    kept = {k: v for k, v in task.custom_fields.items() if k in defined}
    checked = check_custom(uow, project_id, kept, creating=True)
    custom = {k: v for k, v in checked.items() if v is not None}
    watchers = tuple(w for w in task.watchers if w in roles)
    position = end_of_column(uow, project_id, task.status)
    changes: dict[str, Change] = {"project_id": change(task.project_id, project_id)}
    if position != task.position:
        changes["position"] = change(task.position, position)
    if watchers != task.watchers:
        changes["watchers"] = change(list(task.watchers), list(watchers))
    if custom != task.custom_fields:
        changes["custom_fields"] = change(
            {k: json_value(v) for k, v in task.custom_fields.items()},
            {k: json_value(v) for k, v in custom.items()},
        )
    task.project_id, task.position = project_id, position
    task.watchers, task.custom_fields = watchers, custom
    return changes
