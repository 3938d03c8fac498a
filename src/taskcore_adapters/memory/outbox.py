"""The outbox in memory: committed domain events, with when each was published."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence

from taskcore.domain.events import DomainEvent
from taskcore.ports.deliveries import DeliveryStatus
from taskcore_adapters.memory.tables import Tables


class InMemoryOutbox:
    """The outbox in memory."""

    def __init__(self, tables: Tables) -> None:
        self._t = tables

    def append(
        self, events: Sequence[DomainEvent], *, published_at: dt.datetime | None = None
    ) -> None:
        self._t.outbox.extend((e, published_at) for e in events)

    def pending(self, limit: int) -> Sequence[DomainEvent]:
        return list(itertools.islice((e for e, done in self._t.outbox if done is None), limit))

    def mark_published(self, event_ids: Sequence[str], when: dt.datetime) -> None:
        wanted = set(event_ids)
        self._t.outbox = [
            (e, when if e.event_id in wanted and done is None else done)
            for e, done in self._t.outbox
        ]

    def get(self, event_id: str) -> DomainEvent | None:
        return next((e for e, _ in self._t.outbox if e.event_id == event_id), None)

    def _unsettled(self) -> set[str]:
        """Ids of events with a pending or failed delivery."""
        return {d.event_id for d in self._t.deliveries.values() if d.status != DeliveryStatus.DONE}

    def purgeable(self, published_before: dt.datetime, limit: int) -> Sequence[str]:
        unsettled = self._unsettled()
        old = sorted(
            (done, n, e.event_id)
            for n, (e, done) in enumerate(self._t.outbox)
            if done is not None and done < published_before and e.event_id not in unsettled
        )
        return [event_id for _, _, event_id in old[:limit]]

    def delete_settled(self, event_ids: Sequence[str]) -> int:
        wanted = set(event_ids) - self._unsettled()
        kept = [
            (e, done)
            for e, done in self._t.outbox
            if not (done is not None and e.event_id in wanted)
        ]
        gone = len(self._t.outbox) - len(kept)
        self._t.outbox = kept
        return gone
