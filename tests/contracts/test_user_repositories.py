"""The repository contract of users, revoked tokens and the outbox, on every adapter.

The core checks of users and of transactions are in the public suite
:class:`taskcore_adapters.contracts.UnitOfWorkContract` (run by ``test_units_of_work.py``);
these are the rest.
"""

from __future__ import annotations

import datetime as dt

import pytest

from taskcore import errors
from taskcore.domain.events import UserLoggedIn, UserRegistered
from taskcore.ports.uow import UnitOfWorkFactory
from taskcore_adapters.contracts.repositories.records import NOW, add_user, new_user


class TestUserRepository:
    def test_record_login_increments(self, uow_factory: UnitOfWorkFactory) -> None:
        """record_login increments the count and sets the time."""
        stored = add_user(uow_factory, new_user())
        later = NOW + dt.timedelta(hours=1)
        for _ in range(2):
            with uow_factory() as uow:
                result = uow.users.record_login(stored.key, later)
                uow.commit()
        assert (2, later) == (result.login_count, result.last_login)
        with pytest.raises(errors.UserNotFound), uow_factory() as uow:
            uow.users.record_login(404, later)

    def test_count_active_admins(self, uow_factory: UnitOfWorkFactory) -> None:
        """Only active administrators count."""
        add_user(uow_factory, new_user("a", is_admin=True))
        add_user(uow_factory, new_user("b", is_admin=True, is_active=False))
        add_user(uow_factory, new_user("c"))
        with uow_factory() as uow:
            assert 1 == uow.users.count_active_admins()


class TestRevokedTokens:
    def test_revoke_and_purge(self, uow_factory: UnitOfWorkFactory) -> None:
        """Revoked ids are remembered until they expire; revoking twice is harmless."""
        with uow_factory() as uow:
            uow.revoked_tokens.revoke("a", user_id=1, expires_at=NOW)
            uow.revoked_tokens.revoke("a", user_id=1, expires_at=NOW)
            uow.revoked_tokens.revoke("b", user_id=1, expires_at=NOW + dt.timedelta(days=1))
            uow.commit()
        with uow_factory() as uow:
            assert (True, True, False) == tuple(
                uow.revoked_tokens.is_revoked(t) for t in ("a", "b", "c")
            )
            assert 1 == uow.revoked_tokens.purge_expired(NOW + dt.timedelta(seconds=1))
            uow.commit()
        with uow_factory() as uow:
            assert (False, True) == tuple(uow.revoked_tokens.is_revoked(t) for t in ("a", "b"))


class TestOutbox:
    def test_events_round_trip_in_order(self, uow_factory: UnitOfWorkFactory) -> None:
        """Events read back equal, oldest first, until marked published."""
        events = [
            UserRegistered(occurred_at=NOW, actor_id=1, entity_id=1, username="a"),
            UserLoggedIn(occurred_at=NOW, actor_id=1, entity_id=1),
        ]
        with uow_factory() as uow:
            uow.outbox.append(events)
            uow.commit()
        with uow_factory() as uow:
            assert events == list(uow.outbox.pending(10))
            assert events[:1] == list(uow.outbox.pending(1))
            uow.outbox.mark_published([events[0].event_id], NOW)
            uow.commit()
        with uow_factory() as uow:
            assert events[1:] == list(uow.outbox.pending(10))
