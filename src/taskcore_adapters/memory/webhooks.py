"""Webhook endpoints and their deliveries in memory."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable, Sequence

import attrs

from taskcore.domain.pagination import Page, PageRequest
from taskcore.domain.webhooks import WebhookDelivery, WebhookDeliveryStatus, WebhookEndpoint
from taskcore.errors import WebhookNotFound
from taskcore.ports.webhooks import ProjectLoad, WebhookRequest, WebhookResponse


class InMemoryWebhookRepository:
    """Endpoints in a dict by id (see ``taskcore.ports.webhooks.WebhookRepository``)."""

    def __init__(
        self,
        endpoints: dict[int, WebhookEndpoint],
        deliveries: dict[int, WebhookDelivery],
        allocate: Callable[[str], int],
    ) -> None:
        self._rows = endpoints
        self._deliveries = deliveries
        self._allocate = allocate

    def add(self, endpoint: WebhookEndpoint) -> WebhookEndpoint:
        stored = attrs.evolve(endpoint, id=self._allocate("webhook_endpoints"))
        self._rows[stored.key] = stored
        return copy.deepcopy(stored)

    def get(self, webhook_id: int, *, for_update: bool = False) -> WebhookEndpoint | None:
        found = self._rows.get(webhook_id)
        return copy.deepcopy(found) if found else None

    def update(self, endpoint: WebhookEndpoint) -> WebhookEndpoint:
        if endpoint.key not in self._rows:
            raise WebhookNotFound(endpoint.key)
        self._rows[endpoint.key] = copy.deepcopy(endpoint)
        return copy.deepcopy(endpoint)

    def delete(self, webhook_id: int) -> None:
        self._rows.pop(webhook_id, None)
        for key in [k for k, d in self._deliveries.items() if d.endpoint_id == webhook_id]:
            del self._deliveries[key]

    def delete_in_project(self, project_id: int) -> int:
        gone = [k for k, e in self._rows.items() if e.project_id == project_id]
        for key in gone:
            self.delete(key)
        return len(gone)

    def _of(self, project_id: int) -> list[WebhookEndpoint]:
        return sorted((e for e in self._rows.values() if e.project_id == project_id), key=_key)

    def find(self, project_id: int, *, offset: int, limit: int) -> Sequence[WebhookEndpoint]:
        return [copy.deepcopy(e) for e in self._of(project_id)[offset : offset + limit]]

    def count(self, project_id: int) -> int:
        return len(self._of(project_id))

    def active_for_project(self, project_id: int) -> Sequence[WebhookEndpoint]:
        return [copy.deepcopy(e) for e in self._of(project_id) if e.is_active]


def _key(item: WebhookEndpoint | WebhookDelivery) -> int:
    return item.key


class InMemoryWebhookDeliveryRepository:
    """Deliveries in a dict by id (see ``WebhookDeliveryRepository``)."""

    def __init__(
        self,
        deliveries: dict[int, WebhookDelivery],
        allocate: Callable[[str], int],
        endpoints: dict[int, WebhookEndpoint],
    ) -> None:
        self._rows = deliveries
        self._allocate = allocate
        self._endpoints = endpoints

    def add(self, delivery: WebhookDelivery) -> WebhookDelivery | None:
        for other in self._rows.values():
            if other.endpoint_id == delivery.endpoint_id and other.event_id == delivery.event_id:
                return None
        stored = attrs.evolve(delivery, id=self._allocate("webhook_deliveries"))
        self._rows[stored.key] = stored
        return copy.deepcopy(stored)

    def add_all(self, deliveries: Sequence[WebhookDelivery]) -> list[WebhookDelivery]:
        stored = [self.add(d) for d in deliveries]
        return [d for d in stored if d is not None]

    def get(self, delivery_id: int, *, for_update: bool = False) -> WebhookDelivery | None:
        found = self._rows.get(delivery_id)
        return copy.deepcopy(found) if found else None

    def save(self, delivery: WebhookDelivery) -> None:
        if delivery.key in self._rows:
            self._rows[delivery.key] = copy.deepcopy(delivery)

    def due(self, now: dt.datetime, limit: int) -> Sequence[WebhookDelivery]:
        due = [
            d
            for d in self._rows.values()
            if d.status == WebhookDeliveryStatus.PENDING and d.next_attempt_at <= now
        ]
        due.sort(key=lambda d: (d.next_attempt_at, d.key))
        return [copy.deepcopy(d) for d in due[:limit]]

    def _in_project(self, project_id: int) -> list[WebhookDelivery]:
        ids = {k for k, e in self._endpoints.items() if e.project_id == project_id}
        return [d for d in self._rows.values() if d.endpoint_id in ids]

    def project_load(self, project_id: int, now: dt.datetime, since: dt.datetime) -> ProjectLoad:
        rows = self._in_project(project_id)
        return ProjectLoad(
            in_progress=sum(
                1 for d in rows if d.claimed_until is not None and d.claimed_until > now
            ),
            started=sum(1 for d in rows if d.attempted_at is not None and d.attempted_at >= since),
        )

    def next_in_project(
        self, project_id: int, now: dt.datetime, before: dt.datetime, limit: int
    ) -> Sequence[WebhookDelivery]:
        rows = [
            d
            for d in self._in_project(project_id)
            if d.status == WebhookDeliveryStatus.PENDING
            and (d.claimed_until is None or d.claimed_until <= now)
            and d.next_attempt_at <= before
        ]
        rows.sort(key=lambda d: (d.next_attempt_at, d.key))
        return [copy.deepcopy(d) for d in rows[:limit]]

    def find(
        self, endpoint_id: int, status: WebhookDeliveryStatus | None, page: PageRequest
    ) -> Page[WebhookDelivery]:
        rows = sorted(
            (
                d
                for d in self._rows.values()
                if d.endpoint_id == endpoint_id and (status is None or d.status == status)
            ),
            key=lambda d: (d.created_at, d.key),
            reverse=True,
        )
        return Page(
            items=[copy.deepcopy(d) for d in rows[page.offset : page.offset + page.per_page]],
            page=page.page,
            per_page=page.per_page,
            total=len(rows),
        )


class RecordingWebhookSender:
    """A webhook sender for tests: records every request and answers from a script.

    Args:
        answers: Responses to give in turn; the last one repeats (200 by default).
    """

    def __init__(self, answers: Sequence[WebhookResponse] = ()) -> None:
        self.requests: list[WebhookRequest] = []
        self._answers = list(answers) or [WebhookResponse(status_code=200)]

    def answer(self, *answers: WebhookResponse) -> None:
        """Give ``answers`` in turn from now on; the last one repeats."""
        self._answers = list(answers)

    def send(self, request: WebhookRequest) -> WebhookResponse:
        """Record ``request`` and give the next scripted answer."""
        self.requests.append(request)
        if len(self._answers) > 1:
            return self._answers.pop(0)
        return self._answers[0]
