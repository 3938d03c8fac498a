"""The outbox: the durable record of domain events, written with the change."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Protocol

from taskcore.domain.events import DomainEvent


class Outbox(Protocol):
    """Durable record of domain events, written in the same transaction as the change."""

    def append(
        self, events: Sequence[DomainEvent], *, published_at: dt.datetime | None = None
    ) -> None:
        """Store events: to be published after commit, or already published at
        ``published_at`` when their deliveries are created in the same transaction."""
        ...

    def pending(self, limit: int) -> Sequence[DomainEvent]:
        """Events not yet marked published, oldest first."""
        ...

    def mark_published(self, event_ids: Sequence[str], when: dt.datetime) -> None:
        """Mark events as handed to the event bus / job queue."""
        ...

    def get(self, event_id: str) -> DomainEvent | None:
        """One stored event by its id, published or not."""
        ...

    def purgeable(self, published_before: dt.datetime, limit: int) -> Sequence[str]:
        """Ids of at most ``limit`` events published before ``published_before`` none of
        whose deliveries is pending or failed (all done, or none at all), oldest
        publication first."""
        ...

    def delete_settled(self, event_ids: Sequence[str]) -> int:
        """Delete those of these events that are published and have no pending or failed
        delivery (done deliveries are not checked, nor deleted); returns how many."""
        ...
