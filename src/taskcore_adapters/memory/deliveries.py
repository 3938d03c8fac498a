"""Event deliveries in memory."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import attrs

from taskcore.domain.pagination import Page, PageRequest
from taskcore.ports.deliveries import Delivery, DeliveryStatus


class InMemoryDeliveryRepository:
    """Deliveries in a dict keyed by (event id, handler) (see ``DeliveryRepository``)."""

    def __init__(self, rows: dict[tuple[str, str], Delivery]) -> None:
        self._rows = rows

    def create(
        self,
        event_id: str,
        handlers: Sequence[str],
        now: dt.datetime,
        *,
        next_attempt_at: dt.datetime | None = None,
    ) -> None:
        for handler in handlers:
            self._rows.setdefault(
                (event_id, handler),
                Delivery(
                    event_id=event_id,
                    handler=handler,
                    status=DeliveryStatus.PENDING,
                    attempts=0,
                    next_attempt_at=next_attempt_at or now,
                    last_error=None,
                    updated_at=now,
                ),
            )

    def lock(self, event_id: str, handler: str) -> Delivery | None:
        return self._rows.get((event_id, handler))

    def save(self, delivery: Delivery) -> None:
        self._rows[(delivery.event_id, delivery.handler)] = attrs.evolve(delivery)

    def due(self, now: dt.datetime, limit: int) -> Sequence[Delivery]:
        due = [
            d
            for d in self._rows.values()
            if d.status == DeliveryStatus.PENDING and d.next_attempt_at <= now
        ]
        return sorted(due, key=lambda d: (d.next_attempt_at, d.event_id, d.handler))[:limit]

    def list(self, status: DeliveryStatus, page: PageRequest) -> Page[Delivery]:
        rows = sorted(
            (d for d in self._rows.values() if d.status == status),
            key=lambda d: (d.updated_at, d.event_id, d.handler),
            reverse=True,
        )
        return Page(
            items=rows[page.offset : page.offset + page.per_page],
            page=page.page,
            per_page=page.per_page,
            total=len(rows),
        )
