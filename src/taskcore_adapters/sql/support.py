"""Query building shared by the SQL repositories: keyset paging, lists of ids and violated
constraints."""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Connection, Integer, and_, any_, bindparam, or_
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError

from taskcore.domain.pagination import Keyset


def violated_constraint(exc: IntegrityError) -> str:
    """The violated constraint: its name from PostgreSQL's diagnostics, or SQLite's message
    (which names unique columns but not foreign keys)."""
    diag = getattr(exc.orig, "diag", None)
    name = getattr(diag, "constraint_name", None)
    return name if isinstance(name, str) else str(exc.orig)


def is_foreign_key_violation(exc: IntegrityError, constraint: str) -> bool:
    """Whether ``exc`` is the violation of the foreign key named ``constraint`` (on SQLite,
    of any foreign key: its messages do not say which)."""
    text = violated_constraint(exc)
    return constraint in text or "FOREIGN KEY constraint failed" in text


def among(
    conn: Connection, column: ColumnElement[int], ids: Collection[int]
) -> ColumnElement[bool]:
    """``column IN ids``; on PostgreSQL ``column = ANY(:ids)``, the ids bound as one array.

    An ``IN`` list is rendered again for every call, one parameter per id, and its text
    changes with the number of ids, so psycopg neither caches its conversion nor prepares
    it on the server; the array keeps one statement text for any number of ids (the hot
    reads of a page of tasks: the page, its roll-ups, its blockers)."""
    if conn.dialect.name == "postgresql":
        return column == any_(bindparam(None, list(ids), type_=ARRAY(Integer)))
    return column.in_(list(ids))


def among_bound(dialect: str, column: ColumnElement[int], name: str) -> ColumnElement[bool]:
    """:func:`among` with the ids as the bound parameter ``name``, given at execution
    (``{name: ids}``), for statements made once (:func:`made_once`)."""
    if dialect == "postgresql":
        return column == any_(bindparam(name, type_=ARRAY(Integer)))
    return column.in_(bindparam(name, expanding=True))


T = TypeVar("T")
MADE_LIMIT = 512
"""The most statements :func:`made_once` keeps (then all are made again as needed)."""
_MADE: dict[tuple[str, Hashable], Any] = {}


def made_once(conn: Connection, key: Hashable, make: Callable[[str], T]) -> T:
    """The statement ``key`` (a name, or what a statement's shape depends on) for
    ``conn``'s dialect, made by ``make(dialect name)`` on first use and then kept, its
    values left as bound parameters: SQLAlchemy then neither builds it nor works out its
    cache key again on every call (for the statements of the hot reads: a task by id, a
    page's tasks and their view facts, the walk of a custom-field order)."""
    full = (conn.dialect.name, key)
    found = _MADE.get(full)
    if found is None:
        if len(_MADE) >= MADE_LIMIT:
            _MADE.clear()
        found = _MADE[full] = make(conn.dialect.name)
    return found


def keyset_order(
    value: ColumnElement[Any], ident: ColumnElement[Any], *, descending: bool, nullable: bool
) -> list[ColumnElement[Any]]:
    """ORDER BY clauses for a keyset order: ``value`` then ``ident``, ``NULL`` values last
    (``NULLS LAST``, which PostgreSQL reads in index order for an ascending order)."""
    if descending:
        first = value.desc().nulls_last() if nullable else value.desc()
        return [first, ident.desc()]
    return [value.asc().nulls_last() if nullable else value.asc(), ident.asc()]


def keyset_after(
    value: ColumnElement[Any],
    ident: ColumnElement[Any],
    after: Keyset,
    *,
    descending: bool,
    nullable: bool,
) -> ColumnElement[bool]:
    """The rows that come after ``after`` in :func:`keyset_order` (same rule as
    :func:`taskcore.domain.pagination.follows`)."""
    tie = ident < after.id if descending else ident > after.id
    if after.value is None:
        return and_(value.is_(None), tie)
    beyond = value < after.value if descending else value > after.value
    condition = or_(beyond, and_(value == after.value, tie))
    if nullable:
        return or_(condition, value.is_(None))
    # The redundant bound on ``value`` alone lets the database start an index range scan
    # at the cursor instead of filtering every row before it (deep pages stay as fast as
    # the first one).
    reached = value <= after.value if descending else value >= after.value
    return and_(reached, condition)
