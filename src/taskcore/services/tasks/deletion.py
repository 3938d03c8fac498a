"""Deleting a task, with its comments."""

from __future__ import annotations

from taskcore.domain.events import TaskDeleted
from taskcore.services import access
from taskcore.services.access import Actor
from taskcore.services.tasks.base import WRITE_DENIED, TasksBase, visible_task


class Deletion(TasksBase):
    """Deleting a task."""

    def delete_task(
        self, actor: Actor, task_id: int, *, expected_version: int | None = None
    ) -> None:
        """Delete a task with its comments, at once (owners and members).

        Raises:
            TaskNotFound: no such task, or the caller is not a member of its project.
            ProjectRoleRequired: the caller is a viewer.
            VersionMismatch: ``expected_version`` is not the current version.
        """
        with self._tx() as work:
            uow = work.uow
            task, role = visible_task(uow, actor, task_id)
            access.require_write(actor, role, task.project_id, WRITE_DENIED)
            access.check_version(task.version, expected_version)
            removed = uow.comments.delete_for_task(task_id)
            uow.tasks.delete(task_id)
            work.record(
                TaskDeleted(
                    occurred_at=self._clock.now(),
                    actor_id=actor.user_id,
                    entity_id=task_id,
                    entity_version=task.version + 1,
                    project_id=task.project_id,
                    title=task.title,
                    with_project=False,
                    comments_deleted=removed,
                )
            )
            work.commit()
