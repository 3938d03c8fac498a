"""Domain events to and from the JSON stored in the outbox."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from taskcore.domain.events import DomainEvent


def encode(event: DomainEvent) -> str:
    """The event as a JSON document (its class is kept by name, beside it)."""
    return json.dumps(
        {
            "event_id": event.event_id,
            "occurred_at": event.occurred_at.isoformat(),
            "actor_id": event.actor_id,
            "entity_id": event.entity_id,
            "details": event.details,
            "entity_version": event.entity_version,
        },
        sort_keys=True,
        default=str,
    )


def decode(name: str, payload: str) -> DomainEvent:
    """Rebuild an event stored by :func:`encode`.

    Raises:
        KeyError: no event class has this name, or a field it requires is missing.
    """
    data: dict[str, Any] = json.loads(payload)
    return DomainEvent.restore(
        name,
        event_id=data["event_id"],
        occurred_at=dt.datetime.fromisoformat(data["occurred_at"]),
        actor_id=data["actor_id"],
        entity_id=data["entity_id"],
        details=data["details"],
        entity_version=data.get("entity_version"),
    )
