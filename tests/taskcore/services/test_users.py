"""Use cases of the users area, on the in-memory adapters."""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from taskcore import errors
from taskcore.app import Taskcore, build
from taskcore.domain.events import UserLoggedIn, UserRegistered
from taskcore.domain.pagination import PageRequest
from taskcore.services.users import Principal
from taskcore_adapters.memory import (
    FakeTokenService,
    InMemoryStore,
    ManualClock,
    PlainPasswordHasher,
)

PASSWORD = "correct horse"


def make(clock: ManualClock | None = None) -> tuple[Taskcore, InMemoryStore]:
    store = InMemoryStore()
    core = build(
        uow_factory=store,
        clock=clock or ManualClock(),
        password_hasher=PlainPasswordHasher(),
        token_service=FakeTokenService(),
    )
    return core, store


def register(core: Taskcore, name: str = "alice", **extra: str) -> int:
    fields: dict[str, Any] = {
        "username": name,
        "email": f"{name}@example.com",
        "password": PASSWORD,
        "full_name": name.title(),
    }
    fields.update(extra)
    return core.users.register(**fields).id


def principal(core: Taskcore, user_id: int) -> Principal:
    user = core.users.get_me(Principal(user_id=user_id, username="", is_admin=True))
    return Principal(user_id=user.id, username=user.username, is_admin=bool(user.is_admin))


def outbox(store: InMemoryStore) -> list[str]:
    return [e.name for e in store.events()]


class TestRegister:
    def test_new_account_has_defaults(self) -> None:
        """A new account is active, not admin, never logged in, e-mail lower-cased."""
        core, _ = make()
        user = core.users.register(
            username="Alice", email="Alice@Example.COM", password=PASSWORD, full_name=" A "
        )
        assert (user.username, user.email, user.full_name) == ("Alice", "alice@example.com", "A")
        assert (True, False, 0, None) == (
            user.is_active,
            user.is_admin,
            user.login_count,
            user.last_login,
        )

    @pytest.mark.parametrize(
        ("fields", "message"),
        [
            ({"username": ""}, "username is required"),
            ({"username": "   "}, "username is required"),
            ({"email": None}, "email is required"),
            ({"password": ""}, "password is required"),
            ({"full_name": " "}, "full_name is required"),
            ({"username": "", "email": ""}, "username is required"),
            ({"email": "no-at.example"}, "Invalid email format"),
            ({"email": "@."}, "Invalid email format"),
            ({"email": "a@b"}, "Invalid email format"),
            ({"email": "bad", "password": "short"}, "Invalid email format"),
            ({"password": "short"}, "Password must be at least 8 characters"),
            ({"password": " " * 9}, "Password must not be only white space"),
            ({"password": "x" * 1025}, "Password must be at most 1024 characters"),
            ({"username": "u" * 81}, "username must be at most 80 characters"),
            ({"username": "a@b"}, "username must not contain '@'"),
            ({"full_name": "x" * 201}, "full_name must be at most 200 characters"),
            ({"username": "tab\there"}, "username must not contain control characters"),
        ],
    )
    def test_rejects_bad_input_in_order(self, fields: dict[str, str], message: str) -> None:
        """Each rule is reported with the original's text, in the original's order."""
        core, store = make()
        base: dict[str, Any] = {
            "username": "bob",
            "email": "bob@example.com",
            "password": PASSWORD,
            "full_name": "Bob",
        }
        with pytest.raises(errors.ValidationError) as caught:
            core.users.register(**{**base, **fields})
        assert message == caught.value.message
        assert [] == outbox(store)

    def test_username_taken_in_any_case(self) -> None:
        """A username differing only in case is taken; it is checked before the e-mail."""
        core, _ = make()
        register(core, "alice")
        with pytest.raises(errors.UsernameAlreadyExists):
            core.users.register(
                username="ALICE", email="alice@example.com", password=PASSWORD, full_name="A"
            )

    def test_email_taken_in_any_case(self) -> None:
        """An e-mail address differing only in case is taken."""
        core, _ = make()
        register(core, "alice")
        with pytest.raises(errors.EmailAlreadyExists):
            core.users.register(
                username="other", email="ALICE@example.com", password=PASSWORD, full_name="A"
            )

    def test_records_event_in_outbox(self) -> None:
        """Registration stores a user.registered event in the same transaction."""
        core, store = make()
        user_id = register(core)
        events = store.events()
        assert ["user.registered"] == [e.name for e in events]
        assert isinstance(events[0], UserRegistered)
        assert (user_id, {"username": "alice"}) == (events[0].entity_id, events[0].details)


class TestLogin:
    def test_counts_logins_and_issues_token(self) -> None:
        """A login increments the count, stamps the time and returns a working token."""
        clock = ManualClock()
        core, store = make(clock)
        user_id = register(core)
        clock.advance(minutes=5)
        result = core.users.login(username="alice", password=PASSWORD)
        assert (1, clock.now()) == (result.user.login_count, result.user.last_login)
        assert user_id == core.users.authenticate(result.token).user_id
        assert ["user.registered", "user.logged_in"] == outbox(store)

    def test_by_email_any_case(self) -> None:
        """The e-mail address works as the login name, in any case."""
        core, _ = make()
        register(core)
        assert (
            "alice"
            == core.users.login(username="ALICE@example.com", password=PASSWORD).user.username
        )

    def test_unknown_and_wrong_password_look_alike(self) -> None:
        """Unknown accounts and wrong passwords raise the same error."""
        core, _ = make()
        register(core)
        with pytest.raises(errors.InvalidCredentials) as unknown:
            core.users.login(username="nobody", password=PASSWORD)
        with pytest.raises(errors.InvalidCredentials) as wrong:
            core.users.login(username="alice", password="wrong password")
        assert unknown.value.message == wrong.value.message == "Invalid credentials"

    def test_disabled_reported_only_after_password(self) -> None:
        """A deactivated account is reported as such only to someone who knows the password."""
        core, _ = make()
        admin = core.users.create_admin(
            username="root", email="root@example.com", password=PASSWORD
        )[0]
        user_id = register(core)
        core.users.admin_update(principal(core, admin.id), user_id, is_active=False)
        with pytest.raises(errors.InvalidCredentials):
            core.users.login(username="alice", password="wrong password")
        with pytest.raises(errors.AccountDisabled):
            core.users.login(username="alice", password=PASSWORD)

    def test_missing_fields(self) -> None:
        """Both fields are required."""
        core, _ = make()
        with pytest.raises(errors.ValidationError, match="Username and password required"):
            core.users.login(username="alice", password="")

    def test_rehashes_outdated_hash(self) -> None:
        """A hash in an outdated scheme is replaced on a successful login."""
        core, store = make()
        user_id = register(core)
        with store() as uow:
            user = uow.users.get(user_id)
            assert user is not None
            assert user.password_hash is not None
            user.password_hash = "legacy$" + user.password_hash
            uow.users.update(user)
            uow.commit()

        class Legacy(PlainPasswordHasher):
            def verify(self, stored_hash: str, password: str) -> bool:
                return super().verify(stored_hash.removeprefix("legacy$"), password)

        legacy = build(
            uow_factory=store,
            clock=ManualClock(),
            password_hasher=Legacy(),
            token_service=FakeTokenService(),
        )
        legacy.users.login(username="alice", password=PASSWORD)
        with store() as uow:
            stored = uow.users.get(user_id)
        assert stored is not None
        assert stored.password_hash is not None
        assert stored.password_hash.startswith(PlainPasswordHasher.prefix)


class TestTokens:
    def test_logout_revokes_only_that_token(self) -> None:
        """Logging out revokes the token used; another session's token keeps working."""
        core, _ = make()
        register(core)
        first = core.users.login(username="alice", password=PASSWORD).token
        second = core.users.login(username="alice", password=PASSWORD).token
        core.users.logout(core.users.authenticate(first))
        with pytest.raises(errors.TokenInvalid):
            core.users.authenticate(first)
        assert "alice" == core.users.authenticate(second).username

    def test_expired_token_refused(self) -> None:
        """A token past its expiry no longer authenticates."""
        clock = ManualClock()
        core, _ = make(clock)
        register(core)
        token = core.users.login(username="alice", password=PASSWORD).token
        clock.advance(hours=25)
        with pytest.raises(errors.TokenInvalid, match="Token is invalid or expired"):
            core.users.authenticate(token)

    def test_deactivation_is_immediate(self) -> None:
        """A deactivated user's token stops working at once."""
        core, _ = make()
        admin = core.users.create_admin(
            username="root", email="root@example.com", password=PASSWORD
        )[0]
        user_id = register(core)
        token = core.users.login(username="alice", password=PASSWORD).token
        core.users.admin_update(principal(core, admin.id), user_id, is_active=False)
        with pytest.raises(errors.TokenInvalid, match="User not found or inactive"):
            core.users.verify_token(token)


class TestProfile:
    def test_updates_only_given_fields_and_records_change(self) -> None:
        """Only the fields given change; the event lists them old → new."""
        core, store = make()
        user_id = register(core)
        me = principal(core, user_id)
        updated = core.users.update_profile(me, email="NEW@example.com")
        assert ("new@example.com", "Alice") == (updated.email, updated.full_name)
        cleared = core.users.update_profile(me, full_name=None)
        assert cleared.full_name is None
        details = [e.details for e in store.events() if e.name == "user.updated"]
        assert [
            {"email": {"old": "alice@example.com", "new": "new@example.com"}},
            {"full_name": {"old": "Alice", "new": None}},
        ] == details

    def test_email_taken_by_other(self) -> None:
        """Another account's e-mail address cannot be taken."""
        core, _ = make()
        register(core, "alice")
        bob = register(core, "bob")
        with pytest.raises(errors.EmailAlreadyExists):
            core.users.update_profile(principal(core, bob), email="Alice@example.com")

    def test_email_null_is_invalid(self) -> None:
        """The e-mail address cannot be cleared."""
        core, _ = make()
        me = principal(core, register(core))
        with pytest.raises(errors.ValidationError, match="email is required"):
            core.users.update_profile(me, email=None)

    def test_email_hidden_from_other_users(self) -> None:
        """Other users see no e-mail address; admins and the user do."""
        core, _ = make()
        alice = register(core, "alice")
        bob = principal(core, register(core, "bob"))
        admin = Principal(user_id=999, username="root", is_admin=True)
        assert core.users.get_user(bob, alice).email is None
        assert "alice@example.com" == core.users.get_user(admin, alice).email

    def test_change_password_needs_current(self) -> None:
        """The current password must be given; afterwards only the new one works."""
        core, _ = make()
        me = principal(core, register(core))
        with pytest.raises(errors.InvalidCredentials):
            core.users.change_password(me, current_password="nope", new_password="new password 1")
        core.users.change_password(me, current_password=PASSWORD, new_password="new password 1")
        with pytest.raises(errors.InvalidCredentials):
            core.users.login(username="alice", password=PASSWORD)
        assert (
            "alice" == core.users.login(username="alice", password="new password 1").user.username
        )


class TestAdministration:
    def test_non_admin_refused(self) -> None:
        """Listing and changing accounts needs an administrator."""
        core, _ = make()
        me = principal(core, register(core))
        with pytest.raises(errors.AdminRequired):
            core.users.list_users(me, PageRequest())
        with pytest.raises(errors.AdminRequired):
            core.users.admin_update(me, me.user_id, is_admin=True)

    def test_list_is_paginated(self) -> None:
        """The list is oldest first, in pages, with the total."""
        core, _ = make()
        admin = core.users.create_admin(
            username="root", email="root@example.com", password=PASSWORD
        )[0]
        for i in range(4):
            register(core, f"user{i}")
        page = core.users.list_users(principal(core, admin.id), PageRequest(page=2, per_page=2))
        assert (["user1", "user2"], 5, 3) == (
            [u.username for u in page.items],
            page.total,
            page.pages,
        )

    def test_last_admin_is_kept(self) -> None:
        """The last active administrator cannot be demoted or deactivated."""
        core, _ = make()
        admin = core.users.create_admin(
            username="root", email="root@example.com", password=PASSWORD
        )[0]
        me = principal(core, admin.id)
        with pytest.raises(errors.LastAdmin):
            core.users.admin_update(me, admin.id, is_admin=False)
        with pytest.raises(errors.LastAdmin):
            core.users.admin_update(me, admin.id, is_active=False)
        other = register(core, "bob")
        core.users.admin_update(me, other, is_admin=True)
        assert not core.users.admin_update(me, admin.id, is_admin=False).is_admin

    def test_create_admin_promotes_existing(self) -> None:
        """create_admin promotes and reactivates an existing account, keeping its password."""
        core, _ = make()
        register(core)
        view, created = core.users.create_admin(
            username="alice", email="ignored@example.com", password="another password"
        )
        assert (False, True, True) == (created, view.is_admin, view.is_active)
        assert core.users.login(username="alice", password=PASSWORD).user.is_admin


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["ann", "Ann", "bob", "BOB", "cy"]), st.sampled_from(["a", "b", "c"])
        ),
        max_size=12,
    )
)
def test_usernames_and_emails_stay_unique(attempts: list[tuple[str, str]]) -> None:
    """Whatever is registered, no two accounts share a username or e-mail in any case."""
    core, store = make()
    for name, mail in attempts:
        with contextlib.suppress(errors.Conflict):
            core.users.register(
                username=name, email=f"{mail}@Example.com", password=PASSWORD, full_name=name
            )
    with store() as uow:
        users = list(uow.users.list(PageRequest(per_page=100)).items)
    registered = [e for e in store.events() if isinstance(e, UserRegistered)]
    assert len(users) == len({u.username.lower() for u in users}) == len({u.email for u in users})
    assert len(users) == len(registered)
    assert all(u.created_at.tzinfo is dt.UTC for u in users)
    assert not any(isinstance(e, UserLoggedIn) for e in registered)


def test_password_change_ends_other_sessions() -> None:
    """After a password change, older tokens are refused and the returned one works."""
    clock = ManualClock()
    core, _ = make(clock)
    register(core)
    old = core.users.login(username="alice", password=PASSWORD).token
    clock.advance(seconds=5)
    me = core.users.authenticate(old)
    result = core.users.change_password(me, current_password=PASSWORD, new_password="new pass 123")
    with pytest.raises(errors.TokenInvalid):
        core.users.authenticate(old)
    assert me.user_id == core.users.authenticate(result.token).user_id
