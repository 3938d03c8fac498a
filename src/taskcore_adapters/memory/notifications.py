"""Notifications, their templates and preferences in memory; a recording mailer."""

from __future__ import annotations

import copy
import datetime as dt
import threading
from collections.abc import Callable, Iterable, Sequence

import attrs

from taskcore.domain.notifications import (
    EMAIL,
    IN_APP,
    SEEDED_TEMPLATES,
    Channel,
    Notification,
    NotificationPreferences,
    NotificationStatus,
    NotificationTemplate,
    NotifyEvent,
)
from taskcore.errors import MailRejected, TaskcoreError, TemplateNameExists, TemplateNotFound
from taskcore.ports.mail import OutgoingMail

SEEDED_AT = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
"""The creation time of the templates an empty store starts with."""

_CLAIMABLE = (NotificationStatus.PENDING, NotificationStatus.SENDING)


def original_templates() -> dict[int, NotificationTemplate]:
    """The original's two templates, with ids 1 and 2, as a fresh database has them."""
    return {
        number: NotificationTemplate(
            id=number,
            name=name,
            subject_template=subject,
            body_template=body,
            notification_type=EMAIL,
            created_at=SEEDED_AT,
            updated_at=SEEDED_AT,
        )
        for number, (name, (subject, body)) in enumerate(SEEDED_TEMPLATES.items(), start=1)
    }


def _newest_first(rows: Iterable[Notification]) -> list[Notification]:
    return sorted(rows, key=lambda n: (n.created_at, n.key), reverse=True)


class InMemoryNotificationRepository:
    """Notifications in a dict (see ``taskcore.ports.notifications``)."""

    def __init__(self, rows: dict[int, Notification], allocate: Callable[[], int]) -> None:
        self._rows = rows
        self._allocate = allocate

    def add(self, notification: Notification) -> Notification:
        stored = attrs.evolve(notification, id=self._allocate())
        self._rows[stored.key] = stored
        return copy.deepcopy(stored)

    def get(self, notification_id: int) -> Notification | None:
        found = self._rows.get(notification_id)
        return copy.deepcopy(found) if found else None

    def _matching(
        self, recipient_id: int, notification_type: str | None, unread_only: bool
    ) -> list[Notification]:
        return [
            n
            for n in self._rows.values()
            if n.recipient_id == recipient_id
            and (notification_type is None or n.notification_type == notification_type)
            and (not unread_only or n.read_at is None)
        ]

    def find(
        self,
        recipient_id: int,
        *,
        notification_type: str | None = None,
        unread_only: bool = False,
        offset: int,
        limit: int,
    ) -> Sequence[Notification]:
        rows = _newest_first(self._matching(recipient_id, notification_type, unread_only))
        return [copy.deepcopy(n) for n in rows[offset : offset + limit]]

    def count(
        self, recipient_id: int, *, notification_type: str | None = None, unread_only: bool = False
    ) -> int:
        return len(self._matching(recipient_id, notification_type, unread_only))

    def claim(
        self, notification_id: int, *, now: dt.datetime, lease_until: dt.datetime
    ) -> Notification | None:
        found = self._rows.get(notification_id)
        if found is None or found.status not in _CLAIMABLE or found.next_attempt_at > now:
            return None
        found.status = NotificationStatus.SENDING
        found.attempts += 1
        found.next_attempt_at = lease_until
        return copy.deepcopy(found)

    def finish(self, notification: Notification, *, attempt: int) -> bool:
        found = self._rows.get(notification.key)
        if (
            found is None
            or found.status is not NotificationStatus.SENDING
            or found.attempts != attempt
        ):
            return False
        found.status = notification.status
        found.sent_at = notification.sent_at
        found.error_message = notification.error_message
        found.retry_count = notification.retry_count
        found.next_attempt_at = notification.next_attempt_at
        return True

    def due(self, now: dt.datetime, limit: int) -> Sequence[Notification]:
        rows = [
            n
            for n in self._rows.values()
            if n.notification_type == EMAIL and n.status in _CLAIMABLE and n.next_attempt_at <= now
        ]
        rows.sort(key=lambda n: (-n.priority.rank, n.created_at, n.key))
        return [copy.deepcopy(n) for n in rows[:limit]]

    def mark_read(
        self, recipient_id: int, notification_ids: Sequence[int] | None, now: dt.datetime
    ) -> int:
        wanted = None if notification_ids is None else set(notification_ids)
        changed = 0
        for n in self._rows.values():
            if (
                n.recipient_id == recipient_id
                and n.notification_type == IN_APP
                and n.read_at is None
                and (wanted is None or n.key in wanted)
            ):
                n.read_at = now
                changed += 1
        return changed

    def count_by_status(self, status: NotificationStatus) -> int:
        return sum(1 for n in self._rows.values() if n.status is status)


class InMemoryTemplateRepository:
    """Notification templates in a dict (see ``taskcore.ports.notifications``)."""

    def __init__(self, rows: dict[int, NotificationTemplate]) -> None:
        self._rows = rows

    def _check_unique(self, template: NotificationTemplate) -> None:
        for other in self._rows.values():
            if other.id != template.id and other.name == template.name:
                raise TemplateNameExists()

    def add(self, template: NotificationTemplate) -> NotificationTemplate:
        self._check_unique(template)
        # Templates are never deleted, so the next id follows the largest.
        stored = attrs.evolve(template, id=max(self._rows, default=0) + 1)
        self._rows[stored.key] = stored
        return copy.deepcopy(stored)

    def get(self, template_id: int) -> NotificationTemplate | None:
        found = self._rows.get(template_id)
        return copy.deepcopy(found) if found else None

    def get_by_name(self, name: str) -> NotificationTemplate | None:
        found = next((t for t in self._rows.values() if t.name == name), None)
        return copy.deepcopy(found) if found else None

    def update(self, template: NotificationTemplate) -> NotificationTemplate:
        if template.key not in self._rows:
            raise TemplateNotFound(template.key)
        self._check_unique(template)
        self._rows[template.key] = copy.deepcopy(template)
        return copy.deepcopy(template)

    def active(self) -> Sequence[NotificationTemplate]:
        return [copy.deepcopy(t) for _, t in sorted(self._rows.items()) if t.is_active]


class InMemoryPreferenceRepository:
    """Notification preferences in a dict keyed by (user, event)."""

    def __init__(self, rows: dict[tuple[int, str], dict[str, bool]]) -> None:
        self._rows = rows

    def get(self, user_id: int) -> NotificationPreferences:
        choices = {
            NotifyEvent(event): {Channel(c): on for c, on in channels.items()}
            for (uid, event), channels in self._rows.items()
            if uid == user_id
        }
        return NotificationPreferences(user_id=user_id, choices=choices)

    def save(self, preferences: NotificationPreferences) -> None:
        for event, channels in preferences.full().items():
            self._rows[(preferences.user_id, event.value)] = {
                c.value: on for c, on in channels.items()
            }


class RecordingMailer:
    """A mailer that keeps every message it is given, for tests and in-memory use.

    Failures can be scripted: each error in ``fail_with`` is raised by one call, in order,
    instead of sending. A recipient, subject or message id holding a line break is
    refused with ``MailRejected``, as a mailer building MIME headers refuses it.
    """

    def __init__(self) -> None:
        self.sent: list[OutgoingMail] = []
        self.attempts = 0
        self.fail_with: list[TaskcoreError] = []
        self._lock = threading.Lock()

    def send(self, mail: OutgoingMail) -> None:
        with self._lock:
            self.attempts += 1
            if self.fail_with:
                raise self.fail_with.pop(0)
            for header in (mail.to, mail.subject, mail.message_id):
                if "\n" in header or "\r" in header:
                    raise MailRejected("Invalid message header: it holds a line break")
            self.sent.append(mail)
