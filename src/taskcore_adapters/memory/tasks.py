"""Tasks in memory (see ``taskcore.ports.tasks.TaskRepository``)."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Collection, Sequence

import attrs

from taskcore.domain.custom_fields import FieldDefinition
from taskcore.domain.pagination import Keyset
from taskcore.domain.projects import Role
from taskcore.domain.relations import DEPENDENCIES, RelatedTask, RelationKind, TaskRelation
from taskcore.domain.tasks import SubtaskRollup, Task, TaskCriteria, TaskOrder, TaskStatus
from taskcore.errors import ProjectNotFound, TaskNotFound, VersionMismatch
from taskcore_adapters.memory.access import has_role, role_in
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

    def get_with_role(self, task_id: int, user_id: int) -> tuple[Task, Role | None] | None:
        found = self.get(task_id)
        return None if found is None else (found, role_in(self._t, found.project_id, user_id))

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
        self.delete_many([task_id])

    def delete_many(self, task_ids: Collection[int]) -> None:
        gone = set(task_ids)
        for task_id in gone:
            self._t.tasks.pop(task_id, None)
        self._drop_relations(gone)

    def _drop_relations(self, task_ids: set[int]) -> None:
        for relation in list(self._t.task_relations.values()):
            if relation.source_id in task_ids or relation.target_id in task_ids:
                del self._t.task_relations[relation.key]

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
        self._drop_relations({t.key for t in gone})
        for definition in list(self._t.custom_fields.values()):
            if definition.project_id == project_id:
                del self._t.custom_fields[definition.ident]
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
        found = [
            t
            for t in self._t.tasks.values()
            if criteria.matches(t)
            and (criteria.member_id is None or has_role(self._t, t.project_id, criteria.member_id))
        ]
        if criteria.blocked is not None:
            blocked = self._blocked([t.key for t in found])
            found = [t for t in found if (t.key in blocked) is criteria.blocked]
        return found

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

    def add_relation(self, relation: TaskRelation) -> TaskRelation:
        stored = attrs.evolve(relation, id=self._t.allocate("task_relations"))
        self._t.task_relations[stored.key] = stored
        return copy.deepcopy(stored)

    def get_relation(self, relation_id: int) -> TaskRelation | None:
        found = self._t.task_relations.get(relation_id)
        return copy.deepcopy(found) if found else None

    def find_relation(
        self, source_id: int, target_id: int, kind: RelationKind
    ) -> TaskRelation | None:
        for relation in self._t.task_relations.values():
            if (relation.source_id, relation.target_id, relation.kind) == (
                source_id,
                target_id,
                kind,
            ):
                return copy.deepcopy(relation)
        return None

    def delete_relation(self, relation_id: int) -> None:
        self._t.task_relations.pop(relation_id, None)

    def _related(self, task_id: int, visible_to: int | None) -> list[RelatedTask]:
        found: list[RelatedTask] = []
        for relation in sorted(self._t.task_relations.values(), key=lambda r: r.key):
            if task_id not in (relation.source_id, relation.target_id):
                continue
            other = self._t.tasks[relation.other(task_id)]
            if visible_to is not None and not has_role(self._t, other.project_id, visible_to):
                continue
            found.append(
                RelatedTask(
                    relation=copy.deepcopy(relation),
                    task_id=other.key,
                    title=other.title,
                    status=other.status,
                    project_id=other.project_id,
                )
            )
        return found

    def related(
        self, task_id: int, *, visible_to: int | None, offset: int = 0, limit: int
    ) -> Sequence[RelatedTask]:
        return self._related(task_id, visible_to)[offset : offset + limit]

    def count_related(self, task_id: int, *, visible_to: int | None) -> int:
        return len(self._related(task_id, visible_to))

    def depends_on(self, start_id: int, goal_id: int) -> bool:
        seen, frontier = {start_id}, [start_id]
        while frontier:
            current = frontier.pop()
            if current == goal_id:
                return True
            for relation in self._t.task_relations.values():
                follows = relation.kind in DEPENDENCIES and relation.source_id == current
                if follows and relation.target_id not in seen:
                    seen.add(relation.target_id)
                    frontier.append(relation.target_id)
        return False

    def open_blockers(self, task_id: int) -> list[tuple[int, int]]:
        found = set()
        for relation in self._t.task_relations.values():
            if relation.kind is RelationKind.BLOCKS and relation.target_id == task_id:
                blocker = self._t.tasks[relation.source_id]
                if blocker.status.is_open:
                    found.add((blocker.key, blocker.project_id))
        return sorted(found)

    def view_facts(self, task_ids: Collection[int]) -> tuple[dict[int, SubtaskRollup], set[int]]:
        return self.rollups(task_ids), self._blocked(task_ids)

    def _blocked(self, task_ids: Collection[int]) -> set[int]:
        wanted = set(task_ids)
        return {
            relation.target_id
            for relation in self._t.task_relations.values()
            if relation.kind is RelationKind.BLOCKS
            and relation.target_id in wanted
            and self._t.tasks[relation.source_id].status.is_open
        }

    def add_field(self, definition: FieldDefinition) -> FieldDefinition:
        stored = attrs.evolve(definition, id=self._t.allocate("custom_fields"))
        self._t.custom_fields[stored.ident] = stored
        return copy.deepcopy(stored)

    def get_field(self, field_id: int) -> FieldDefinition | None:
        found = self._t.custom_fields.get(field_id)
        return copy.deepcopy(found) if found else None

    def fields_of(self, project_ids: Collection[int]) -> list[FieldDefinition]:
        wanted = set(project_ids)
        found = [d for d in self._t.custom_fields.values() if d.project_id in wanted]
        found.sort(key=lambda d: (d.project_id, d.position, d.ident))
        return copy.deepcopy(found)

    def update_field(self, definition: FieldDefinition) -> None:
        old = self._t.custom_fields[definition.ident]
        if old.key != definition.key:
            for task in self._t.tasks.values():
                if task.project_id == old.project_id and old.key in task.custom_fields:
                    task.custom_fields[definition.key] = task.custom_fields.pop(old.key)
        self._t.custom_fields[definition.ident] = copy.deepcopy(definition)

    def delete_field(self, field_id: int) -> int:
        old = self._t.custom_fields.pop(field_id, None)
        if old is None:
            return 0
        removed = 0
        for task in self._t.tasks.values():
            if task.project_id == old.project_id and old.key in task.custom_fields:
                del task.custom_fields[old.key]
                removed += 1
        return removed

    def rename_option(self, definition: FieldDefinition, old: str, new: str) -> int:
        changed = 0
        for task in self._t.tasks.values():
            value = task.custom_fields.get(definition.key)
            if task.project_id != definition.project_id or value is None:
                continue
            if value == old:
                task.custom_fields[definition.key] = new
                changed += 1
            elif isinstance(value, tuple) and old in value:
                renamed = {new if v == old else v for v in value}
                task.custom_fields[definition.key] = tuple(
                    o for o in definition.options if o in renamed
                )
                changed += 1
        return changed
