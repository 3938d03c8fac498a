"""The repository contract of personal access tokens, on every adapter."""

from __future__ import annotations

import datetime as dt

import attrs

from taskcore.domain.access_tokens import AccessToken
from taskcore.domain.pagination import PageRequest
from taskcore.domain.users import User
from taskcore.ports.uow import UnitOfWorkFactory

NOW = dt.datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=dt.UTC)


def user(factory: UnitOfWorkFactory, name: str) -> int:
    with factory() as uow:
        added = uow.users.add(
            User(
                username=name,
                email=f"{name}@example.com",
                password_hash="h",
                full_name=None,
                created_at=NOW,
            )
        )
        uow.commit()
    return added.key


def token(
    user_id: int, n: int, *, scopes: frozenset[str] = frozenset({"tasks:read"})
) -> AccessToken:
    return AccessToken(
        user_id=user_id,
        name=f"token {n}",
        digest=f"{n:064x}",
        scopes=scopes,
        created_at=NOW + dt.timedelta(minutes=n),
        expires_at=NOW + dt.timedelta(days=30),
    )


def add(factory: UnitOfWorkFactory, *tokens: AccessToken) -> list[AccessToken]:
    with factory() as uow:
        stored = [uow.access_tokens.add(t) for t in tokens]
        uow.commit()
    return stored


def test_a_token_round_trips_and_is_read_with_its_owner(uow_factory: UnitOfWorkFactory) -> None:
    """A stored token gets an id and reads back equal, by id and (with its owner) by
    digest; unknown ids and digests give ``None``."""
    alice = user(uow_factory, "alice")
    scopes = frozenset({"tasks:write", "comments:read", "admin:read"})
    (stored,) = add(uow_factory, token(alice, 1, scopes=scopes))
    with uow_factory() as uow:
        by_id = uow.access_tokens.get(stored.key)
        by_digest = uow.access_tokens.get_with_user(stored.digest)
        owner = uow.users.get(alice)
        missing = (uow.access_tokens.get(stored.key + 99), uow.access_tokens.get_with_user("0"))
    assert attrs.evolve(token(alice, 1, scopes=scopes), id=stored.id) == by_id
    assert ((by_id, owner), (None, None)) == (by_digest, missing)


def test_listing_is_newest_first_paged_per_user_and_without_revoked(
    uow_factory: UnitOfWorkFactory,
) -> None:
    alice, bob = user(uow_factory, "alice"), user(uow_factory, "bob")
    first, second, third, bobs = add(
        uow_factory, token(alice, 1), token(alice, 2), token(alice, 3), token(bob, 4)
    )
    with uow_factory() as uow:
        uow.access_tokens.revoke(second.key, now=NOW, reason="revoked")
        uow.commit()
    with uow_factory() as uow:
        page_one = uow.access_tokens.list(PageRequest(page=1, per_page=1), user_id=alice)
        page_two = uow.access_tokens.list(PageRequest(page=2, per_page=1), user_id=alice)
        everyone = uow.access_tokens.list(PageRequest(), user_id=None)
    assert ([third.key], [first.key], 2) == (
        [t.key for t in page_one.items],
        [t.key for t in page_two.items],
        page_one.total,
    )
    assert [bobs.key, third.key, first.key] == [t.key for t in everyone.items]


def test_revoking_keeps_the_first_time_and_reason(uow_factory: UnitOfWorkFactory) -> None:
    alice, bob = user(uow_factory, "alice"), user(uow_factory, "bob")
    one, two, three, bobs = add(
        uow_factory, token(alice, 1), token(alice, 2), token(alice, 3), token(bob, 4)
    )
    later = NOW + dt.timedelta(hours=1)
    with uow_factory() as uow:
        first = uow.access_tokens.revoke(one.key, now=NOW, reason="revoked")
        again = uow.access_tokens.revoke(one.key, now=later, reason="revoked_by_admin")
        swept = uow.access_tokens.revoke_all(alice, now=later, reason="deactivated")
        uow.commit()
    with uow_factory() as uow:
        stored = [uow.access_tokens.get(t.key) for t in (one, two, three, bobs)]
    assert (NOW, "revoked", None) == (
        getattr(first, "revoked_at", None),
        getattr(first, "revoked_reason", None),
        again,
    )
    assert [two.key, three.key] == [t.key for t in swept]
    assert [("revoked", NOW), ("deactivated", later), ("deactivated", later), (None, None)] == [
        (getattr(t, "revoked_reason", "?"), getattr(t, "revoked_at", "?")) for t in stored
    ]


def test_a_use_is_noted_at_most_once_a_minute(uow_factory: UnitOfWorkFactory) -> None:
    alice = user(uow_factory, "alice")
    (stored,) = add(uow_factory, token(alice, 1))
    seen = []
    for seconds, address in ((0, "192.0.2.1"), (59, "192.0.2.2"), (60, "2001:db8::3")):
        with uow_factory() as uow:
            when = NOW + dt.timedelta(seconds=seconds)
            uow.access_tokens.record_use(stored.key, now=when, address=address)
            uow.commit()
        with uow_factory() as uow:
            current = uow.access_tokens.get(stored.key)
        assert current is not None
        seen.append((current.last_used_at, current.last_used_from))
    assert [
        (NOW, "192.0.2.1"),
        (NOW, "192.0.2.1"),
        (NOW + dt.timedelta(seconds=60), "2001:db8::3"),
    ] == seen
