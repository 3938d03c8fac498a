"""Task relations and custom fields in SQL: the relation and field-definition methods of
:class:`~taskcore_adapters.sql.tasks.SqlAlchemyTaskRepository`, and how custom-field
values are stored (one typed column per value)."""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from typing import Any

import attrs
from sqlalchemy import (
    CompoundSelect,
    Connection,
    Select,
    case,
    delete,
    func,
    insert,
    literal,
    null,
    or_,
    select,
    text,
    update,
)

from taskcore.domain.custom_fields import CustomValue, FieldDefinition, FieldType
from taskcore.domain.relations import RelatedTask, RelationKind, TaskRelation
from taskcore.domain.tasks import RollupLine, SubtaskRollup, TaskStatus
from taskcore_adapters.sql.access import has_role
from taskcore_adapters.sql.engine import FIELDS, notice_cache
from taskcore_adapters.sql.support import among, among_bound, made_once
from taskcore_adapters.sql.tables import (
    task_field_definitions,
    task_field_values,
    task_relations,
    tasks,
)
from taskcore_adapters.sql.task_queries import OPEN_STATUSES


def value_row(task_id: int, definition: FieldDefinition, value: CustomValue) -> dict[str, Any]:
    row: dict[str, Any] = {
        "task_id": task_id,
        "field_id": definition.ident,
        "value_text": None,
        "value_number": None,
        "value_bool": None,
        "value_json": None,
    }
    match definition.type:
        case FieldType.NUMBER | FieldType.USER:
            row["value_number"] = value
        case FieldType.BOOLEAN:
            row["value_bool"] = value
        case FieldType.MULTI_SELECT:
            row["value_json"] = json.dumps(list(value))  # type: ignore[arg-type]
        case _:
            row["value_text"] = value
    return row


def custom_value(kind: FieldType, text: Any, number: Any, flag: Any, listed: Any) -> CustomValue:
    match kind:
        case FieldType.NUMBER:
            return float(number)
        case FieldType.USER:
            return int(number)
        case FieldType.BOOLEAN:
            return bool(flag)
        case FieldType.MULTI_SELECT:
            return tuple(json.loads(listed))
        case _:
            return str(text)


def _definition(row: Any) -> FieldDefinition:
    return FieldDefinition(
        id=row.id,
        project_id=row.project_id,
        key=row.key,
        label=row.label,
        type=FieldType(row.type),
        required=row.required,
        options=tuple(json.loads(row.options)),
        position=row.position,
        created_at=row.created_at,
    )


def _relation(row: Any) -> TaskRelation:
    return TaskRelation(
        id=row.id,
        kind=RelationKind(row.kind),
        source_id=row.source_id,
        target_id=row.target_id,
        lag_days=row.lag_days,
        created_by=row.created_by,
        created_at=row.created_at,
    )


_DEPENDS_ON = text(
    "WITH RECURSIVE reach(id) AS ("
    " SELECT CAST(:start AS INTEGER)"
    " UNION"
    " SELECT r.target_id FROM task_relations r JOIN reach ON r.source_id = reach.id"
    " WHERE r.kind IN ('blocks', 'precedes'))"
    " SELECT 1 FROM reach WHERE id = :goal LIMIT 1"
)
"""Whether the goal is reached from the start along dependencies (``UNION`` keeps each
task once, so the walk ends even on a cycle)."""


_DEPTH_GUARD = 64
"""Recursive walks stop this many levels down or up: far beyond any tree the service lets
exist, so a corrupt cycle cannot make them loop."""

_LINEAGE = text(
    "WITH RECURSIVE chain(id, parent_id, depth) AS ("
    " SELECT id, parent_id, 0 FROM tasks WHERE id = :task_id"
    " UNION ALL"
    " SELECT t.id, t.parent_id, c.depth + 1 FROM tasks t JOIN chain c ON t.id = c.parent_id"
    " WHERE c.depth < :guard)"
    " SELECT id FROM chain ORDER BY depth"
)
_DESCENDANTS = text(
    "WITH RECURSIVE below(id, depth) AS ("
    " SELECT id, 1 FROM tasks WHERE parent_id = :task_id"
    " UNION ALL"
    " SELECT t.id, b.depth + 1 FROM tasks t JOIN below b ON t.parent_id = b.id"
    " WHERE b.depth < :guard)"
    " SELECT id, max(depth) AS depth FROM below GROUP BY id"
)


class TaskStructureSql:
    """Subtask lineages and roll-ups, relations between tasks and projects' custom-field
    definitions, on the repository's connection (a base of
    :class:`~taskcore_adapters.sql.tasks.SqlAlchemyTaskRepository`)."""

    _conn: Connection

    def lineage(self, task_id: int) -> list[int]:
        return list(
            self._conn.execute(_LINEAGE, {"task_id": task_id, "guard": _DEPTH_GUARD}).scalars()
        )

    def _descendant_depths(self, task_id: int) -> dict[int, int]:
        """The ids of the tasks below ``task_id``, each with its deepest level (1: a child)."""
        rows = self._conn.execute(_DESCENDANTS, {"task_id": task_id, "guard": _DEPTH_GUARD})
        return {row[0]: row[1] for row in rows}

    def rollups(self, task_ids: Collection[int]) -> dict[int, SubtaskRollup]:
        ids = list(task_ids)
        if not ids:
            return {}
        statement = made_once(self._conn, "tasks.rollups", _rollup_lines)
        return _rollups(self._conn.execute(statement, {"ids": ids}).all())

    def view_facts(self, task_ids: Collection[int]) -> tuple[dict[int, SubtaskRollup], set[int]]:
        ids = list(task_ids)
        if not ids:
            return {}, set()
        statement = made_once(self._conn, "tasks.view_facts", _view_facts)
        rows = self._conn.execute(statement, {"ids": ids}).all()
        return _rollups([r for r in rows if r.status is not None]), {
            r.parent_id for r in rows if r.status is None
        }

    def add_relation(self, relation: TaskRelation) -> TaskRelation:
        new_id = self._conn.execute(
            insert(task_relations)
            .values(
                kind=relation.kind.value,
                source_id=relation.source_id,
                target_id=relation.target_id,
                lag_days=relation.lag_days,
                created_by=relation.created_by,
                created_at=relation.created_at,
            )
            .returning(task_relations.c.id)
        ).scalar_one()
        return attrs.evolve(relation, id=new_id)

    def get_relation(self, relation_id: int) -> TaskRelation | None:
        row = self._conn.execute(
            select(task_relations).where(task_relations.c.id == relation_id)
        ).first()
        return None if row is None else _relation(row)

    def find_relation(
        self, source_id: int, target_id: int, kind: RelationKind
    ) -> TaskRelation | None:
        row = self._conn.execute(
            select(task_relations).where(
                task_relations.c.source_id == source_id,
                task_relations.c.target_id == target_id,
                task_relations.c.kind == kind.value,
            )
        ).first()
        return None if row is None else _relation(row)

    def delete_relation(self, relation_id: int) -> None:
        self._conn.execute(delete(task_relations).where(task_relations.c.id == relation_id))

    def _related_query(self, task_id: int, visible_to: int | None) -> Select[Any]:
        r = task_relations
        other_id = case((r.c.source_id == task_id, r.c.target_id), else_=r.c.source_id)
        query = (
            select(
                r,
                tasks.c.title.label("other_title"),
                tasks.c.status.label("other_status"),
                tasks.c.project_id.label("other_project_id"),
                tasks.c.id.label("other_id"),
            )
            .join(tasks, tasks.c.id == other_id)
            .where(or_(r.c.source_id == task_id, r.c.target_id == task_id))
        )
        if visible_to is not None:
            query = query.where(has_role(tasks.c.project_id, visible_to))
        return query

    def related(
        self, task_id: int, *, visible_to: int | None, offset: int = 0, limit: int
    ) -> Sequence[RelatedTask]:
        rows = self._conn.execute(
            self._related_query(task_id, visible_to)
            .order_by(task_relations.c.id)
            .offset(offset)
            .limit(limit)
        ).all()
        return [
            RelatedTask(
                relation=_relation(row),
                task_id=row.other_id,
                title=row.other_title,
                status=TaskStatus(row.other_status),
                project_id=row.other_project_id,
            )
            for row in rows
        ]

    def count_related(self, task_id: int, *, visible_to: int | None) -> int:
        found = self._related_query(task_id, visible_to).subquery()
        return self._conn.execute(select(func.count()).select_from(found)).scalar_one()

    def depends_on(self, start_id: int, goal_id: int) -> bool:
        found = self._conn.execute(_DEPENDS_ON, {"start": start_id, "goal": goal_id}).first()
        return found is not None

    def open_blockers(self, task_id: int) -> list[tuple[int, int]]:
        rows = self._conn.execute(
            select(tasks.c.id, tasks.c.project_id)
            .join(task_relations, task_relations.c.source_id == tasks.c.id)
            .where(
                task_relations.c.target_id == task_id,
                task_relations.c.kind == RelationKind.BLOCKS.value,
                tasks.c.status.in_(OPEN_STATUSES),
            )
            .order_by(tasks.c.id)
        ).all()
        return [(row.id, row.project_id) for row in rows]

    def add_field(self, definition: FieldDefinition) -> FieldDefinition:
        new_id = self._conn.execute(
            insert(task_field_definitions)
            .values(**_definition_values(definition))
            .returning(task_field_definitions.c.id)
        ).scalar_one()
        return attrs.evolve(definition, id=new_id)

    def get_field(self, field_id: int) -> FieldDefinition | None:
        row = self._conn.execute(
            select(task_field_definitions).where(task_field_definitions.c.id == field_id)
        ).first()
        return None if row is None else _definition(row)

    def fields_of(self, project_ids: Collection[int]) -> list[FieldDefinition]:
        """The projects' definitions. Every write of a task and every list filtered or
        sorted by a field asks, so on PostgreSQL each process keeps each project's
        definitions until a change to any definition is announced (see
        :func:`taskcore_adapters.sql.engine.notice_cache`); callers get copies."""
        ids = sorted(set(project_ids))
        cache = notice_cache(self._conn, FIELDS)
        if cache is None:
            return self._fields_of(ids)
        kept: dict[int, tuple[FieldDefinition, ...]] = {}
        generations: dict[int, int] = {}
        for project_id in ids:
            found, generations[project_id] = cache.get(project_id)
            if found is not None:
                kept[project_id] = found
        missing = [i for i in ids if i not in kept]
        if missing:
            read: dict[int, list[FieldDefinition]] = {i: [] for i in missing}
            for definition in self._fields_of(missing):
                read[definition.project_id].append(definition)
            for project_id, definitions in read.items():
                kept[project_id] = tuple(definitions)
                cache.put(project_id, kept[project_id], generations[project_id])
        return [attrs.evolve(d) for i in ids for d in kept[i]]

    def _fields_of(self, ids: list[int]) -> list[FieldDefinition]:
        if not ids:
            return []
        d = task_field_definitions.c
        rows = self._conn.execute(
            select(task_field_definitions)
            .where(among(self._conn, d.project_id, ids))
            .order_by(d.project_id, d.position, d.id)
        ).all()
        return [_definition(row) for row in rows]

    def update_field(self, definition: FieldDefinition) -> None:
        self._conn.execute(
            update(task_field_definitions)
            .where(task_field_definitions.c.id == definition.ident)
            .values(**_definition_values(definition))
        )

    def rename_option(self, definition: FieldDefinition, old: str, new: str) -> int:
        v = task_field_values.c
        if definition.type is not FieldType.MULTI_SELECT:
            result = self._conn.execute(
                update(task_field_values)
                .where(v.field_id == definition.ident, v.value_text == old)
                .values(value_text=new)
            )
            return int(result.rowcount or 0)
        rows = self._conn.execute(
            select(v.task_id, v.value_json).where(
                v.field_id == definition.ident,
                v.value_json.contains(json.dumps(old), autoescape=True),
            )
        ).all()
        for row in rows:
            renamed = {new if o == old else o for o in json.loads(row.value_json)}
            chosen = [o for o in definition.options if o in renamed]
            self._conn.execute(
                update(task_field_values)
                .where(v.task_id == row.task_id, v.field_id == definition.ident)
                .values(value_json=json.dumps(chosen))
            )
        return len(rows)

    def delete_field(self, field_id: int) -> int:
        removed = self._conn.execute(
            delete(task_field_values).where(task_field_values.c.field_id == field_id)
        ).rowcount
        self._conn.execute(
            delete(task_field_definitions).where(task_field_definitions.c.id == field_id)
        )
        return int(removed or 0)


def _definition_values(definition: FieldDefinition) -> dict[str, Any]:
    return {
        "project_id": definition.project_id,
        "key": definition.key,
        "label": definition.label,
        "type": definition.type.value,
        "required": definition.required,
        "options": json.dumps(list(definition.options)),
        "position": definition.position,
        "created_at": definition.created_at,
    }


def blocked_among(dialect: str, name: str) -> Select[Any]:
    """The ids among the bound ids ``name`` of the tasks that an open task blocks
    (distinct)."""
    # The relations of these tasks first, each blocker looked up by its id: joined, a
    # planner may instead start from every open task (SQLite did, without statistics
    # on an empty relations table: 85 ms at 1,000,000 tasks instead of 0.03 ms).
    open_blocker = (
        select(literal(1))
        .where(tasks.c.id == task_relations.c.source_id, tasks.c.status.in_(OPEN_STATUSES))
        .offset(0)
        .exists()
    )
    return (
        select(task_relations.c.target_id)
        .where(
            among_bound(dialect, task_relations.c.target_id, name),
            task_relations.c.kind == RelationKind.BLOCKS.value,
            open_blocker,
        )
        .distinct()
    )


def _rollups(lines: Sequence[Any]) -> dict[int, SubtaskRollup]:
    """The roll-ups of rows of ``_rollup_lines``."""
    found: dict[int, list[RollupLine]] = {}
    for row in lines:
        found.setdefault(row.parent_id, []).append(
            RollupLine(
                status=TaskStatus(row.status),
                count=row.n,
                estimated_hours=row.estimated,
                actual_hours=row.actual,
            )
        )
    return {parent: SubtaskRollup.of(rows) for parent, rows in found.items()}


def _rollup_lines(dialect: str) -> Select[Any]:
    """Per parent among the ids ``:ids`` and status, its subtasks' count and summed
    hours."""
    return (
        select(
            tasks.c.parent_id,
            tasks.c.status,
            func.count().label("n"),
            func.sum(tasks.c.estimated_hours).label("estimated"),
            func.sum(tasks.c.actual_hours).label("actual"),
        )
        .where(among_bound(dialect, tasks.c.parent_id, "ids"))
        .group_by(tasks.c.parent_id, tasks.c.status)
    )


def _view_facts(dialect: str) -> CompoundSelect[Any]:
    """The roll-up lines of the tasks ``:ids``, then the blocked ones among them as
    lines without a status."""
    blocked = blocked_among(dialect, "ids").subquery()
    return _rollup_lines(dialect).union_all(
        select(blocked.c.target_id, null(), null(), null(), null())
    )
