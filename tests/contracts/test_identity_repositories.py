"""The repository contract of external identities, on every adapter."""

from __future__ import annotations

import datetime as dt

import pytest

from taskcore.domain.identities import ExternalIdentity
from taskcore.domain.pagination import PageRequest
from taskcore.domain.users import User
from taskcore.errors import IdentityAlreadyLinked
from taskcore.ports.uow import UnitOfWorkFactory

NOW = dt.datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=dt.UTC)


def add_user(
    factory: UnitOfWorkFactory,
    name: str,
    password_hash: str | None = "h",  # noqa: S107 - a stand-in stored hash
) -> int:
    with factory() as uow:
        user = uow.users.add(
            User(
                username=name,
                email=f"{name}@example.com",
                password_hash=password_hash,
                full_name=None,
                created_at=NOW,
            )
        )
        uow.commit()
    return user.key


def identity(user_id: int, subject: str, provider: str = "corp") -> ExternalIdentity:
    return ExternalIdentity(
        provider=provider,
        subject=subject,
        user_id=user_id,
        email="Alice@Corp.example",
        created_at=NOW,
    )


class TestIdentities:
    def test_a_link_round_trips_and_subjects_compare_exactly(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        """A stored link reads back by (provider, subject), with the address as given;
        another case of the subject or another provider is another identity."""
        user_id = add_user(uow_factory, "alice")
        with uow_factory() as uow:
            stored = uow.identities.add(identity(user_id, "Sub-1"))
            uow.commit()
        with uow_factory() as uow:
            found = uow.identities.get("corp", "Sub-1")
            others = (uow.identities.get("corp", "sub-1"), uow.identities.get("other", "Sub-1"))
        assert stored.id is not None
        assert (stored, (None, None)) == (found, others)
        assert found is not None
        assert "Alice@Corp.example" == found.email

    def test_a_pair_links_to_one_user_only(self, uow_factory: UnitOfWorkFactory) -> None:
        """Adding the same (provider, subject) again, even for another user, is refused
        and leaves the first link; the same subject at another provider is fine."""
        alice = add_user(uow_factory, "alice")
        bob = add_user(uow_factory, "bob")
        with uow_factory() as uow:
            uow.identities.add(identity(alice, "s1"))
            uow.commit()
        with uow_factory() as uow:
            with pytest.raises(IdentityAlreadyLinked):
                uow.identities.add(identity(bob, "s1"))
            uow.identities.add(identity(bob, "s1", provider="other"))
            uow.commit()
        with uow_factory() as uow:
            owners = [
                getattr(uow.identities.get(p, "s1"), "user_id", None) for p in ("corp", "other")
            ]
        assert [alice, bob] == owners

    def test_seen_records_the_address_and_time(self, uow_factory: UnitOfWorkFactory) -> None:
        """``seen`` keeps the provider's latest address and the sign-in time."""
        user_id = add_user(uow_factory, "alice")
        later = NOW + dt.timedelta(days=1)
        with uow_factory() as uow:
            stored = uow.identities.add(identity(user_id, "s1"))
            assert stored.id is not None
            uow.identities.seen(stored.id, email="new@corp.example", when=later)
            uow.commit()
        with uow_factory() as uow:
            found = uow.identities.get("corp", "s1")
        assert found is not None
        assert ("new@corp.example", later) == (found.email, found.last_seen_at)

    def test_a_users_links_are_paginated_oldest_first(self, uow_factory: UnitOfWorkFactory) -> None:
        """``list_for_user`` pages through one user's links in the order they were made,
        with the total, and none of another user's."""
        alice = add_user(uow_factory, "alice")
        bob = add_user(uow_factory, "bob")
        with uow_factory() as uow:
            for n in range(3):
                uow.identities.add(identity(alice, f"a{n}", provider=f"p{n}"))
            uow.identities.add(identity(bob, "b"))
            uow.commit()
        with uow_factory() as uow:
            second = uow.identities.list_for_user(alice, PageRequest(page=2, per_page=2))
        assert (["a2"], 3) == ([i.subject for i in second.items], second.total)


class TestUsersWithoutPassword:
    def test_an_account_without_password_round_trips(self, uow_factory: UnitOfWorkFactory) -> None:
        """A user stored without a password hash reads back without one, and keeps none
        through an update."""
        user_id = add_user(uow_factory, "alice", password_hash=None)
        with uow_factory() as uow:
            user = uow.users.get(user_id)
            assert user is not None
            user.full_name = "Alice"
            uow.users.update(user)
            uow.commit()
        with uow_factory() as uow:
            found = uow.users.get(user_id)
        assert found is not None
        assert (None, "Alice") == (found.password_hash, found.full_name)
