"""The repository contract of users, revoked tokens and the outbox, on every adapter."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest

from taskcore import errors
from taskcore.domain.events import UserLoggedIn, UserRegistered
from taskcore.domain.pagination import PageRequest
from taskcore.domain.users import User
from taskcore.ports.uow import UnitOfWorkFactory

NOW = dt.datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=dt.UTC)


def new_user(name: str = "alice", **changes: object) -> User:
    user = User(
        username=name,
        email=f"{name}@example.com",
        password_hash="hash",
        full_name=name.title(),
        created_at=NOW,
    )
    for key, value in changes.items():
        setattr(user, key, value)
    return user


def add(factory: UnitOfWorkFactory, user: User) -> User:
    with factory() as uow:
        stored = uow.users.add(user)
        uow.commit()
    return stored


class TestUserRepository:
    def test_add_assigns_increasing_ids_and_round_trips(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        """Stored users get increasing ids and read back equal, with aware UTC times."""
        first = add(uow_factory, new_user("alice"))
        second = add(uow_factory, new_user("bob", last_login=NOW, login_count=3, is_admin=True))
        assert first.key < second.key
        with uow_factory() as uow:
            assert second == uow.users.get(second.key)
            read = uow.users.get(first.key)
        assert read is not None
        assert (NOW, dt.UTC, 1) == (read.created_at, read.created_at.tzinfo, read.version)

    def test_lookups_ignore_case(self, uow_factory: UnitOfWorkFactory) -> None:
        """Username and e-mail look-ups ignore case."""
        stored = add(uow_factory, new_user("Alice"))
        with uow_factory() as uow:
            assert stored == uow.users.get_by_username("aLiCe")
            assert stored == uow.users.get_by_email("ALICE@example.com")
            assert uow.users.get_by_username("bob") is None
            assert uow.users.get(9999) is None

    def test_unique_username_any_case(self, uow_factory: UnitOfWorkFactory) -> None:
        """A second username differing only in case is refused."""
        add(uow_factory, new_user("alice"))
        with pytest.raises(errors.UsernameAlreadyExists), uow_factory() as uow:
            uow.users.add(new_user("ALICE", email="other@example.com"))

    def test_unique_email(self, uow_factory: UnitOfWorkFactory) -> None:
        """A second account with the same e-mail is refused."""
        add(uow_factory, new_user("alice"))
        with pytest.raises(errors.EmailAlreadyExists), uow_factory() as uow:
            uow.users.add(new_user("bob", email="alice@example.com"))

    def test_update_checks_version(self, uow_factory: UnitOfWorkFactory) -> None:
        """An update bumps the version; a stale copy is refused and changes nothing."""
        stored = add(uow_factory, new_user())
        with uow_factory() as uow:
            fresh = uow.users.get(stored.key)
            assert fresh is not None
            fresh.full_name = "New"
            updated = uow.users.update(fresh)
            uow.commit()
        assert 2 == updated.version
        stored.full_name = "Stale"
        with pytest.raises(errors.VersionMismatch), uow_factory() as uow:
            uow.users.update(stored)
        with uow_factory() as uow:
            current = uow.users.get(stored.key)
        assert current is not None
        assert "New" == current.full_name

    def test_update_unknown(self, uow_factory: UnitOfWorkFactory) -> None:
        """Updating a user that does not exist raises UserNotFound."""
        with pytest.raises(errors.UserNotFound), uow_factory() as uow:
            uow.users.update(new_user(id=404))

    def test_record_login_increments(self, uow_factory: UnitOfWorkFactory) -> None:
        """record_login increments the count and sets the time."""
        stored = add(uow_factory, new_user())
        later = NOW + dt.timedelta(hours=1)
        for _ in range(2):
            with uow_factory() as uow:
                result = uow.users.record_login(stored.key, later)
                uow.commit()
        assert (2, later) == (result.login_count, result.last_login)
        with pytest.raises(errors.UserNotFound), uow_factory() as uow:
            uow.users.record_login(404, later)

    def test_list_pages_oldest_first(self, uow_factory: UnitOfWorkFactory) -> None:
        """The list is ordered by id, paged, with the total."""
        for name in ["a1", "b2", "c3", "d4", "e5"]:
            add(uow_factory, new_user(name))
        with uow_factory() as uow:
            page = uow.users.list(PageRequest(page=2, per_page=2))
        assert (["c3", "d4"], 5, 3) == ([u.username for u in page.items], page.total, page.pages)

    def test_count_active_admins(self, uow_factory: UnitOfWorkFactory) -> None:
        """Only active administrators count."""
        add(uow_factory, new_user("a", is_admin=True))
        add(uow_factory, new_user("b", is_admin=True, is_active=False))
        add(uow_factory, new_user("c"))
        with uow_factory() as uow:
            assert 1 == uow.users.count_active_admins()


class TestUnitOfWork:
    def test_without_commit_nothing_is_kept(self, uow_factory: UnitOfWorkFactory) -> None:
        """Leaving the block without commit rolls back."""
        with uow_factory() as uow:
            uow.users.add(new_user())
        with uow_factory() as uow:
            assert 0 == uow.users.list(PageRequest()).total

    def test_exception_rolls_back(self, uow_factory: UnitOfWorkFactory) -> None:
        """An exception inside the block discards the work and propagates."""

        def fail() -> None:
            with uow_factory() as uow:
                uow.users.add(new_user())
                uow.outbox.append(
                    [UserRegistered(occurred_at=NOW, actor_id=1, entity_id=1, username="a")]
                )
                raise RuntimeError("boom")

        with pytest.raises(RuntimeError):
            fail()
        with uow_factory() as uow:
            assert (0, []) == (uow.users.list(PageRequest()).total, list(uow.outbox.pending(10)))

    def test_concurrent_duplicate_adds_one_wins(self, uow_factory: UnitOfWorkFactory) -> None:
        """Of concurrent transactions adding the same username, exactly one commits."""

        def attempt(i: int) -> str:
            try:
                add(uow_factory, new_user("same", email=f"x{i}@example.com"))
            except errors.UsernameAlreadyExists:
                return "conflict"
            return "ok"

        with ThreadPoolExecutor(max_workers=6) as pool:
            outcomes = list(pool.map(attempt, range(6)))
        assert (1, 5) == (outcomes.count("ok"), outcomes.count("conflict"))


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
