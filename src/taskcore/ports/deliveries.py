"""Tracking of event deliveries: which handler has processed which event."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence
from typing import Protocol

import attrs

from taskcore.domain.pagination import Page, PageRequest


class DeliveryStatus(enum.StrEnum):
    """Where the delivery of one event to one handler stands."""

    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


@attrs.frozen(kw_only=True)
class Delivery:
    """One event for one handler: done exactly once, or failed for good and visible."""

    event_id: str
    handler: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: dt.datetime
    last_error: str | None
    updated_at: dt.datetime


class DeliveryRepository(Protocol):
    """Stores deliveries; ``lock`` makes concurrent deliveries of one pair wait."""

    def create(
        self,
        event_id: str,
        handlers: Sequence[str],
        now: dt.datetime,
        *,
        next_attempt_at: dt.datetime | None = None,
    ) -> None:
        """Add pending deliveries of ``event_id`` to each handler (existing ones are kept),
        due at ``next_attempt_at`` (default ``now``)."""
        ...

    def lock(self, event_id: str, handler: str) -> Delivery | None:
        """The delivery, locked until the end of the transaction, or ``None``."""
        ...

    def save(self, delivery: Delivery) -> None:
        """Store the new state of a delivery."""
        ...

    def due(self, now: dt.datetime, limit: int) -> Sequence[Delivery]:
        """Pending deliveries whose next attempt is due, oldest first."""
        ...

    def list(self, status: DeliveryStatus, page: PageRequest) -> Page[Delivery]:
        """Deliveries in one status, most recently updated first."""
        ...

    def delete_done(self, event_ids: Sequence[str]) -> int:
        """Delete the done deliveries of these events (pending and failed ones stay);
        returns how many."""
        ...

    def requeue_failed(
        self, now: dt.datetime, *, handlers: Sequence[str], event_id: str | None = None
    ) -> int:
        """Make the failed deliveries to ``handlers`` (of ``event_id`` only, if given)
        pending again, with no attempts, due at ``now`` (their last error is kept);
        returns how many."""
        ...
