"""Tasks in SQL (see ``taskcore.ports.tasks.TaskRepository``).

Labels and watchers live in their own tables; a page of tasks loads them with one query
each, whatever the page size.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection, Sequence
from typing import Any

import attrs
from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    Select,
    Text,
    and_,
    bindparam,
    case,
    cast,
    delete,
    exists,
    func,
    insert,
    not_,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError

from taskcore.domain.custom_fields import (
    CustomValue,
    FieldDefinition,
    FieldFilter,
    FieldSort,
    FieldType,
    FilterOp,
)
from taskcore.domain.pagination import Keyset
from taskcore.domain.projects import PRIORITY_RANKS, Priority
from taskcore.domain.relations import RelatedTask, RelationKind, TaskRelation
from taskcore.domain.tasks import (
    RollupLine,
    SubtaskRollup,
    Task,
    TaskCriteria,
    TaskOrder,
    TaskSort,
    TaskStatus,
)
from taskcore.errors import ProjectNotFound, TaskNotFound, VersionMismatch
from taskcore_adapters.sql.support import (
    is_foreign_key_violation,
    keyset_after,
    keyset_order,
)
from taskcore_adapters.sql.tables import (
    project_members,
    task_assignees,
    task_field_definitions,
    task_field_values,
    task_labels,
    task_relations,
    task_watchers,
    tasks,
)

_PRIORITY_RANK = case(
    {p.value: rank for p, rank in PRIORITY_RANKS.items()}, value=tasks.c.priority, else_=-1
)
_OPEN = [s.value for s in TaskStatus if s.is_open]


def _sort_column(sort: TaskSort) -> ColumnElement[Any]:
    match sort:
        case TaskSort.CREATED_AT:
            return tasks.c.created_at
        case TaskSort.UPDATED_AT:
            return tasks.c.updated_at
        case TaskSort.DUE_DATE:
            return tasks.c.due_date
        case TaskSort.PRIORITY:
            return _PRIORITY_RANK
        case TaskSort.POSITION:
            return tasks.c.position


def _values(task: Task) -> dict[str, Any]:
    return {
        "project_id": task.project_id,
        "title": task.title,
        "description": task.description,
        "status": task.status.value,
        "priority": task.priority.value,
        "due_date": task.due_date,
        "completed_at": task.completed_at,
        "estimated_hours": task.estimated_hours,
        "actual_hours": task.actual_hours,
        "assignee_id": task.assignee_id,
        "position": task.position,
        "created_at": task.created_at,
        "updated_at": task.updated_at,
        "parent_id": task.parent_id,
    }


def _task(
    row: Any,
    labels: Sequence[str],
    watchers: Sequence[int],
    assignees: Sequence[int],
    custom: dict[str, CustomValue] | None = None,
) -> Task:
    return Task(
        id=row.id,
        project_id=row.project_id,
        title=row.title,
        description=row.description,
        status=TaskStatus(row.status),
        priority=Priority(row.priority),
        due_date=row.due_date,
        completed_at=row.completed_at,
        estimated_hours=row.estimated_hours,
        actual_hours=row.actual_hours,
        assignee_id=row.assignee_id,
        assignee_ids=tuple(assignees),
        custom_fields=custom or {},
        labels=tuple(labels),
        watchers=tuple(watchers),
        position=row.position,
        parent_id=row.parent_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
        version=row.version,
    )


def _conditions(criteria: TaskCriteria) -> list[ColumnElement[bool]]:
    c = tasks.c
    conditions: list[ColumnElement[bool]] = []
    if criteria.project_id is not None:
        conditions.append(c.project_id == criteria.project_id)
    if criteria.member_id is not None:
        conditions.append(
            c.project_id.in_(
                select(project_members.c.project_id).where(
                    project_members.c.user_id == criteria.member_id
                )
            )
        )
    if criteria.status is not None:
        conditions.append(c.status == criteria.status.value)
    if criteria.priority is not None:
        conditions.append(c.priority == criteria.priority.value)
    if criteria.assignee_id is not None:
        conditions.append(
            exists().where(
                task_assignees.c.task_id == c.id, task_assignees.c.user_id == criteria.assignee_id
            )
        )
    if criteria.label is not None:
        conditions.append(
            exists().where(task_labels.c.task_id == c.id, task_labels.c.label == criteria.label)
        )
    if criteria.due_before is not None:
        conditions.append(c.due_date < criteria.due_before)
    if criteria.due_after is not None:
        conditions.append(c.due_date >= criteria.due_after)
    if criteria.overdue is not None:
        overdue = and_(
            c.due_date.is_not(None),
            c.due_date < criteria.now,
            c.status.in_(_OPEN),
        )
        conditions.append(overdue if criteria.overdue else not_(overdue))
    conditions.extend(_custom_condition(c.id, f) for _, f in criteria.custom)
    if criteria.blocked is not None:
        blocked = _has_open_blocker(c.id)
        conditions.append(blocked if criteria.blocked else not_(blocked))
    if criteria.parent_id is not None:
        conditions.append(c.parent_id == criteria.parent_id)
    if criteria.top_level is not None:
        conditions.append(c.parent_id.is_(None) if criteria.top_level else c.parent_id.is_not(None))
    if criteria.search is not None:
        term = criteria.search.lower()
        conditions.append(
            or_(
                func.lower(c.title).contains(term, autoescape=True),
                func.lower(c.description).contains(term, autoescape=True),
            )
        )
    return conditions


def _has_open_blocker(task_id: Any) -> ColumnElement[bool]:
    """Whether an open task blocks the task ``task_id`` (a column or a value)."""
    blocker = tasks.alias("blocker")
    return exists().where(
        task_relations.c.target_id == task_id,
        task_relations.c.kind == RelationKind.BLOCKS.value,
        blocker.c.id == task_relations.c.source_id,
        blocker.c.status.in_(_OPEN),
    )


_VALUE_COLUMN = {
    FieldType.NUMBER: task_field_values.c.value_number,
    FieldType.USER: task_field_values.c.value_number,
    FieldType.BOOLEAN: task_field_values.c.value_bool,
}


def _custom_condition(task_id: Any, wanted: FieldFilter) -> ColumnElement[bool]:
    """Whether the task ``task_id`` has a value of the filter's field that meets it."""
    v = task_field_values.c
    if wanted.type is FieldType.MULTI_SELECT:
        test: ColumnElement[bool] = or_(
            *(v.value_json.contains(json.dumps(x), autoescape=True) for x in wanted.values)
        )
    else:
        column = _VALUE_COLUMN.get(wanted.type, v.value_text)
        match wanted.op:
            case FilterOp.EQ:
                test = column == wanted.values[0]
            case FilterOp.IN:
                test = column.in_(list(wanted.values))
            case FilterOp.GTE:
                test = column >= wanted.values[0]
            case FilterOp.LTE:
                test = column <= wanted.values[0]
    return exists().where(v.task_id == task_id, v.field_id == wanted.field_id, test)


def _field_column(sort: FieldSort) -> ColumnElement[Any]:
    """A task's value of a custom field, as a sortable column (booleans as 0/1)."""
    v = task_field_values.c
    column: ColumnElement[Any] = _VALUE_COLUMN.get(sort.type, v.value_text)
    if sort.type is FieldType.BOOLEAN:
        column = cast(column, Integer)
    return (
        select(column).where(v.task_id == tasks.c.id, v.field_id == sort.field_id).scalar_subquery()
    )


def _value_row(task_id: int, definition: FieldDefinition, value: CustomValue) -> dict[str, Any]:
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


def _custom_value(kind: FieldType, text: Any, number: Any, flag: Any, listed: Any) -> CustomValue:
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


def _assignee_rows(task_id: int, task: Task) -> list[dict[str, int]]:
    return [
        {"task_id": task_id, "user_id": user, "position": place}
        for place, user in enumerate(task.assignee_ids)
    ]


# Statements built once: only their parameters change from call to call.
_INSERT_TASK = insert(tasks).returning(tasks.c.id)
ANALYZE_AFTER_ROWS = 10_000
"""A bulk insert of at least this many tasks refreshes PostgreSQL's statistics of the table
at once instead of waiting for autovacuum: until then, cached plans chosen for a small
table (a sequential scan to find the end of a column, say) stay in use; 20 ms instead of
0.2 ms per new task in the benchmark right after an import of 100,000 tasks."""

_NEXT_TASK_IDS = text(
    "SELECT nextval(pg_get_serial_sequence('tasks', 'id')) FROM generate_series(1, :n)"
)
_LAST_POSITION = (
    select(tasks.c.position)
    .where(tasks.c.project_id == bindparam("project_id"), tasks.c.status == bindparam("status"))
    .order_by(tasks.c.position.desc())
    .limit(1)
)
"""The last position in a column: ``ORDER BY ... LIMIT 1`` rather than ``max()``, so the
plan is one step back from the end of ``(project_id, status, position)`` even before the
table has statistics (``max()`` then aggregates the whole column: 14 ms at 100,000 tasks
right after an import)."""


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

_CHILDREN: dict[str, tuple[ColumnElement[Any], ...]] = {}


def _children(dialect: str) -> tuple[ColumnElement[Any], ...]:
    """A task's labels, watcher ids and ``[position, user id]`` of its assignees, each as
    a JSON array in one column (unordered; :meth:`SqlAlchemyTaskRepository._hydrate`
    sorts them)."""
    if dialect not in _CHILDREN:

        def as_json(column: ColumnElement[Any]) -> ColumnElement[Any]:
            if dialect == "postgresql":
                return cast(func.json_agg(column), Text)
            return func.json_group_array(column, type_=Text)

        array = func.json_build_array if dialect == "postgresql" else func.json_array
        pair = array(task_assignees.c.position, task_assignees.c.user_id)
        if dialect != "postgresql":
            pair = func.json(pair)
        v, d = task_field_values.c, task_field_definitions.c
        custom = array(d.key, d.type, v.value_text, v.value_number, v.value_bool, v.value_json)
        if dialect != "postgresql":
            custom = func.json(custom)

        _CHILDREN[dialect] = (
            select(as_json(task_labels.c.label))
            .where(task_labels.c.task_id == tasks.c.id)
            .scalar_subquery()
            .label("labels_json"),
            select(as_json(task_watchers.c.user_id))
            .where(task_watchers.c.task_id == tasks.c.id)
            .scalar_subquery()
            .label("watchers_json"),
            select(as_json(pair))
            .where(task_assignees.c.task_id == tasks.c.id)
            .scalar_subquery()
            .label("assignees_json"),
            select(as_json(custom))
            .select_from(task_field_values.join(task_field_definitions, d.id == v.field_id))
            .where(v.task_id == tasks.c.id)
            .scalar_subquery()
            .label("custom_json"),
        )
    return _CHILDREN[dialect]


class SqlAlchemyTaskRepository:
    """Tasks with their labels and watchers in SQL."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def _select(self) -> Select[Any]:
        """Tasks with their labels and watchers, read in the same statement."""
        return select(tasks, *_children(self._conn.dialect.name))

    @staticmethod
    def _hydrate(rows: Sequence[Any]) -> list[Task]:
        """Tasks from rows of :meth:`_select`."""
        return [
            _task(
                row,
                sorted(json.loads(row.labels_json or "[]")),
                sorted(json.loads(row.watchers_json or "[]")),
                [user for _, user in sorted(json.loads(row.assignees_json or "[]"))],
                {
                    key: _custom_value(FieldType(kind), *values)
                    for key, kind, *values in json.loads(row.custom_json or "[]")
                },
            )
            for row in rows
        ]

    def _write_children(self, task_id: int, task: Task) -> None:
        if task.labels:
            self._conn.execute(
                insert(task_labels), [{"task_id": task_id, "label": x} for x in task.labels]
            )
        if task.watchers:
            self._conn.execute(
                insert(task_watchers), [{"task_id": task_id, "user_id": u} for u in task.watchers]
            )
        if task.assignee_ids:
            self._conn.execute(insert(task_assignees), _assignee_rows(task_id, task))
        if task.custom_fields:
            self._write_values([(task_id, task)])

    def _write_values(self, pairs: Sequence[tuple[int, Task]]) -> None:
        """Insert the custom-field values of new or rewritten tasks (their definitions
        read in one query)."""
        wanted = [(i, t) for i, t in pairs if t.custom_fields]
        if not wanted:
            return
        definitions = {
            (d.project_id, d.key): d for d in self.fields_of({t.project_id for _, t in wanted})
        }
        rows = [
            _value_row(i, definitions[(t.project_id, key)], value)
            for i, t in wanted
            for key, value in t.custom_fields.items()
            if (t.project_id, key) in definitions
        ]
        if rows:
            self._conn.execute(insert(task_field_values), rows)

    def _delete_children(self, task_ids: Any) -> None:
        self._conn.execute(delete(task_labels).where(task_labels.c.task_id.in_(task_ids)))
        self._conn.execute(delete(task_watchers).where(task_watchers.c.task_id.in_(task_ids)))
        self._conn.execute(delete(task_assignees).where(task_assignees.c.task_id.in_(task_ids)))
        self._conn.execute(
            delete(task_field_values).where(task_field_values.c.task_id.in_(task_ids))
        )
        self._conn.execute(
            delete(task_relations).where(
                or_(
                    task_relations.c.source_id.in_(task_ids),
                    task_relations.c.target_id.in_(task_ids),
                )
            )
        )

    def add(self, task: Task) -> Task:
        try:
            new_id = self._conn.execute(_INSERT_TASK, {**_values(task), "version": 1}).scalar_one()
        except IntegrityError as exc:
            if is_foreign_key_violation(exc, "fk_tasks_project_id_projects"):
                raise ProjectNotFound(task.project_id) from exc
            raise
        self._write_children(new_id, task)
        return attrs.evolve(task, id=new_id, version=1)

    def add_many(self, tasks_: Sequence[Task]) -> list[Task]:
        if not tasks_:
            return []
        rows = [{**_values(task), "version": 1} for task in tasks_]
        try:
            if self._conn.dialect.name == "postgresql":
                # Ids drawn from the table's sequence in one query, then a plain
                # executemany: much cheaper than an INSERT ... RETURNING in row order.
                new_ids = sorted(self._conn.execute(_NEXT_TASK_IDS, {"n": len(rows)}).scalars())
                for row, new_id in zip(rows, new_ids, strict=True):
                    row["id"] = new_id
                self._conn.execute(insert(tasks), rows)
                if len(rows) >= ANALYZE_AFTER_ROWS:
                    # Fresh statistics, so plans made (and cached by prepared statements)
                    # while the table was small are made again for its new size.
                    self._conn.execute(text("ANALYZE tasks"))
            else:
                # One multi-row INSERT ... RETURNING per batch ("insertmanyvalues"); the
                # ids come back in the order of the rows given.
                new_ids = list(
                    self._conn.execute(
                        insert(tasks).returning(tasks.c.id, sort_by_parameter_order=True), rows
                    ).scalars()
                )
        except IntegrityError as exc:
            if is_foreign_key_violation(exc, "fk_tasks_project_id_projects"):
                missing = next(iter({t.project_id for t in tasks_}))
                raise ProjectNotFound(missing) from exc
            raise
        labels = [
            {"task_id": i, "label": x}
            for i, t in zip(new_ids, tasks_, strict=True)
            for x in t.labels
        ]
        watchers = [
            {"task_id": i, "user_id": u}
            for i, t in zip(new_ids, tasks_, strict=True)
            for u in t.watchers
        ]
        assignees = [
            row for i, t in zip(new_ids, tasks_, strict=True) for row in _assignee_rows(i, t)
        ]
        if labels:
            self._conn.execute(insert(task_labels), labels)
        if watchers:
            self._conn.execute(insert(task_watchers), watchers)
        if assignees:
            self._conn.execute(insert(task_assignees), assignees)
        self._write_values(list(zip(new_ids, tasks_, strict=True)))
        return [
            attrs.evolve(task, id=new_id, version=1)
            for new_id, task in zip(new_ids, tasks_, strict=True)
        ]

    def get(self, task_id: int) -> Task | None:
        rows = self._conn.execute(self._select().where(tasks.c.id == task_id)).all()
        found = self._hydrate(rows)
        return found[0] if found else None

    def project_id_of(self, task_id: int) -> int | None:
        return self._conn.execute(
            select(tasks.c.project_id).where(tasks.c.id == task_id)
        ).scalar_one_or_none()

    def update(self, task: Task, *, children_changed: bool = True) -> Task:
        result = self._conn.execute(
            update(tasks)
            .where(tasks.c.id == task.key, tasks.c.version == task.version)
            .values(**_values(task), version=task.version + 1)
        )
        if result.rowcount == 0:
            exists_now = self._conn.execute(select(tasks.c.id).where(tasks.c.id == task.key))
            if exists_now.first() is None:
                raise TaskNotFound(task.key)
            raise VersionMismatch()
        if children_changed:
            self._delete_children([task.key])
            self._write_children(task.key, task)
        return attrs.evolve(task, version=task.version + 1)

    def delete(self, task_id: int) -> None:
        self._delete_children([task_id])
        self._conn.execute(delete(tasks).where(tasks.c.id == task_id))

    def delete_many(self, task_ids: Collection[int]) -> None:
        ids = list(task_ids)
        if not ids:
            return
        self._delete_children(ids)
        self._conn.execute(delete(tasks).where(tasks.c.id.in_(ids)))

    def lineage(self, task_id: int) -> list[int]:
        return list(
            self._conn.execute(_LINEAGE, {"task_id": task_id, "guard": _DEPTH_GUARD}).scalars()
        )

    def descendants(self, task_id: int) -> list[Task]:
        depths = {
            row.id: row.depth
            for row in self._conn.execute(_DESCENDANTS, {"task_id": task_id, "guard": _DEPTH_GUARD})
        }
        if not depths:
            return []
        rows = self._conn.execute(self._select().where(tasks.c.id.in_(list(depths)))).all()
        return sorted(self._hydrate(rows), key=lambda t: (-depths[t.key], t.key))

    def rollups(self, task_ids: Collection[int]) -> dict[int, SubtaskRollup]:
        ids = list(task_ids)
        if not ids:
            return {}
        rows = self._conn.execute(
            select(
                tasks.c.parent_id,
                tasks.c.status,
                func.count().label("n"),
                func.sum(tasks.c.estimated_hours).label("estimated"),
                func.sum(tasks.c.actual_hours).label("actual"),
            )
            .where(tasks.c.parent_id.in_(ids))
            .group_by(tasks.c.parent_id, tasks.c.status)
        ).all()
        lines: dict[int, list[RollupLine]] = {}
        for row in rows:
            lines.setdefault(row.parent_id, []).append(
                RollupLine(
                    status=TaskStatus(row.status),
                    count=row.n,
                    estimated_hours=row.estimated,
                    actual_hours=row.actual,
                )
            )
        return {parent: SubtaskRollup.of(found) for parent, found in lines.items()}

    def delete_in_project(self, project_id: int) -> Sequence[Task]:
        rows = self._conn.execute(
            self._select().where(tasks.c.project_id == project_id).order_by(tasks.c.id)
        ).all()
        gone = self._hydrate(rows)
        if gone:
            self._delete_children(select(tasks.c.id).where(tasks.c.project_id == project_id))
            self._conn.execute(delete(tasks).where(tasks.c.project_id == project_id))
        return gone

    def last_position(self, project_id: int, status: TaskStatus) -> float | None:
        value = self._conn.execute(
            _LAST_POSITION, {"project_id": project_id, "status": status.value}
        ).scalar_one_or_none()
        return None if value is None else float(value)

    def release_member(self, project_id: int, user_id: int, now: dt.datetime) -> Sequence[Task]:
        in_project = select(tasks.c.id).where(tasks.c.project_id == project_id)
        released = list(
            self._conn.execute(
                delete(task_assignees)
                .where(
                    task_assignees.c.user_id == user_id, task_assignees.c.task_id.in_(in_project)
                )
                .returning(task_assignees.c.task_id)
            ).scalars()
        )
        self._conn.execute(
            delete(task_watchers).where(
                task_watchers.c.user_id == user_id, task_watchers.c.task_id.in_(in_project)
            )
        )
        if not released:
            return []
        first = (
            select(task_assignees.c.user_id)
            .where(task_assignees.c.task_id == tasks.c.id)
            .order_by(task_assignees.c.position)
            .limit(1)
            .scalar_subquery()
        )
        self._conn.execute(
            update(tasks)
            .where(tasks.c.id.in_(released))
            .values(assignee_id=first, updated_at=now, version=tasks.c.version + 1)
        )
        rows = self._conn.execute(
            self._select().where(tasks.c.id.in_(released)).order_by(tasks.c.id)
        ).all()
        return self._hydrate(rows)

    def find(
        self,
        criteria: TaskCriteria,
        order: TaskOrder,
        *,
        offset: int = 0,
        limit: int,
        after: Keyset | None = None,
    ) -> Sequence[Task]:
        value = _sort_column(order.sort) if order.custom is None else _field_column(order.custom)
        nullable = order.sort is TaskSort.DUE_DATE or order.custom is not None
        how = {"descending": order.descending, "nullable": nullable}
        ordering = keyset_order(value, tasks.c.id, **how)
        page = select(tasks.c.id).where(*_conditions(criteria)).order_by(*ordering).limit(limit)
        if after is not None:
            page = page.where(keyset_after(value, tasks.c.id, after, **how))
        else:
            page = page.offset(offset)
        # The page's ids first, then only those rows with their labels and watchers: the
        # rows an offset skips never have their children read.
        query = self._select().where(tasks.c.id.in_(page)).order_by(*ordering)
        return self._hydrate(self._conn.execute(query).all())

    def count(self, criteria: TaskCriteria) -> int:
        return self._conn.execute(
            select(func.count()).select_from(tasks).where(*_conditions(criteria))
        ).scalar_one()

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
            query = query.where(
                tasks.c.project_id.in_(
                    select(project_members.c.project_id).where(
                        project_members.c.user_id == visible_to
                    )
                )
            )
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
                tasks.c.status.in_(_OPEN),
            )
            .order_by(tasks.c.id)
        ).all()
        return [(row.id, row.project_id) for row in rows]

    def blocked_ids(self, task_ids: Collection[int]) -> set[int]:
        ids = list(task_ids)
        if not ids:
            return set()
        rows = self._conn.execute(
            select(task_relations.c.target_id)
            .join(tasks, tasks.c.id == task_relations.c.source_id)
            .where(
                task_relations.c.target_id.in_(ids),
                task_relations.c.kind == RelationKind.BLOCKS.value,
                tasks.c.status.in_(_OPEN),
            )
            .distinct()
        ).scalars()
        return set(rows)

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
        ids = list(project_ids)
        if not ids:
            return []
        d = task_field_definitions.c
        rows = self._conn.execute(
            select(task_field_definitions)
            .where(d.project_id.in_(ids))
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
