"""Webhook endpoints and their deliveries in SQL (see ``taskcore.ports.webhooks``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import attrs
from sqlalchemy import Connection, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from taskcore.domain.pagination import Page, PageRequest
from taskcore.domain.webhooks import WebhookDelivery, WebhookDeliveryStatus, WebhookEndpoint
from taskcore.errors import WebhookNotFound
from taskcore.ports.webhooks import ProjectLoad
from taskcore_adapters.sql.engine import WEBHOOKS, notice_cache
from taskcore_adapters.sql.tables import webhook_deliveries as d
from taskcore_adapters.sql.tables import webhook_endpoints as e


def _endpoint(row: Any) -> WebhookEndpoint:
    return WebhookEndpoint(
        id=row.id,
        project_id=row.project_id,
        url=row.url,
        event_types=tuple(row.event_types),
        description=row.description,
        is_active=row.is_active,
        disabled_reason=row.disabled_reason,
        consecutive_failures=row.consecutive_failures,
        secret=row.secret,
        previous_secret=row.previous_secret,
        previous_secret_expires_at=row.previous_secret_expires_at,
        created_by=row.created_by,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _endpoint_values(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {
        "project_id": endpoint.project_id,
        "url": endpoint.url,
        "event_types": list(endpoint.event_types),
        "description": endpoint.description,
        "is_active": endpoint.is_active,
        "disabled_reason": endpoint.disabled_reason,
        "consecutive_failures": endpoint.consecutive_failures,
        "secret": endpoint.secret,
        "previous_secret": endpoint.previous_secret,
        "previous_secret_expires_at": endpoint.previous_secret_expires_at,
        "created_by": endpoint.created_by,
        "created_at": endpoint.created_at,
        "updated_at": endpoint.updated_at,
    }


def _delivery(row: Any) -> WebhookDelivery:
    return WebhookDelivery(
        id=row.id,
        endpoint_id=row.endpoint_id,
        event_id=row.event_id,
        event_type=row.event_type,
        message_id=row.message_id,
        payload=row.payload,
        status=WebhookDeliveryStatus(row.status),
        attempts=row.attempts,
        last_status_code=row.last_status_code,
        last_error=row.last_error,
        next_attempt_at=row.next_attempt_at,
        claimed_until=row.claimed_until,
        attempted_at=row.attempted_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


_ROWS_PER_INSERT = 60
"""Rows per multi-row INSERT: 14 parameters each stays under SQLite's oldest limit (999)."""


def _delivery_values(delivery: WebhookDelivery) -> dict[str, Any]:
    return {
        "endpoint_id": delivery.endpoint_id,
        "event_id": delivery.event_id,
        "event_type": delivery.event_type,
        "message_id": delivery.message_id,
        "payload": delivery.payload,
        "status": delivery.status.value,
        "attempts": delivery.attempts,
        "last_status_code": delivery.last_status_code,
        "last_error": delivery.last_error,
        "next_attempt_at": delivery.next_attempt_at,
        "claimed_until": delivery.claimed_until,
        "attempted_at": delivery.attempted_at,
        "created_at": delivery.created_at,
        "updated_at": delivery.updated_at,
    }


_ACTIVE_FOR_PROJECT = (
    select(e)
    .where(e.c.project_id == bindparam("project_id"), e.c.is_active.is_(True))
    .order_by(e.c.id)
)
"""A project's active endpoints (built once: every write that records an event asks)."""


_PROJECT_LOAD = select(
    func.count().filter(d.c.claimed_until > bindparam("now")).label("in_progress"),
    func.count().filter(d.c.attempted_at >= bindparam("since")).label("started"),
).where(
    d.c.endpoint_id.in_(select(e.c.id).where(e.c.project_id == bindparam("project_id"))),
    or_(d.c.claimed_until > bindparam("now"), d.c.attempted_at >= bindparam("since")),
)
"""A project's attempts in progress and started in the rate window (built once)."""


class SqlAlchemyWebhookRepository:
    """Endpoints in ``webhook_endpoints`` (see ``WebhookRepository``)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, endpoint: WebhookEndpoint) -> WebhookEndpoint:
        new_id = self._conn.execute(
            insert(e).values(**_endpoint_values(endpoint)).returning(e.c.id)
        ).scalar_one()
        found = self.get(new_id)
        if found is None:  # pragma: no cover - read back in the same transaction
            raise WebhookNotFound(new_id)
        return found

    def get(self, webhook_id: int, *, for_update: bool = False) -> WebhookEndpoint | None:
        query = select(e).where(e.c.id == webhook_id)
        if for_update and self._conn.dialect.name == "postgresql":
            query = query.with_for_update()
        row = self._conn.execute(query).first()
        return _endpoint(row) if row else None

    def update(self, endpoint: WebhookEndpoint) -> WebhookEndpoint:
        result = self._conn.execute(
            update(e).where(e.c.id == endpoint.key).values(**_endpoint_values(endpoint))
        )
        if result.rowcount == 0:
            raise WebhookNotFound(endpoint.key)
        found = self.get(endpoint.key)
        if found is None:  # pragma: no cover - read back in the same transaction
            raise WebhookNotFound(endpoint.key)
        return found

    def delete(self, webhook_id: int) -> None:
        self._conn.execute(delete(d).where(d.c.endpoint_id == webhook_id))
        self._conn.execute(delete(e).where(e.c.id == webhook_id))

    def delete_in_project(self, project_id: int) -> int:
        ids = select(e.c.id).where(e.c.project_id == project_id).scalar_subquery()
        self._conn.execute(delete(d).where(d.c.endpoint_id.in_(ids)))
        return self._conn.execute(delete(e).where(e.c.project_id == project_id)).rowcount

    def find(self, project_id: int, *, offset: int, limit: int) -> Sequence[WebhookEndpoint]:
        rows = self._conn.execute(
            select(e)
            .where(e.c.project_id == project_id)
            .order_by(e.c.id)
            .offset(offset)
            .limit(limit)
        ).all()
        return [_endpoint(r) for r in rows]

    def count(self, project_id: int) -> int:
        return self._conn.execute(
            select(func.count()).select_from(e).where(e.c.project_id == project_id)
        ).scalar_one()

    def active_for_project(self, project_id: int) -> Sequence[WebhookEndpoint]:
        """A project's active endpoints. Every write that records an event asks, so on
        PostgreSQL each process keeps the answer until a change to any endpoint is
        announced (see :func:`taskcore_adapters.sql.engine.notice_cache`); callers get
        copies, never the kept objects."""
        cache = notice_cache(self._conn, WEBHOOKS)
        if cache is None:
            return self._active_for_project(project_id)
        kept, generation = cache.get(project_id)
        if kept is None:
            kept = tuple(self._active_for_project(project_id))
            cache.put(project_id, kept, generation)
        return [attrs.evolve(endpoint) for endpoint in kept]

    def _active_for_project(self, project_id: int) -> list[WebhookEndpoint]:
        rows = self._conn.execute(_ACTIVE_FOR_PROJECT, {"project_id": project_id}).all()
        return [_endpoint(r) for r in rows]


class SqlAlchemyWebhookDeliveryRepository:
    """Deliveries in ``webhook_deliveries`` (see ``WebhookDeliveryRepository``)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, delivery: WebhookDelivery) -> WebhookDelivery | None:
        stored = self.add_all([delivery])
        return stored[0] if stored else None

    def add_all(self, deliveries: Sequence[WebhookDelivery]) -> list[WebhookDelivery]:
        if not deliveries:
            return []
        dialect_insert = (
            postgresql.insert if self._conn.dialect.name == "postgresql" else sqlite.insert
        )
        rows: list[Any] = []
        for start in range(0, len(deliveries), _ROWS_PER_INSERT):
            rows += self._conn.execute(
                dialect_insert(d)
                .values([_delivery_values(x) for x in deliveries[start : start + _ROWS_PER_INSERT]])
                .on_conflict_do_nothing(index_elements=[d.c.endpoint_id, d.c.event_id])
                .returning(*d.c)
            ).all()
        return sorted((_delivery(r) for r in rows), key=lambda x: x.key)

    def get(self, delivery_id: int, *, for_update: bool = False) -> WebhookDelivery | None:
        query = select(d).where(d.c.id == delivery_id)
        if for_update and self._conn.dialect.name == "postgresql":
            query = query.with_for_update()
        row = self._conn.execute(query).first()
        return _delivery(row) if row else None

    def save(self, delivery: WebhookDelivery) -> None:
        self._conn.execute(
            update(d)
            .where(d.c.id == delivery.key)
            .values(
                status=delivery.status.value,
                attempts=delivery.attempts,
                last_status_code=delivery.last_status_code,
                last_error=delivery.last_error,
                next_attempt_at=delivery.next_attempt_at,
                claimed_until=delivery.claimed_until,
                attempted_at=delivery.attempted_at,
                updated_at=delivery.updated_at,
            )
        )

    def due(self, now: dt.datetime, limit: int) -> Sequence[WebhookDelivery]:
        rows = self._conn.execute(
            select(d)
            .where(d.c.status == WebhookDeliveryStatus.PENDING.value, d.c.next_attempt_at <= now)
            .order_by(d.c.next_attempt_at, d.c.id)
            .limit(limit)
        ).all()
        return [_delivery(r) for r in rows]

    def project_load(self, project_id: int, now: dt.datetime, since: dt.datetime) -> ProjectLoad:
        row = self._conn.execute(
            _PROJECT_LOAD, {"project_id": project_id, "now": now, "since": since}
        ).one()
        return ProjectLoad(in_progress=row.in_progress or 0, started=row.started or 0)

    def next_in_project(
        self, project_id: int, now: dt.datetime, before: dt.datetime, limit: int
    ) -> Sequence[WebhookDelivery]:
        rows = self._conn.execute(
            select(d)
            .where(
                d.c.endpoint_id.in_(select(e.c.id).where(e.c.project_id == project_id)),
                d.c.status == WebhookDeliveryStatus.PENDING.value,
                or_(d.c.claimed_until.is_(None), d.c.claimed_until <= now),
                d.c.next_attempt_at <= before,
            )
            .order_by(d.c.next_attempt_at, d.c.id)
            .limit(limit)
        ).all()
        return [_delivery(r) for r in rows]

    def find(
        self, endpoint_id: int, status: WebhookDeliveryStatus | None, page: PageRequest
    ) -> Page[WebhookDelivery]:
        where = [d.c.endpoint_id == endpoint_id]
        if status is not None:
            where.append(d.c.status == status.value)
        total = self._conn.execute(select(func.count()).select_from(d).where(*where)).scalar_one()
        rows = self._conn.execute(
            select(d)
            .where(*where)
            .order_by(d.c.created_at.desc(), d.c.id.desc())
            .offset(page.offset)
            .limit(page.per_page)
        ).all()
        return Page(
            items=[_delivery(r) for r in rows], page=page.page, per_page=page.per_page, total=total
        )
