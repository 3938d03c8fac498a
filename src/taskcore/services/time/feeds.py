"""Calendar feeds: each user's secret feed URL (created, regenerated, deleted; the secret
stored as a digest and shown once), and the calendar it serves."""

from __future__ import annotations

import datetime as dt

from taskcore.domain import calendar_feeds as rules
from taskcore.domain.calendar_feeds import CalendarFeed, CalendarView, FeedTask, NewFeed
from taskcore.domain.time_events import CalendarFeedCreated, CalendarFeedDeleted
from taskcore.errors import NotFound
from taskcore.services.access import Actor
from taskcore.services.time.base import DEFAULT_ZONE, TimeBase

FEED_MISSING = "Calendar feed not found"


class Feeds(TimeBase):
    """Each user's calendar feed."""

    def calendar_feed(self, actor: Actor) -> CalendarFeed | None:
        """The caller's feed (without its secret), or ``None``."""
        with self._tx(read_only=True) as work:
            return work.uow.calendar_feeds.get(actor.user_id)

    def create_calendar_feed(self, actor: Actor) -> NewFeed:
        """Create the caller's feed, or regenerate it: a new secret replaces the old one,
        whose URL stops working at once.

        Returns:
            The feed and its secret, which is never shown again.
        """
        secret = rules.new_secret()
        with self._tx() as work:
            uow = work.uow
            now = self._clock.now()
            regenerated = uow.calendar_feeds.get(actor.user_id) is not None
            feed = CalendarFeed(
                user_id=actor.user_id, secret_digest=rules.digest(secret), created_at=now
            )
            uow.calendar_feeds.save(feed)
            work.record(
                CalendarFeedCreated(
                    occurred_at=now,
                    actor_id=actor.user_id,
                    entity_id=actor.user_id,
                    regenerated=regenerated,
                )
            )
            work.commit()
        return NewFeed(feed=feed, secret=secret, regenerated=regenerated)

    def delete_calendar_feed(self, actor: Actor) -> None:
        """Delete the caller's feed; its URL stops working.

        Raises:
            NotFound: ``Calendar feed not found``: the caller has none.
        """
        with self._tx() as work:
            if not work.uow.calendar_feeds.delete(actor.user_id):
                raise NotFound(FEED_MISSING)
            work.record(
                CalendarFeedDeleted(
                    occurred_at=self._clock.now(),
                    actor_id=actor.user_id,
                    entity_id=actor.user_id,
                )
            )
            work.commit()

    def calendar(self, secret: str) -> CalendarView:
        """What the feed with this secret serves: its owner's tasks with due dates from a
        year ago on that they are assigned to or watch, in projects they are a member
        of (the latest 2,000), with their recurrence rules, and the owner's time zone.

        Raises:
            NotFound: ``Calendar feed not found``: no feed has this secret, or its owner's
                account is disabled.
        """
        if not secret or len(secret) > rules.SECRET_MAX:
            raise NotFound(FEED_MISSING)
        with self._tx(read_only=True) as work:
            uow = work.uow
            feed = uow.calendar_feeds.by_digest(rules.digest(secret))
            user = None if feed is None else uow.users.get(feed.user_id)
            if feed is None or user is None or not user.is_active:
                raise NotFound(FEED_MISSING)
            tasks = uow.calendar_feeds.tasks_for(
                user.key,
                due_from=self._clock.now() - rules.FEED_PAST,
                limit=rules.FEED_TASKS_MAX,
            )
        return CalendarView(
            user_id=user.key,
            username=user.username,
            timezone=getattr(user, "timezone", None) or DEFAULT_ZONE,
            tasks=tuple(tasks),
        )

    def due_between(
        self, actor: Actor, start: dt.datetime, end: dt.datetime
    ) -> tuple[FeedTask, ...]:
        """The caller's tasks (assigned or watched, in their projects) due from ``start``
        until before ``end``, earliest first: what their calendar page shows."""
        with self._tx(read_only=True) as work:
            found = work.uow.calendar_feeds.tasks_for(
                actor.user_id, due_from=start, limit=rules.FEED_TASKS_MAX
            )
        return tuple(
            sorted((t for t in found if t.due_date < end), key=lambda t: (t.due_date, t.id))
        )
