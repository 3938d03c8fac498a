"""Delivery of committed domain events to in-process subscribers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from taskcore.domain.events import DomainEvent

Handler = Callable[[DomainEvent], None]


class EventBus(Protocol):
    """Publishes events after commit to handlers in this process.

    A failing handler is isolated: it is logged and does not stop the others or the
    publisher. Durable work goes through the outbox, never through the bus alone.
    """

    def subscribe(self, event_name: str, handler: Handler) -> None:
        """Call ``handler`` for every published event named ``event_name`` (``*`` for all)."""
        ...

    def publish(self, events: Sequence[DomainEvent]) -> None:
        """Deliver events to the subscribed handlers."""
        ...
