"""The time area in SQL (see ``taskcore.ports.time``): time entries and running timers.

Each read joins the task (for its project and title) and the person (for the username),
so a page of entries is one query; timesheets are summed per person, project and day in
the database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import attrs
from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    case,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from taskcore.domain.calendar_feeds import CalendarFeed, FeedTask
from taskcore.domain.recurrence import RecurrenceMode, TaskRecurrence
from taskcore.domain.reminders import DigestSubscription, TaskReminder
from taskcore.domain.time_entries import (
    DailyMinutes,
    RunningTimer,
    TimeEntry,
    TimeEntryCriteria,
    TimeEntryView,
    TimerView,
)
from taskcore.errors import Conflict, NotFound, TaskNotFound, VersionMismatch
from taskcore_adapters.sql.support import is_foreign_key_violation
from taskcore_adapters.sql.tables import (
    calendar_feeds,
    digest_subscriptions,
    project_members,
    projects,
    task_recurrences,
    task_reminders,
    task_watchers,
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
        conditions.append(
            tasks.c.project_id.in_(
                select(project_members.c.project_id).where(
                    project_members.c.user_id == criteria.member_id
                )
            )
        )
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


class SqlAlchemyCalendarFeedRepository:
    """Calendar feeds in SQL, and the tasks a feed lists in one query."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    @staticmethod
    def _feed(row: Any) -> CalendarFeed:
        return CalendarFeed(
            user_id=row.user_id, secret_digest=row.secret_digest, created_at=row.created_at
        )

    def get(self, user_id: int) -> CalendarFeed | None:
        row = self._conn.execute(
            select(calendar_feeds).where(calendar_feeds.c.user_id == user_id)
        ).first()
        return self._feed(row) if row else None

    def by_digest(self, secret_digest: str) -> CalendarFeed | None:
        row = self._conn.execute(
            select(calendar_feeds).where(calendar_feeds.c.secret_digest == secret_digest)
        ).first()
        return self._feed(row) if row else None

    def save(self, feed: CalendarFeed) -> None:
        self.delete(feed.user_id)
        self._conn.execute(
            insert(calendar_feeds).values(
                user_id=feed.user_id, secret_digest=feed.secret_digest, created_at=feed.created_at
            )
        )

    def delete(self, user_id: int) -> bool:
        result = self._conn.execute(
            delete(calendar_feeds).where(calendar_feeds.c.user_id == user_id)
        )
        return result.rowcount > 0

    def tasks_for(self, user_id: int, *, due_from: dt.datetime, limit: int) -> Sequence[FeedTask]:
        watching = exists().where(
            task_watchers.c.task_id == tasks.c.id, task_watchers.c.user_id == user_id
        )
        query = (
            select(
                tasks.c.id,
                tasks.c.project_id,
                projects.c.name.label("project_name"),
                tasks.c.title,
                tasks.c.description,
                tasks.c.status,
                tasks.c.due_date,
                tasks.c.updated_at,
                task_recurrences.c.rule,
                task_recurrences.c.mode,
                task_recurrences.c.occurrence,
            )
            .select_from(
                tasks.join(projects, projects.c.id == tasks.c.project_id)
                .join(
                    project_members,
                    (project_members.c.project_id == tasks.c.project_id)
                    & (project_members.c.user_id == user_id),
                )
                .outerjoin(task_recurrences, task_recurrences.c.task_id == tasks.c.id)
            )
            .where(
                tasks.c.due_date.is_not(None),
                tasks.c.due_date >= due_from,
                or_(tasks.c.assignee_id == user_id, watching),
            )
            .order_by(tasks.c.due_date.desc(), tasks.c.id.desc())
            .limit(limit)
        )
        return [
            FeedTask(
                id=row.id,
                project_id=row.project_id,
                project_name=row.project_name,
                title=row.title,
                description=row.description,
                status=row.status,
                due_date=row.due_date,
                updated_at=row.updated_at,
                rule=row.rule,
                repeats_from_due_date=row.mode == RecurrenceMode.DUE_DATE.value,
                occurrence=row.occurrence or 1,
            )
            for row in self._conn.execute(query)
        ]


def _recurrence(row: Any) -> TaskRecurrence:
    return TaskRecurrence(
        task_id=row.task_id,
        rule=row.rule,
        mode=RecurrenceMode(row.mode),
        timezone=row.timezone,
        series_start=row.series_start,
        occurrence=row.occurrence,
        previous_task_id=row.previous_task_id,
        next_task_id=row.next_task_id,
        created_by=row.created_by,
        created_at=row.created_at,
        updated_at=row.updated_at,
        version=row.version,
    )


def _recurrence_values(recurrence: TaskRecurrence) -> dict[str, Any]:
    return {
        "rule": recurrence.rule,
        "mode": recurrence.mode.value,
        "timezone": recurrence.timezone,
        "series_start": recurrence.series_start,
        "occurrence": recurrence.occurrence,
        "previous_task_id": recurrence.previous_task_id,
        "next_task_id": recurrence.next_task_id,
        "created_by": recurrence.created_by,
        "created_at": recurrence.created_at,
        "updated_at": recurrence.updated_at,
    }


class SqlAlchemyRecurrenceRepository:
    """Recurrences in SQL: one row per recurring task."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def get(self, task_id: int) -> TaskRecurrence | None:
        row = self._conn.execute(
            select(task_recurrences).where(task_recurrences.c.task_id == task_id)
        ).first()
        return _recurrence(row) if row else None

    def add(self, recurrence: TaskRecurrence) -> TaskRecurrence:
        try:
            self._conn.execute(
                insert(task_recurrences).values(
                    task_id=recurrence.task_id, version=1, **_recurrence_values(recurrence)
                )
            )
        except IntegrityError as exc:
            if is_foreign_key_violation(exc, "fk_task_recurrences_task_id_tasks"):
                raise TaskNotFound(recurrence.task_id) from exc
            raise Conflict("The task already recurs") from exc
        return attrs.evolve(recurrence, version=1)

    def update(self, recurrence: TaskRecurrence) -> TaskRecurrence:
        result = self._conn.execute(
            update(task_recurrences)
            .where(
                task_recurrences.c.task_id == recurrence.task_id,
                task_recurrences.c.version == recurrence.version,
            )
            .values(version=recurrence.version + 1, **_recurrence_values(recurrence))
        )
        if result.rowcount == 0:
            if self.get(recurrence.task_id) is None:
                raise NotFound("The task does not recur")
            raise VersionMismatch()
        return attrs.evolve(recurrence, version=recurrence.version + 1)

    def delete(self, task_id: int) -> bool:
        result = self._conn.execute(
            delete(task_recurrences).where(task_recurrences.c.task_id == task_id)
        )
        return result.rowcount > 0

    def delete_for_tasks(self, task_ids: Sequence[int]) -> int:
        if not task_ids:
            return 0
        wanted = list(task_ids)
        removed = self._conn.execute(
            delete(task_recurrences).where(task_recurrences.c.task_id.in_(wanted))
        ).rowcount
        for column in (task_recurrences.c.previous_task_id, task_recurrences.c.next_task_id):
            self._conn.execute(
                update(task_recurrences).where(column.in_(wanted)).values({column.name: None})
            )
        return removed


def _reminder(row: Any) -> TaskReminder:
    return TaskReminder(
        id=row.id,
        task_id=row.task_id,
        created_by=row.created_by,
        remind_at=row.remind_at,
        before_minutes=row.before_minutes,
        fire_at=row.fire_at,
        sent_at=row.sent_at,
        skipped=row.skipped,
        created_at=row.created_at,
    )


class SqlAlchemyReminderRepository:
    """Reminders in SQL; claiming one is a conditional update, so of two transactions
    racing for it the second waits for the first and then changes nothing."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, reminder: TaskReminder) -> TaskReminder:
        try:
            new_id = self._conn.execute(
                insert(task_reminders)
                .values(
                    task_id=reminder.task_id,
                    created_by=reminder.created_by,
                    remind_at=reminder.remind_at,
                    before_minutes=reminder.before_minutes,
                    fire_at=reminder.fire_at,
                    sent_at=reminder.sent_at,
                    skipped=reminder.skipped,
                    created_at=reminder.created_at,
                )
                .returning(task_reminders.c.id)
            ).scalar_one()
        except IntegrityError as exc:
            if is_foreign_key_violation(exc, "fk_task_reminders_task_id_tasks"):
                raise TaskNotFound(reminder.task_id) from exc
            raise
        return attrs.evolve(reminder, id=new_id)

    def get(self, reminder_id: int) -> TaskReminder | None:
        row = self._conn.execute(
            select(task_reminders).where(task_reminders.c.id == reminder_id)
        ).first()
        return _reminder(row) if row else None

    def for_task(self, task_id: int) -> Sequence[TaskReminder]:
        query = (
            select(task_reminders)
            .where(task_reminders.c.task_id == task_id)
            .order_by(
                task_reminders.c.fire_at.is_(None),
                task_reminders.c.fire_at,
                task_reminders.c.id,
            )
        )
        return [_reminder(row) for row in self._conn.execute(query)]

    def delete(self, reminder_id: int) -> None:
        self._conn.execute(delete(task_reminders).where(task_reminders.c.id == reminder_id))

    def due(self, now: dt.datetime, limit: int) -> Sequence[int]:
        query = (
            select(task_reminders.c.id)
            .where(task_reminders.c.sent_at.is_(None), task_reminders.c.fire_at <= now)
            .order_by(task_reminders.c.fire_at, task_reminders.c.id)
            .limit(limit)
        )
        return list(self._conn.execute(query).scalars())

    def claim(self, reminder_id: int, now: dt.datetime, *, skipped: bool) -> bool:
        result = self._conn.execute(
            update(task_reminders)
            .where(task_reminders.c.id == reminder_id, task_reminders.c.sent_at.is_(None))
            .values(sent_at=now, skipped=skipped)
        )
        return result.rowcount == 1

    def reschedule(self, task_id: int, due: dt.datetime | None) -> int:
        changed = 0
        query = select(task_reminders).where(
            task_reminders.c.task_id == task_id,
            task_reminders.c.sent_at.is_(None),
            task_reminders.c.before_minutes.is_not(None),
        )
        for row in self._conn.execute(query).all():
            fire = None if due is None else due - dt.timedelta(minutes=row.before_minutes)
            if fire != row.fire_at:
                self._conn.execute(
                    update(task_reminders).where(task_reminders.c.id == row.id).values(fire_at=fire)
                )
                changed += 1
        return changed

    def delete_for_tasks(self, task_ids: Sequence[int]) -> int:
        if not task_ids:
            return 0
        return self._conn.execute(
            delete(task_reminders).where(task_reminders.c.task_id.in_(list(task_ids)))
        ).rowcount


class SqlAlchemyDigestRepository:
    """Digest subscriptions in SQL; a day's digest is claimed by a conditional update."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    @staticmethod
    def _subscription(row: Any) -> DigestSubscription:
        return DigestSubscription(user_id=row.user_id, hour=row.hour, last_sent_on=row.last_sent_on)

    def get(self, user_id: int) -> DigestSubscription | None:
        row = self._conn.execute(
            select(digest_subscriptions).where(digest_subscriptions.c.user_id == user_id)
        ).first()
        return self._subscription(row) if row else None

    def save(self, subscription: DigestSubscription) -> None:
        self.delete(subscription.user_id)
        self._conn.execute(
            insert(digest_subscriptions).values(
                user_id=subscription.user_id,
                hour=subscription.hour,
                last_sent_on=subscription.last_sent_on,
            )
        )

    def delete(self, user_id: int) -> bool:
        result = self._conn.execute(
            delete(digest_subscriptions).where(digest_subscriptions.c.user_id == user_id)
        )
        return result.rowcount > 0

    def all(self, *, after_user_id: int, limit: int) -> Sequence[DigestSubscription]:
        query = (
            select(digest_subscriptions)
            .where(digest_subscriptions.c.user_id > after_user_id)
            .order_by(digest_subscriptions.c.user_id)
            .limit(limit)
        )
        return [self._subscription(row) for row in self._conn.execute(query)]

    def claim(self, user_id: int, day: dt.date) -> bool:
        result = self._conn.execute(
            update(digest_subscriptions)
            .where(
                digest_subscriptions.c.user_id == user_id,
                or_(
                    digest_subscriptions.c.last_sent_on.is_(None),
                    digest_subscriptions.c.last_sent_on < day,
                ),
            )
            .values(last_sent_on=day)
        )
        return result.rowcount == 1
