"""Relations between tasks: listing, adding and removing them (the completion guard of
blocked tasks is in :mod:`~taskcore.services.tasks.editing`)."""

from __future__ import annotations

from taskcore.domain import relations as rules
from taskcore.domain.events import TaskRelationAdded, TaskRelationRemoved
from taskcore.domain.pagination import Page, PageRequest
from taskcore.domain.relations import RelatedTask, RelationKind, RelationView, TaskRelation
from taskcore.domain.tasks import Task
from taskcore.errors import Conflict, NotFound, RelationNotFound, ValidationError
from taskcore.ports.uow import UnitOfWork
from taskcore.services import access
from taskcore.services.access import Actor
from taskcore.services.tasks.base import WRITE_DENIED, TasksBase, visible_task


class Relating(TasksBase):
    """Relations between tasks."""

    def list_relations(
        self,
        actor: Actor,
        task_id: int,
        *,
        page: PageRequest = PageRequest(),  # noqa: B008 - immutable
    ) -> Page[RelationView]:
        """A task's relations, from its side, oldest first. Relations whose other task the
        caller may not see are left out (they are not counted either).

        Raises:
            TaskNotFound: no such task, or the caller is not a member of its project.
        """
        with self._tx(read_only=True) as work:
            uow = work.uow
            visible_task(uow, actor, task_id)
            viewer = None if actor.is_admin else actor.user_id
            found = uow.tasks.related(
                task_id, visible_to=viewer, offset=page.offset, limit=page.per_page
            )
            total = uow.tasks.count_related(task_id, visible_to=viewer)
        return Page(
            items=[r.view(task_id) for r in found],
            page=page.page,
            per_page=page.per_page,
            total=total,
        )

    def add_relation(
        self,
        actor: Actor,
        task_id: int,
        *,
        kind: object,
        other_id: object,
        lag_days: object = None,
    ) -> RelationView:
        """Relate a task to another one (owners and members of the task's project; the
        other task may be in any project the caller can see).

        ``kind`` names the relation from the task's side: ``blocks``, ``blocked_by``,
        ``relates``, ``duplicates``, ``duplicated_by``, ``precedes``, ``follows`` (with
        ``lag_days``, 0 by default), ``copied_from``, ``copied_to``. It is stored once,
        from source to target, and shown from both sides. Blocking and precedence never
        form a cycle.

        Raises:
            TaskNotFound: either task does not exist or the caller may not see it.
            ProjectRoleRequired: the caller is a viewer of the task's project.
            ValidationError: a bad ``kind``, ``task_id`` (the task itself) or
                ``lag_days``; ``This relation would make a dependency cycle`` (field
                ``task_id``).
            Conflict: the tasks are already related this way.
        """
        side, is_source = rules.parse_side(kind)
        lag = rules.check_lag(side, lag_days)
        if isinstance(other_id, bool) or not isinstance(other_id, int):
            raise ValidationError("task_id must be a task id", field="task_id")
        with self._tx() as work:
            uow = work.uow
            task, role = visible_task(uow, actor, task_id)
            access.require_write(actor, role, task.project_id, WRITE_DENIED)
            other = visible_task(uow, actor, other_id)[0]
            if other.key == task.key:
                raise ValidationError("A task cannot be related to itself", field="task_id")
            source, target = (task, other) if is_source else (other, task)
            if side.is_dependency:
                # Dependency changes of the projects involved take turns (their rows stay
                # locked until the commit, in id order), so concurrent additions cannot
                # each pass the cycle check and close a cycle together.
                for project_id in sorted({task.project_id, other.project_id}):
                    uow.projects.get(project_id, for_update=True)
            _check_new(uow, side, source.key, target.key)
            now = self._clock.now()
            stored = uow.tasks.add_relation(
                TaskRelation(
                    kind=side,
                    source_id=source.key,
                    target_id=target.key,
                    lag_days=lag,
                    created_by=actor.user_id,
                    created_at=now,
                )
            )
            work.record(
                TaskRelationAdded(
                    occurred_at=now,
                    actor_id=actor.user_id,
                    entity_id=task.key,
                    project_id=task.project_id,
                    title=task.title,
                    relation_id=stored.key,
                    kind=side.value,
                    source_id=source.key,
                    target_id=target.key,
                    lag_days=lag,
                )
            )
            work.commit()
        return _related(stored, other).view(task.key)

    def remove_relation(self, actor: Actor, task_id: int, relation_id: int) -> None:
        """Remove a relation of a task (owners and members of the task's project).

        Raises:
            TaskNotFound: no such task, or the caller is not a member of its project.
            ProjectRoleRequired: the caller is a viewer.
            RelationNotFound: the relation does not involve this task, or the caller
                may not see its other task.
        """
        with self._tx() as work:
            uow = work.uow
            task, role = visible_task(uow, actor, task_id)
            access.require_write(actor, role, task.project_id, WRITE_DENIED)
            relation = uow.tasks.get_relation(relation_id)
            if relation is None or task.key not in (relation.source_id, relation.target_id):
                raise RelationNotFound()
            try:
                visible_task(uow, actor, relation.other(task.key))
            except NotFound:
                raise RelationNotFound() from None
            uow.tasks.delete_relation(relation_id)
            work.record(
                TaskRelationRemoved(
                    occurred_at=self._clock.now(),
                    actor_id=actor.user_id,
                    entity_id=task.key,
                    project_id=task.project_id,
                    title=task.title,
                    relation_id=relation_id,
                    kind=relation.kind.value,
                    source_id=relation.source_id,
                    target_id=relation.target_id,
                )
            )
            work.commit()


def _check_new(uow: UnitOfWork, kind: RelationKind, source_id: int, target_id: int) -> None:
    existing = uow.tasks.find_relation(source_id, target_id, kind)
    if existing is None and kind is RelationKind.RELATES:
        existing = uow.tasks.find_relation(target_id, source_id, kind)
    if existing is not None:
        raise Conflict("These tasks are already related this way")
    if kind.is_dependency and uow.tasks.depends_on(target_id, source_id):
        raise ValidationError("This relation would make a dependency cycle", field="task_id")


def _related(relation: TaskRelation, other: Task) -> RelatedTask:
    return RelatedTask(
        relation=relation,
        task_id=other.key,
        title=other.title,
        status=other.status,
        project_id=other.project_id,
    )
