"""Finding tasks in SQL: the filters of ``TaskCriteria`` as conditions, the sort columns
(built-in fields, a custom field's value) that keyset pages order by, and the columns
reading a task's labels, watchers, assignees and custom values with it."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Text,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    not_,
    or_,
    select,
)

from taskcore.domain.custom_fields import FieldFilter, FieldSort, FieldType, FilterOp
from taskcore.domain.projects import PRIORITY_RANKS
from taskcore.domain.relations import RelationKind
from taskcore.domain.tasks import TaskCriteria, TaskSort, TaskStatus
from taskcore_adapters.sql.access import has_role
from taskcore_adapters.sql.tables import (
    task_assignees,
    task_field_definitions,
    task_field_values,
    task_labels,
    task_relations,
    task_watchers,
    tasks,
)

PRIORITY_RANK = case(
    {p.value: rank for p, rank in PRIORITY_RANKS.items()}, value=tasks.c.priority, else_=-1
)
OPEN_STATUSES = [s.value for s in TaskStatus if s.is_open]


def sort_column(sort: TaskSort) -> ColumnElement[Any]:
    match sort:
        case TaskSort.CREATED_AT:
            return tasks.c.created_at
        case TaskSort.UPDATED_AT:
            return tasks.c.updated_at
        case TaskSort.DUE_DATE:
            return tasks.c.due_date
        case TaskSort.PRIORITY:
            return PRIORITY_RANK
        case TaskSort.POSITION:
            return tasks.c.position


def _exists(*where: ColumnElement[bool], probe: bool) -> ColumnElement[bool]:
    """``EXISTS`` of rows meeting ``where``; with ``probe``, looked up row by row: the
    ``OFFSET 0`` keeps PostgreSQL from reading every matching row of the subquery into a
    hash (its choice when it expects more than a few hundred outer rows, which is slow when
    only the first matches are wanted)."""
    if probe:
        return select(literal(1)).where(*where).offset(0).exists()
    return exists().where(*where)


def conditions(criteria: TaskCriteria, *, probe: bool = False) -> list[ColumnElement[bool]]:
    """The conditions a task meets to match ``criteria`` (``probe``: see :func:`_exists`)."""
    c = tasks.c
    conditions: list[ColumnElement[bool]] = []
    if criteria.project_id is not None:
        conditions.append(c.project_id == criteria.project_id)
    if criteria.member_id is not None:
        conditions.append(has_role(c.project_id, criteria.member_id))
    if criteria.status is not None:
        conditions.append(c.status == criteria.status.value)
    if criteria.priority is not None:
        conditions.append(c.priority == criteria.priority.value)
    if criteria.assignee_id is not None:
        conditions.append(
            _exists(
                task_assignees.c.task_id == c.id,
                task_assignees.c.user_id == criteria.assignee_id,
                probe=probe,
            )
        )
    if criteria.label is not None:
        conditions.append(
            _exists(
                task_labels.c.task_id == c.id, task_labels.c.label == criteria.label, probe=probe
            )
        )
    if criteria.due_before is not None:
        conditions.append(c.due_date < criteria.due_before)
    if criteria.due_after is not None:
        conditions.append(c.due_date >= criteria.due_after)
    if criteria.overdue is not None:
        overdue = and_(
            c.due_date.is_not(None),
            c.due_date < criteria.now,
            c.status.in_(OPEN_STATUSES),
        )
        conditions.append(overdue if criteria.overdue else not_(overdue))
    conditions.extend(custom_condition(c.id, f, probe=probe) for _, f in criteria.custom)
    if criteria.blocked is not None:
        blocked = has_open_blocker(c.id)
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


_BLOCKER = tasks.alias("blocker")
"""The blocking task (one alias for every query: see ``field_order.SORT_VALUE``)."""


def has_open_blocker(task_id: Any) -> ColumnElement[bool]:
    """Whether an open task blocks the task ``task_id`` (a column or a value)."""
    blocker = _BLOCKER
    return exists().where(
        task_relations.c.target_id == task_id,
        task_relations.c.kind == RelationKind.BLOCKS.value,
        blocker.c.id == task_relations.c.source_id,
        blocker.c.status.in_(OPEN_STATUSES),
    )


VALUE_COLUMN = {
    FieldType.NUMBER: task_field_values.c.value_number,
    FieldType.USER: task_field_values.c.value_number,
    FieldType.BOOLEAN: task_field_values.c.value_bool,
}


def custom_condition(
    task_id: Any, wanted: FieldFilter, *, probe: bool = False
) -> ColumnElement[bool]:
    """Whether the task ``task_id`` has a value of the filter's field that meets it
    (``probe``: see :func:`_exists`)."""
    v = task_field_values.c
    if wanted.type is FieldType.MULTI_SELECT:
        test: ColumnElement[bool] = or_(
            *(v.value_json.contains(json.dumps(x), autoescape=True) for x in wanted.values)
        )
    else:
        column = VALUE_COLUMN.get(wanted.type, v.value_text)
        match wanted.op:
            case FilterOp.EQ:
                test = column == wanted.values[0]
            case FilterOp.IN:
                test = column.in_(list(wanted.values))
            case FilterOp.GTE:
                test = column >= wanted.values[0]
            case FilterOp.LTE:
                test = column <= wanted.values[0]
    return _exists(v.task_id == task_id, v.field_id == wanted.field_id, test, probe=probe)


def field_column(sort: FieldSort) -> ColumnElement[Any]:
    """A task's value of a custom field, as a sortable column (booleans as 0/1)."""
    v = task_field_values.c
    column: ColumnElement[Any] = VALUE_COLUMN.get(sort.type, v.value_text)
    if sort.type is FieldType.BOOLEAN:
        column = cast(column, Integer)
    return (
        select(column).where(v.task_id == tasks.c.id, v.field_id == sort.field_id).scalar_subquery()
    )


_CHILDREN: dict[str, tuple[ColumnElement[Any], ...]] = {}


def child_columns(dialect: str) -> tuple[ColumnElement[Any], ...]:
    """A task's labels, watcher ids and ``[position, user id]`` of its assignees, each as
    a JSON array in one column (unordered; ``SqlAlchemyTaskRepository._hydrate`` sorts
    them)."""
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
