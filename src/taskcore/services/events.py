"""Event delivery: the outbox relayed to handlers, each event processed once per handler.

Every use case stores its events in the outbox in the same transaction as its change.
:meth:`EventDispatcher.publish`, called by that transaction's commit, creates one
*delivery* per interested handler in the same transaction and queues a job for each once
it has committed. :meth:`EventDispatcher.relay` does the same, in a transaction of its own,
for events stored without a publisher (older rows, other writers).

:meth:`EventDispatcher.deliver` runs the handler in its own unit of work and marks the
delivery done **in that same transaction**, so a handler's database effects happen exactly
once even when a job runs twice. A failing handler is rolled back, its delivery is
rescheduled with back-off, and after the last attempt it is marked failed, with the error,
where operators can list it. :meth:`retry_due` re-queues due deliveries; it also recovers
deliveries whose job was lost (a crash between commit and enqueue, a Redis restart),
because the outbox and the deliveries, not the queue, are the source of truth.

:meth:`EventDispatcher.requeue_failed` (``taskcore requeue-failed``) makes failed
deliveries pending again once the cause is fixed; the next :meth:`retry_due` queues them.

:meth:`EventDispatcher.purge` (the daily :data:`PURGE` job) deletes published events
older than the retention period whose deliveries are all done, with those deliveries;
events with a pending or failed delivery are kept.
"""

from __future__ import annotations

import collections
import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from taskcore.domain.events import DomainEvent
from taskcore.domain.pagination import Page, PageRequest
from taskcore.errors import AdminRequired, Unavailable, ValidationError
from taskcore.ports.clock import Clock
from taskcore.ports.deliveries import Delivery, DeliveryStatus
from taskcore.ports.jobs import JobSpec
from taskcore.services.jobs import Jobs
from taskcore.uow import Transactions, Work

log = logging.getLogger(__name__)

EventHandler = Callable[[Work, DomainEvent], None]
"""An outbox handler: called with the open :class:`Work` and one event, like the
in-transaction handlers (:meth:`Transactions.handle_in_transaction`), which get the
transaction's events."""

DELIVER = JobSpec(name="events.deliver", retries=0, timeout_seconds=300)
"""The job that delivers one event to one handler (retries are the dispatcher's own)."""

LEASE = dt.timedelta(seconds=DELIVER.timeout_seconds + 30)
"""How long a queued delivery is left to its job before it is queued again."""

PURGE = JobSpec(
    name="events.purge", retries=3, backoff_seconds=(60, 300, 1800), timeout_seconds=3600
)
"""The job that deletes settled events beyond the retention period (daily at 02:30 UTC)."""

DEFAULT_RETENTION_DAYS = 7
"""Days published events and their done deliveries are kept by default."""

PURGE_BATCH = 500
"""Events deleted per transaction by the purge, so no transaction holds locks long."""


@attrs.frozen(kw_only=True)
class HandlerSpec:
    """A named consumer of events.

    Attributes:
        name: Stable name; part of the delivery's identity, never reuse it for another job.
        events: The event classes it wants (an event of a subclass counts;
            :class:`~taskcore.domain.events.DomainEvent` for all). Deliveries name the
            handler, not the classes: stored deliveries stay valid as classes are added.
        func: Called with the open :class:`Work` and the event; must not commit.
        max_attempts: Attempts before the delivery is marked failed.
        when: Optional test of the event alone (no I/O): events it refuses get no
            delivery, which saves a transaction and a job for events the handler would
            ignore anyway.
    """

    name: str
    events: tuple[type[DomainEvent], ...]
    func: EventHandler
    max_attempts: int = 8
    when: Callable[[DomainEvent], bool] | None = None

    def wants(self, event: DomainEvent) -> bool:
        """Whether this handler consumes ``event``."""
        if not isinstance(event, self.events):
            return False
        return self.when is None or self.when(event)


class EventDispatcher:
    """Relays the outbox to handlers through a job queue.

    Args:
        transactions: Opens units of work.
        clock: Source of the current time.
        jobs: Where delivery jobs go (:meth:`run_delivery_job` runs one).
        handlers: The consumers, by unique name.
        backoff_seconds: Pause before each retry of a failed delivery; the last repeats.
        defer_enqueue: Leave the jobs of deliveries created at commit to :meth:`flush`
            (called by a background thread) instead of queueing them in the committing
            thread right after its commit.
        retention_days: Published events older than this, whose deliveries are all done,
            are deleted by :meth:`purge`.
    """

    CATCH_UP_SECONDS = 60.0
    """How often :meth:`catch_up` relays events stored without a publisher."""

    def __init__(
        self,
        *,
        transactions: Transactions,
        clock: Clock,
        jobs: Jobs,
        handlers: Sequence[HandlerSpec] = (),
        backoff_seconds: Sequence[int] = (5, 30, 120, 600, 1800, 3600),
        defer_enqueue: bool = False,
        retention_days: int = DEFAULT_RETENTION_DAYS,
    ) -> None:
        if retention_days < 1:
            raise ValueError("retention_days must be at least 1")
        self._retention = dt.timedelta(days=retention_days)
        self._tx = transactions
        self._clock = clock
        self._jobs = jobs
        self._backoff = tuple(backoff_seconds) or (0,)
        self._handlers: dict[str, HandlerSpec] = {}
        self._local = threading.local()
        self._defer = defer_enqueue
        self._handoff: collections.deque[tuple[str, str, dt.datetime]] = collections.deque()
        self._caught_up_at: float | None = None
        for spec in handlers:
            self.register(spec)

    def register(self, spec: HandlerSpec) -> None:
        """Add a handler.

        Raises:
            ValueError: a handler with this name exists.
        """
        if spec.name in self._handlers:
            raise ValueError(f"duplicate event handler {spec.name!r}")
        self._handlers[spec.name] = spec

    def publish(self, work: Work, events: Sequence[DomainEvent]) -> None:
        """Publisher of a transaction's events (see :meth:`Transactions.publish_with`).

        Stores the events as published, with one delivery per interested handler, in the
        committing transaction itself; once it has committed, each delivery's job is
        queued (or handed to :meth:`flush` with ``defer_enqueue``). A job that cannot be
        queued, or is lost with its process, is queued again when its lease ends.
        """
        now = self._clock.now()
        work.uow.outbox.append(events, published_at=now)
        created = self._create_deliveries(work, events, now)
        if created:
            work.on_commit(lambda: self._hand_off(created))

    def _create_deliveries(
        self, work: Work, events: Sequence[DomainEvent], now: dt.datetime
    ) -> list[tuple[str, str, dt.datetime]]:
        """One delivery per event and interested handler, leased until its job must have
        finished; returns (event id, handler, lease) of each."""
        lease = now + LEASE
        created: list[tuple[str, str, dt.datetime]] = []
        for event in events:
            names = [h.name for h in self._handlers.values() if h.wants(event)]
            if names:
                work.uow.deliveries.create(event.event_id, names, now, next_attempt_at=lease)
                created.extend((event.event_id, name, lease) for name in names)
        return created

    def _hand_off(self, created: Sequence[tuple[str, str, dt.datetime]]) -> None:
        if self._defer:
            self._handoff.extend(created)
            return
        # Inline, a delivery's handler may commit events of its own: they join this
        # thread's queue instead of nesting another round inside the handler's call.
        queue: collections.deque[tuple[str, str, dt.datetime]] | None = getattr(
            self._local, "handoff", None
        )
        if queue is None:
            queue = self._local.handoff = collections.deque()
        queue.extend(created)
        if getattr(self._local, "flushing", False):
            return
        self._local.flushing = True
        try:
            self._drain(queue)
        finally:
            self._local.flushing = False

    def flush(self) -> int:
        """Queue the jobs of deliveries created at commit and left to this call by
        ``defer_enqueue``.

        Returns:
            How many were queued.
        """
        return self._drain(self._handoff)

    def _drain(self, queue: collections.deque[tuple[str, str, dt.datetime]]) -> int:
        """Queue the job of every delivery taken from ``queue`` (which other threads may
        be draining too); returns how many this call queued."""
        count = 0
        while True:
            try:
                event_id, name, lease = queue.popleft()
            except IndexError:
                return count
            self._enqueue(event_id, name, attempt=0, lease=lease)
            count += 1

    def catch_up(self) -> None:
        """:meth:`relay_now`, at most every :data:`CATCH_UP_SECONDS` (an after-commit hook
        for processes nobody pumps: events stored before the publisher, or by another
        writer, are relayed without a query after every commit)."""
        now = time.monotonic()
        if self._caught_up_at is not None and now - self._caught_up_at < self.CATCH_UP_SECONDS:
            return
        self._caught_up_at = now
        self.relay_now()

    def relay_now(self) -> None:
        """Relay until the outbox is empty; re-entrant calls (from handlers) return at once.

        Used as an after-commit hook so events are handled promptly in process.
        """
        if getattr(self._local, "active", False):
            return
        self._local.active = True
        try:
            while self.relay() > 0:
                pass
        finally:
            self._local.active = False

    @property
    def handler_names(self) -> list[str]:
        """Names of the registered handlers."""
        return sorted(self._handlers)

    def relay(self, limit: int = 500) -> int:
        """Turn new outbox events into deliveries and queue them.

        Each delivery is leased until its job must have finished (the job's time limit
        plus a margin); one still pending after that is queued again by :meth:`retry_due`
        (its job was lost: a worker killed mid-job, a queue that lost its data).

        Returns:
            How many events were relayed.
        """
        with self._tx() as work:
            events = list(work.uow.outbox.pending(limit))
            if not events:
                return 0
            now = self._clock.now()
            created = self._create_deliveries(work, events, now)
            work.uow.outbox.mark_published([e.event_id for e in events], now)
            work.commit()
        self._drain(collections.deque(created))
        return len(events)

    def retry_due(self, limit: int = 500) -> int:
        """Queue again every pending delivery whose next attempt is due: retries after a
        failure, and deliveries whose lease ran out (their job was lost).

        Returns:
            How many deliveries were queued.
        """
        now = self._clock.now()
        lease = now + LEASE
        leased: list[Delivery] = []
        with self._tx() as work:
            for delivery in work.uow.deliveries.due(now, limit):
                current = work.uow.deliveries.lock(delivery.event_id, delivery.handler)
                if current is None or current != delivery:
                    continue  # handled meanwhile
                work.uow.deliveries.save(attrs.evolve(delivery, next_attempt_at=lease))
                leased.append(delivery)
            work.commit()
        for delivery in leased:
            self._enqueue(
                delivery.event_id, delivery.handler, attempt=delivery.attempts, lease=lease
            )
        return len(leased)

    def deliver(self, event_id: str, handler: str) -> bool:
        """Run ``handler`` for the event, unless already done.

        Returns:
            ``True`` if the handler ran and succeeded now; ``False`` if there was nothing
            to do (done before, failed for good, unknown).

        Raises:
            Exception: whatever the handler raised, after the failure was recorded.
        """
        spec = self._handlers.get(handler)
        try:
            with self._tx() as work:
                delivery = work.uow.deliveries.lock(event_id, handler)
                if spec is None or delivery is None or delivery.status != DeliveryStatus.PENDING:
                    return False
                event = work.uow.outbox.get(event_id)
                if event is None:
                    return False
                spec.func(work, event)
                work.uow.deliveries.save(
                    attrs.evolve(
                        delivery,
                        status=DeliveryStatus.DONE,
                        attempts=delivery.attempts + 1,
                        last_error=None,
                        updated_at=self._clock.now(),
                    )
                )
                work.commit()
                return True
        except Unavailable:
            raise  # the database itself is down: nothing can be recorded; the job retries
        except Exception as exc:
            self._record_failure(event_id, handler, exc)
            raise

    def run_delivery_job(self, args: Mapping[str, Any]) -> None:
        """The :data:`DELIVER` job: one delivery of ``args["event_id"]`` to
        ``args["handler"]``."""
        self.deliver(str(args["event_id"]), str(args["handler"]))

    def list_deliveries(
        self, actor_is_admin: bool, status: DeliveryStatus, page: PageRequest
    ) -> Page[Delivery]:
        """Deliveries in one status, e.g. the failed ones (admins only).

        Raises:
            AdminRequired: the caller is not an administrator.
        """
        if not actor_is_admin:
            raise AdminRequired()
        with self._tx() as work:
            return work.uow.deliveries.list(status, page)

    def requeue_failed(
        self, actor_is_admin: bool, *, event_id: str | None = None, handler: str | None = None
    ) -> int:
        """Make failed deliveries pending again (admins only), once their cause is fixed.

        Each one gets its attempts back (counted from zero) and is due at once, so the
        next :meth:`retry_due` round (:meth:`Taskcore.tick`, run by the server and the
        worker) queues it. Deliveries to handlers that are no longer registered stay
        failed.

        Args:
            actor_is_admin: Whether the caller is an administrator.
            event_id: Only the deliveries of this event.
            handler: Only the deliveries to this handler.

        Returns:
            How many deliveries were requeued.

        Raises:
            AdminRequired: the caller is not an administrator.
            ValidationError: ``handler`` names no registered handler.
        """
        if not actor_is_admin:
            raise AdminRequired()
        if handler is not None and handler not in self._handlers:
            raise ValidationError(f"Unknown event handler {handler!r}", field="handler")
        names = [handler] if handler is not None else self.handler_names
        with self._tx() as work:
            count = work.uow.deliveries.requeue_failed(
                self._clock.now(), handlers=names, event_id=event_id
            )
            work.commit()
        log.info("requeued %d failed event deliveries", count)
        return count

    def purge(self) -> int:
        """Delete the published events older than the retention period whose deliveries
        are all done (or that have none), with those deliveries, in batches of
        :data:`PURGE_BATCH` (one transaction each). Events with a pending or failed
        delivery are kept, whatever their age.

        Returns:
            How many events were deleted.
        """
        cutoff = self._clock.now() - self._retention
        deleted = 0
        while True:
            with self._tx() as work:
                event_ids = work.uow.outbox.purgeable(cutoff, PURGE_BATCH)
                work.uow.deliveries.delete_done(event_ids)
                gone = work.uow.outbox.delete_settled(event_ids)
                work.commit()
            deleted += gone
            if len(event_ids) < PURGE_BATCH or gone == 0:
                return deleted

    def run_purge_job(self, args: Mapping[str, Any]) -> None:
        """The :data:`PURGE` job (no arguments); logs how many events it deleted."""
        log.info("event purge: %d events deleted", self.purge())

    def _enqueue(self, event_id: str, handler: str, *, attempt: int, lease: dt.datetime) -> None:
        # The id names the attempt and the lease: a re-run of the same relay or retry is
        # ignored by the queue, a new lease gets a new job.
        job_id = f"evt-{event_id}-{handler}-{attempt}-{int(lease.timestamp())}"
        try:
            self._jobs.enqueue(DELIVER, {"event_id": event_id, "handler": handler}, job_id=job_id)
        except Unavailable:
            log.warning("job queue unavailable; delivery %s/%s stays pending", event_id, handler)
            self._release(event_id, handler, lease)

    def _release(self, event_id: str, handler: str, lease: dt.datetime) -> None:
        """Make a delivery whose job could not be queued due again at once (best effort:
        if this fails too, the lease runs out and :meth:`retry_due` picks it up)."""
        try:
            with self._tx() as work:
                delivery = work.uow.deliveries.lock(event_id, handler)
                if delivery is not None and delivery.next_attempt_at == lease:
                    now = self._clock.now()
                    work.uow.deliveries.save(attrs.evolve(delivery, next_attempt_at=now))
                    work.commit()
        except Unavailable:
            log.warning("could not release delivery %s/%s; it is retried later", event_id, handler)

    def _record_failure(self, event_id: str, handler: str, exc: Exception) -> None:
        spec = self._handlers[handler]
        error = f"{type(exc).__name__}: {exc}"[:1000]
        with self._tx() as work:
            delivery = work.uow.deliveries.lock(event_id, handler)
            if delivery is None or delivery.status != DeliveryStatus.PENDING:
                return
            attempts = delivery.attempts + 1
            now = self._clock.now()
            pause = self._backoff[min(attempts, len(self._backoff)) - 1]
            failed = attempts >= spec.max_attempts
            work.uow.deliveries.save(
                attrs.evolve(
                    delivery,
                    status=DeliveryStatus.FAILED if failed else DeliveryStatus.PENDING,
                    attempts=attempts,
                    next_attempt_at=now + dt.timedelta(seconds=pause),
                    last_error=error,
                    updated_at=now,
                )
            )
            work.commit()
        log.warning(
            "event handler %s failed on %s (attempt %d%s)",
            handler,
            event_id,
            attempts,
            ", giving up" if failed else "",
        )
