"""Outgoing webhooks: where endpoints and deliveries are stored, and what sends them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Protocol

import attrs

from taskcore.domain.pagination import Page, PageRequest
from taskcore.domain.webhooks import (
    WebhookDelivery,
    WebhookDeliveryStatus,
    WebhookEndpoint,
)


class WebhookRepository(Protocol):
    """A project's webhook endpoints.

    ``add`` allocates the id; ``delete`` removes the endpoint's deliveries with it.
    """

    def add(self, endpoint: WebhookEndpoint) -> WebhookEndpoint:
        """Store a new endpoint and return it with its id."""
        ...

    def get(self, webhook_id: int, *, for_update: bool = False) -> WebhookEndpoint | None:
        """The endpoint (locked until the end of the transaction with ``for_update``)."""
        ...

    def update(self, endpoint: WebhookEndpoint) -> WebhookEndpoint:
        """Store the new state of an endpoint.

        Raises:
            WebhookNotFound: it no longer exists.
        """
        ...

    def delete(self, webhook_id: int) -> None:
        """Remove an endpoint and its deliveries (nothing happens if it is gone)."""
        ...

    def delete_in_project(self, project_id: int) -> int:
        """Remove every endpoint of a project with their deliveries; returns how many."""
        ...

    def find(self, project_id: int, *, offset: int, limit: int) -> Sequence[WebhookEndpoint]:
        """A project's endpoints, oldest first."""
        ...

    def count(self, project_id: int) -> int:
        """How many endpoints a project has."""
        ...

    def active_for_project(self, project_id: int) -> Sequence[WebhookEndpoint]:
        """A project's active endpoints, by id."""
        ...


@attrs.frozen
class ProjectLoad:
    """What a project's webhook deliveries use of its budget.

    Attributes:
        in_progress: Attempts running now.
        started: Attempts started in the rate window.
    """

    in_progress: int
    started: int


class WebhookDeliveryRepository(Protocol):
    """Deliveries of events to endpoints; one per (endpoint, event)."""

    def add(self, delivery: WebhookDelivery) -> WebhookDelivery | None:
        """Store a new delivery and return it with its id; ``None`` (and nothing stored)
        when the endpoint already has a delivery of this event."""
        ...

    def add_all(self, deliveries: Sequence[WebhookDelivery]) -> list[WebhookDelivery]:
        """Store new deliveries at once (one statement where the store can) and return
        those stored, with their ids; a delivery of an event its endpoint already has is
        skipped, as :meth:`add` does."""
        ...

    def get(self, delivery_id: int, *, for_update: bool = False) -> WebhookDelivery | None:
        """The delivery (locked until the end of the transaction with ``for_update``)."""
        ...

    def save(self, delivery: WebhookDelivery) -> None:
        """Store the new state of a delivery."""
        ...

    def due(self, now: dt.datetime, limit: int) -> Sequence[WebhookDelivery]:
        """Pending deliveries whose next attempt is due, oldest due first."""
        ...

    def project_load(self, project_id: int, now: dt.datetime, since: dt.datetime) -> ProjectLoad:
        """How much of its budget a project's deliveries use: attempts in progress at
        ``now`` (``claimed_until`` later than ``now``) and attempts started at or after
        ``since``."""
        ...

    def next_in_project(
        self, project_id: int, now: dt.datetime, before: dt.datetime, limit: int
    ) -> Sequence[WebhookDelivery]:
        """A project's pending deliveries not in progress at ``now`` whose next attempt is
        due at or before ``before``, soonest first (the ones a finished attempt makes room for)."""
        ...

    def find(
        self, endpoint_id: int, status: WebhookDeliveryStatus | None, page: PageRequest
    ) -> Page[WebhookDelivery]:
        """An endpoint's deliveries (in one status, if given), newest first."""
        ...


@attrs.frozen(kw_only=True)
class WebhookRequest:
    """One POST to make.

    Attributes:
        url: The target URL (already checked by the caller; the sender checks again).
        headers: The signed headers.
        body: The JSON body.
    """

    url: str
    headers: Mapping[str, str]
    body: bytes = attrs.field(repr=False)


@attrs.frozen(kw_only=True)
class WebhookResponse:
    """What came of one POST: the receiver's status code, or why there was none.

    Attributes:
        status_code: The status code, if the receiver answered.
        error: What went wrong before an answer (refused address, timeout, connection
            error), if it did.
    """

    status_code: int | None = None
    error: str | None = None

    @property
    def delivered(self) -> bool:
        """Whether the receiver accepted the message (a 2xx answer)."""
        return self.status_code is not None and 200 <= self.status_code < 300


class WebhookSender(Protocol):
    """POSTs a signed message to a receiver, guarding against server-side request forgery.

    Implementations apply their URL rules (:func:`~taskcore.domain.webhook_urls.check_url`)
    again, resolve the host, refuse the request when
    any resolved address is not public (unless ``host:port`` is allow-listed), connect to
    the address they checked (never resolving twice), follow no redirects, ignore proxy
    settings from the environment, bound the time of an attempt, and read at most a small
    part of the answer. They never raise for network trouble: it is a
    :class:`WebhookResponse` with ``error``.
    """

    def send(self, request: WebhookRequest) -> WebhookResponse:
        """POST ``request`` and report the outcome."""
        ...
