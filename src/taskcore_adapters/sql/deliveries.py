"""Event deliveries in SQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from taskcore.domain.pagination import Page, PageRequest
from taskcore.ports.deliveries import Delivery, DeliveryStatus
from taskcore_adapters.sql.tables import event_deliveries as t


def _delivery(row: Any) -> Delivery:
    return Delivery(
        event_id=row.event_id,
        handler=row.handler,
        status=DeliveryStatus(row.status),
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        last_error=row.last_error,
        updated_at=row.updated_at,
    )


class SqlAlchemyDeliveryRepository:
    """Deliveries in the ``event_deliveries`` table (see ``DeliveryRepository``)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def create(
        self,
        event_id: str,
        handlers: Sequence[str],
        now: dt.datetime,
        *,
        next_attempt_at: dt.datetime | None = None,
    ) -> None:
        if not handlers:
            return
        rows = [
            {
                "event_id": event_id,
                "handler": handler,
                "status": DeliveryStatus.PENDING.value,
                "attempts": 0,
                "next_attempt_at": next_attempt_at or now,
                "updated_at": now,
            }
            for handler in handlers
        ]
        insert = postgresql.insert if self._conn.dialect.name == "postgresql" else sqlite.insert
        self._conn.execute(insert(t).values(rows).on_conflict_do_nothing())

    def lock(self, event_id: str, handler: str) -> Delivery | None:
        query = select(t).where(t.c.event_id == event_id, t.c.handler == handler)
        if self._conn.dialect.name == "postgresql":
            query = query.with_for_update()
        row = self._conn.execute(query).first()
        return _delivery(row) if row else None

    def save(self, delivery: Delivery) -> None:
        self._conn.execute(
            update(t)
            .where(t.c.event_id == delivery.event_id, t.c.handler == delivery.handler)
            .values(
                status=delivery.status.value,
                attempts=delivery.attempts,
                next_attempt_at=delivery.next_attempt_at,
                last_error=delivery.last_error,
                updated_at=delivery.updated_at,
            )
        )

    def due(self, now: dt.datetime, limit: int) -> Sequence[Delivery]:
        rows = self._conn.execute(
            select(t)
            .where(t.c.status == DeliveryStatus.PENDING.value, t.c.next_attempt_at <= now)
            .order_by(t.c.next_attempt_at, t.c.event_id, t.c.handler)
            .limit(limit)
        ).all()
        return [_delivery(r) for r in rows]

    def list(self, status: DeliveryStatus, page: PageRequest) -> Page[Delivery]:
        where = t.c.status == status.value
        total = self._conn.execute(select(func.count()).select_from(t).where(where)).scalar_one()
        rows = self._conn.execute(
            select(t)
            .where(where)
            .order_by(t.c.updated_at.desc(), t.c.event_id.desc(), t.c.handler.desc())
            .offset(page.offset)
            .limit(page.per_page)
        ).all()
        return Page(
            items=[_delivery(r) for r in rows], page=page.page, per_page=page.per_page, total=total
        )

    def delete_done(self, event_ids: Sequence[str]) -> int:
        if not event_ids:
            return 0
        result = self._conn.execute(
            delete(t).where(
                t.c.event_id.in_(list(event_ids)), t.c.status == DeliveryStatus.DONE.value
            )
        )
        return int(result.rowcount)

    def requeue_failed(
        self, now: dt.datetime, *, handlers: Sequence[str], event_id: str | None = None
    ) -> int:
        if not handlers:
            return 0
        query = update(t).where(
            t.c.status == DeliveryStatus.FAILED.value, t.c.handler.in_(list(handlers))
        )
        if event_id is not None:
            query = query.where(t.c.event_id == event_id)
        result = self._conn.execute(
            query.values(
                status=DeliveryStatus.PENDING.value, attempts=0, next_attempt_at=now, updated_at=now
            )
        )
        return int(result.rowcount)
