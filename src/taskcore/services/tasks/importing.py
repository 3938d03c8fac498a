"""Importing tasks: many drafts checked as one creation each, stored together."""

from __future__ import annotations

import math
from collections.abc import Sequence

from taskcore.domain.tasks import Task, TaskStatus, TaskView
from taskcore.errors import ProjectNotFound, ValidationError
from taskcore.services import access
from taskcore.services.access import Actor
from taskcore.services.tasks.base import WRITE_DENIED, TasksBase, check_parent, check_roles
from taskcore.services.tasks.creating import created_events
from taskcore.services.tasks.inputs import Checked, TaskDraft, check_draft


class Importing(TasksBase):
    """Creating many tasks at once."""

    def import_tasks(
        self, actor: Actor, project_id: int, items: Sequence[TaskDraft]
    ) -> list[TaskView]:
        """Create many tasks in a project at once, all or none (owners and members).

        Each item is checked exactly as :meth:`create_task` checks its arguments; the
        caller's membership, the assignees' accounts and the assignees' and watchers'
        memberships are each looked up once for the whole batch. The tasks are stored in
        one transaction with one batched insert, in the order given. Each task records the
        same events as :meth:`create_task` (``TaskCreated``, and ``TaskAssigned`` when it
        has an assignee), so every consumer treats an imported task like a created one.
        Items without ``position`` go to the end of their status column, one after the
        other, as if created one by one. Imported tasks carry no custom-field values, so a
        project with a required custom field refuses imports.

        Args:
            actor: Who imports.
            project_id: The project that receives the tasks.
            items: The tasks to create.

        Returns:
            The created tasks, in the order of ``items``.

        Raises:
            ProjectNotFound: no such project, or the caller is not a member.
            ProjectRoleRequired: the caller is a viewer.
            ValidationError: an item fails a check of :meth:`create_task`; the message
                starts with ``Item N:`` (counting from 0) and ``field`` is
                ``items[N].<field>``. Nothing is stored.
        """
        with self._tx() as work:
            uow = work.uow
            role = access.visible_role(uow.projects, actor, project_id, ProjectNotFound(project_id))
            access.require_write(actor, role, project_id, WRITE_DENIED)
            if not items:
                return []
            wanted_assignees = {i.assignee_id for i in items if i.assignee_id is not None}
            wanted_assignees.update(u for i in items for u in (i.assignee_ids or ()))
            known = {u for u in wanted_assignees if uow.users.get(u) is not None}
            checked: list[Checked] = []
            for index, item in enumerate(items):
                try:
                    checked.append(check_draft(item, lambda u, f: _known_user(known, u, f)))
                except ValidationError as exc:
                    raise _item_error(index, exc) from exc
            people = {u for c in checked for u in c.assignee_ids}
            people.update(w for c in checked for w in c.watchers)
            roles = uow.projects.member_roles(project_id, people) if people else {}
            required = [d.key for d in uow.tasks.fields_of([project_id]) if d.required]
            for index, one in enumerate(checked):
                try:
                    check_roles(roles, one.assignee_ids, one.watchers, field=one.assignee_field)
                    if one.parent_id is not None:
                        check_parent(uow, project_id, one.parent_id, None)
                    if required:
                        # Imported tasks carry no custom-field values.
                        key = required[0]
                        raise ValidationError(
                            f"custom_fields.{key} is required", field=f"custom_fields.{key}"
                        )
                except ValidationError as exc:
                    raise _item_error(index, exc) from exc
            now = self._clock.now()
            last: dict[TaskStatus, float | None] = {}
            new_tasks: list[Task] = []
            for one in checked:
                if one.status not in last:
                    last[one.status] = uow.tasks.last_position(project_id, one.status)
                place = one.position
                if place is None:
                    end = last[one.status]
                    place = 1.0 if end is None else math.floor(end) + 1.0
                end = last[one.status]
                last[one.status] = place if end is None else max(end, place)
                new_tasks.append(one.task(project_id, place, now))
            stored = uow.tasks.add_many(new_tasks)
            work.record(*(event for task in stored for event in created_events(actor, task, now)))
            work.commit()
        return [TaskView.of(task) for task in stored]


def _known_user(known: set[int], user_id: int, field: str) -> None:
    if user_id not in known:
        raise ValidationError("Assignee user not found", field=field)


def _item_error(index: int, exc: ValidationError) -> ValidationError:
    field = f"items[{index}]" if exc.field is None else f"items[{index}].{exc.field}"
    return ValidationError(f"Item {index}: {exc}", field=field)
