"""Reading notifications: one by id, a user's list, the in-app inbox; and preferences."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from taskcore.domain.notifications import IN_APP, Notification, NotificationPreferences
from taskcore.domain.pagination import Page, PageRequest
from taskcore.errors import NotificationNotFound, PermissionDenied
from taskcore.services.access import Actor
from taskcore.services.notifications.base import NotificationsBase

ACCESS_DENIED = "Access denied"


@attrs.frozen(kw_only=True)
class Inbox:
    """A page of the caller's in-app notifications and how many are unread in all."""

    page: Page[Notification]
    unread_count: int


class Inboxes(NotificationsBase):
    """Reading and marking one's notifications; notification preferences."""

    def get_notification(self, actor: Actor, notification_id: int) -> Notification:
        """One notification (its recipient or an administrator).

        Raises:
            NotificationNotFound: ``Notification not found``: it does not exist, or it is
                someone else's (the same answer, so ids reveal nothing).
        """
        with self._tx() as work:
            found = work.uow.notifications.get(notification_id)
        if found is None or (found.recipient_id != actor.user_id and not actor.is_admin):
            raise NotificationNotFound(notification_id)
        return found

    def list_for_user(
        self,
        actor: Actor,
        user_id: int,
        *,
        page: PageRequest = PageRequest(),  # noqa: B008 - immutable
    ) -> Page[Notification]:
        """A user's notifications of every type, newest first (the user or an admin).

        Raises:
            PermissionDenied: ``Access denied``.
        """
        if user_id != actor.user_id and not actor.is_admin:
            raise PermissionDenied(ACCESS_DENIED)
        with self._tx() as work:
            repo = work.uow.notifications
            return Page(
                items=repo.find(user_id, offset=page.offset, limit=page.per_page),
                page=page.page,
                per_page=page.per_page,
                total=repo.count(user_id),
            )

    def inbox(
        self,
        actor: Actor,
        *,
        page: PageRequest = PageRequest(),  # noqa: B008 - immutable
        unread_only: bool = False,
    ) -> Inbox:
        """The caller's in-app notifications, newest first, and their unread count."""
        with self._tx() as work:
            repo = work.uow.notifications
            items = repo.find(
                actor.user_id,
                notification_type=IN_APP,
                unread_only=unread_only,
                offset=page.offset,
                limit=page.per_page,
            )
            total = repo.count(actor.user_id, notification_type=IN_APP, unread_only=unread_only)
            unread = repo.count(actor.user_id, notification_type=IN_APP, unread_only=True)
        return Inbox(
            page=Page(items=items, page=page.page, per_page=page.per_page, total=total),
            unread_count=unread,
        )

    def mark_read(self, actor: Actor, notification_id: int) -> Notification:
        """Mark one of the caller's in-app notifications read (again is harmless).

        Raises:
            NotificationNotFound: no such in-app notification of the caller's.
        """
        with self._tx() as work:
            repo = work.uow.notifications
            found = repo.get(notification_id)
            if (
                found is None
                or found.recipient_id != actor.user_id
                or found.notification_type != IN_APP
            ):
                raise NotificationNotFound(notification_id)
            repo.mark_read(actor.user_id, [notification_id], self._clock.now())
            stored = repo.get(notification_id)
            work.commit()
        if stored is None:  # pragma: no cover - read back in the same transaction
            raise NotificationNotFound(notification_id)
        return stored

    def mark_all_read(self, actor: Actor) -> int:
        """Mark every unread in-app notification of the caller's read; returns how many."""
        with self._tx() as work:
            changed = work.uow.notifications.mark_read(actor.user_id, None, self._clock.now())
            work.commit()
        return changed

    def preferences(self, actor: Actor) -> NotificationPreferences:
        """The caller's notification preferences (everything on unless changed)."""
        with self._tx() as work:
            return work.uow.notification_preferences.get(actor.user_id)

    def update_preferences(
        self, actor: Actor, changes: Mapping[str, Mapping[str, Any]]
    ) -> NotificationPreferences:
        """Change some of the caller's preferences: ``{event: {channel: bool}}``.

        Raises:
            ValidationError: an unknown event or channel, or a value that is not a boolean.
        """
        with self._tx() as work:
            repo = work.uow.notification_preferences
            updated = repo.get(actor.user_id).changed(changes)
            repo.save(updated)
            work.commit()
        return updated
