"""The retention of the outbox: settled events beyond the retention period are purged with
their done deliveries, in batches, by a daily job; unsettled ones are kept."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pytest

from taskcore.app import Taskcore, build
from taskcore.domain.events import DomainEvent, UserRegistered
from taskcore.domain.pagination import PageRequest
from taskcore.ports.deliveries import DeliveryStatus
from taskcore.ports.uow import UnitOfWorkFactory
from taskcore.services import events as dispatcher
from taskcore.services.events import HandlerSpec
from taskcore.uow import Work
from taskcore_adapters.memory import (
    FakeTokenService,
    InMemoryStore,
    ManualClock,
    PlainPasswordHasher,
)


class Audit:
    """A handler of registrations that remembers each event's id by username and fails
    for the usernames in ``failing``."""

    def __init__(self, failing: Sequence[str] = ()) -> None:
        self.failing = set(failing)
        self.seen: dict[str, str] = {}

    def __call__(self, work: Work, event: DomainEvent) -> None:
        username = str(event.details["username"])
        self.seen[username] = event.event_id
        if username in self.failing:
            raise RuntimeError("handler failed")


def always_fails(work: Work, event: DomainEvent) -> None:
    raise RuntimeError("still failing")


def make(factory: UnitOfWorkFactory, clock: ManualClock, audit: Audit, **options: Any) -> Taskcore:
    """A taskcore whose ``audit`` handler gets one attempt and whose ``slow`` handler,
    for the user named ``slow`` only, keeps failing with attempts left (stays pending)."""
    return build(
        uow_factory=factory,
        clock=clock,
        password_hasher=PlainPasswordHasher(),
        token_service=FakeTokenService(),
        event_handlers=[
            HandlerSpec(name="audit", events=(UserRegistered,), func=audit, max_attempts=1),
            HandlerSpec(
                name="slow",
                events=(UserRegistered,),
                func=always_fails,
                when=lambda e: e.details.get("username") == "slow",
            ),
        ],
        **options,
    )


def register(core: Taskcore, *names: str) -> None:
    for name in names:
        core.users.register(
            username=name, email=f"{name}@example.com", password="long enough", full_name="A"
        )


def stored(core: Taskcore, audit: Audit) -> list[str]:
    """The usernames whose registration event is still in the outbox."""
    with core.transactions() as work:
        return sorted(n for n, i in audit.seen.items() if work.uow.outbox.get(i) is not None)


def deliveries(core: Taskcore, audit: Audit) -> list[tuple[str, str, DeliveryStatus]]:
    """Every delivery as (username, handler, status)."""
    names = {event_id: name for name, event_id in audit.seen.items()}
    with core.transactions() as work:
        found = [
            (names[d.event_id], d.handler, d.status)
            for status in DeliveryStatus
            for d in work.uow.deliveries.list(status, PageRequest(per_page=100)).items
        ]
    return sorted(found)


class TestPurge:
    def test_settled_events_go_unsettled_stay(self, uow_factory: UnitOfWorkFactory) -> None:
        """After the retention period an event whose deliveries are done goes with them;
        events with a failed or a pending delivery stay with all their deliveries, and
        recent events stay."""
        clock, audit = ManualClock(), Audit(failing=["bad"])
        core = make(uow_factory, clock, audit)
        register(core, "ann", "bad", "slow")
        clock.advance(days=7, seconds=1)
        register(core, "new")
        assert 1 == core.events.purge()
        assert ["bad", "new", "slow"] == stored(core, audit)
        assert [
            ("bad", "audit", DeliveryStatus.FAILED),
            ("new", "audit", DeliveryStatus.DONE),
            ("slow", "audit", DeliveryStatus.DONE),
            ("slow", "slow", DeliveryStatus.PENDING),
        ] == deliveries(core, audit)
        failed = core.events.list_deliveries(True, DeliveryStatus.FAILED, PageRequest())
        assert [audit.seen["bad"]] == [d.event_id for d in failed.items]

    def test_retention_is_counted_from_publication(self, uow_factory: UnitOfWorkFactory) -> None:
        """An event published exactly the retention period ago is kept; a second later it
        is purged, and purging again deletes nothing."""
        clock, audit = ManualClock(), Audit()
        core = make(uow_factory, clock, audit)
        register(core, "ann")
        clock.advance(days=7)
        assert (0, ["ann"]) == (core.events.purge(), stored(core, audit))
        clock.advance(seconds=1)
        assert (1, [], []) == (core.events.purge(), stored(core, audit), deliveries(core, audit))
        assert 0 == core.events.purge()

    def test_configured_retention(self, uow_factory: UnitOfWorkFactory) -> None:
        """``event_retention_days`` sets the period; less than a day is refused."""
        clock, audit = ManualClock(), Audit()
        core = make(uow_factory, clock, audit, event_retention_days=30)
        register(core, "ann")
        clock.advance(days=29)
        assert 0 == core.events.purge()
        clock.advance(days=2)
        assert 1 == core.events.purge()
        with pytest.raises(ValueError, match="retention_days"):
            make(uow_factory, clock, audit, event_retention_days=0)

    def test_each_batch_commits_on_its_own(
        self, uow_factory: UnitOfWorkFactory, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """With batches of two, a failure in the second batch keeps the first batch's
        deletions and rolls back all of the second's (its deliveries too); the next run
        deletes the rest."""
        clock, audit = ManualClock(), Audit()
        core = make(uow_factory, clock, audit)
        names = ["a1", "a2", "a3", "a4", "a5"]
        for name in names:
            register(core, name)
            clock.advance(seconds=1)
        clock.advance(days=8)
        monkeypatch.setattr(dispatcher, "PURGE_BATCH", 2)
        with uow_factory() as uow:
            outbox_class = type(uow.outbox)
        original = outbox_class.delete_settled
        calls: list[int] = []

        def fail_second(self: Any, event_ids: Sequence[str]) -> int:
            calls.append(len(event_ids))
            if len(calls) == 2:
                raise RuntimeError("disk full")
            return original(self, event_ids)

        monkeypatch.setattr(outbox_class, "delete_settled", fail_second)
        with pytest.raises(RuntimeError, match="disk full"):
            core.events.purge()
        assert names[2:] == stored(core, audit)
        assert [(n, "audit", DeliveryStatus.DONE) for n in names[2:]] == deliveries(core, audit)
        monkeypatch.setattr(outbox_class, "delete_settled", original)
        assert (3, [], []) == (core.events.purge(), stored(core, audit), deliveries(core, audit))


class TestPurgeJob:
    def test_registered_daily_at_half_past_two(self) -> None:
        """The purge is a periodic job, daily at 02:30 UTC, after the activity cleanup."""
        core = make(InMemoryStore(), ManualClock(), Audit())
        periodic = {job.spec.name: (job.interval, job.offset) for job in core.jobs.periodic}
        assert (dt.timedelta(days=1), dt.timedelta(hours=2, minutes=30)) == periodic["events.purge"]
        assert "events.purge" in core.jobs.names

    def test_scheduler_runs_it(self, uow_factory: UnitOfWorkFactory) -> None:
        """When its 02:30 slot comes, the background round purges old settled events."""
        clock, audit = ManualClock(), Audit()
        core = make(uow_factory, clock, audit)
        register(core, "ann")
        clock.advance(days=7)  # 2026-01-08 12:00
        core.tick()  # the first round notes the current slots
        clock.advance(hours=14)  # 2026-01-09 02:00: before the next slot
        core.tick()
        assert ["ann"] == stored(core, audit)
        clock.advance(minutes=30)  # 02:30
        core.tick()
        assert ([], []) == (stored(core, audit), deliveries(core, audit))

    def test_run_by_name(self, uow_factory: UnitOfWorkFactory) -> None:
        """Workers run the job by its name, without arguments."""
        clock, audit = ManualClock(), Audit()
        core = make(uow_factory, clock, audit)
        register(core, "ann")
        clock.advance(days=8)
        core.run_job("events.purge", {})
        assert [] == stored(core, audit)
