"""Event delivery from the outbox to handlers: once per handler, retried, never lost."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import pytest

from taskcore.app import Taskcore, build
from taskcore.domain.events import DomainEvent, UserRegistered
from taskcore.domain.pagination import PageRequest
from taskcore.ports.deliveries import DeliveryStatus
from taskcore.ports.jobs import JobSpec
from taskcore.ports.uow import UnitOfWorkFactory
from taskcore.services.events import LEASE, HandlerSpec
from taskcore.services.jobs import InlineQueue
from taskcore.uow import Work
from taskcore_adapters.memory import (
    FakeTokenService,
    InMemoryStore,
    ManualClock,
    PlainPasswordHasher,
)

EXPIRES = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)


class Effects:
    """A handler whose database effect (a revoked-token row per event) can be counted."""

    def __init__(self, fail_times: int = 0) -> None:
        self.calls: list[str] = []
        self.fail_times = fail_times

    def __call__(self, work: Work, event: DomainEvent) -> None:
        self.calls.append(event.event_id)
        work.uow.revoked_tokens.revoke(f"effect-{event.event_id}", user_id=0, expires_at=EXPIRES)
        if len(self.calls) <= self.fail_times:
            raise RuntimeError("handler failed")


class DroppingQueue:
    """A job queue that loses every job, as a crashed broker would."""

    def __init__(self) -> None:
        self.dropped: list[Mapping[str, Any]] = []

    def enqueue(
        self,
        spec: JobSpec,
        args: Mapping[str, Any],
        *,
        job_id: str | None = None,
        run_at: dt.datetime | None = None,
    ) -> bool:
        self.dropped.append(args)
        return True


def make(
    factory: UnitOfWorkFactory, handler: Effects, clock: ManualClock, *, max_attempts: int = 3
) -> Taskcore:
    return build(
        uow_factory=factory,
        clock=clock,
        password_hasher=PlainPasswordHasher(),
        token_service=FakeTokenService(),
        event_handlers=[
            HandlerSpec(
                name="effects",
                events=(UserRegistered,),
                func=handler,
                max_attempts=max_attempts,
            )
        ],
    )


def register(core: Taskcore, name: str = "alice") -> None:
    core.users.register(
        username=name, email=f"{name}@example.com", password="long enough", full_name="A"
    )


def effect_count(factory: UnitOfWorkFactory, calls: list[str]) -> int:
    with factory() as uow:
        return sum(uow.revoked_tokens.is_revoked(f"effect-{e}") for e in set(calls))


def registered_event(core: Taskcore, factory: UnitOfWorkFactory) -> str:
    with core.transactions() as work:
        found = work.uow.deliveries.list(DeliveryStatus.DONE, PageRequest(per_page=100)).items
        found = [*found, *work.uow.deliveries.due(dt.datetime.max.replace(tzinfo=dt.UTC), 100)]
    return found[0].event_id


class TestEventDispatcher:
    def test_committed_event_is_handled_once(self, uow_factory: UnitOfWorkFactory) -> None:
        """After a committed write, the handler runs once and its effect is stored once."""
        handler, clock = Effects(), ManualClock()
        core = make(uow_factory, handler, clock)
        register(core)
        event_id = registered_event(core, uow_factory)
        assert not core.events.deliver(event_id, "effects")
        assert core.events.relay() == 0
        assert (1, 1) == (len(handler.calls), effect_count(uow_factory, handler.calls))

    def test_rolled_back_write_handles_nothing(self, uow_factory: UnitOfWorkFactory) -> None:
        """A write that fails (duplicate user) raises no event and runs no handler."""
        handler, clock = Effects(), ManualClock()
        core = make(uow_factory, handler, clock)
        register(core)
        with pytest.raises(Exception, match="Username already exists"):
            register(core)
        assert 1 == len(handler.calls)

    def test_failure_is_rolled_back_and_retried_with_backoff(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        """A failing handler leaves no effect, is retried when due, and then succeeds once."""
        handler, clock = Effects(fail_times=1), ManualClock()
        core = make(uow_factory, handler, clock)
        register(core)
        assert 0 == effect_count(uow_factory, handler.calls)
        assert 0 == core.events.retry_due()
        clock.advance(seconds=5)
        assert 1 == core.events.retry_due()
        assert (2, 1) == (len(handler.calls), effect_count(uow_factory, handler.calls))
        assert 0 == core.events.retry_due()

    def test_gives_up_after_max_attempts_and_shows_failure(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        """A handler that always fails is marked failed, with its error, after its attempts."""
        handler, clock = Effects(fail_times=99), ManualClock()
        core = make(uow_factory, handler, clock, max_attempts=3)
        register(core)
        for _ in range(5):
            clock.advance(hours=2)
            core.events.retry_due()
        failed = core.events.list_deliveries(True, DeliveryStatus.FAILED, PageRequest())
        assert 3 == len(handler.calls)
        assert [("effects", 3, "RuntimeError: handler failed")] == [
            (d.handler, d.attempts, d.last_error) for d in failed.items
        ]
        assert 0 == effect_count(uow_factory, handler.calls)

    def test_lost_jobs_are_recovered(self, uow_factory: UnitOfWorkFactory) -> None:
        """Jobs lost by the queue are queued again once their lease ran out, then run once."""
        handler, clock = Effects(), ManualClock()
        core = make(uow_factory, handler, clock)
        dropping = DroppingQueue()
        core.jobs.use_queue(dropping)
        register(core, "alice")
        register(core, "bob")
        assert (2, []) == (len(dropping.dropped), handler.calls)
        core.jobs.use_queue(_inline(core))
        assert 0 == core.events.retry_due()  # still leased to the lost jobs
        clock.advance(seconds=LEASE.total_seconds() + 1)
        assert 2 == core.events.retry_due()
        assert 0 == core.events.retry_due()
        assert (2, 2) == (len(handler.calls), effect_count(uow_factory, handler.calls))

    def test_only_admins_list_deliveries(self, uow_factory: UnitOfWorkFactory) -> None:
        """Listing deliveries needs an administrator."""
        core = make(uow_factory, Effects(), ManualClock())
        with pytest.raises(Exception, match="Admin privileges required"):
            core.events.list_deliveries(False, DeliveryStatus.FAILED, PageRequest())


def _inline(core: Taskcore) -> InlineQueue:
    return InlineQueue(core.run_job)


def test_duplicate_handler_names_refused() -> None:
    """Two handlers may not share a name (it is part of the delivery's identity)."""
    spec = HandlerSpec(name="h", events=(DomainEvent,), func=Effects())
    with pytest.raises(ValueError, match="duplicate"):
        build(
            uow_factory=InMemoryStore(),
            clock=ManualClock(),
            password_hasher=PlainPasswordHasher(),
            token_service=FakeTokenService(),
            event_handlers=[spec, spec],
        )


def test_unknown_job_name() -> None:
    """Running a job nobody defined is an error, not a silent success."""
    core = build(
        uow_factory=InMemoryStore(),
        clock=ManualClock(),
        password_hasher=PlainPasswordHasher(),
        token_service=FakeTokenService(),
    )
    with pytest.raises(ValueError, match="unknown job"):
        core.run_job("nope", {})


def test_pump_retries_due_deliveries_until_stopped() -> None:
    """The pump loop re-runs a failed delivery once it is due, and stops when told."""
    import threading

    store, clock, handler = InMemoryStore(), ManualClock(), Effects(fail_times=1)
    core = make(store, handler, clock)
    register(core)
    clock.advance(minutes=1)
    stop = threading.Event()
    thread = threading.Thread(target=core.pump, args=(stop, 0.01))
    thread.start()
    for _ in range(500):
        if len(handler.calls) == 2:
            break
        stop.wait(0.01)
    stop.set()
    thread.join(timeout=5)
    assert (2, False) == (len(handler.calls), thread.is_alive())


def test_background_relay_leaves_the_caller_and_wakes_the_pump() -> None:
    """With a background relay a write returns before its handlers run; the pump, woken by
    the commit, handles it at once although its interval is long."""
    import threading
    import time

    store, handler = InMemoryStore(), Effects()
    core = build(
        uow_factory=store,
        clock=ManualClock(),
        password_hasher=PlainPasswordHasher(),
        token_service=FakeTokenService(),
        event_handlers=[HandlerSpec(name="effects", events=(UserRegistered,), func=handler)],
        background_relay=True,
    )
    register(core)
    assert [] == handler.calls
    stop = threading.Event()
    thread = threading.Thread(target=core.pump, args=(stop, 60.0))
    thread.start()
    try:
        deadline = time.monotonic() + 5
        while len(handler.calls) < 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        register(core, "bob")  # the pump is waiting now; this commit wakes it
        while len(handler.calls) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        stop.set()
        core.wake()
        thread.join(timeout=5)
    assert (2, False) == (len(handler.calls), thread.is_alive())


def test_closing_the_core_ends_its_pumps() -> None:
    """A pump whose own stop is never set (a host's, say) ends when the core is closed,
    and ``close`` returns only once it has: nothing of the core runs after it."""
    import threading

    core = make(InMemoryStore(), Effects(), ManualClock())
    never = threading.Event()
    threads = [
        threading.Thread(target=core.pump, args=(never, 60.0), daemon=True) for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for _ in range(500):
        if len(core._pumps) == 2:
            break
        never.wait(0.01)
    core.close(timeout=5)
    assert [False, False] == [thread.is_alive() for thread in threads]
    late = threading.Thread(target=core.pump, args=(never, 60.0), daemon=True)
    late.start()
    late.join(timeout=5)
    assert not late.is_alive()  # a pump started after close ends at once
