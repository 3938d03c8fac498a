"""The contract of the live feeds (the outbox and the in-app notifications read by
position), on every adapter."""

from __future__ import annotations

import datetime as dt

import pytest

from taskcore.domain.events import TaskCreated, UserRegistered
from taskcore.domain.notifications import EMAIL, IN_APP, Notification
from taskcore.domain.users import User
from taskcore.ports.uow import UnitOfWorkFactory

NOW = dt.datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=dt.UTC)


def store_events(uow_factory: UnitOfWorkFactory, count: int, *, commit: bool = True) -> None:
    with uow_factory() as uow:
        uow.outbox.append(
            [
                UserRegistered(occurred_at=NOW, actor_id=1, entity_id=n, username=f"u{n}")
                for n in range(count)
            ]
        )
        if commit:
            uow.commit()


@pytest.fixture
def user_id(uow_factory: UnitOfWorkFactory) -> int:
    with uow_factory() as uow:
        found = uow.users.add(
            User(
                username="alice",
                email="alice@example.com",
                password_hash="hash",
                full_name=None,
                created_at=NOW,
            )
        ).key
        uow.commit()
    return found


def notify(uow_factory: UnitOfWorkFactory, recipient: int, kind: str, subject: str) -> None:
    with uow_factory() as uow:
        uow.notifications.add(
            Notification(
                recipient_email="alice@example.com",
                recipient_id=recipient,
                subject=subject,
                body="b",
                notification_type=kind,
                context_data={"task_id": 3},
                scheduled_at=NOW,
                created_at=NOW,
                next_attempt_at=NOW,
            )
        )
        uow.commit()


class TestEventFeed:
    def test_empty(self, uow_factory: UnitOfWorkFactory) -> None:
        """An empty outbox has head 0 and nothing after it."""
        with uow_factory(read_only=True) as uow:
            assert 0 == uow.live.event_head()
            assert [] == list(uow.live.events_after(0, 10))

    def test_positions_grow_in_commit_order(self, uow_factory: UnitOfWorkFactory) -> None:
        """Committed events come back oldest first with growing positions, the same ones
        on every read; the head is the last position; a limit and a start apply."""
        store_events(uow_factory, 3)
        store_events(uow_factory, 2)
        with uow_factory(read_only=True) as uow:
            entries = list(uow.live.events_after(0, 10))
            again = list(uow.live.events_after(0, 10))
            head = uow.live.event_head()
        assert [e.position for e in entries] == [e.position for e in again]
        positions = [e.position for e in entries]
        assert positions == sorted(set(positions))
        assert 5 == len(entries)
        assert [0, 1, 2, 0, 1] == [e.event.entity_id for e in entries if e.event]
        assert head == positions[-1]
        with uow_factory(read_only=True) as uow:
            assert positions[2:4] == [e.position for e in uow.live.events_after(positions[1], 2)]
            picked = uow.live.events_at({positions[4], positions[0], 10**9})
        assert [positions[0], positions[4]] == [e.position for e in picked]

    def test_events_round_trip(self, uow_factory: UnitOfWorkFactory) -> None:
        """The event read is the event stored."""
        event = TaskCreated(
            occurred_at=NOW,
            actor_id=1,
            entity_id=7,
            entity_version=1,
            project_id=2,
            title="T",
            status="pending",
            priority="high",
            assignee_id=None,
        )
        with uow_factory() as uow:
            uow.outbox.append([event])
            uow.commit()
        with uow_factory(read_only=True) as uow:
            (entry,) = uow.live.events_after(0, 10)
        assert event == entry.event

    def test_rolled_back_events_never_appear(self, uow_factory: UnitOfWorkFactory) -> None:
        """Events of a transaction that did not commit are not in the feed, and later
        ones get higher positions than any read before."""
        store_events(uow_factory, 1)
        store_events(uow_factory, 2, commit=False)
        store_events(uow_factory, 1)
        with uow_factory(read_only=True) as uow:
            entries = list(uow.live.events_after(0, 10))
        assert 2 == len(entries)
        assert entries[0].position < entries[1].position


class TestInboxFeed:
    def test_in_app_notifications_only(self, uow_factory: UnitOfWorkFactory, user_id: int) -> None:
        """In-app notifications come back by id, oldest first, with their fields; e-mail
        ones are not in the feed; the head is the highest in-app id."""
        notify(uow_factory, user_id, IN_APP, "one")
        notify(uow_factory, user_id, EMAIL, "mail")
        notify(uow_factory, user_id, IN_APP, "two")
        with uow_factory(read_only=True) as uow:
            items = list(uow.live.inbox_after(0, 10))
            head = uow.live.inbox_head()
        assert ["one", "two"] == [i.subject for i in items]
        assert head == items[-1].position
        first = items[0]
        assert (user_id, "b", "normal", {"task_id": 3}, NOW) == (
            first.recipient_id,
            first.body,
            first.priority,
            first.context_data,
            first.created_at,
        )
        with uow_factory(read_only=True) as uow:
            assert ["two"] == [i.subject for i in uow.live.inbox_after(first.position, 10)]
            assert ["one"] == [i.subject for i in uow.live.inbox_at({first.position})]
            assert 0 < len(uow.live.inbox_after(0, 1)) <= 1
