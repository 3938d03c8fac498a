"""Calendar feeds in SQL (see ``taskcore.ports.time``): each person's feed secret, and the
tasks a feed lists (due, assigned to or watched by the person, with their recurrence) in
one query."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, delete, exists, insert, or_, select

from taskcore.domain.calendar_feeds import CalendarFeed, FeedTask
from taskcore.domain.recurrence import RecurrenceMode
from taskcore_adapters.sql.access import has_role
from taskcore_adapters.sql.tables import (
    calendar_feeds,
    projects,
    task_recurrences,
    task_watchers,
    tasks,
)


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
                tasks.join(projects, projects.c.id == tasks.c.project_id).outerjoin(
                    task_recurrences, task_recurrences.c.task_id == tasks.c.id
                )
            )
            .where(
                tasks.c.due_date.is_not(None),
                tasks.c.due_date >= due_from,
                has_role(tasks.c.project_id, user_id),
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
