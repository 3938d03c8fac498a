"""The activity log in SQL (see ``taskcore.ports.activity.ActivityRepository``).

Lists join ``users`` for the name; totals, top lists and daily counts are aggregated by
the database. Days are UTC days on both databases: PostgreSQL converts the stored instant
to UTC before taking its date, SQLite stores UTC already.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import attrs
from sqlalchemy import ColumnElement, Connection, Select, delete, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite

from taskcore.domain.activity import (
    SYSTEM_USERNAME,
    UNKNOWN_USERNAME,
    ActivityCriteria,
    ActivityEntry,
    ActivitySummary,
    ActivityTotals,
    ActivityView,
    DayCount,
    NameCount,
)
from taskcore_adapters.sql.tables import activity_logs, activity_summaries, users

_LOG = activity_logs.c

_VIEW: Select[Any] = select(activity_logs, users.c.username.label("username")).select_from(
    activity_logs.outerjoin(users, users.c.id == _LOG.user_id)
)


def _entry(row: Any) -> ActivityEntry:
    return ActivityEntry(
        id=row.id,
        user_id=row.user_id,
        action=row.action,
        entity_type=row.entity_type,
        entity_id=row.entity_id,
        details=row.details,
        ip_address=row.ip_address,
        user_agent=row.user_agent,
        session_id=row.session_id,
        service_name=row.service_name,
        created_at=row.created_at,
    )


def _view(row: Any) -> ActivityView:
    if row.user_id is None:
        name = SYSTEM_USERNAME
    else:
        name = row.username if row.username is not None else UNKNOWN_USERNAME
    return ActivityView(entry=_entry(row), username=name)


def _where(criteria: ActivityCriteria) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if criteria.user_id is not None:
        clauses.append(_LOG.user_id == criteria.user_id)
    if criteria.action is not None:
        clauses.append(_LOG.action == criteria.action)
    if criteria.entity_type is not None:
        clauses.append(_LOG.entity_type == criteria.entity_type)
    if criteria.entity_id is not None:
        clauses.append(_LOG.entity_id == criteria.entity_id)
    if criteria.start is not None:
        clauses.append(_LOG.created_at >= criteria.start)
    if criteria.end is not None:
        clauses.append(_LOG.created_at <= criteria.end)
    return clauses


def _period(start: dt.datetime, end: dt.datetime | None) -> list[ColumnElement[bool]]:
    clauses = [_LOG.created_at >= start]
    if end is not None:
        clauses.append(_LOG.created_at < end)
    return clauses


def _summary(row: Any) -> ActivitySummary:
    return ActivitySummary(
        id=row.id,
        date=row.date,
        total_activities=row.total_activities,
        unique_users=row.unique_users,
        top_actions=[NameCount(name=t["action"], count=t["count"]) for t in row.top_actions],
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


_INSERT_LOG = insert(activity_logs)


class SqlAlchemyActivityRepository:
    """Entries and summaries over one connection (its transaction is the caller's)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, entry: ActivityEntry) -> ActivityEntry:
        values = attrs.asdict(entry, recurse=False)
        del values["id"]
        new_id = self._conn.execute(insert(activity_logs).values(values).returning(_LOG.id))
        return attrs.evolve(entry, id=new_id.scalar_one())

    def add_many(self, entries: Sequence[ActivityEntry]) -> None:
        if entries:
            rows = [attrs.asdict(entry, recurse=False) for entry in entries]
            for row in rows:
                del row["id"]
            self._conn.execute(_INSERT_LOG, rows)

    def find(
        self, criteria: ActivityCriteria, *, offset: int = 0, limit: int
    ) -> Sequence[ActivityView]:
        query = (
            _VIEW.where(*_where(criteria))
            .order_by(_LOG.created_at.desc(), _LOG.id.desc())
            .offset(offset)
            .limit(limit)
        )
        return [_view(row) for row in self._conn.execute(query)]

    def count(self, criteria: ActivityCriteria) -> int:
        query = select(func.count()).select_from(activity_logs).where(*_where(criteria))
        return int(self._conn.execute(query).scalar_one())

    def _top(self, column: Any, where: list[ColumnElement[bool]], limit: int) -> list[NameCount]:
        counted = func.count().label("n")
        query = (
            select(column, counted)
            .where(*where)
            .group_by(column)
            .order_by(counted.desc(), column.asc())
            .limit(limit)
        )
        return [NameCount(name=name, count=int(n)) for name, n in self._conn.execute(query)]

    def totals(
        self, start: dt.datetime, end: dt.datetime | None = None, *, top: int
    ) -> ActivityTotals:
        where = _period(start, end)
        total, unique = self._conn.execute(
            select(func.count(), func.count(func.distinct(_LOG.user_id))).where(*where)
        ).one()
        return ActivityTotals(
            total=int(total),
            unique_users=int(unique),
            top_actions=self._top(_LOG.action, where, top),
            top_entity_types=self._top(_LOG.entity_type, where, top),
        )

    def _day(self) -> ColumnElement[Any]:
        if self._conn.dialect.name == "postgresql":
            return func.date(func.timezone("UTC", _LOG.created_at))
        return func.date(_LOG.created_at)

    def daily_counts(self, start: dt.datetime) -> Sequence[DayCount]:
        day = self._day().label("day")
        query = (
            select(day, func.count()).where(_LOG.created_at >= start).group_by(day).order_by(day)
        )
        return [
            DayCount(
                date=value if isinstance(value, dt.date) else dt.date.fromisoformat(value),
                count=int(n),
            )
            for value, n in self._conn.execute(query)
        ]

    def delete_older_than(self, cutoff: dt.datetime, *, limit: int) -> int:
        oldest = (
            select(_LOG.id)
            .where(_LOG.created_at < cutoff)
            .order_by(_LOG.created_at, _LOG.id)
            .limit(limit)
            .scalar_subquery()
        )
        result = self._conn.execute(delete(activity_logs).where(_LOG.id.in_(oldest)))
        return int(result.rowcount)

    def save_summary(
        self,
        *,
        date: dt.date,
        total_activities: int,
        unique_users: int,
        top_actions: Sequence[NameCount],
        now: dt.datetime,
    ) -> ActivitySummary:
        changes = {
            "total_activities": total_activities,
            "unique_users": unique_users,
            "top_actions": [{"action": t.name, "count": t.count} for t in top_actions],
            "updated_at": now,
        }
        dialect = postgresql if self._conn.dialect.name == "postgresql" else sqlite
        statement = (
            dialect.insert(activity_summaries)
            .values(date=date, created_at=now, **changes)
            .on_conflict_do_update(index_elements=[activity_summaries.c.date], set_=changes)
        )
        self._conn.execute(statement)
        row = self._conn.execute(
            select(activity_summaries).where(activity_summaries.c.date == date)
        ).one()
        return _summary(row)

    def summaries(self, start: dt.date, end: dt.date) -> Sequence[ActivitySummary]:
        query = (
            select(activity_summaries)
            .where(activity_summaries.c.date >= start, activity_summaries.c.date <= end)
            .order_by(activity_summaries.c.date.desc())
        )
        return [_summary(row) for row in self._conn.execute(query)]
