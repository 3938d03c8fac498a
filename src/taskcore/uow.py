"""Transactions that keep writes and their events together.

A use case opens a :class:`Work`, changes repositories, records domain events, and
commits. The events are written to the outbox inside the same transaction, so the change
and its events are durable together or not at all; they are published to the in-process
event bus only after the commit succeeded.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from taskcore.domain.events import DomainEvent
from taskcore.ports.events import EventBus
from taskcore.ports.uow import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)


class Work:
    """One use case's transaction: the unit of work plus the events it raised."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self._pending: list[DomainEvent] = []
        self.committed: list[DomainEvent] = []

    def record(self, *events: DomainEvent) -> None:
        """Remember events to store in the outbox at commit."""
        self._pending.extend(events)

    def commit(self) -> None:
        """Write the recorded events to the outbox and commit everything at once."""
        if self._pending:
            self.uow.outbox.append(self._pending)
        self.uow.commit()
        self.committed.extend(self._pending)
        self._pending = []


class Transactions:
    """Opens :class:`Work` units and publishes their events after commit.

    Args:
        uow_factory: Makes a fresh unit of work per call.
        event_bus: Receives committed events in process, if given.
    """

    def __init__(self, uow_factory: UnitOfWorkFactory, event_bus: EventBus | None = None) -> None:
        self._uow_factory = uow_factory
        self._event_bus = event_bus

    @contextmanager
    def __call__(self) -> Iterator[Work]:
        """A unit of work; rolled back unless :meth:`Work.commit` is called."""
        with self._uow_factory() as uow:
            work = Work(uow)
            yield work
        if work.committed and self._event_bus is not None:
            self._event_bus.publish(work.committed)
