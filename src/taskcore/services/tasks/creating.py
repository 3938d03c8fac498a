"""Creating a task, and the events a new task records."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import attrs

from taskcore.domain import tasks as rules
from taskcore.domain.events import DomainEvent, TaskCreated
from taskcore.domain.projects import Priority
from taskcore.domain.tasks import Task, TaskStatus, TaskView
from taskcore.domain.values import Unparsed
from taskcore.errors import ProjectNotFound
from taskcore.services import access
from taskcore.services.access import Actor
from taskcore.services.tasks.base import (
    WRITE_DENIED,
    Hours,
    Instant,
    TasksBase,
    check_members,
    check_parent,
    check_user,
    end_of_column,
)
from taskcore.services.tasks.custom_fields import check_custom
from taskcore.services.tasks.inputs import TaskDraft, check_draft


class Creating(TasksBase):
    """Creating one task."""

    def create_task(
        self,
        actor: Actor,
        project_id: int,
        *,
        title: str | None,
        description: str | None = None,
        status: TaskStatus | Unparsed | None = None,
        priority: Priority | Unparsed | None = None,
        due_date: Instant = None,
        estimated_hours: Hours = None,
        actual_hours: Hours = None,
        assignee_id: int | None = None,
        labels: Iterable[str] | None = None,
        watchers: Iterable[int] | None = None,
        position: float | None = None,
        parent_id: int | None = None,
        assignee_ids: Iterable[int] | None = None,
        custom_fields: object = None,
    ) -> TaskView:
        """Create a task in a project (owners and members).

        Fields take typed values: ``status`` a :class:`TaskStatus`, ``priority`` a
        :class:`Priority`, ``due_date`` a ``datetime`` (UTC when naive) or a ``date``
        (midnight UTC), hours a float, int or ``Decimal`` (0 to 100000, kept to the
        hundredth). Hosts parse wire text with :mod:`taskcore.domain.task_fields` and pass
        :class:`~taskcore.domain.values.Unparsed` for text that does not parse.

        ``custom_fields`` gives values of the project's custom fields by key (checked by
        :func:`check_custom`; required ones must be given).

        ``assignee_ids`` assigns several members at once (in order; ``assignee_id`` is
        the first of them and, when both are given, must be); every assignee is named by
        a ``task.assigned`` event.

        Checks run in this order (project, title, assignee, due_date, status,
        priority), then hours, lengths, labels, watchers, position and membership of the
        assignee and watchers. A task created as ``completed`` gets ``completed_at``; one
        created without ``position`` goes to the end of its status column.

        Raises:
            ProjectNotFound: no such project, or the caller is not a member.
            ProjectRoleRequired: the caller is a viewer.
            ValidationError: ``Task title is required``, ``Assignee user not found``,
                ``Invalid due_date format. Use ISO format``, ``Invalid status. Must be one
                of [...]``, ``Invalid priority. Must be one of [...]``, ``Estimated hours
                must be a number``, ``Estimated hours cannot be negative`` (and the same for
                actual hours), a field too long, bad labels, watchers or position,
                ``Assignee must be a member of the project``, ``Watchers must be members of
                the project``.
        """
        draft = TaskDraft(
            title=title,
            description=description,
            status=status,
            priority=priority,
            due_date=due_date,
            estimated_hours=estimated_hours,
            actual_hours=actual_hours,
            assignee_id=assignee_id,
            labels=labels,
            watchers=watchers,
            position=position,
            parent_id=parent_id,
            assignee_ids=assignee_ids,
        )
        with self._tx() as work:
            uow = work.uow
            role = access.visible_role(uow.projects, actor, project_id, ProjectNotFound(project_id))
            access.require_write(actor, role, project_id, WRITE_DENIED)
            checked = check_draft(draft, lambda user_id, field: check_user(uow, user_id, field))
            check_members(
                uow,
                project_id,
                checked.assignee_ids,
                checked.watchers,
                field=checked.assignee_field,
            )
            if checked.parent_id is not None:
                check_parent(uow, project_id, checked.parent_id, None)
            custom = check_custom(uow, project_id, custom_fields, creating=True)
            checked = attrs.evolve(
                checked, custom_fields={k: v for k, v in custom.items() if v is not None}
            )
            now = self._clock.now()
            place = checked.position
            if place is None:
                place = end_of_column(uow, project_id, checked.status)
            task = uow.tasks.add(checked.task(project_id, place, now))
            work.record(*created_events(actor, task, now))
            work.commit()
        return TaskView.of(task)


def created_events(actor: Actor, task: Task, now: dt.datetime) -> list[DomainEvent]:
    events: list[DomainEvent] = [
        TaskCreated(
            occurred_at=now,
            actor_id=actor.user_id,
            entity_id=task.key,
            entity_version=task.version,
            project_id=task.project_id,
            title=task.title,
            status=task.status.value,
            priority=task.priority.value,
            assignee_id=task.assignee_id,
            parent_id=task.parent_id,
        )
    ]
    events.extend(rules.assignments(actor.user_id, task, (), now))
    return events
