"""Login sessions: refresh rotation, reuse detection, logout and the events that end them."""

from __future__ import annotations

import pytest

from taskcore import errors
from taskcore.domain.events import RefreshTokenReplayed
from taskcore.services.users import LoginResult
from taskcore_adapters.testing import World

PASSWORD = "correct horse"


@pytest.fixture
def world() -> World:
    """A fresh in-memory world."""
    return World.create()


def login(world: World, name: str = "alice") -> LoginResult:
    return world.core.users.login(username=name, password=PASSWORD)


def works(world: World, token: str) -> bool:
    try:
        world.core.users.authenticate(token)
    except errors.TokenInvalid:
        return False
    return True


def test_refresh_rotates_both_tokens(world: World) -> None:
    """A refresh returns a new access token and a new refresh token for the same user."""
    world.user("alice")
    first = login(world)
    world.clock.advance(minutes=1)
    second = world.core.users.refresh(first.refresh_token)
    assert second.refresh_token != first.refresh_token
    assert second.token != first.token
    assert ("alice", True, True) == (
        second.user.username,
        works(world, second.token),
        works(world, first.token),
    )


def test_replayed_refresh_token_revokes_the_whole_session(world: World) -> None:
    """Presenting a used refresh token after the reuse grace period ends the session: its
    newer tokens stop working too."""
    world.user("alice")
    first = login(world)
    other = login(world)
    second = world.core.users.refresh(first.refresh_token)
    world.clock.advance(seconds=11)
    with pytest.raises(errors.RefreshTokenReused, match="Refresh token reuse detected"):
        world.core.users.refresh(first.refresh_token)
    with pytest.raises(errors.TokenInvalid):
        world.core.users.refresh(second.refresh_token)
    assert (False, False, True) == (
        works(world, second.token),
        works(world, first.token),
        works(world, other.token),
    )
    reuse = [e for e in world.events() if isinstance(e, RefreshTokenReplayed)]
    assert 1 == len(reuse)
    with pytest.raises(errors.RefreshTokenReused):
        world.core.users.refresh(first.refresh_token)  # a second replay: still refused
    assert 1 == len([e for e in world.events() if isinstance(e, RefreshTokenReplayed)])


def test_unknown_or_missing_refresh_tokens_are_refused(world: World) -> None:
    """A made-up token is invalid; a missing one is a validation error naming the field."""
    with pytest.raises(errors.TokenInvalid):
        world.core.users.refresh("not-a-token")
    with pytest.raises(errors.ValidationError) as caught:
        world.core.users.refresh("")
    assert "refresh_token" == caught.value.field


def test_logout_ends_access_and_refresh_at_once(world: World) -> None:
    """After logout the session's access token and refresh token are refused; others work."""
    world.user("alice")
    first, second = login(world), login(world)
    world.core.users.logout(world.core.users.authenticate(first.token))
    assert (False, True) == (works(world, first.token), works(world, second.token))
    with pytest.raises(errors.TokenInvalid):
        world.core.users.refresh(first.refresh_token)
    assert world.core.users.refresh(second.refresh_token).token


def test_password_change_ends_other_sessions(world: World) -> None:
    """Changing the password ends every session but the fresh one it returns."""
    alice = world.user("alice")
    old = login(world)
    world.clock.advance(seconds=2)
    fresh = world.core.users.change_password(
        world.core.users.authenticate(old.token),
        current_password=PASSWORD,
        new_password="a new long passphrase",
    )
    assert (False, True) == (works(world, old.token), works(world, fresh.token))
    with pytest.raises(errors.TokenInvalid):
        world.core.users.refresh(old.refresh_token)
    assert alice.user_id == world.core.users.refresh(fresh.refresh_token).user.id


def test_deactivation_ends_sessions_for_good(world: World) -> None:
    """A deactivated user's sessions stay dead after reactivation."""
    admin = world.user("root", admin=True)
    alice = world.user("alice")
    session = login(world)
    world.core.users.admin_update(admin, alice.user_id, is_active=False)
    with pytest.raises(errors.TokenInvalid):
        world.core.users.refresh(session.refresh_token)
    world.core.users.admin_update(admin, alice.user_id, is_active=True)
    assert not works(world, session.token)
    with pytest.raises(errors.TokenInvalid):
        world.core.users.refresh(session.refresh_token)


def test_sessions_expire_however_recently_used(world: World) -> None:
    """Past the session's absolute lifetime even an unused refresh token is refused."""
    world.user("alice")
    session = login(world)
    world.clock.advance(days=29)
    renewed = world.core.users.refresh(session.refresh_token)
    world.clock.advance(days=2)
    with pytest.raises(errors.TokenInvalid):
        world.core.users.refresh(renewed.refresh_token)
    assert session.refresh_expires_at == renewed.refresh_expires_at


def test_find_by_username_ignores_case_and_hides_email(world: World) -> None:
    """Any user is found by name in any case; the e-mail only for themself or an admin."""
    alice, bob = world.user("alice"), world.user("bob")
    found = world.core.users.find_by_username(bob, " ALICE ")
    assert (alice.user_id, None) == (found.id, found.email)
    assert "alice@example.com" == world.core.users.find_by_username(alice, "alice").email
    with pytest.raises(errors.UserNotFound):
        world.core.users.find_by_username(bob, "nobody")
