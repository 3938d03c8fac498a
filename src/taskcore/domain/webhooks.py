"""Outgoing project webhooks: endpoints, deliveries, their payload and input rules.

A project owner registers an *endpoint* (an HTTPS URL and the event names it wants). Every
matching domain event of the project becomes one *delivery* per endpoint, POSTed as JSON
(:func:`payload`) and signed the Standard Webhooks way
(:mod:`taskcore.domain.webhook_signing`). The URL rules live in
:mod:`taskcore.domain.webhook_urls`; their names and the signing functions are importable
from here too, as the webhook service reads them.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
from collections.abc import Collection
from typing import Any

import attrs

from taskcore.domain.events import EVENT_TYPES, DomainEvent
from taskcore.domain.webhook_signing import (
    SECRET_PREFIX,
    TOLERANCE_SECONDS,
    message_id,
    new_secret,
    secret_key,
    sign,
    signed_headers,
    verify,
)
from taskcore.domain.webhook_urls import (
    SPECIAL_PURPOSE_IPV4,
    SPECIAL_PURPOSE_IPV6,
    UrlPolicy,
    WebhookTarget,
    check_url,
    is_public,
    parse_allow_hosts,
)
from taskcore.errors import ValidationError

__all__ = [
    "ALL_EVENTS",
    "EVENT_NAMES",
    "MAX_DESCRIPTION_LENGTH",
    "MAX_EVENT_TYPES",
    "SECRET_PREFIX",
    "SPECIAL_PURPOSE_IPV4",
    "SPECIAL_PURPOSE_IPV6",
    "TOLERANCE_SECONDS",
    "UrlPolicy",
    "WebhookDelivery",
    "WebhookDeliveryStatus",
    "WebhookEndpoint",
    "WebhookSecret",
    "WebhookTarget",
    "WebhookView",
    "check_description",
    "check_event_types",
    "check_url",
    "is_public",
    "message_id",
    "new_secret",
    "parse_allow_hosts",
    "payload",
    "project_of",
    "secret_key",
    "sign",
    "signed_headers",
    "subscribed",
    "verify",
]

ALL_EVENTS = "*"
EVENT_NAMES: frozenset[str] = frozenset(
    cls.name for cls in EVENT_TYPES if cls.entity_type not in ("user", "team")
)
"""The event names an endpoint may subscribe to (besides ``*``): the events of projects,
tasks, comments and attachments, which name their project (a team's own events name
none)."""

MAX_DESCRIPTION_LENGTH = 500
MAX_EVENT_TYPES = 50


class WebhookDeliveryStatus(enum.StrEnum):
    """Where the delivery of one event to one endpoint stands."""

    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


@attrs.define(kw_only=True)
class WebhookEndpoint:
    """A project's webhook: where matching events are POSTed, and how they are signed.

    Attributes:
        id: Allocated by the repository (``None`` before it is stored).
        project_id: The project whose events are sent.
        url: The validated target URL.
        event_types: Event names wanted, or ``("*",)`` for all.
        description: Free text for the owners.
        is_active: Whether deliveries are made; cleared when the endpoint is disabled.
        disabled_reason: Why the endpoint was disabled automatically, if it was.
        consecutive_failures: Deliveries in a row that failed for good (reset by a success).
        secret: The signing secret (``whsec_`` + base64); never shown after creation.
        previous_secret: The secret before the last rotation, still signed with until
            ``previous_secret_expires_at``.
        previous_secret_expires_at: End of the rotation overlap.
        created_by: The user who registered it.
        created_at / updated_at: Aware UTC.
    """

    id: int | None = None
    project_id: int
    url: str
    event_types: tuple[str, ...]
    description: str = ""
    is_active: bool = True
    disabled_reason: str | None = None
    consecutive_failures: int = 0
    secret: str = attrs.field(repr=False)
    previous_secret: str | None = attrs.field(default=None, repr=False)
    previous_secret_expires_at: dt.datetime | None = None
    created_by: int | None = None
    created_at: dt.datetime
    updated_at: dt.datetime

    @property
    def key(self) -> int:
        """The id of a stored endpoint.

        Raises:
            RuntimeError: the endpoint was not stored yet.
        """
        if self.id is None:
            raise RuntimeError("webhook endpoint has no id yet")
        return self.id

    def wants(self, event_name: str) -> bool:
        """Whether this endpoint subscribes to ``event_name``."""
        return ALL_EVENTS in self.event_types or event_name in self.event_types

    def signing_secrets(self, now: dt.datetime) -> list[str]:
        """The secrets to sign with at ``now``: the current one, and the previous one
        while the rotation overlap lasts."""
        found = [self.secret]
        if (
            self.previous_secret is not None
            and self.previous_secret_expires_at is not None
            and now < self.previous_secret_expires_at
        ):
            found.append(self.previous_secret)
        return found

    def disable(self, reason: str, now: dt.datetime) -> None:
        """Stop deliveries to this endpoint, saying why."""
        self.is_active = False
        self.disabled_reason = reason[:500]
        self.updated_at = now


@attrs.frozen(kw_only=True)
class WebhookView:
    """What owners may see of an endpoint: everything but the secrets."""

    id: int
    project_id: int
    url: str
    event_types: tuple[str, ...]
    description: str
    is_active: bool
    disabled_reason: str | None
    consecutive_failures: int
    secret_rotating_until: dt.datetime | None
    created_by: int | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @classmethod
    def of(cls, endpoint: WebhookEndpoint, now: dt.datetime) -> WebhookView:
        """The view of ``endpoint``; ``secret_rotating_until`` only while it lasts."""
        until = endpoint.previous_secret_expires_at
        return cls(
            id=endpoint.key,
            project_id=endpoint.project_id,
            url=endpoint.url,
            event_types=endpoint.event_types,
            description=endpoint.description,
            is_active=endpoint.is_active,
            disabled_reason=endpoint.disabled_reason,
            consecutive_failures=endpoint.consecutive_failures,
            secret_rotating_until=until if until is not None and now < until else None,
            created_by=endpoint.created_by,
            created_at=endpoint.created_at,
            updated_at=endpoint.updated_at,
        )


@attrs.frozen(kw_only=True)
class WebhookSecret:
    """A signing secret, shown once: at creation and after a rotation.

    Attributes:
        webhook: The endpoint.
        secret: The new secret.
        previous_secret_expires_at: After a rotation, until when the old secret still
            signs (``None`` at creation).
    """

    webhook: WebhookView
    secret: str = attrs.field(repr=False)
    previous_secret_expires_at: dt.datetime | None = None


@attrs.define(kw_only=True)
class WebhookDelivery:
    """One event sent (or to be sent) to one endpoint.

    Attributes:
        id: Allocated by the repository (``None`` before it is stored).
        endpoint_id: The endpoint.
        event_id: The domain event.
        event_type: Its name.
        message_id: The ``webhook-id``, the same on every attempt.
        payload: The JSON body, fixed when the delivery is created.
        status: pending, delivered or failed.
        attempts: Attempts made.
        last_status_code: The receiver's status code at the last attempt, if it answered.
        last_error: Why the last attempt failed, if it did.
        next_attempt_at: When a pending delivery is due.
        claimed_until: While an attempt is in progress, when its claim lapses (counted in
            its project's concurrency budget until then); ``None`` otherwise.
        attempted_at: When the latest attempt started (counted in its project's rate
            budget).
        created_at / updated_at: Aware UTC.
    """

    id: int | None = None
    endpoint_id: int
    event_id: str
    event_type: str
    message_id: str
    payload: str
    status: WebhookDeliveryStatus = WebhookDeliveryStatus.PENDING
    attempts: int = 0
    last_status_code: int | None = None
    last_error: str | None = None
    next_attempt_at: dt.datetime
    claimed_until: dt.datetime | None = None
    attempted_at: dt.datetime | None = None
    created_at: dt.datetime
    updated_at: dt.datetime

    @property
    def key(self) -> int:
        """The id of a stored delivery.

        Raises:
            RuntimeError: the delivery was not stored yet.
        """
        if self.id is None:
            raise RuntimeError("webhook delivery has no id yet")
        return self.id


# -- payload --------------------------------------------------------------------------------


def payload(event: DomainEvent) -> str:
    """The JSON body for ``event``: ``{"type", "timestamp", "data": {...}}``.

    ``data`` holds ``entity_type``, ``entity_id``, ``actor_id`` and the event's details.
    """
    data: dict[str, Any] = {
        **event.details,
        "entity_type": event.entity_type,
        "entity_id": event.entity_id,
        "actor_id": event.actor_id,
    }
    if event.entity_version is not None:
        data["entity_version"] = event.entity_version
    body = {"type": event.name, "timestamp": event.occurred_at.isoformat(), "data": data}
    return json.dumps(body, separators=(",", ":"), sort_keys=True, default=str)


def project_of(event: DomainEvent) -> int | None:
    """The project an event belongs to (its ``project_id``), if any."""
    value = getattr(event, "project_id", None)
    return value if type(value) is int else None


# -- input rules ----------------------------------------------------------------------------


def check_event_types(value: object) -> tuple[str, ...]:
    """A non-empty list of known event names, or ``["*"]``; duplicates dropped.

    Raises:
        ValidationError: ``event_types must be a non-empty list of event names`` or
            ``Unknown event type: <name>``.
    """
    if not isinstance(value, list | tuple) or not value or len(value) > MAX_EVENT_TYPES:
        raise ValidationError(
            "event_types must be a non-empty list of event names", field="event_types"
        )
    names: list[str] = []
    for item in value:
        if not isinstance(item, str) or (item != ALL_EVENTS and item not in EVENT_NAMES):
            raise ValidationError(f"Unknown event type: {item!s:.100}", field="event_types")
        if item not in names:
            names.append(item)
    return (ALL_EVENTS,) if ALL_EVENTS in names else tuple(sorted(names))


def check_description(value: str | None) -> str:
    """The description, stripped; at most 500 characters.

    Raises:
        ValidationError: ``description must be at most 500 characters``.
    """
    text = (value or "").strip()
    if len(text) > MAX_DESCRIPTION_LENGTH:
        raise ValidationError(
            f"description must be at most {MAX_DESCRIPTION_LENGTH} characters",
            field="description",
        )
    return text


def subscribed(endpoints: Collection[WebhookEndpoint], event_name: str) -> list[WebhookEndpoint]:
    """The active endpoints among ``endpoints`` that want ``event_name``."""
    return [e for e in endpoints if e.is_active and e.wants(event_name)]
