"""The users repository and the unit of work's transactions: the checks of
:class:`~taskcore_adapters.contracts.UnitOfWorkContract` about them."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest

from taskcore import errors
from taskcore.domain.events import UserRegistered
from taskcore.domain.pagination import PageRequest
from taskcore.ports.uow import UnitOfWorkFactory
from taskcore_adapters.contracts.repositories.records import NOW, add_user, new_user


class _Users:
    def test_add_assigns_increasing_ids_and_round_trips(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        """Stored users get increasing ids and read back equal, with aware UTC times."""
        first = add_user(uow_factory, new_user("alice"))
        second = add_user(
            uow_factory, new_user("bob", last_login=NOW, login_count=3, is_admin=True)
        )
        assert first.key < second.key
        with uow_factory() as uow:
            assert second == uow.users.get(second.key)
            read = uow.users.get(first.key)
        assert read is not None
        assert (read.created_at, read.created_at.tzinfo, read.version) == (NOW, dt.UTC, 1)

    def test_lookups_ignore_case(self, uow_factory: UnitOfWorkFactory) -> None:
        """Username and e-mail look-ups ignore case."""
        stored = add_user(uow_factory, new_user("Alice"))
        with uow_factory() as uow:
            assert stored == uow.users.get_by_username("aLiCe")
            assert stored == uow.users.get_by_email("ALICE@example.com")
            assert uow.users.get_by_username("bob") is None
            assert uow.users.get(9999) is None

    def test_unique_username_any_case(self, uow_factory: UnitOfWorkFactory) -> None:
        """A second username differing only in case is refused."""
        add_user(uow_factory, new_user("alice"))
        with pytest.raises(errors.UsernameAlreadyExists), uow_factory() as uow:
            uow.users.add(new_user("ALICE", email="other@example.com"))

    def test_unique_email(self, uow_factory: UnitOfWorkFactory) -> None:
        """A second account with the same e-mail is refused."""
        add_user(uow_factory, new_user("alice"))
        with pytest.raises(errors.EmailAlreadyExists), uow_factory() as uow:
            uow.users.add(new_user("bob", email="alice@example.com"))

    def test_user_update_checks_version(self, uow_factory: UnitOfWorkFactory) -> None:
        """An update bumps the version; a stale copy is refused and changes nothing."""
        stored = add_user(uow_factory, new_user())
        with uow_factory() as uow:
            fresh = uow.users.get(stored.key)
            assert fresh is not None
            fresh.full_name = "New"
            updated = uow.users.update(fresh)
            uow.commit()
        assert updated.version == 2
        stored.full_name = "Stale"
        with pytest.raises(errors.VersionMismatch), uow_factory() as uow:
            uow.users.update(stored)
        with uow_factory() as uow:
            current = uow.users.get(stored.key)
        assert current is not None
        assert current.full_name == "New"

    def test_updating_an_unknown_user(self, uow_factory: UnitOfWorkFactory) -> None:
        """Updating a user that does not exist raises UserNotFound."""
        with pytest.raises(errors.UserNotFound), uow_factory() as uow:
            uow.users.update(new_user(id=404))

    def test_list_pages_oldest_first(self, uow_factory: UnitOfWorkFactory) -> None:
        """The list is ordered by id, paged, with the total."""
        for name in ["a1", "b2", "c3", "d4", "e5"]:
            add_user(uow_factory, new_user(name))
        with uow_factory() as uow:
            page = uow.users.list(PageRequest(page=2, per_page=2))
        assert ([u.username for u in page.items], page.total, page.pages) == (["c3", "d4"], 5, 3)


class _Transactions:
    def test_without_commit_nothing_is_kept(self, uow_factory: UnitOfWorkFactory) -> None:
        """Leaving the block without commit rolls back."""
        with uow_factory() as uow:
            uow.users.add(new_user())
        with uow_factory() as uow:
            assert uow.users.list(PageRequest()).total == 0

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
            assert (uow.users.list(PageRequest()).total, list(uow.outbox.pending(10))) == (0, [])

    def test_concurrent_duplicate_adds_one_wins(self, uow_factory: UnitOfWorkFactory) -> None:
        """Of concurrent transactions adding the same username, exactly one commits."""

        def attempt(i: int) -> str:
            try:
                add_user(uow_factory, new_user("same", email=f"x{i}@example.com"))
            except errors.UsernameAlreadyExists:
                return "conflict"
            return "ok"

        with ThreadPoolExecutor(max_workers=6) as pool:
            outcomes = list(pool.map(attempt, range(6)))
        assert (outcomes.count("ok"), outcomes.count("conflict")) == (1, 5)
