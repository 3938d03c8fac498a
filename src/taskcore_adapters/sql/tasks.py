"""Tasks in SQL (see ``taskcore.ports.tasks.TaskRepository``); filters and sort columns
are in ``task_queries.py``, relations and custom fields in ``task_structure.py``.

Labels, watchers, assignees and custom values live in their own tables; a page of tasks
reads them in the same statement as the tasks (a JSON array each, ``child_columns``),
whatever the page size.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from typing import Any

import attrs
from orjson import loads
from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError

from taskcore.domain.custom_fields import FieldType
from taskcore.domain.pagination import Keyset
from taskcore.domain.projects import Priority, Role
from taskcore.domain.tasks import (
    Task,
    TaskCriteria,
    TaskOrder,
    TaskSort,
    TaskStatus,
)
from taskcore.errors import ProjectNotFound, TaskNotFound, VersionMismatch
from taskcore_adapters.sql import field_order
from taskcore_adapters.sql.access import role_column
from taskcore_adapters.sql.support import (
    among,
    among_bound,
    is_foreign_key_violation,
    keyset_after,
    keyset_order,
    made_once,
)
from taskcore_adapters.sql.tables import (
    task_assignees,
    task_field_values,
    task_labels,
    task_relations,
    task_watchers,
    tasks,
)
from taskcore_adapters.sql.task_queries import child_columns, conditions, field_column, sort_column
from taskcore_adapters.sql.task_structure import (
    TaskStructureSql,
    custom_value,
    value_row,
)


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


_COLUMNS = tuple(tasks.c.keys())
"""The table's columns, in the order ``select(tasks, ...)`` returns them."""
_WIDTH = len(_COLUMNS)
_STATUS = {s.value: s for s in TaskStatus}
_PRIORITY = {p.value: p for p in Priority}
_FIELD_TYPE = {f.value: f for f in FieldType}
"""Enum members by value: a dictionary lookup, where calling the enum costs a microsecond."""


def _task(row: Sequence[Any]) -> Task:
    """A task from a row of ``_full``: the table's columns by position (a row's attribute
    access by name costs about twenty times more, on every column of every task of a page),
    then the JSON arrays of its labels, watchers, assignees and custom values."""
    c = dict(zip(_COLUMNS, row, strict=False))
    labels, watchers, assignees, custom = row[_WIDTH : _WIDTH + 4]
    return Task(
        id=c["id"],
        project_id=c["project_id"],
        title=c["title"],
        description=c["description"],
        status=_STATUS[c["status"]],
        priority=_PRIORITY[c["priority"]],
        due_date=c["due_date"],
        completed_at=c["completed_at"],
        estimated_hours=c["estimated_hours"],
        actual_hours=c["actual_hours"],
        assignee_id=c["assignee_id"],
        assignee_ids=tuple(user for _, user in sorted(loads(assignees))) if assignees else (),
        custom_fields={
            key: custom_value(_FIELD_TYPE[kind], *values) for key, kind, *values in loads(custom)
        }
        if custom
        else {},
        labels=tuple(sorted(loads(labels))) if labels else (),
        watchers=tuple(sorted(loads(watchers))) if watchers else (),
        position=c["position"],
        parent_id=c["parent_id"],
        created_at=c["created_at"],
        updated_at=c["updated_at"],
        version=c["version"],
    )


def _assignee_rows(task_id: int, task: Task) -> list[dict[str, int]]:
    return [
        {"task_id": task_id, "user_id": user, "position": place}
        for place, user in enumerate(task.assignee_ids)
    ]


# Statements built once: only their parameters change from call to call.
_INSERT_TASK = insert(tasks).returning(tasks.c.id)
_UPDATE_TASK = update(tasks).where(
    tasks.c.id == bindparam("b_id"), tasks.c.version == bindparam("b_version")
)
"""A task's update if its version is still the one read: the SET clause comes from the
column values it is executed with (the same keys every time, so compiled once), and the
statement is made once, not built with its cache key worked out on every write."""
ANALYZE_AFTER_ROWS = 10_000
"""A bulk insert of at least this many tasks refreshes PostgreSQL's statistics of the table
at once instead of waiting for autovacuum: until then, cached plans chosen for a small
table (a sequential scan to find the end of a column, say) stay in use; 20 ms instead of
0.2 ms per new task in the benchmark right after an import of 100,000 tasks."""

_NEXT_TASK_IDS = text(
    "SELECT nextval(pg_get_serial_sequence('tasks', 'id')) FROM generate_series(1, :n)"
)
_LAST_TASK_ID = select(func.coalesce(func.max(tasks.c.id), 0))
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


class SqlAlchemyTaskRepository(TaskStructureSql):
    """Tasks with their labels and watchers in SQL."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def _select(self) -> Select[Any]:
        """Tasks with their labels and watchers, read in the same statement."""
        return _full(self._conn.dialect.name)

    @staticmethod
    def _hydrate(rows: Sequence[Any]) -> list[Task]:
        """Tasks from rows of :meth:`_select`."""
        return [_task(row) for row in rows]

    def _writechild_columns(self, task_id: int, task: Task) -> None:
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
            value_row(i, definitions[(t.project_id, key)], value)
            for i, t in wanted
            for key, value in t.custom_fields.items()
            if (t.project_id, key) in definitions
        ]
        if rows:
            self._conn.execute(insert(task_field_values), rows)

    def _deletechild_columns(self, task_ids: Any) -> None:
        self._conn.execute(delete(task_labels).where(task_labels.c.task_id.in_(task_ids)))
        self._conn.execute(delete(task_watchers).where(task_watchers.c.task_id.in_(task_ids)))
        self._conn.execute(delete(task_assignees).where(task_assignees.c.task_id.in_(task_ids)))
        self._conn.execute(
            delete(task_field_values).where(task_field_values.c.task_id.in_(task_ids))
        )

    def _delete_dependents(self, task_ids: Any) -> None:
        """Delete the child columns and the relations of tasks about to be deleted (an
        update rewrites only the child columns: its relations stay)."""
        self._deletechild_columns(task_ids)
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
        self._writechild_columns(new_id, task)
        return attrs.evolve(task, id=new_id, version=1)

    def add_many(self, tasks_: Sequence[Task]) -> list[Task]:
        if not tasks_:
            return []
        rows = [{**_values(task), "version": 1} for task in tasks_]
        try:
            # The ids are given first, then one plain executemany: an INSERT ... RETURNING
            # in the rows' order costs more on PostgreSQL and runs one statement per row
            # on SQLite.
            postgresql = self._conn.dialect.name == "postgresql"
            if postgresql:
                # Drawn from the table's sequence in one query.
                new_ids = sorted(self._conn.execute(_NEXT_TASK_IDS, {"n": len(rows)}).scalars())
            else:
                # As SQLite gives them, the largest plus one: this transaction holds the
                # database's write lock (BEGIN IMMEDIATE).
                first = self._conn.execute(_LAST_TASK_ID).scalar_one() + 1
                new_ids = list(range(first, first + len(rows)))
            for row, new_id in zip(rows, new_ids, strict=True):
                row["id"] = new_id
            self._conn.execute(insert(tasks), rows)
            if postgresql and len(rows) >= ANALYZE_AFTER_ROWS:
                # Fresh statistics, so plans made (and cached by prepared statements)
                # while the table was small are made again for its new size.
                self._conn.execute(text("ANALYZE tasks"))
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
        statement = made_once(
            self._conn,
            "tasks.get",
            lambda d: _full(d).where(tasks.c.id == bindparam("task_id")),
        )
        found = self._hydrate(self._conn.execute(statement, {"task_id": task_id}).all())
        return found[0] if found else None

    def get_with_role(self, task_id: int, user_id: int) -> tuple[Task, Role | None] | None:
        statement = made_once(
            self._conn,
            "tasks.get_with_role",
            lambda d: (
                _full(d)
                .add_columns(
                    role_column(tasks.c.project_id, bindparam("user_id")).label("caller_role")
                )
                .where(tasks.c.id == bindparam("task_id"))
            ),
        )
        row = self._conn.execute(statement, {"task_id": task_id, "user_id": user_id}).first()
        if row is None:
            return None
        return self._hydrate([row])[0], None if row.caller_role is None else Role(row.caller_role)

    def project_id_of(self, task_id: int) -> int | None:
        return self._conn.execute(
            select(tasks.c.project_id).where(tasks.c.id == task_id)
        ).scalar_one_or_none()

    def update(self, task: Task, *, children_changed: bool = True) -> Task:
        result = self._conn.execute(
            _UPDATE_TASK,
            {
                **_values(task),
                "version": task.version + 1,
                "b_id": task.key,
                "b_version": task.version,
            },
        )
        if result.rowcount == 0:
            exists_now = self._conn.execute(select(tasks.c.id).where(tasks.c.id == task.key))
            if exists_now.first() is None:
                raise TaskNotFound(task.key)
            raise VersionMismatch()
        if children_changed:
            self._deletechild_columns([task.key])
            self._writechild_columns(task.key, task)
        return attrs.evolve(task, version=task.version + 1)

    def delete(self, task_id: int) -> None:
        self._delete_dependents([task_id])
        self._conn.execute(delete(tasks).where(tasks.c.id == task_id))

    def delete_many(self, task_ids: Collection[int]) -> None:
        ids = list(task_ids)
        if not ids:
            return
        self._delete_dependents(ids)
        self._conn.execute(delete(tasks).where(tasks.c.id.in_(ids)))

    def descendants(self, task_id: int) -> list[Task]:
        depths = self._descendant_depths(task_id)
        if not depths:
            return []
        rows = self._conn.execute(self._select().where(among(self._conn, tasks.c.id, depths))).all()
        return sorted(self._hydrate(rows), key=lambda t: (-depths[t.key], t.key))

    def delete_in_project(self, project_id: int) -> Sequence[Task]:
        rows = self._conn.execute(
            self._select().where(tasks.c.project_id == project_id).order_by(tasks.c.id)
        ).all()
        gone = self._hydrate(rows)
        if gone:
            self._delete_dependents(select(tasks.c.id).where(tasks.c.project_id == project_id))
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
        walked = None
        if order.custom is not None and offset == 0:
            # A custom-field order walks the field's values in index order first.
            walked = field_order.page_by_field(
                self._conn,
                criteria,
                order.custom,
                descending=order.descending,
                limit=limit,
                after=after,
            )
            if walked.complete:  # the page's tasks, in the walk's order
                return self._in_order(walked.ids)
            after = walked.resume
        value = sort_column(order.sort) if order.custom is None else field_column(order.custom)
        nullable = order.sort is TaskSort.DUE_DATE or order.custom is not None
        how = {"descending": order.descending, "nullable": nullable}
        ordering = keyset_order(value, tasks.c.id, **how)
        # The page's ids first, then only those rows with their labels and watchers: the
        # rows an offset skips never have their children read. The rest of a page the
        # walk did not fill is read by a statement built only then.
        missing = limit if walked is None else limit - len(walked.ids)
        if walked is not None and walked.exhausted and order.custom is not None:
            page = field_order.without_value(
                criteria,
                order.custom,
                descending=order.descending,
                limit=missing,
                after_id=walked.without_after,
            )
        else:
            page = select(tasks.c.id).where(*conditions(criteria)).order_by(*ordering)
            page = page.limit(missing)
            if after is not None:
                page = page.where(keyset_after(value, tasks.c.id, after, **how))
            else:
                page = page.offset(offset)
        chosen: ColumnElement[bool] = tasks.c.id.in_(page)
        if walked is not None:
            chosen = among(self._conn, tasks.c.id, walked.ids) | chosen
        query = self._select().where(chosen).order_by(*ordering)
        return self._hydrate(self._conn.execute(query).all())

    def _in_order(self, ids: list[int]) -> list[Task]:
        """The tasks ``ids`` (that still exist), in that order."""
        statement = made_once(
            self._conn,
            "tasks.by_ids",
            lambda d: _full(d).where(among_bound(d, tasks.c.id, "ids")),
        )
        found = {t.key: t for t in self._hydrate(self._conn.execute(statement, {"ids": ids}).all())}
        return [found[i] for i in ids if i in found]

    def count(self, criteria: TaskCriteria) -> int:
        return self._conn.execute(
            select(func.count()).select_from(tasks).where(*conditions(criteria))
        ).scalar_one()


def _full(dialect: str) -> Select[Any]:
    """Tasks with their labels, watchers, assignees and custom values in one statement."""
    return select(tasks, *child_columns(dialect))
