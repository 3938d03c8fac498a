"""Transactions that keep writes and their events together.

A use case opens a :class:`Work`, changes repositories, records domain events, and
commits. The events are written to the outbox inside the same transaction, so the change
and its events are durable together or not at all; they are published to the in-process
event bus only after the commit succeeded.

Areas stay independent of each other and still change together when they must: the
composition root registers *in-transaction handlers* with
:meth:`Transactions.handle_in_transaction`. :meth:`Work.commit` calls them, before anything
is committed, with the same unit of work and the events of the kinds they asked for (for
example, the attachments area removes a deleted task's attachments in the task's own
transaction). What must wait until the data is committed (removing files) is registered
with :meth:`Work.on_commit`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager

from taskcore.domain.events import DomainEvent
from taskcore.ports.events import EventBus
from taskcore.ports.uow import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)


TransactionHandler = Callable[["Work", Sequence[DomainEvent]], None]
"""Called inside a transaction, at commit, with its :class:`Work` and the recorded events of
the kinds it was registered for, in the order they were recorded. It may change
repositories and record more events; it must not commit. If it raises, nothing is
committed."""

Registration = tuple[tuple[type[DomainEvent], ...], TransactionHandler]

Publisher = Callable[["Work", Sequence[DomainEvent]], None]
"""Called at commit, after the in-transaction handlers, with every event of the
transaction: it writes them to the outbox (and may create their deliveries in the same
transaction). Without one, :meth:`Work.commit` appends them to the outbox unpublished."""

MAX_HANDLER_ROUNDS = 10
"""How many times in-transaction handlers may react to events recorded by handlers."""


class Work:
    """One use case's transaction: the unit of work plus the events it raised.

    Args:
        uow: The open unit of work.
        handlers: In-transaction handlers and the event classes each one receives.
    """

    def __init__(
        self,
        uow: UnitOfWork,
        handlers: Sequence[Registration] = (),
        publisher: Publisher | None = None,
    ) -> None:
        self.uow = uow
        self._handlers = handlers
        self._publisher = publisher
        self._pending: list[DomainEvent] = []
        self._handled = 0
        self._on_commit: list[Callable[[], None]] = []
        self.committed: list[DomainEvent] = []
        self.callbacks: list[Callable[[], None]] = []
        """Callbacks whose transaction has committed, for :class:`Transactions` to run."""

    def record(self, *events: DomainEvent) -> None:
        """Remember events to store in the outbox at commit."""
        self._pending.extend(events)

    def on_commit(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` once this transaction has committed and its unit of work is
        closed. Dropped if the transaction does not commit; if it raises, it is logged
        and the commit stands (so it must only do work that is also retried elsewhere)."""
        self._on_commit.append(callback)

    def commit(self) -> None:
        """Run the in-transaction handlers, write the recorded events to the outbox (through
        the publisher, if any) and commit everything at once.

        Raises:
            RuntimeError: handlers kept recording events that other handlers react to, for
                more than :data:`MAX_HANDLER_ROUNDS` rounds (a cycle).
        """
        self._run_handlers()
        if self._pending:
            if self._publisher is not None:
                self._publisher(self, self._pending)
            else:
                self.uow.outbox.append(self._pending)
        self.uow.commit()
        self.committed.extend(self._pending)
        self._pending = []
        self._handled = 0
        self.callbacks.extend(self._on_commit)
        self._on_commit = []

    def _run_handlers(self) -> None:
        """Hand each batch of new events to the handlers that want them, until handlers
        record no more."""
        for _ in range(MAX_HANDLER_ROUNDS):
            if self._handled == len(self._pending):
                return
            batch = self._pending[self._handled :]
            self._handled = len(self._pending)
            for event_types, handler in self._handlers:
                wanted = [event for event in batch if isinstance(event, event_types)]
                if wanted:
                    handler(self, wanted)
        if self._handled != len(self._pending):
            raise RuntimeError("in-transaction handlers keep recording events for each other")


class Transactions:
    """Opens :class:`Work` units and publishes their events after commit.

    Args:
        uow_factory: Makes a fresh unit of work per call.
        event_bus: Receives committed events in process, if given.
    """

    def __init__(self, uow_factory: UnitOfWorkFactory, event_bus: EventBus | None = None) -> None:
        self._uow_factory = uow_factory
        self._event_bus = event_bus
        self._after_commit: list[Callable[[], None]] = []
        self._handlers: list[Registration] = []
        self._publisher: Publisher | None = None

    def publish_with(self, publisher: Publisher) -> None:
        """Write every transaction's events through ``publisher`` (see :data:`Publisher`)."""
        self._publisher = publisher

    def handle_in_transaction(
        self, event_types: Iterable[type[DomainEvent]], handler: TransactionHandler
    ) -> None:
        """Call ``handler`` in every transaction that records events of ``event_types``
        (or of their subclasses), at commit and before anything is committed, with the
        same unit of work (see :data:`TransactionHandler`).

        Handlers run in the order they were registered. Events they record are handed to
        the handlers in turn, before the commit.
        """
        self._handlers.append((tuple(event_types), handler))

    def after_commit(self, hook: Callable[[], None]) -> None:
        """Call ``hook`` after every commit that stored events (e.g. to relay the outbox).

        A hook that raises is logged; the commit it follows stands.
        """
        self._after_commit.append(hook)

    @contextmanager
    def __call__(self, *, read_only: bool = False) -> Iterator[Work]:
        """A unit of work; rolled back unless :meth:`Work.commit` is called.

        Args:
            read_only: The use case only reads: the unit of work may be lighter, and
                committing it raises (see :class:`~taskcore.ports.uow.UnitOfWorkFactory`).
        """
        with self._uow_factory(read_only=True) if read_only else self._uow_factory() as uow:
            work = Work(uow, self._handlers, self._publisher)
            yield work
        for callback in work.callbacks:
            try:
                callback()
            except Exception:  # the commit stands; the callback's work is retried elsewhere
                log.exception("on-commit callback failed")
        if work.committed and self._event_bus is not None:
            self._event_bus.publish(work.committed)
        if work.committed:
            for hook in self._after_commit:
                try:
                    hook()
                except Exception:  # the commit stands; the hook's owner retries
                    log.exception("after-commit hook failed")
