"""Storage of notifications, notification templates and notification preferences."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Protocol

from taskcore.domain.notifications import (
    Notification,
    NotificationPreferences,
    NotificationStatus,
    NotificationTemplate,
)


class NotificationRepository(Protocol):
    """Notifications; ids are allocated by :meth:`add`.

    Lists are newest first (``created_at``, then id, descending).
    """

    def add(self, notification: Notification) -> Notification:
        """Store a new notification; returns it with its id."""
        ...

    def get(self, notification_id: int) -> Notification | None:
        """The notification, or ``None``."""
        ...

    def find(
        self,
        recipient_id: int,
        *,
        notification_type: str | None = None,
        unread_only: bool = False,
        offset: int,
        limit: int,
    ) -> Sequence[Notification]:
        """A recipient's notifications (of one type, unread only), newest first."""
        ...

    def count(
        self, recipient_id: int, *, notification_type: str | None = None, unread_only: bool = False
    ) -> int:
        """How many notifications :meth:`find` would list without paging."""
        ...

    def claim(
        self, notification_id: int, *, now: dt.datetime, lease_until: dt.datetime
    ) -> Notification | None:
        """Take a due notification for one delivery attempt, atomically.

        A notification is due when it is ``pending`` or ``sending`` (an earlier claim that
        expired) and its ``next_attempt_at`` is not after ``now``. The claim sets
        ``sending``, counts the attempt and sets ``next_attempt_at`` to ``lease_until``. Of
        two concurrent claims at most one succeeds.

        Returns:
            The claimed notification, or ``None`` if it is missing or not due.
        """
        ...

    def finish(self, notification: Notification, *, attempt: int) -> bool:
        """Record the outcome of attempt ``attempt``: save the notification's status,
        ``sent_at``, ``error_message``, ``retry_count`` and ``next_attempt_at``, unless
        another attempt has claimed it since.

        Returns:
            Whether it was saved.
        """
        ...

    def due(self, now: dt.datetime, limit: int) -> Sequence[Notification]:
        """E-mail notifications due for an attempt (see :meth:`claim`): highest priority
        first, then oldest first."""
        ...

    def mark_read(
        self, recipient_id: int, notification_ids: Sequence[int] | None, now: dt.datetime
    ) -> int:
        """Mark the recipient's unread in-app notifications read (all, or those listed).

        Returns:
            How many changed.
        """
        ...

    def count_by_status(self, status: NotificationStatus) -> int:
        """How many notifications have ``status``."""
        ...


class TemplateRepository(Protocol):
    """Notification templates; names are unique (case-sensitive)."""

    def add(self, template: NotificationTemplate) -> NotificationTemplate:
        """Store a new template; returns it with its id.

        Raises:
            TemplateNameExists: another template has the name.
        """
        ...

    def get(self, template_id: int) -> NotificationTemplate | None:
        """The template, or ``None``."""
        ...

    def get_by_name(self, name: str) -> NotificationTemplate | None:
        """The template called ``name``, active or not, or ``None``."""
        ...

    def update(self, template: NotificationTemplate) -> NotificationTemplate:
        """Save a changed template.

        Raises:
            TemplateNotFound: it is gone.
            TemplateNameExists: another template has the new name.
        """
        ...

    def active(self) -> Sequence[NotificationTemplate]:
        """Every active template, by id."""
        ...


class PreferenceRepository(Protocol):
    """Users' notification preferences (on for everything unless saved otherwise)."""

    def get(self, user_id: int) -> NotificationPreferences:
        """The user's preferences, defaults filled in."""
        ...

    def save(self, preferences: NotificationPreferences) -> None:
        """Store every choice in ``preferences``."""
        ...
