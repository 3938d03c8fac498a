"""The EventBus contract suite: in-process delivery of committed events.

Subclass :class:`EventBusContract` and override the ``bus`` fixture with a fresh bus.
taskcore's own buses (blinker, and the standard-library one) pass this suite.
"""

from __future__ import annotations

import datetime as dt

import pytest

from taskcore.domain.events import DomainEvent, UserLoggedIn, UserRegistered
from taskcore.ports.events import EventBus

__all__ = ["EventBusContract"]

WHEN = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)


def registered(username: str) -> UserRegistered:
    """A ``user.registered`` event."""
    return UserRegistered(occurred_at=WHEN, actor_id=None, entity_id=1, username=username)


def logged_in(user_id: int) -> UserLoggedIn:
    """A ``user.logged_in`` event."""
    return UserLoggedIn(occurred_at=WHEN, actor_id=user_id, entity_id=user_id)


class EventBusContract:
    """Every check of the :class:`~taskcore.ports.events.EventBus` contract."""

    @pytest.fixture
    def bus(self) -> EventBus:
        """A fresh bus with no subscriber; override this fixture."""
        raise NotImplementedError("override the `bus` fixture to return a fresh bus")

    def test_a_handler_gets_the_events_of_its_name_in_order(self, bus: EventBus) -> None:
        """A handler subscribed to a name gets each published event of that name, in the
        order published, and no other."""
        seen: list[DomainEvent] = []
        bus.subscribe("user.registered", seen.append)
        first, other, second = registered("ada"), logged_in(7), registered("bob")
        bus.publish([first, other, second])
        assert seen == [first, second]

    def test_star_gets_every_event(self, bus: EventBus) -> None:
        """A handler subscribed to ``*`` gets every event."""
        seen: list[str] = []
        bus.subscribe("*", lambda event: seen.append(event.name))
        bus.publish([registered("ada"), logged_in(7)])
        assert seen == ["user.registered", "user.logged_in"]

    def test_every_subscriber_is_called(self, bus: EventBus) -> None:
        """Several handlers of one name each get the event."""
        calls: list[str] = []
        bus.subscribe("user.logged_in", lambda event: calls.append("first"))
        bus.subscribe("user.logged_in", lambda event: calls.append("second"))
        bus.publish([logged_in(7)])
        assert sorted(calls) == ["first", "second"]

    def test_a_failing_handler_stops_neither_the_others_nor_the_publisher(
        self, bus: EventBus
    ) -> None:
        """A handler that raises is isolated: ``publish`` returns, the other handlers
        and the following events are still delivered."""
        seen: list[str] = []

        def broken(event: DomainEvent) -> None:
            raise RuntimeError("handler bug")

        bus.subscribe("user.registered", broken)
        bus.subscribe("*", lambda event: seen.append(event.name))
        bus.publish([registered("ada"), logged_in(7)])
        assert seen == ["user.registered", "user.logged_in"]

    def test_publishing_nothing_or_without_subscribers_is_harmless(self, bus: EventBus) -> None:
        """No events, or events nobody subscribed to, are no error."""
        bus.publish([])
        bus.publish([registered("ada")])
        seen: list[DomainEvent] = []
        bus.subscribe("user.registered", seen.append)
        assert seen == []
