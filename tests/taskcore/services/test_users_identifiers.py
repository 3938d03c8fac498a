"""M2, L6, I3: registration and login by folded keys, look-alike usernames refused, and
what other users see of an account (in-memory adapters)."""

from __future__ import annotations

import pytest

from taskcore import errors
from taskcore.app import Taskcore, build
from taskcore.services.users import Principal
from taskcore_adapters.memory import (
    FakeTokenService,
    InMemoryStore,
    ManualClock,
    PlainPasswordHasher,
)
from taskcore_adapters.memory.users import InMemoryUserRepository

VICTIM_PASSWORD = "correct horse battery"
ATTACKER_PASSWORD = "staple orange lamp"


@pytest.fixture
def core() -> Taskcore:
    return build(
        uow_factory=InMemoryStore(),
        clock=ManualClock(),
        password_hasher=PlainPasswordHasher(),
        token_service=FakeTokenService(),
    )


def register(core: Taskcore, name: str, email: str, password: str = VICTIM_PASSWORD) -> int:
    return core.users.register(
        username=name, email=email, password=password, full_name="Someone"
    ).id


def as_principal(core: Taskcore, user_id: int, *, admin: bool = False) -> Principal:
    return Principal(user_id=user_id, username="x", is_admin=admin)


class TestOneNamePerKey:
    def test_emile_twice(self, core: Taskcore) -> None:
        """``émile`` cannot register once ``Émile`` exists."""
        register(core, "Émile", "victim@example.com")
        with pytest.raises(errors.UsernameAlreadyExists):
            register(core, "émile", "attacker@example.com", ATTACKER_PASSWORD)

    def test_login_by_any_spelling_reaches_the_one_account(self, core: Taskcore) -> None:
        """Logging in as ``Émile``, ``émile`` or ``ÉMILE`` with the victim's password logs
        into the victim's account; another password never logs in."""
        victim = register(core, "Émile", "victim@example.com")
        for spelling in ("Émile", "émile", "ÉMILE", "E\u0301mile"):
            assert victim == core.users.login(username=spelling, password=VICTIM_PASSWORD).user.id
        with pytest.raises(errors.InvalidCredentials):
            core.users.login(username="émile", password=ATTACKER_PASSWORD)

    def test_full_width_admin_is_taken(self, core: Taskcore) -> None:
        """``ADMIN`` in full-width letters is the name ``admin``."""
        register(core, "admin", "admin@example.com")
        with pytest.raises(errors.UsernameAlreadyExists):
            register(core, "\uff21\uff24\uff2d\uff29\uff2e", "other@example.com")

    def test_stored_name_has_ordinary_width(self, core: Taskcore) -> None:
        """A full-width name is stored and shown in ordinary letters."""
        user_id = register(core, "\uff22\uff4f\uff42", "bob@example.com")
        assert "Bob" == core.users.get_me(as_principal(core, user_id)).username

    def test_find_by_username_uses_the_key(self, core: Taskcore) -> None:
        """Adding a member by name finds the account the name designates."""
        victim = register(core, "Émile", "victim@example.com")
        other = register(core, "Zoe", "zoe@example.com")
        assert victim == core.users.find_by_username(as_principal(core, other), "ÉMILE").id


class TestLookAlikes:
    def test_cyrillic_a_in_admin(self, core: Taskcore) -> None:
        """``admin`` with a Cyrillic ``a`` (U+0430) is refused, naming ``username``."""
        register(core, "admin", "admin@example.com")
        with pytest.raises(errors.ValidationError, match="must not mix") as caught:
            register(core, "\u0430dmin", "other@example.com")
        assert "username" == caught.value.field

    def test_whole_script_look_alike_of_an_existing_name(self, core: Taskcore) -> None:
        """An all-Cyrillic name that looks like an existing Latin one is refused; one that
        looks like nobody's is accepted."""
        register(core, "coco", "coco@example.com")
        with pytest.raises(errors.ValidationError, match="looks like") as caught:
            register(core, "\u0441\u043e\u0441\u043e", "other@example.com")
        assert "username" == caught.value.field
        register(core, "\u0441\u043e\u0441", "third@example.com")

    @pytest.mark.parametrize("name", ["ali\u200bce", "alice\u202e", "ali\u00adce"])
    def test_invisible_look_alikes(self, core: Taskcore, name: str) -> None:
        """Invisible and bidi characters are refused even though ``alice`` exists
        (they would otherwise register as a second ``alice`` on screen)."""
        register(core, "alice", "alice@example.com")
        with pytest.raises(errors.ValidationError) as caught:
            register(core, name, "other@example.com")
        assert "username" == caught.value.field


class TestLoginAccount:
    def test_username_and_email_share_the_reference(self, core: Taskcore) -> None:
        """The throttling reference is the account's, by username or e-mail in any case."""
        user_id = register(core, "Émile", "emile@example.com")
        refs = {
            core.users.login_account(name)
            for name in ("Émile", "émile", "EMILE@example.com", " emile@EXAMPLE.com ")
        }
        assert {f"user:{user_id}"} == refs
        assert core.users.login_account("Nobody") == core.users.login_account("NOBODY")
        assert core.users.login_account("nobody") != f"user:{user_id}"


class TestPrivateFields:
    def test_others_see_nulls_self_and_admins_see_values(self, core: Taskcore) -> None:
        """Role and login history are the user's and administrators' to see."""
        alice = register(core, "alice", "alice@example.com")
        bob = register(core, "bob", "bob@example.com")
        core.users.login(username="alice", password=VICTIM_PASSWORD)
        seen_by_bob = core.users.get_user(as_principal(core, bob), alice)
        assert (None, None, None, None) == (
            seen_by_bob.email,
            seen_by_bob.is_admin,
            seen_by_bob.last_login,
            seen_by_bob.login_count,
        )
        for viewer in (as_principal(core, alice), as_principal(core, bob, admin=True)):
            seen = core.users.get_user(viewer, alice)
            assert (False, 1) == (seen.is_admin, seen.login_count)
            assert seen.last_login is not None
        by_name = core.users.find_by_username(as_principal(core, bob), "alice")
        assert (None, None) == (by_name.is_admin, by_name.login_count)

    def test_as_subject_keeps_the_role(self, core: Taskcore) -> None:
        """The access check of another user sees their role, without showing it."""
        root = core.users.register(
            username="root",
            email="root@example.com",
            password=VICTIM_PASSWORD,
            full_name="Root",
            is_admin=True,
        ).id
        bob = register(core, "bob", "bob@example.com")
        subject = core.users.as_subject(as_principal(core, bob, admin=True), root)
        assert subject is not None
        assert subject.is_admin


def test_a_concurrent_registration_of_the_name_is_409_not_a_look_alike(
    core: Taskcore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the name is committed by another registration between the username look-up and
    the look-alike check (PostgreSQL's read committed allows it), the answer is
    ``UsernameAlreadyExists``, as for any duplicate, not a look-alike refusal."""
    register(core, "racer", "racer1@example.com")
    monkeypatch.setattr(InMemoryUserRepository, "get_by_username", lambda self, name: None)
    with pytest.raises(errors.UsernameAlreadyExists):
        register(core, "Racer", "racer2@example.com")
