"""Deleting a task, with its comments (and, when asked, its subtasks)."""

from __future__ import annotations

from taskcore.domain.events import TaskDeleted
from taskcore.errors import TaskHasSubtasks
from taskcore.services import access
from taskcore.services.access import Actor
from taskcore.services.tasks.base import WRITE_DENIED, TasksBase, visible_task


class Deletion(TasksBase):
    """Deleting a task."""

    def delete_task(
        self,
        actor: Actor,
        task_id: int,
        *,
        expected_version: int | None = None,
        cascade: bool = False,
    ) -> None:
        """Delete a task with its comments, at once (owners and members).

        A task with subtasks is deleted only with ``cascade``: then its whole subtree goes
        with it, deepest tasks first, each with its comments and its own
        :class:`TaskDeleted` event.

        Raises:
            TaskNotFound: no such task, or the caller is not a member of its project.
            ProjectRoleRequired: the caller is a viewer.
            VersionMismatch: ``expected_version`` is not the current version.
            TaskHasSubtasks: the task has subtasks and ``cascade`` is false.
        """
        with self._tx() as work:
            uow = work.uow
            task, role = visible_task(uow, actor, task_id)
            access.require_write(actor, role, task.project_id, WRITE_DENIED)
            access.check_version(task.version, expected_version)
            below = uow.tasks.descendants(task_id)
            if below and not cascade:
                raise TaskHasSubtasks(uow.tasks.rollups([task_id])[task_id].total)
            gone = [*below, task]
            removed = {t.key: uow.comments.delete_for_task(t.key) for t in gone}
            uow.tasks.delete_many([t.key for t in gone])
            now = self._clock.now()
            for one in gone:
                work.record(
                    TaskDeleted(
                        occurred_at=now,
                        actor_id=actor.user_id,
                        entity_id=one.key,
                        entity_version=one.version + 1,
                        project_id=one.project_id,
                        title=one.title,
                        with_project=False,
                        comments_deleted=removed[one.key],
                    )
                )
            work.commit()
