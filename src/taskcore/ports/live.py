"""Reading committed events and in-app notifications in order, for live updates."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Protocol

from taskcore.domain.live import FeedEntry, InboxItem


class LiveFeed(Protocol):
    """The outbox and the in-app notifications, each read by position.

    Implementations guarantee: positions only grow with each new row; a row is visible
    once its transaction has committed; rows are returned in ascending position. The
    outbox's purge removes old rows, so a position may stop existing, never change.
    """

    def event_head(self) -> int:
        """The highest position in the event feed (0 when empty)."""
        ...

    def events_after(self, position: int, limit: int) -> Sequence[FeedEntry]:
        """At most ``limit`` events above ``position``, oldest first."""
        ...

    def events_at(self, positions: Collection[int]) -> Sequence[FeedEntry]:
        """The events at these positions that exist now, oldest first."""
        ...

    def inbox_head(self) -> int:
        """The highest id of an in-app notification (0 when none)."""
        ...

    def inbox_after(self, position: int, limit: int) -> Sequence[InboxItem]:
        """At most ``limit`` in-app notifications (anyone's) with an id above
        ``position``, oldest first."""
        ...

    def inbox_at(self, positions: Collection[int]) -> Sequence[InboxItem]:
        """The in-app notifications with these ids that exist now, oldest first."""
        ...
