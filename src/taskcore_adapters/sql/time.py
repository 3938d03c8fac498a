"""The time area in SQL (see ``taskcore.ports.time``): time entries and running timers.

Each read joins the task (for its project and title) and the person (for the username),
so a page of entries is one query; timesheets are summed per person, project and day in
the database. The area's other repositories have their own modules: calendar feeds
(:mod:`~taskcore_adapters.sql.calendar_feeds`), recurrences
(:mod:`~taskcore_adapters.sql.recurrences`), reminders and digests
(:mod:`~taskcore_adapters.sql.reminders`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs
from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    case,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from taskcore.domain.time_entries import (
    DailyMinutes,
    RunningTimer,
    TimeEntry,
    TimeEntryCriteria,
    TimeEntryView,
    TimerView,
)
from taskcore.errors import Conflict, NotFound, TaskNotFound, VersionMismatch
from taskcore_adapters.sql.access import has_role
from taskcore_adapters.sql.support import is_foreign_key_violation
from taskcore_adapters.sql.tables import (
    projects,
    tasks,
    time_entries,
    time_timers,
    users,
)

ENTRY_MISSING = "Time entry not found"

_VIEW: Select[Any] = select(
    time_entries,
    tasks.c.project_id,
    tasks.c.title.label("task_title"),
    func.coalesce(users.c.username, "Unknown").label("username"),
).select_from(
    time_entries.join(tasks, tasks.c.id == time_entries.c.task_id).outerjoin(
        users, users.c.id == time_entries.c.user_id
    )
)


def _view(row: Any) -> TimeEntryView:
    return TimeEntryView(
        id=row.id,
        task_id=row.task_id,
        project_id=row.project_id,
        task_title=row.task_title,
        user_id=row.user_id,
        username=row.username,
        work_date=row.work_date,
        minutes=row.minutes,
        note=row.note,
        billable=row.billable,
        capped=row.capped,
        created_at=row.created_at,
        updated_at=row.updated_at,
        version=row.version,
    )


def _where(criteria: TimeEntryCriteria) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if criteria.task_id is not None:
        conditions.append(time_entries.c.task_id == criteria.task_id)
    if criteria.project_id is not None:
        conditions.append(tasks.c.project_id == criteria.project_id)
    if criteria.user_id is not None:
        conditions.append(time_entries.c.user_id == criteria.user_id)
    if criteria.date_from is not None:
        conditions.append(time_entries.c.work_date >= criteria.date_from)
    if criteria.date_to is not None:
        conditions.append(time_entries.c.work_date <= criteria.date_to)
    if criteria.member_id is not None:
        conditions.append(has_role(tasks.c.project_id, criteria.member_id))
    return conditions


class SqlAlchemyTimeEntryRepository:
    """Time entries in SQL."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, entry: TimeEntry) -> TimeEntry:
        try:
            new_id = self._conn.execute(
                insert(time_entries)
                .values(
                    task_id=entry.task_id,
                    user_id=entry.user_id,
                    work_date=entry.work_date,
                    minutes=entry.minutes,
                    note=entry.note,
                    billable=entry.billable,
                    capped=entry.capped,
                    created_at=entry.created_at,
                    updated_at=entry.updated_at,
                    version=1,
                )
                .returning(time_entries.c.id)
            ).scalar_one()
        except IntegrityError as exc:
            if is_foreign_key_violation(exc, "fk_time_entries_task_id_tasks"):
                raise TaskNotFound(entry.task_id) from exc
            raise
        return attrs.evolve(entry, id=new_id, version=1)

    def get(self, entry_id: int) -> TimeEntryView | None:
        row = self._conn.execute(_VIEW.where(time_entries.c.id == entry_id)).first()
        return _view(row) if row else None

    def update(self, entry: TimeEntry) -> TimeEntry:
        result = self._conn.execute(
            update(time_entries)
            .where(time_entries.c.id == entry.key, time_entries.c.version == entry.version)
            .values(
                work_date=entry.work_date,
                minutes=entry.minutes,
                note=entry.note,
                billable=entry.billable,
                capped=entry.capped,
                updated_at=entry.updated_at,
                version=entry.version + 1,
            )
        )
        if result.rowcount == 0:
            found = self._conn.execute(
                select(time_entries.c.id).where(time_entries.c.id == entry.key)
            )
            if found.first() is None:
                raise NotFound(ENTRY_MISSING)
            raise VersionMismatch()
        return attrs.evolve(entry, version=entry.version + 1)

    def delete(self, entry_id: int) -> None:
        self._conn.execute(delete(time_entries).where(time_entries.c.id == entry_id))

    def find(
        self, criteria: TimeEntryCriteria, *, offset: int = 0, limit: int
    ) -> Sequence[TimeEntryView]:
        query = (
            _VIEW.where(*_where(criteria))
            .order_by(time_entries.c.work_date.desc(), time_entries.c.id.desc())
            .offset(offset)
            .limit(limit)
        )
        return [_view(row) for row in self._conn.execute(query)]

    def count(self, criteria: TimeEntryCriteria) -> int:
        query = (
            select(func.count())
            .select_from(time_entries.join(tasks, tasks.c.id == time_entries.c.task_id))
            .where(*_where(criteria))
        )
        return self._conn.execute(query).scalar_one()

    def task_minutes(self, task_id: int) -> int | None:
        total = self._conn.execute(
            select(func.sum(time_entries.c.minutes)).where(time_entries.c.task_id == task_id)
        ).scalar_one()
        return None if total is None else int(total)

    def daily_minutes(self, criteria: TimeEntryCriteria) -> Sequence[DailyMinutes]:
        billable = func.sum(case((time_entries.c.billable, time_entries.c.minutes), else_=0))
        query = (
            select(
                time_entries.c.user_id,
                func.coalesce(users.c.username, "Unknown").label("username"),
                tasks.c.project_id,
                projects.c.name.label("project_name"),
                time_entries.c.work_date,
                func.sum(time_entries.c.minutes).label("minutes"),
                billable.label("billable_minutes"),
                func.count().label("entries"),
            )
            .select_from(
                time_entries.join(tasks, tasks.c.id == time_entries.c.task_id)
                .join(projects, projects.c.id == tasks.c.project_id)
                .outerjoin(users, users.c.id == time_entries.c.user_id)
            )
            .where(*_where(criteria))
            .group_by(
                time_entries.c.user_id,
                users.c.username,
                tasks.c.project_id,
                projects.c.name,
                time_entries.c.work_date,
            )
        )
        return [
            DailyMinutes(
                user_id=row.user_id,
                username=row.username,
                project_id=row.project_id,
                project_name=row.project_name,
                work_date=row.work_date,
                minutes=int(row.minutes),
                billable_minutes=int(row.billable_minutes),
                entries=int(row.entries),
            )
            for row in self._conn.execute(query)
        ]

    def minutes_by_task(self, project_id: int) -> dict[int, int]:
        query = (
            select(time_entries.c.task_id, func.sum(time_entries.c.minutes))
            .select_from(time_entries.join(tasks, tasks.c.id == time_entries.c.task_id))
            .where(tasks.c.project_id == project_id)
            .group_by(time_entries.c.task_id)
        )
        return {row[0]: int(row[1]) for row in self._conn.execute(query)}

    def delete_for_tasks(self, task_ids: Sequence[int]) -> int:
        if not task_ids:
            return 0
        return self._conn.execute(
            delete(time_entries).where(time_entries.c.task_id.in_(list(task_ids)))
        ).rowcount


class SqlAlchemyTimerRepository:
    """Running timers in SQL: one row per person."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def get(self, user_id: int) -> TimerView | None:
        row = self._conn.execute(
            select(time_timers, tasks.c.project_id, tasks.c.title.label("task_title"))
            .select_from(time_timers.join(tasks, tasks.c.id == time_timers.c.task_id))
            .where(time_timers.c.user_id == user_id)
        ).first()
        if row is None:
            return None
        return TimerView(
            user_id=row.user_id,
            task_id=row.task_id,
            project_id=row.project_id,
            task_title=row.task_title,
            started_at=row.started_at,
            note=row.note,
        )

    def start(self, timer: RunningTimer) -> None:
        try:
            self._conn.execute(
                insert(time_timers).values(
                    user_id=timer.user_id,
                    task_id=timer.task_id,
                    started_at=timer.started_at,
                    note=timer.note,
                )
            )
        except IntegrityError as exc:
            if is_foreign_key_violation(exc, "fk_time_timers_task_id_tasks"):
                raise TaskNotFound(timer.task_id) from exc
            raise Conflict("A timer is already running") from exc

    def stop(self, user_id: int) -> bool:
        result = self._conn.execute(delete(time_timers).where(time_timers.c.user_id == user_id))
        return result.rowcount > 0

    def delete_for_tasks(self, task_ids: Sequence[int]) -> int:
        if not task_ids:
            return 0
        return self._conn.execute(
            delete(time_timers).where(time_timers.c.task_id.in_(list(task_ids)))
        ).rowcount
