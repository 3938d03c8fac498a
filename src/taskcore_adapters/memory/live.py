"""The live feeds in memory: the outbox numbered in commit order, and the in-app
notifications by id."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from taskcore.domain.events import DomainEvent
from taskcore.domain.live import FeedEntry, InboxItem
from taskcore.domain.notifications import IN_APP, Notification
from taskcore_adapters.memory.tables import Tables


class OutboxPositions:
    """Positions of the in-memory outbox's events, given in order the first time a
    reader sees them (the list only grows at its end; a purge removes events, and their
    positions are never reused). One per store, shared by its units of work."""

    def __init__(self) -> None:
        self._by_event: dict[str, int] = {}
        self._next = 1

    def number(self, events: Sequence[DomainEvent]) -> list[int]:
        """The positions of ``events`` (the outbox's current list, oldest first)."""
        start = len(events)
        while start > 0 and events[start - 1].event_id not in self._by_event:
            start -= 1
        for event in events[start:]:
            self._by_event[event.event_id] = self._next
            self._next += 1
        if len(self._by_event) > 2 * len(events) + 1000:
            alive = {e.event_id for e in events}
            self._by_event = {k: v for k, v in self._by_event.items() if k in alive}
        return [self._by_event[e.event_id] for e in events]


def _item(n: Notification) -> InboxItem:
    return InboxItem(
        position=n.key,
        recipient_id=n.recipient_id,
        subject=n.subject,
        body=n.body,
        priority=n.priority.value,
        context_data=n.context_data,
        created_at=n.created_at,
    )


class InMemoryLiveFeed:
    """The live feeds over one transaction's tables (see ``taskcore.ports.live``)."""

    def __init__(self, tables: Tables, positions: OutboxPositions) -> None:
        self._t = tables
        self._positions = positions

    def _entries(self) -> list[FeedEntry]:
        events = [e for e, _ in self._t.outbox]
        numbers = self._positions.number(events)
        return [FeedEntry(position=p, event=e) for p, e in zip(numbers, events, strict=True)]

    def event_head(self) -> int:
        return max((e.position for e in self._entries()), default=0)

    def events_after(self, position: int, limit: int) -> Sequence[FeedEntry]:
        return [e for e in self._entries() if e.position > position][:limit]

    def events_at(self, positions: Collection[int]) -> Sequence[FeedEntry]:
        wanted = set(positions)
        return [e for e in self._entries() if e.position in wanted]

    def _inbox(self) -> list[Notification]:
        return sorted(
            (n for n in self._t.notifications.values() if n.notification_type == IN_APP),
            key=lambda n: n.key,
        )

    def inbox_head(self) -> int:
        return max((n.key for n in self._inbox()), default=0)

    def inbox_after(self, position: int, limit: int) -> Sequence[InboxItem]:
        return [_item(n) for n in self._inbox() if n.key > position][:limit]

    def inbox_at(self, positions: Collection[int]) -> Sequence[InboxItem]:
        wanted = set(positions)
        return [_item(n) for n in self._inbox() if n.key in wanted]
