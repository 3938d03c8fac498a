"""Reminders and digest subscriptions in SQL (see ``taskcore.ports.time``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import attrs
from sqlalchemy import Connection, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from taskcore.domain.reminders import DigestSubscription, TaskReminder
from taskcore.errors import TaskNotFound
from taskcore_adapters.sql.support import is_foreign_key_violation
from taskcore_adapters.sql.tables import digest_subscriptions, task_reminders


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
