"""Storage of tasks, with their labels and watchers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from typing import Protocol

from taskcore.domain.custom_fields import FieldDefinition
from taskcore.domain.pagination import Keyset
from taskcore.domain.projects import Role
from taskcore.domain.relations import RelatedTask, RelationKind, TaskRelation
from taskcore.domain.tasks import SubtaskRollup, Task, TaskCriteria, TaskOrder, TaskStatus


class TaskRepository(Protocol):
    """Stores tasks with their labels and watchers.

    ``add`` raises :class:`~taskcore.errors.ProjectNotFound` if the project is gone
    (deleted by a concurrent transaction).
    """

    def add(self, task: Task) -> Task:
        """Store a new task and return it with its id assigned and version 1.

        Raises:
            ProjectNotFound: the project does not exist.
        """
        ...

    def add_many(self, tasks: Sequence[Task]) -> list[Task]:
        """Store new tasks in one batch; returns them in the same order, each with its id
        assigned (increasing) and version 1.

        Raises:
            ProjectNotFound: a task's project does not exist.
        """
        ...

    def get(self, task_id: int) -> Task | None:
        """The task with this id, or ``None``."""
        ...

    def get_with_role(self, task_id: int, user_id: int) -> tuple[Task, Role | None] | None:
        """The task with this id and ``user_id``'s effective role in its project (``None``
        when they hold none; see ``ProjectRepository.access``), read at once, or ``None``
        when there is no such task."""
        ...

    def project_id_of(self, task_id: int) -> int | None:
        """The project of the task with this id, or ``None`` if there is no such task."""
        ...

    def update(self, task: Task, *, children_changed: bool = True) -> Task:
        """Save a changed task (labels and watchers included, unless ``children_changed``
        says they are as stored); returns it with its version bumped.

        Raises:
            TaskNotFound: no such task.
            VersionMismatch: the stored version is not ``task.version``.
        """
        ...

    def delete(self, task_id: int) -> None:
        """Delete a task with its labels and watchers (its comments must go first)."""
        ...

    def delete_many(self, task_ids: Collection[int]) -> None:
        """Delete tasks with their labels and watchers at once (a parent with all its
        subtasks; their comments must go first)."""
        ...

    def lineage(self, task_id: int) -> list[int]:
        """The task's id, then its parent's, its grandparent's, ... up to a top-level task
        (empty if there is no such task)."""
        ...

    def descendants(self, task_id: int) -> list[Task]:
        """Every task below this one (its subtasks, theirs, ...), deepest level first."""
        ...

    def rollups(self, task_ids: Collection[int]) -> dict[int, SubtaskRollup]:
        """The roll-up of the direct subtasks of each of these tasks that has any (one
        query, whatever the number of tasks)."""
        ...

    def delete_in_project(self, project_id: int) -> Sequence[Task]:
        """Delete every task of a project, with labels and watchers; returns them."""
        ...

    def last_position(self, project_id: int, status: TaskStatus) -> float | None:
        """The largest ``position`` among the project's tasks with ``status``, if any."""
        ...

    def release_member(self, project_id: int, user_id: int, now: dt.datetime) -> Sequence[Task]:
        """Unassign a user from the project's tasks and stop them watching any.

        Returns:
            The tasks that were assigned to the user, as they are after the change
            (version bumped, ``updated_at`` set to ``now``).
        """
        ...

    def find(
        self,
        criteria: TaskCriteria,
        order: TaskOrder,
        *,
        offset: int = 0,
        limit: int,
        after: Keyset | None = None,
    ) -> Sequence[Task]:
        """Tasks meeting ``criteria`` in ``order``."""
        ...

    def count(self, criteria: TaskCriteria) -> int:
        """How many tasks meet ``criteria``."""
        ...

    def add_relation(self, relation: TaskRelation) -> TaskRelation:
        """Store a new relation between two stored tasks; returns it with its id."""
        ...

    def get_relation(self, relation_id: int) -> TaskRelation | None:
        """The relation with this id, or ``None``."""
        ...

    def find_relation(
        self, source_id: int, target_id: int, kind: RelationKind
    ) -> TaskRelation | None:
        """The relation of ``kind`` from ``source_id`` to ``target_id``, if stored."""
        ...

    def delete_relation(self, relation_id: int) -> None:
        """Delete a relation (deleting a task deletes its relations too)."""
        ...

    def related(
        self, task_id: int, *, visible_to: int | None, offset: int = 0, limit: int
    ) -> Sequence[RelatedTask]:
        """The relations of a task, either side, oldest first, each with the task at its
        other end; ``visible_to``: only those whose other task is in a project this user
        is a member of (``None``: all)."""
        ...

    def count_related(self, task_id: int, *, visible_to: int | None) -> int:
        """How many relations :meth:`related` finds."""
        ...

    def depends_on(self, start_id: int, goal_id: int) -> bool:
        """Whether ``goal_id`` is reached from ``start_id`` following blocking and
        precedence relations from source to target (``True`` when they are equal)."""
        ...

    def open_blockers(self, task_id: int) -> list[tuple[int, int]]:
        """The open tasks (pending or in progress) blocking this one, as ``(task id,
        project id)`` by task id."""
        ...

    def view_facts(self, task_ids: Collection[int]) -> tuple[dict[int, SubtaskRollup], set[int]]:
        """What the views of these tasks add to them, read at once (one query): the
        roll-ups that :meth:`rollups` gives, and which of the tasks have an open
        blocker."""
        ...

    def add_field(self, definition: FieldDefinition) -> FieldDefinition:
        """Store a new custom-field definition; returns it with its id."""
        ...

    def get_field(self, field_id: int) -> FieldDefinition | None:
        """The custom-field definition with this id, or ``None``."""
        ...

    def fields_of(self, project_ids: Collection[int]) -> list[FieldDefinition]:
        """The custom fields of these projects, by project, position and id (one query)."""
        ...

    def update_field(self, definition: FieldDefinition) -> None:
        """Save a changed definition; its values stay (a new key names them at once)."""
        ...

    def delete_field(self, field_id: int) -> int:
        """Delete a definition with its values; returns how many values went."""
        ...

    def rename_option(self, definition: FieldDefinition, old: str, new: str) -> int:
        """Rename a select option in every value of the field; returns how many values
        changed."""
        ...
