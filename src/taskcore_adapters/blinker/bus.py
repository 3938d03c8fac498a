"""``EventBus`` over blinker signals."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from blinker import Namespace

from taskcore.domain.events import DomainEvent
from taskcore.ports.events import Handler

log = logging.getLogger(__name__)

ALL = "*"


class BlinkerEventBus:
    """Publishes committed events to in-process handlers.

    Owns its own :class:`blinker.Namespace` (never blinker's global one) and connects
    handlers with strong references, so closures are not silently dropped. One failing
    handler is logged and does not stop the others.
    """

    def __init__(self) -> None:
        self._signals = Namespace()

    def subscribe(self, event_name: str, handler: Handler) -> None:
        def receiver(_sender: Any, *, event: DomainEvent) -> None:
            handler(event)

        receiver.__name__ = getattr(handler, "__name__", "handler")
        self._signals.signal(event_name).connect(receiver, weak=False)

    def publish(self, events: Sequence[DomainEvent]) -> None:
        for event in events:
            for name in (event.name, ALL):
                signal = self._signals.signal(name)
                for receiver in signal.receivers_for(self):
                    try:
                        receiver(self, event=event)
                    except Exception:
                        log.exception(
                            "event handler failed",
                            extra={"event": event.name, "id": event.event_id},
                        )
