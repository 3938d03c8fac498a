"""T57: a poison event fails for good, and after the fix a requeue delivers it once."""

from __future__ import annotations

import datetime as dt

import pytest

from taskcore import errors
from taskcore.app import Taskcore, build
from taskcore.domain.events import DomainEvent, UserRegistered
from taskcore.domain.pagination import PageRequest
from taskcore.ports.deliveries import Delivery, DeliveryStatus
from taskcore.ports.uow import UnitOfWorkFactory
from taskcore.services.events import HandlerSpec
from taskcore.uow import Work
from taskcore_adapters.memory import (
    FakeTokenService,
    ManualClock,
    PlainPasswordHasher,
)

EXPIRES = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)
MAX_ATTEMPTS = 3


class Fixable:
    """A handler that fails while ``broken``; its database effect is one revoked-token row
    per event, so effects can be counted."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.broken = True
        self.calls: list[str] = []

    def __call__(self, work: Work, event: DomainEvent) -> None:
        self.calls.append(event.event_id)
        work.uow.revoked_tokens.revoke(
            f"{self.name}-{event.event_id}", user_id=0, expires_at=EXPIRES
        )
        if self.broken:
            raise RuntimeError("poison payload")


def make(factory: UnitOfWorkFactory, clock: ManualClock, *handlers: Fixable) -> Taskcore:
    return build(
        uow_factory=factory,
        clock=clock,
        password_hasher=PlainPasswordHasher(),
        token_service=FakeTokenService(),
        event_handlers=[
            HandlerSpec(
                name=h.name,
                events=(UserRegistered,),
                func=h,
                max_attempts=MAX_ATTEMPTS,
            )
            for h in handlers
        ],
    )


def register(core: Taskcore, name: str) -> None:
    core.users.register(
        username=name, email=f"{name}@example.com", password="long enough", full_name="A"
    )


def exhaust(core: Taskcore, clock: ManualClock) -> None:
    """Run retry rounds until every failing delivery has used up its attempts."""
    for _ in range(MAX_ATTEMPTS + 2):
        clock.advance(hours=2)
        core.events.retry_due()


def listed(core: Taskcore, status: DeliveryStatus) -> list[Delivery]:
    return list(core.events.list_deliveries(True, status, PageRequest(per_page=100)).items)


def effects(factory: UnitOfWorkFactory, handler: Fixable) -> int:
    with factory() as uow:
        return sum(uow.revoked_tokens.is_revoked(f"{handler.name}-{e}") for e in set(handler.calls))


class TestRequeueFailed:
    def test_requeued_after_the_fix_succeeds_once(self, uow_factory: UnitOfWorkFactory) -> None:
        """A handler failing on every attempt leaves its delivery failed with no effect;
        after the fix a requeue makes it due at once, the next round delivers it, the
        effect is stored once, and nothing runs again."""
        clock, handler = ManualClock(), Fixable("poisoned")
        core = make(uow_factory, clock, handler)
        register(core, "alice")
        exhaust(core, clock)
        [failed] = listed(core, DeliveryStatus.FAILED)
        assert (MAX_ATTEMPTS, MAX_ATTEMPTS, 0) == (
            failed.attempts,
            len(handler.calls),
            effects(uow_factory, handler),
        )
        handler.broken = False
        assert 1 == core.events.requeue_failed(True)
        [pending] = listed(core, DeliveryStatus.PENDING)
        assert (0, clock.now()) == (pending.attempts, pending.next_attempt_at)
        assert 1 == core.events.retry_due()
        [done] = listed(core, DeliveryStatus.DONE)
        assert (failed.event_id, 1) == (done.event_id, done.attempts)
        assert (MAX_ATTEMPTS + 1, 1) == (len(handler.calls), effects(uow_factory, handler))
        assert (0, 0) == (core.events.requeue_failed(True), core.events.retry_due())
        clock.advance(hours=2)
        core.tick()
        assert MAX_ATTEMPTS + 1 == len(handler.calls)

    def test_other_handlers_and_events_are_unaffected(self, uow_factory: UnitOfWorkFactory) -> None:
        """While one handler fails on every attempt, a healthy handler of the same events
        delivers each of them once, and a requeue of the poisoned one leaves it alone."""
        clock, poisoned, healthy = ManualClock(), Fixable("poisoned"), Fixable("healthy")
        healthy.broken = False
        core = make(uow_factory, clock, poisoned, healthy)
        register(core, "alice")
        register(core, "bob")
        exhaust(core, clock)
        assert (["poisoned"] * 2, ["healthy"] * 2) == (
            [d.handler for d in listed(core, DeliveryStatus.FAILED)],
            [d.handler for d in listed(core, DeliveryStatus.DONE)],
        )
        assert (2, 2) == (len(healthy.calls), effects(uow_factory, healthy))
        poisoned.broken = False
        assert 2 == core.events.requeue_failed(True)
        assert 2 == core.events.retry_due()
        assert (2, 2, 2) == (
            len(healthy.calls),
            effects(uow_factory, poisoned),
            len(listed(core, DeliveryStatus.DONE)) - 2,
        )

    def test_still_broken_gets_all_its_attempts_again(self, uow_factory: UnitOfWorkFactory) -> None:
        """Requeued before the fix, a delivery is tried its full number of attempts again
        and then fails again, with its error."""
        clock, handler = ManualClock(), Fixable("poisoned")
        core = make(uow_factory, clock, handler)
        register(core, "alice")
        exhaust(core, clock)
        assert 1 == core.events.requeue_failed(True)
        exhaust(core, clock)
        [failed] = listed(core, DeliveryStatus.FAILED)
        assert (2 * MAX_ATTEMPTS, MAX_ATTEMPTS, "RuntimeError: poison payload") == (
            len(handler.calls),
            failed.attempts,
            failed.last_error,
        )

    def test_event_and_handler_filters(self, uow_factory: UnitOfWorkFactory) -> None:
        """``event_id`` and ``handler`` narrow the requeue; pending and done deliveries
        and other failures are left as they are."""
        clock, first, second = ManualClock(), Fixable("first"), Fixable("second")
        core = make(uow_factory, clock, first, second)
        register(core, "alice")
        register(core, "bob")
        exhaust(core, clock)
        assert 4 == len(listed(core, DeliveryStatus.FAILED))
        one = first.calls[0]
        assert 0 == core.events.requeue_failed(True, event_id="0" * 32)
        assert 1 == core.events.requeue_failed(True, event_id=one, handler="second")
        assert [(one, "second")] == [
            (d.event_id, d.handler) for d in listed(core, DeliveryStatus.PENDING)
        ]
        assert 2 == core.events.requeue_failed(True, handler="first")
        assert 0 == core.events.requeue_failed(True, handler="first")
        assert ["second"] == [d.handler for d in listed(core, DeliveryStatus.FAILED)]
        assert 1 == core.events.requeue_failed(True)
        assert (4, 0) == (
            len(listed(core, DeliveryStatus.PENDING)),
            len(listed(core, DeliveryStatus.FAILED)),
        )

    def test_only_admins_and_only_known_handlers(self, uow_factory: UnitOfWorkFactory) -> None:
        """A non-admin is refused, and so is an unknown handler name; nothing changes."""
        clock, handler = ManualClock(), Fixable("poisoned")
        core = make(uow_factory, clock, handler)
        register(core, "alice")
        exhaust(core, clock)
        with pytest.raises(errors.AdminRequired):
            core.events.requeue_failed(False)
        with pytest.raises(errors.ValidationError, match="nobody"):
            core.events.requeue_failed(True, handler="nobody")
        assert 1 == len(listed(core, DeliveryStatus.FAILED))
