"""The refresh-token reuse grace period: a replay soon after the first use is refused
without ending the session (two tabs renewing at once); later, or with no grace, it is reuse."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from taskcore import errors
from taskcore.domain.events import RefreshTokenReplayed
from taskcore.services.users import LoginResult
from taskcore_adapters.testing import World

PASSWORD = "correct horse"


@pytest.fixture
def world() -> World:
    """A fresh in-memory world with the default grace period (10 seconds)."""
    return World.create()


def login(world: World) -> LoginResult:
    world.user("alice")
    return world.core.users.login(username="alice", password=PASSWORD)


def works(world: World, token: str) -> bool:
    try:
        world.core.users.authenticate(token)
    except errors.TokenInvalid:
        return False
    return True


def replays(world: World) -> int:
    return len([e for e in world.events() if isinstance(e, RefreshTokenReplayed)])


def test_a_replay_within_the_grace_period_is_superseded_and_the_session_lives(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """A token presented again 10 seconds after its first use is refused as superseded,
    nothing is revoked or recorded, and the newest tokens keep working."""
    caplog.set_level(logging.INFO, logger="taskcore.security")
    first = login(world)
    second = world.core.users.refresh(first.refresh_token)
    world.clock.advance(seconds=10)
    with pytest.raises(errors.RefreshSuperseded) as caught:
        world.core.users.refresh(first.refresh_token)
    assert ("Refresh token already renewed; use the newest one", "refresh_superseded") == (
        caught.value.message,
        caught.value.error_code,
    )
    third = world.core.users.refresh(second.refresh_token)
    assert (True, True, 0) == (
        works(world, second.token),
        works(world, third.token),
        replays(world),
    )
    events = [getattr(r, "event", None) for r in caplog.records]
    assert ["refresh_token_superseded"] == [e for e in events if e and e.startswith("refresh")]


def test_superseded_is_a_token_error_but_not_reuse() -> None:
    """Callers that treat invalid tokens alike keep working; reuse handlers do not fire."""
    exc = errors.RefreshSuperseded()
    assert (True, False) == (
        isinstance(exc, errors.TokenInvalid),
        isinstance(exc, errors.RefreshTokenReused),
    )


def test_a_replay_after_the_grace_period_is_reuse(world: World) -> None:
    """One second past the grace period the same replay revokes the session (RFC 9700)."""
    first = login(world)
    second = world.core.users.refresh(first.refresh_token)
    world.clock.advance(seconds=10, microseconds=1)
    with pytest.raises(errors.RefreshTokenReused):
        world.core.users.refresh(first.refresh_token)
    assert (False, 1) == (works(world, second.token), replays(world))


def test_a_replay_of_an_ended_session_is_not_superseded(world: World) -> None:
    """Within the grace period, a token of a session that ended (logout) is still reuse,
    refused as before; nothing new is recorded."""
    first = login(world)
    second = world.core.users.refresh(first.refresh_token)
    principal = world.core.users.authenticate(second.token)
    world.core.users.logout(principal)
    with pytest.raises(errors.RefreshTokenReused):
        world.core.users.refresh(first.refresh_token)
    assert 0 == replays(world)


def test_a_superseded_token_stays_superseded_until_the_grace_period_ends(world: World) -> None:
    """Several replays within the grace period are each refused without revoking; the first
    one after it revokes the session."""
    first = login(world)
    second = world.core.users.refresh(first.refresh_token)
    outcomes = []
    for _ in range(3):
        world.clock.advance(seconds=3)
        with pytest.raises(errors.TokenInvalid) as caught:
            world.core.users.refresh(first.refresh_token)
        outcomes.append(type(caught.value).__name__)
    world.clock.advance(seconds=2)
    with pytest.raises(errors.TokenInvalid) as caught:
        world.core.users.refresh(first.refresh_token)
    outcomes.append(type(caught.value).__name__)
    assert ["RefreshSuperseded"] * 3 + ["RefreshTokenReused"] == outcomes
    assert False is works(world, second.token)


def test_no_grace_period_makes_every_replay_reuse() -> None:
    """With a zero grace period an immediate replay revokes the session, as before."""
    world = World.create(refresh_reuse_grace=dt.timedelta(0))
    first = login(world)
    second = world.core.users.refresh(first.refresh_token)
    with pytest.raises(errors.RefreshTokenReused):
        world.core.users.refresh(first.refresh_token)
    assert (False, 1) == (works(world, second.token), replays(world))
