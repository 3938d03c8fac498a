"""Tasks in memory (see ``taskcore.ports.tasks.TaskRepository``)."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Collection, Sequence

import attrs

from taskcore.domain.pagination import Keyset
from taskcore.domain.tasks import SubtaskRollup, Task, TaskCriteria, TaskOrder, TaskStatus
from taskcore.errors import ProjectNotFound, TaskNotFound, VersionMismatch
from taskcore_adapters.memory.support import window
from taskcore_adapters.memory.tables import Tables


class InMemoryTaskRepository:
    """Tasks in memory (see ``taskcore.ports.tasks.TaskRepository``)."""

    def __init__(self, tables: Tables) -> None:
        self._t = tables

    def add(self, task: Task) -> Task:
        if task.project_id not in self._t.projects:
            raise ProjectNotFound(task.project_id)
        stored = attrs.evolve(task, id=self._t.allocate("tasks"), version=1)
        self._t.tasks[stored.key] = stored
        return copy.deepcopy(stored)

    def add_many(self, tasks: Sequence[Task]) -> list[Task]:
        missing = next((t.project_id for t in tasks if t.project_id not in self._t.projects), None)
        if missing is not None:
            raise ProjectNotFound(missing)
        return [self.add(task) for task in tasks]

    def get(self, task_id: int) -> Task | None:
        found = self._t.tasks.get(task_id)
        return copy.deepcopy(found) if found else None

    def project_id_of(self, task_id: int) -> int | None:
        found = self._t.tasks.get(task_id)
        return found.project_id if found else None

    def update(self, task: Task, *, children_changed: bool = True) -> Task:
        current = self._t.tasks.get(task.key)
        if current is None:
            raise TaskNotFound(task.key)
        if current.version != task.version:
            raise VersionMismatch()
        stored = attrs.evolve(task, version=task.version + 1)
        self._t.tasks[task.key] = stored
        return copy.deepcopy(stored)

    def delete(self, task_id: int) -> None:
        self._t.tasks.pop(task_id, None)

    def delete_many(self, task_ids: Collection[int]) -> None:
        for task_id in task_ids:
            self._t.tasks.pop(task_id, None)

    def lineage(self, task_id: int) -> list[int]:
        chain: list[int] = []
        current = self._t.tasks.get(task_id)
        while current is not None and current.key not in chain:
            chain.append(current.key)
            current = None if current.parent_id is None else self._t.tasks.get(current.parent_id)
        return chain

    def descendants(self, task_id: int) -> list[Task]:
        levels: list[list[Task]] = []
        wanted = {task_id}
        while wanted:
            level = sorted(
                (t for t in self._t.tasks.values() if t.parent_id in wanted), key=lambda t: t.key
            )
            if level:
                levels.append(level)
            wanted = {t.key for t in level} - {task_id}
        return [copy.deepcopy(t) for level in reversed(levels) for t in level]

    def rollups(self, task_ids: Collection[int]) -> dict[int, SubtaskRollup]:
        wanted = set(task_ids)
        children: dict[int, list[Task]] = {}
        for task in self._t.tasks.values():
            if task.parent_id is not None and task.parent_id in wanted:
                children.setdefault(task.parent_id, []).append(task)
        return {parent: SubtaskRollup.of_tasks(found) for parent, found in children.items()}

    def delete_in_project(self, project_id: int) -> Sequence[Task]:
        gone = sorted(
            (t for t in self._t.tasks.values() if t.project_id == project_id), key=lambda t: t.key
        )
        for task in gone:
            del self._t.tasks[task.key]
        return gone

    def last_position(self, project_id: int, status: TaskStatus) -> float | None:
        return max(
            (
                t.position
                for t in self._t.tasks.values()
                if t.project_id == project_id and t.status is status
            ),
            default=None,
        )

    def release_member(self, project_id: int, user_id: int, now: dt.datetime) -> Sequence[Task]:
        released: list[Task] = []
        for task in sorted(self._t.tasks.values(), key=lambda t: t.key):
            if task.project_id != project_id:
                continue
            if user_id in task.watchers:
                task.watchers = tuple(w for w in task.watchers if w != user_id)
            if user_id in task.assignee_ids:
                task.assign(tuple(u for u in task.assignee_ids if u != user_id))
                task.updated_at = now
                task.version += 1
                released.append(copy.deepcopy(task))
        return released

    def _matching(self, criteria: TaskCriteria) -> list[Task]:
        return [
            t
            for t in self._t.tasks.values()
            if criteria.matches(t)
            and (
                criteria.member_id is None or (t.project_id, criteria.member_id) in self._t.members
            )
        ]

    def find(
        self,
        criteria: TaskCriteria,
        order: TaskOrder,
        *,
        offset: int = 0,
        limit: int,
        after: Keyset | None = None,
    ) -> Sequence[Task]:
        page = window(
            self._matching(criteria),
            lambda t: (order.value(t), t.key),
            descending=order.descending,
            offset=offset,
            limit=limit,
            after=after,
        )
        return [copy.deepcopy(t) for t in page]

    def count(self, criteria: TaskCriteria) -> int:
        return len(self._matching(criteria))
