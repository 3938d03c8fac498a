"""M2: usernames and e-mail addresses are unique and found by their folded keys, the same on
every adapter (SQLite's and PostgreSQL's ``lower()`` are never asked)."""

from __future__ import annotations

import datetime as dt

import pytest

from taskcore import errors
from taskcore.domain import identifiers
from taskcore.domain.users import User
from taskcore.ports.uow import UnitOfWorkFactory

NOW = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)


def new_user(name: str, email: str | None = None) -> User:
    return User(
        username=name,
        email=email or f"{identifiers.username_key(name)}@example.com",
        password_hash="hash",
        full_name=None,
        created_at=NOW,
    )


def add(factory: UnitOfWorkFactory, user: User) -> User:
    with factory() as uow:
        stored = uow.users.add(user)
        uow.commit()
    return stored


def test_non_ascii_case_is_one_username(uow_factory: UnitOfWorkFactory) -> None:
    """``émile`` is taken once ``Émile`` exists, and either spelling finds ``Émile``."""
    victim = add(uow_factory, new_user("Émile", "victim@example.com"))
    with pytest.raises(errors.UsernameAlreadyExists), uow_factory() as uow:
        uow.users.add(new_user("émile", "attacker@example.com"))
    with uow_factory() as uow:
        assert victim == uow.users.get_by_username("émile")
        assert victim == uow.users.get_by_username("ÉMILE")
        assert victim == uow.users.get_by_username("E\u0301mile")


def test_dotted_capital_i(uow_factory: UnitOfWorkFactory) -> None:
    """``İstanbul`` is found by itself and by its case-folded spelling."""
    stored = add(uow_factory, new_user("İstanbul", "ist@example.com"))
    with uow_factory() as uow:
        assert stored == uow.users.get_by_username("İstanbul")
        assert stored == uow.users.get_by_username("İSTANBUL")
        assert stored == uow.users.get_by_username("i\u0307stanbul")
        assert uow.users.get_by_username("istanbul") is None


def test_full_width_is_the_same_name(uow_factory: UnitOfWorkFactory) -> None:
    """A full-width spelling collides with the ordinary one."""
    add(uow_factory, new_user("admin", "admin@example.com"))
    with pytest.raises(errors.UsernameAlreadyExists), uow_factory() as uow:
        uow.users.add(new_user("\uff41\uff44\uff4d\uff49\uff4e", "other@example.com"))


def test_non_ascii_case_is_one_email(uow_factory: UnitOfWorkFactory) -> None:
    """E-mail addresses differing only in non-ASCII case are one address."""
    stored = add(uow_factory, new_user("emile", "émile@example.com"))
    with pytest.raises(errors.EmailAlreadyExists), uow_factory() as uow:
        uow.users.add(new_user("other", "ÉMILE@example.com"))
    with uow_factory() as uow:
        assert stored == uow.users.get_by_email("ÉMILE@EXAMPLE.COM")


def test_update_keeps_keys_unique(uow_factory: UnitOfWorkFactory) -> None:
    """Changing an e-mail address to another account's (in another case) is refused."""
    add(uow_factory, new_user("anna", "émile@example.com"))
    bob = add(uow_factory, new_user("bob", "bob@example.com"))
    bob.email = "Émile@example.com"
    with pytest.raises(errors.EmailAlreadyExists), uow_factory() as uow:
        uow.users.update(bob)


def test_skeleton_lookup(uow_factory: UnitOfWorkFactory) -> None:
    """A Cyrillic look-alike's skeleton finds the Latin account."""
    coco = add(uow_factory, new_user("Coco", "coco@example.com"))
    with uow_factory() as uow:
        assert coco == uow.users.get_by_skeleton(identifiers.skeleton("\u0441\u043e\u0441\u043e"))
        assert uow.users.get_by_skeleton(identifiers.skeleton("coca")) is None
