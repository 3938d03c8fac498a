"""Keyset pages ordered by a custom field, read by walking the field's values in index
order.

A page sorted by ``cf.<key>`` can be one statement: the tasks that meet the filters,
ordered by a correlated subquery of their value. PostgreSQL then reads and sorts every
matching task of the project (480 ms for the filtered first page of a 100,000-task
project, see docs/performance.md), because it cannot tell that a field's values all
belong to the field's project and so misjudges how soon an ordered walk finds a page.

:func:`walk` reads the page from the values instead: the next values of the field after
the cursor, in the order of the index on ``(field_id, value, task_id)``, a bounded batch
at a time, each joined to its task with the filters looked up per candidate (never by
reading all the tasks a filter matches). A first batch of six times the page size fills
most pages; the database looks up the filters of a batch's candidates in order and stops
at the last match the page needs. When a batch leaves the page short, one more statement
reads where the batch ended and how many values it held; the next batches are sized by
the share of matches seen (up to 32 pages).
When the values run out, the page goes on with the tasks without a value (they come
last), by id (:func:`without_value`). When three batches leave the page short (a very
selective filter), the caller reads the rest with the single statement, from the last
value seen.
"""

from __future__ import annotations

import functools
import math
from typing import Any, cast

import attrs
from sqlalchemy import ColumnElement, Connection, Integer, Select, bindparam, func, literal, select

from taskcore.domain.custom_fields import FieldSort, FieldType
from taskcore.domain.pagination import Keyset
from taskcore.domain.tasks import TaskCriteria
from taskcore_adapters.sql.support import keyset_after, keyset_order, made_once
from taskcore_adapters.sql.tables import task_field_values, tasks
from taskcore_adapters.sql.task_queries import conditions

FIRST_BATCH = 6
"""The first batch of values read, as a multiple of the page size."""
LARGEST_BATCH = 32
"""The largest batch, as a multiple of the page size."""
BATCHES = 3
"""The most batches read before the rest of a page is left to the single statement."""
SORT_VALUE = task_field_values.alias("sort_value")
"""The values walked (made once: an alias builds its column collection on first use,
which cost a third of a walk's CPU when made per call)."""


@attrs.frozen
class Walked:
    """What :func:`walk` found: the page's task ids so far, in order; whether they fill
    the page; whether the field's values ran out (the rest of the page is then tasks
    without a value, :func:`without_value`, after the id ``without_after``, from the
    first when ``None``); otherwise where the single statement must go on from (``None``:
    from the start)."""

    ids: list[int]
    complete: bool = False
    exhausted: bool = False
    resume: Keyset | None = None
    without_after: int | None = None


def _column(sort: FieldSort, values: Any) -> ColumnElement[Any]:
    if sort.type in (FieldType.NUMBER, FieldType.USER):
        return values.c.value_number  # type: ignore[no-any-return]
    if sort.type is FieldType.BOOLEAN:
        return values.c.value_bool  # type: ignore[no-any-return]
    return values.c.value_text  # type: ignore[no-any-return]


def _sorted(sort: FieldSort, value: Any, task_id: int) -> Keyset:
    """A position as the single statement compares it (booleans as 0/1)."""
    return Keyset(value=int(value) if sort.type is FieldType.BOOLEAN else value, id=task_id)


def _next_size(limit: int, missing: int, rate: float) -> int:
    """Enough values for ``missing`` more tasks at the ``rate`` of matches seen so far,
    twice over, from one page to :data:`LARGEST_BATCH` pages."""
    wanted = limit * LARGEST_BATCH if rate == 0 else math.ceil(2 * missing / rate)
    return max(limit, min(wanted, limit * LARGEST_BATCH))


@attrs.frozen
class WalkShape:
    """What a walk's statements depend on besides the parameters they are given."""

    criteria: TaskCriteria
    sort: FieldSort
    descending: bool
    resumed: bool


def _make(shape: WalkShape, _dialect: str) -> tuple[Select[Any], Select[Any]]:
    values = SORT_VALUE
    column = _column(shape.sort, values)
    how = {"descending": shape.descending, "nullable": False}
    batch = select(values.c.task_id, column.label("value")).where(
        values.c.field_id == shape.sort.field_id, column.is_not(None)
    )
    if shape.resumed:
        position = Keyset(
            value=cast(Any, bindparam("after_value", type_=column.type)),
            id=cast(Any, bindparam("after_id", type_=Integer)),
        )
        batch = batch.where(keyset_after(column, values.c.task_id, position, **how))
    candidates = (
        batch.order_by(*keyset_order(column, values.c.task_id, **how))
        .limit(bindparam("size", type_=Integer))
        .subquery("candidate")
    )
    # The matches first, as many as the page still misses: the database stops at the
    # last one it needs instead of looking up the filters of every candidate.
    matched = (
        select(candidates.c.task_id)
        .select_from(candidates.join(tasks, tasks.c.id == candidates.c.task_id))
        .where(*conditions(shape.criteria, probe=True))
        .order_by(*keyset_order(candidates.c.value, candidates.c.task_id, **how))
        .limit(bindparam("missing", type_=Integer))
    )
    # When short, the whole batch was read: where it ended, and how many it held.
    backwards = {**how, "descending": not shape.descending}
    last = (
        select(candidates.c.task_id, candidates.c.value, func.count().over())
        .order_by(*keyset_order(candidates.c.value, candidates.c.task_id, **backwards))
        .limit(1)
    )
    return matched, last


def walk(
    conn: Connection,
    criteria: TaskCriteria,
    sort: FieldSort,
    *,
    descending: bool,
    limit: int,
    after: Keyset | None,
) -> Walked:
    """The first ``limit`` tasks meeting ``criteria`` after ``after`` among the tasks
    with a value of ``sort``'s field, in the order of their value then id."""
    if criteria.overdue is None:  # the instant matters only to ``overdue``
        criteria = attrs.evolve(criteria, now=None)
    position = after
    found: list[int] = []
    size, read = limit * FIRST_BATCH, 0
    for _ in range(BATCHES):
        shape = WalkShape(criteria, sort, descending, resumed=position is not None)
        # Made once per shape: building them and their cache keys per batch cost a third
        # of a page's CPU. What changes from batch to batch is bound: ``size`` (values
        # read), ``missing`` (matches wanted) and the position ``after_value``, ``after_id``.
        matched, last_of = made_once(conn, shape, functools.partial(_make, shape))
        given: dict[str, Any] = {"size": size, "missing": limit - len(found)}
        if position is not None:
            stored = position.value
            given["after_value"] = bool(stored) if sort.type is FieldType.BOOLEAN else stored
            given["after_id"] = position.id
        found.extend(conn.execute(matched, given).scalars())
        if len(found) == limit:
            return Walked(ids=found, complete=True)
        last = conn.execute(last_of, given).first()
        if last is None:
            return Walked(ids=found, exhausted=True)
        task_id, value, count = last
        position = _sorted(sort, value, task_id)
        if count < size:
            return Walked(ids=found, exhausted=True)
        read += count
        size = _next_size(limit, limit - len(found), len(found) / read)
    return Walked(ids=found, resume=position)


def without_value(
    criteria: TaskCriteria, sort: FieldSort, *, descending: bool, limit: int, after_id: int | None
) -> Select[Any]:
    """The ids of the first ``limit`` tasks meeting ``criteria`` that have no value of
    ``sort``'s field, by id (after ``after_id``): where pages ordered by the field end."""
    values = SORT_VALUE
    has_value = (
        select(literal(1))
        .where(
            values.c.task_id == tasks.c.id,
            values.c.field_id == sort.field_id,
            _column(sort, values).is_not(None),
        )
        .exists()
    )
    query = select(tasks.c.id).where(*conditions(criteria), ~has_value)
    if after_id is not None:
        query = query.where(tasks.c.id < after_id if descending else tasks.c.id > after_id)
    order = tasks.c.id.desc() if descending else tasks.c.id.asc()
    return query.order_by(order).limit(limit)


def page_by_field(
    conn: Connection,
    criteria: TaskCriteria,
    sort: FieldSort,
    *,
    descending: bool,
    limit: int,
    after: Keyset | None,
) -> Walked:
    """A keyset page ordered by a custom field, as far as the walk over the values found
    it. When it is not complete, the caller reads the rest: the tasks without a value
    (:func:`without_value`, after ``walked.without_after``) when the values ran out, else
    with the single statement, from ``walked.resume``."""
    if after is not None and after.value is None:  # already among the tasks without one
        return Walked(ids=[], exhausted=True, without_after=after.id)
    return walk(conn, criteria, sort, descending=descending, limit=limit, after=after)
