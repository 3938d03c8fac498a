"""Notifications, notification templates and preferences in SQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, case, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from taskcore.domain.notifications import (
    EMAIL,
    IN_APP,
    Channel,
    Notification,
    NotificationPreferences,
    NotificationPriority,
    NotificationStatus,
    NotificationTemplate,
    NotifyEvent,
)
from taskcore.errors import TemplateNameExists, TemplateNotFound
from taskcore_adapters.sql.support import violated_constraint
from taskcore_adapters.sql.tables import notification_preferences as p
from taskcore_adapters.sql.tables import notification_queue as q
from taskcore_adapters.sql.tables import notification_templates as t

_EVENTS = frozenset(e.value for e in NotifyEvent)
_CLAIMABLE = (NotificationStatus.PENDING.value, NotificationStatus.SENDING.value)

_RANK = case(
    *((q.c.priority == level.value, level.rank) for level in NotificationPriority),
    else_=0,
)
"""The priority as a number, so ``high`` sorts first (the original sorted the text)."""


def _notification(row: Any) -> Notification:
    return Notification(
        id=row.id,
        recipient_email=row.recipient_email,
        recipient_id=row.recipient_id,
        subject=row.subject,
        body=row.body,
        notification_type=row.notification_type,
        status=NotificationStatus(row.status),
        priority=NotificationPriority(row.priority),
        context_data=row.context_data,
        scheduled_at=row.scheduled_at,
        sent_at=row.sent_at,
        created_at=row.created_at,
        error_message=row.error_message,
        retry_count=row.retry_count,
        read_at=row.read_at,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
    )


class SqlAlchemyNotificationRepository:
    """Notifications in ``notification_queue`` (see ``taskcore.ports.notifications``)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, notification: Notification) -> Notification:
        new_id = self._conn.execute(
            insert(q)
            .values(
                recipient_email=notification.recipient_email,
                recipient_id=notification.recipient_id,
                subject=notification.subject,
                body=notification.body,
                notification_type=notification.notification_type,
                status=notification.status.value,
                priority=notification.priority.value,
                context_data=notification.context_data,
                scheduled_at=notification.scheduled_at,
                sent_at=notification.sent_at,
                created_at=notification.created_at,
                error_message=notification.error_message,
                retry_count=notification.retry_count,
                attempts=notification.attempts,
                next_attempt_at=notification.next_attempt_at,
                read_at=notification.read_at,
            )
            .returning(q.c.id)
        ).scalar_one()
        found = self.get(new_id)
        if found is None:  # pragma: no cover - read back in the same transaction
            raise RuntimeError("inserted notification vanished")
        return found

    def get(self, notification_id: int) -> Notification | None:
        row = self._conn.execute(select(q).where(q.c.id == notification_id)).first()
        return _notification(row) if row else None

    @staticmethod
    def _where(
        recipient_id: int, notification_type: str | None, unread_only: bool
    ) -> ColumnElement[bool]:
        conditions: list[ColumnElement[bool]] = [q.c.recipient_id == recipient_id]
        if notification_type is not None:
            conditions.append(q.c.notification_type == notification_type)
        if unread_only:
            conditions.append(q.c.read_at.is_(None))
        return and_(*conditions)

    def find(
        self,
        recipient_id: int,
        *,
        notification_type: str | None = None,
        unread_only: bool = False,
        offset: int,
        limit: int,
    ) -> Sequence[Notification]:
        rows = self._conn.execute(
            select(q)
            .where(self._where(recipient_id, notification_type, unread_only))
            .order_by(q.c.created_at.desc(), q.c.id.desc())
            .offset(offset)
            .limit(limit)
        ).all()
        return [_notification(r) for r in rows]

    def count(
        self, recipient_id: int, *, notification_type: str | None = None, unread_only: bool = False
    ) -> int:
        where = self._where(recipient_id, notification_type, unread_only)
        return int(
            self._conn.execute(select(func.count()).select_from(q).where(where)).scalar_one()
        )

    def claim(
        self, notification_id: int, *, now: dt.datetime, lease_until: dt.datetime
    ) -> Notification | None:
        # One conditional UPDATE: of two concurrent claims, the second finds the row no
        # longer due (PostgreSQL re-checks the condition after the first commits).
        claimed = self._conn.execute(
            update(q)
            .where(
                q.c.id == notification_id,
                q.c.status.in_(_CLAIMABLE),
                q.c.next_attempt_at <= now,
            )
            .values(
                status=NotificationStatus.SENDING.value,
                attempts=q.c.attempts + 1,
                next_attempt_at=lease_until,
            )
        )
        if claimed.rowcount != 1:
            return None
        return self.get(notification_id)

    def finish(self, notification: Notification, *, attempt: int) -> bool:
        saved = self._conn.execute(
            update(q)
            .where(
                q.c.id == notification.key,
                q.c.status == NotificationStatus.SENDING.value,
                q.c.attempts == attempt,
            )
            .values(
                status=notification.status.value,
                sent_at=notification.sent_at,
                error_message=notification.error_message,
                retry_count=notification.retry_count,
                next_attempt_at=notification.next_attempt_at,
            )
        )
        return saved.rowcount == 1

    def due(self, now: dt.datetime, limit: int) -> Sequence[Notification]:
        rows = self._conn.execute(
            select(q)
            .where(
                q.c.notification_type == EMAIL,
                q.c.status.in_(_CLAIMABLE),
                q.c.next_attempt_at <= now,
            )
            .order_by(_RANK.desc(), q.c.created_at, q.c.id)
            .limit(limit)
        ).all()
        return [_notification(r) for r in rows]

    def mark_read(
        self, recipient_id: int, notification_ids: Sequence[int] | None, now: dt.datetime
    ) -> int:
        query = update(q).where(
            q.c.recipient_id == recipient_id,
            q.c.notification_type == IN_APP,
            q.c.read_at.is_(None),
        )
        if notification_ids is not None:
            query = query.where(q.c.id.in_(list(notification_ids)))
        return int(self._conn.execute(query.values(read_at=now)).rowcount)

    def count_by_status(self, status: NotificationStatus) -> int:
        return int(
            self._conn.execute(
                select(func.count()).select_from(q).where(q.c.status == status.value)
            ).scalar_one()
        )


def _template(row: Any) -> NotificationTemplate:
    return NotificationTemplate(
        id=row.id,
        name=row.name,
        subject_template=row.subject_template,
        body_template=row.body_template,
        notification_type=row.notification_type,
        is_active=row.is_active,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _template_values(template: NotificationTemplate) -> dict[str, Any]:
    return {
        "name": template.name,
        "subject_template": template.subject_template,
        "body_template": template.body_template,
        "notification_type": template.notification_type,
        "is_active": template.is_active,
        "created_at": template.created_at,
        "updated_at": template.updated_at,
    }


def _name_taken(exc: IntegrityError) -> bool:
    text = violated_constraint(exc)
    return "uq_notification_templates_name" in text or "notification_templates.name" in text


class SqlAlchemyTemplateRepository:
    """Notification templates in ``notification_templates``."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, template: NotificationTemplate) -> NotificationTemplate:
        try:
            with self._conn.begin_nested():
                new_id = self._conn.execute(
                    insert(t).values(**_template_values(template)).returning(t.c.id)
                ).scalar_one()
        except IntegrityError as exc:
            if _name_taken(exc):
                raise TemplateNameExists() from exc
            raise
        found = self.get(new_id)
        if found is None:  # pragma: no cover - read back in the same transaction
            raise TemplateNotFound(new_id)
        return found

    def get(self, template_id: int) -> NotificationTemplate | None:
        row = self._conn.execute(select(t).where(t.c.id == template_id)).first()
        return _template(row) if row else None

    def get_by_name(self, name: str) -> NotificationTemplate | None:
        row = self._conn.execute(select(t).where(t.c.name == name)).first()
        return _template(row) if row else None

    def update(self, template: NotificationTemplate) -> NotificationTemplate:
        try:
            with self._conn.begin_nested():
                changed = self._conn.execute(
                    update(t).where(t.c.id == template.key).values(**_template_values(template))
                )
        except IntegrityError as exc:
            if _name_taken(exc):
                raise TemplateNameExists() from exc
            raise
        if changed.rowcount != 1:
            raise TemplateNotFound(template.key)
        return template

    def active(self) -> Sequence[NotificationTemplate]:
        rows = self._conn.execute(select(t).where(t.c.is_active.is_(True)).order_by(t.c.id)).all()
        return [_template(r) for r in rows]


class SqlAlchemyPreferenceRepository:
    """Notification preferences in ``notification_preferences``, one row per event."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def get(self, user_id: int) -> NotificationPreferences:
        rows = self._conn.execute(select(p).where(p.c.user_id == user_id)).all()
        choices = {
            NotifyEvent(r.event): {Channel.IN_APP: r.in_app, Channel.EMAIL: r.email}
            for r in rows
            if r.event in _EVENTS
        }
        return NotificationPreferences(user_id=user_id, choices=choices)

    def save(self, preferences: NotificationPreferences) -> None:
        rows = [
            {
                "user_id": preferences.user_id,
                "event": event.value,
                "in_app": channels[Channel.IN_APP],
                "email": channels[Channel.EMAIL],
            }
            for event, channels in preferences.full().items()
        ]
        dialect = postgresql if self._conn.dialect.name == "postgresql" else sqlite
        stmt = dialect.insert(p).values(rows)
        self._conn.execute(
            stmt.on_conflict_do_update(
                index_elements=[p.c.user_id, p.c.event],
                set_={"in_app": stmt.excluded.in_app, "email": stmt.excluded.email},
            )
        )
