"""The retention contract of the outbox and the event deliveries, on every adapter: which
published events may be purged, and deleting them with their done deliveries."""

from __future__ import annotations

import datetime as dt

import attrs

from taskcore.domain.events import DomainEvent, UserRegistered
from taskcore.domain.pagination import PageRequest
from taskcore.ports.deliveries import DeliveryStatus
from taskcore.ports.uow import UnitOfWork, UnitOfWorkFactory

NOW = dt.datetime(2026, 3, 10, 9, 30, 15, 123456, tzinfo=dt.UTC)
CUTOFF = NOW - dt.timedelta(days=7)


def event(n: int) -> DomainEvent:
    return UserRegistered(occurred_at=NOW, actor_id=1, entity_id=n, username=f"u{n}")


def publish(
    uow_factory: UnitOfWorkFactory,
    at: dt.datetime | None,
    *statuses: DeliveryStatus,
) -> str:
    """Store one event published at ``at`` (``None``: not yet), with one delivery in each
    status, and return its id."""
    stored = event(0)
    with uow_factory() as uow:
        uow.outbox.append([stored], published_at=at)
        handlers = [f"h{n}" for n in range(len(statuses))]
        uow.deliveries.create(stored.event_id, handlers, at or NOW)
        for handler, status in zip(handlers, statuses, strict=True):
            settle(uow, stored.event_id, handler, status)
        uow.commit()
    return stored.event_id


def settle(uow: UnitOfWork, event_id: str, handler: str, status: DeliveryStatus) -> None:
    delivery = uow.deliveries.lock(event_id, handler)
    assert delivery is not None
    uow.deliveries.save(attrs.evolve(delivery, status=status, attempts=1))


def deliveries(uow: UnitOfWork) -> list[tuple[str, str, DeliveryStatus]]:
    found = [
        (d.event_id, d.handler, d.status)
        for status in DeliveryStatus
        for d in uow.deliveries.list(status, PageRequest(per_page=100)).items
    ]
    return sorted(found)


class TestPurgeable:
    def test_only_old_published_settled_events(self, uow_factory: UnitOfWorkFactory) -> None:
        """Events published before the cutoff qualify when every delivery is done or they
        have none; a pending or failed delivery, a later publication, the cutoff itself
        and an unpublished event do not."""
        old = CUTOFF - dt.timedelta(seconds=1)
        done = publish(uow_factory, old, DeliveryStatus.DONE, DeliveryStatus.DONE)
        bare = publish(uow_factory, old)
        publish(uow_factory, old, DeliveryStatus.DONE, DeliveryStatus.PENDING)
        publish(uow_factory, old, DeliveryStatus.FAILED)
        publish(uow_factory, CUTOFF, DeliveryStatus.DONE)
        publish(uow_factory, NOW, DeliveryStatus.DONE)
        publish(uow_factory, None)
        with uow_factory() as uow:
            assert {done, bare} == set(uow.outbox.purgeable(CUTOFF, 100))

    def test_oldest_publication_first_up_to_the_limit(self, uow_factory: UnitOfWorkFactory) -> None:
        """The oldest publications come first, at most ``limit`` of them."""
        ids = [
            publish(uow_factory, CUTOFF - dt.timedelta(days=days), DeliveryStatus.DONE)
            for days in (1, 3, 2)
        ]
        with uow_factory() as uow:
            assert [ids[1], ids[2]] == list(uow.outbox.purgeable(CUTOFF, 2))
            assert [ids[1], ids[2], ids[0]] == list(uow.outbox.purgeable(CUTOFF, 10))


class TestDelete:
    def test_done_deliveries_and_settled_events_go_together(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        """Deleting a purgeable batch removes its events and their done deliveries; other
        events and their deliveries stay."""
        old = CUTOFF - dt.timedelta(days=1)
        gone = publish(uow_factory, old, DeliveryStatus.DONE, DeliveryStatus.DONE)
        bare = publish(uow_factory, old)
        recent = publish(uow_factory, NOW, DeliveryStatus.DONE)
        with uow_factory() as uow:
            batch = uow.outbox.purgeable(CUTOFF, 100)
            assert 2 == uow.deliveries.delete_done(batch)
            assert 2 == uow.outbox.delete_settled(batch)
            uow.commit()
        with uow_factory() as uow:
            assert (None, None) == (uow.outbox.get(gone), uow.outbox.get(bare))
            assert recent == getattr(uow.outbox.get(recent), "event_id", None)
            assert [(recent, "h0", DeliveryStatus.DONE)] == deliveries(uow)
            assert [] == list(uow.outbox.purgeable(CUTOFF, 100))

    def test_unsettled_and_unpublished_events_are_kept(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        """Named explicitly, an event with a pending or failed delivery keeps that delivery
        and stays, and so does an unpublished one; only the done deliveries go."""
        old = CUTOFF - dt.timedelta(days=1)
        pending = publish(uow_factory, old, DeliveryStatus.DONE, DeliveryStatus.PENDING)
        failed = publish(uow_factory, old, DeliveryStatus.FAILED)
        unpublished = publish(uow_factory, None)
        with uow_factory() as uow:
            named = [pending, failed, unpublished, "0" * 32]
            assert 1 == uow.deliveries.delete_done(named)
            assert 0 == uow.outbox.delete_settled(named)
            uow.commit()
        with uow_factory() as uow:
            assert [pending, failed, unpublished] == [
                getattr(uow.outbox.get(i), "event_id", None) for i in (pending, failed, unpublished)
            ]
            assert sorted(
                [(pending, "h1", DeliveryStatus.PENDING), (failed, "h0", DeliveryStatus.FAILED)]
            ) == deliveries(uow)
            assert [unpublished] == [e.event_id for e in uow.outbox.pending(10)]

    def test_nothing_named_deletes_nothing(self, uow_factory: UnitOfWorkFactory) -> None:
        """Empty lists are accepted and delete nothing."""
        publish(uow_factory, CUTOFF - dt.timedelta(days=1), DeliveryStatus.DONE)
        with uow_factory() as uow:
            assert (0, 0) == (uow.deliveries.delete_done([]), uow.outbox.delete_settled([]))
            assert 1 == len(deliveries(uow))

    def test_rolled_back_deletion_keeps_everything(self, uow_factory: UnitOfWorkFactory) -> None:
        """A purge transaction that does not commit deletes nothing."""
        kept = publish(uow_factory, CUTOFF - dt.timedelta(days=1), DeliveryStatus.DONE)
        with uow_factory() as uow:
            batch = uow.outbox.purgeable(CUTOFF, 100)
            uow.deliveries.delete_done(batch)
            uow.outbox.delete_settled(batch)
        with uow_factory() as uow:
            assert [kept] == list(uow.outbox.purgeable(CUTOFF, 100))
            assert [(kept, "h0", DeliveryStatus.DONE)] == deliveries(uow)
