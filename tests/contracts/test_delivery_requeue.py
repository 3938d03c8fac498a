"""The requeue contract of the event deliveries, on every adapter: which failed
deliveries ``requeue_failed`` makes pending again, and how."""

from __future__ import annotations

import datetime as dt

import attrs

from taskcore.domain.pagination import PageRequest
from taskcore.ports.deliveries import Delivery, DeliveryStatus
from taskcore.ports.uow import UnitOfWork, UnitOfWorkFactory

CREATED = dt.datetime(2026, 3, 10, 9, 30, 15, 123456, tzinfo=dt.UTC)
NOW = CREATED + dt.timedelta(days=2, microseconds=7)
EVENTS = ("e" * 32, "f" * 32)
HANDLERS = ("mail", "hook", "audit")


def seed(uow_factory: UnitOfWorkFactory) -> None:
    """For each event: ``mail`` and ``hook`` failed after 8 attempts, ``audit`` done."""
    with uow_factory() as uow:
        for event_id in EVENTS:
            uow.deliveries.create(event_id, HANDLERS, CREATED)
            for handler, status in (
                ("mail", DeliveryStatus.FAILED),
                ("hook", DeliveryStatus.FAILED),
                ("audit", DeliveryStatus.DONE),
            ):
                settle(uow, event_id, handler, status)
        uow.commit()


def settle(uow: UnitOfWork, event_id: str, handler: str, status: DeliveryStatus) -> None:
    delivery = uow.deliveries.lock(event_id, handler)
    assert delivery is not None
    uow.deliveries.save(
        attrs.evolve(
            delivery,
            status=status,
            attempts=8,
            next_attempt_at=CREATED + dt.timedelta(hours=1),
            last_error="RuntimeError: boom" if status == DeliveryStatus.FAILED else None,
            updated_at=CREATED + dt.timedelta(hours=1),
        )
    )


def state(uow_factory: UnitOfWorkFactory) -> dict[tuple[str, str], Delivery]:
    with uow_factory() as uow:
        return {
            (d.event_id, d.handler): d
            for status in DeliveryStatus
            for d in uow.deliveries.list(status, PageRequest(per_page=100)).items
        }


class TestRequeueFailed:
    def test_failed_become_pending_and_due_now(self, uow_factory: UnitOfWorkFactory) -> None:
        """Every failed delivery of the named handlers becomes pending with no attempts,
        due and updated at ``now``, its last error kept; done ones are left alone."""
        seed(uow_factory)
        before = state(uow_factory)
        with uow_factory() as uow:
            assert 4 == uow.deliveries.requeue_failed(NOW, handlers=HANDLERS)
            uow.commit()
        after = state(uow_factory)
        for event_id in EVENTS:
            for handler in ("mail", "hook"):
                assert (
                    attrs.evolve(
                        before[(event_id, handler)],
                        status=DeliveryStatus.PENDING,
                        attempts=0,
                        next_attempt_at=NOW,
                        updated_at=NOW,
                    )
                    == after[(event_id, handler)]
                )
            assert before[(event_id, "audit")] == after[(event_id, "audit")]
        with uow_factory() as uow:
            assert 4 == len(uow.deliveries.due(NOW, 100))

    def test_narrowed_by_handler_and_event(self, uow_factory: UnitOfWorkFactory) -> None:
        """Only failed deliveries of the listed handlers and, if given, of the one event
        are requeued; an unknown event, no handlers or a done delivery give 0."""
        seed(uow_factory)
        first, second = EVENTS
        with uow_factory() as uow:
            assert 0 == uow.deliveries.requeue_failed(NOW, handlers=())
            assert 0 == uow.deliveries.requeue_failed(NOW, handlers=HANDLERS, event_id="0" * 32)
            assert 0 == uow.deliveries.requeue_failed(NOW, handlers=["audit", "gone"])
            assert 1 == uow.deliveries.requeue_failed(NOW, handlers=["hook"], event_id=first)
            assert 1 == uow.deliveries.requeue_failed(NOW, handlers=["mail"], event_id=second)
            assert 0 == uow.deliveries.requeue_failed(NOW, handlers=["mail"], event_id=second)
            uow.commit()
        pending = {k for k, d in state(uow_factory).items() if d.status == DeliveryStatus.PENDING}
        assert {(first, "hook"), (second, "mail")} == pending

    def test_rolled_back_requeue_changes_nothing(self, uow_factory: UnitOfWorkFactory) -> None:
        """A requeue in a unit of work that is not committed leaves the deliveries failed."""
        seed(uow_factory)
        before = state(uow_factory)
        with uow_factory() as uow:
            assert 4 == uow.deliveries.requeue_failed(NOW, handlers=HANDLERS)
        assert before == state(uow_factory)
