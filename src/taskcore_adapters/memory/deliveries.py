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

    def delete_done(self, event_ids: Sequence[str]) -> int:
        wanted = set(event_ids)
        gone = [
            key
            for key, d in self._rows.items()
            if d.event_id in wanted and d.status == DeliveryStatus.DONE
        ]
        for key in gone:
            del self._rows[key]
        return len(gone)

    def requeue_failed(
        self, now: dt.datetime, *, handlers: Sequence[str], event_id: str | None = None
    ) -> int:
        wanted = set(handlers)
        failed = [
            d
            for d in self._rows.values()
            if d.status == DeliveryStatus.FAILED
            and d.handler in wanted
            and (event_id is None or d.event_id == event_id)
        ]
        for d in failed:
            self._rows[(d.event_id, d.handler)] = attrs.evolve(
                d, status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=now, updated_at=now
            )
        return len(failed)
