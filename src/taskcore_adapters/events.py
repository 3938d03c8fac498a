"""In-process event subscription for applications that embed taskcore.

``runtime.events.subscribe(TaskStatusChanged, handler)`` calls ``handler`` with each
committed event of that class (subclasses included), in the process and thread that
committed it, right after the commit. A handler that raises is logged and the others
still run; nothing is retried or stored. For work that must happen once per event even
across crashes and restarts (sending mail, updating another store), register a durable
handler instead: ``runtime.core.events.register(HandlerSpec(...))`` (``docs/events.md``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

from taskcore.domain.events import DomainEvent
from taskcore.ports.events import EventBus, Handler

log = logging.getLogger(__name__)

ALL = "*"
"""The name that subscribes a handler to every event."""

E = TypeVar("E", bound=DomainEvent)


class LocalEventBus:
    """An :class:`~taskcore.ports.events.EventBus` on the standard library alone.

    Handlers are kept in subscription order, strongly referenced; one failing handler is
    logged and does not stop the others. Used by :func:`taskcore_adapters.in_memory` when
    blinker (the ``events`` extra) is not installed.
    """

    def __init__(self) -> None:
        self._handlers: dict[str, list[Handler]] = {}
        self._lock = threading.Lock()

    def subscribe(self, event_name: str, handler: Handler) -> None:
        """Call ``handler`` for every published event named ``event_name`` (``*``: all)."""
        with self._lock:
            self._handlers.setdefault(event_name, []).append(handler)

    def publish(self, events: Sequence[DomainEvent]) -> None:
        """Deliver ``events`` to their handlers, then to the ``*`` handlers."""
        for event in events:
            with self._lock:
                handlers = [*self._handlers.get(event.name, ()), *self._handlers.get(ALL, ())]
            for handler in handlers:
                try:
                    handler(event)
                except Exception:
                    log.exception(
                        "event handler failed", extra={"event": event.name, "id": event.event_id}
                    )


class Events:
    """Typed subscription to the committed events of one runtime (``runtime.events``).

    The event classes are in :mod:`taskcore.domain.events`, listed with their fields in the
    reference (``docs/events.md``).
    """

    def __init__(self, bus: EventBus) -> None:
        self._bus = bus

    def subscribe(
        self,
        event_type: type[E],
        handler: Callable[[E], None],
        *,
        when: Callable[[E], bool] | None = None,
    ) -> None:
        """Call ``handler`` with each committed event that is an ``event_type``.

        Args:
            event_type: An event class; a family (``TaskEvent``) or ``DomainEvent`` takes
                every event of its subclasses.
            handler: Called in the committing thread, after the commit, once per event.
            when: Only the events for which this returns true (e.g. status changes to
                ``done``).
        """

        def deliver(event: DomainEvent) -> None:
            if isinstance(event, event_type) and (when is None or when(event)):
                handler(event)

        deliver.__name__ = getattr(handler, "__name__", "handler")
        own_name = "name" in vars(event_type) and not event_type.__subclasses__()
        self._bus.subscribe(event_type.name if own_name else ALL, deliver)
