"""Accounts of external identities: ``ensure_external`` and signing in through a provider."""

from __future__ import annotations

import threading

import pytest

from taskcore import errors
from taskcore.app import Taskcore, build
from taskcore.domain.identities import ExternalClaims, SignInPolicy
from taskcore.ports.uow import UnitOfWorkFactory
from taskcore.services.users import Principal
from taskcore_adapters.memory import (
    FakeTokenService,
    InMemoryStore,
    ManualClock,
    PlainPasswordHasher,
)

PASSWORD = "correct horse"


def make(factory: UnitOfWorkFactory | None = None) -> Taskcore:
    return build(
        uow_factory=factory or InMemoryStore(),
        clock=ManualClock(),
        password_hasher=PlainPasswordHasher(),
        token_service=FakeTokenService(),
    )


def local_account(core: Taskcore, name: str = "alice") -> int:
    return core.users.register(
        username=name, email=f"{name}@corp.example", password=PASSWORD, full_name=name.title()
    ).id


def claims(subject: str = "sub-1", **extra: object) -> ExternalClaims:
    fields: dict[str, object] = {
        "email": "alice@corp.example",
        "email_verified": True,
        "preferred_username": "alice",
        "name": "Alice Liddell",
    }
    fields.update(extra)
    return ExternalClaims(subject=subject, **fields)  # type: ignore[arg-type]


class TestEnsureExternal:
    def test_first_sight_creates_an_account_without_password_then_returns_it(self) -> None:
        """The first call creates the account (no password, events recorded); later
        calls return the same account whatever else they say."""
        store = InMemoryStore()
        core = make(store)
        first = core.users.ensure_external(
            provider="myapp",
            subject="42",
            email="Ann@Example.com",
            username="ann",
            full_name="Ann",
        )
        again = core.users.ensure_external(
            provider="myapp", subject="42", email="other@example.com", username="zed"
        )
        with store() as uow:
            stored = uow.users.get(first.id)
        assert stored is not None
        assert (first.id, "ann", "ann@example.com", None) == (
            again.id,
            again.username,
            again.email,
            stored.password_hash,
        )
        names = [e.name for e in store.events()]
        assert ["user.external_created"] == [n for n in names if n.startswith("user.")]

    def test_a_taken_username_gets_a_number(self) -> None:
        """A wanted username that is taken (or looks like a taken one) gets ``-2``,
        ``-3``...; a wanted name that is not a valid username falls back to the
        address's local part."""
        core = make()
        local_account(core, "alice")
        second = core.users.ensure_external(
            provider="myapp", subject="1", email="a1@example.com", username="Alice"
        )
        third = core.users.ensure_external(
            provider="myapp", subject="2", email="a2@example.com", username="alice"
        )
        from_mail = core.users.ensure_external(
            provider="myapp", subject="3", email="carol.x@example.com", username="bad\u202ename"
        )
        assert ["Alice-2", "alice-3", "carol.x"] == [
            second.username,
            third.username,
            from_mail.username,
        ]

    def test_an_existing_account_is_linked_only_with_a_verified_address(self) -> None:
        """Same address: linked when verified (the account keeps its password), refused
        otherwise, naming the reason."""
        core = make()
        alice = local_account(core)
        with pytest.raises(errors.ExternalSignInRefused, match="did not say the address"):
            core.users.ensure_external(provider="myapp", subject="a", email="alice@corp.example")
        linked = core.users.ensure_external(
            provider="myapp", subject="a", email="ALICE@corp.example", email_verified=True
        )
        assert alice == linked.id
        assert alice == core.users.login(username="alice", password=PASSWORD).user.id

    @pytest.mark.parametrize(
        ("fields", "field"),
        [
            ({"provider": "My App"}, "provider"),
            ({"subject": " "}, "subject"),
            ({"email": "not-an-address"}, "email"),
        ],
    )
    def test_malformed_input_names_the_field(self, fields: dict[str, str], field: str) -> None:
        core = make()
        args = {"provider": "myapp", "subject": "1", "email": "a@example.com", **fields}
        with pytest.raises(errors.ValidationError) as caught:
            core.users.ensure_external(
                provider=args["provider"], subject=args["subject"], email=args["email"]
            )
        assert field == caught.value.field

    def test_concurrent_first_sights_make_one_account(self, uow_factory: UnitOfWorkFactory) -> None:
        """Several first calls for one identity at once give one account."""
        core = make(uow_factory)
        ids: list[int] = []
        failures: list[BaseException] = []

        def call() -> None:
            try:
                ids.append(
                    core.users.ensure_external(
                        provider="myapp", subject="7", email="x@example.com", username="x"
                    ).id
                )
            except errors.TaskcoreError as exc:  # reported below
                failures.append(exc)

        threads = [threading.Thread(target=call) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert ([], 1, 4) == (failures, len(set(ids)), len(ids))


class TestNoPassword:
    def test_password_login_and_change_fail_as_for_a_wrong_password(self) -> None:
        """An account without a password gets the generic login failure, and the
        generic wrong-current-password answer when changing it."""
        core = make()
        user = core.users.ensure_external(
            provider="myapp", subject="42", email="ann@example.com", username="ann"
        )
        for login in ("ann", "ann@example.com"):
            with pytest.raises(errors.InvalidCredentials) as caught:
                core.users.login(username=login, password="anything at all")
            assert "Invalid credentials" == caught.value.message
        actor = Principal(user_id=user.id, username="ann", is_admin=False)
        with pytest.raises(errors.InvalidCredentials, match="Current password is incorrect"):
            core.users.change_password(
                actor, current_password="x", new_password="a new long passphrase"
            )


class TestSignIn:
    def test_a_sign_in_opens_a_session_like_a_password_login(self) -> None:
        """The result carries working tokens; the login is counted."""
        core = make()
        result = core.users.sign_in_external(
            provider="corp", claims=claims(), policy=SignInPolicy()
        )
        principal, view = core.users.verify_token(result.token)
        assert (view.username, view.login_count, principal.session_id is not None) == (
            "alice",
            1,
            True,
        )
        assert result.user.id == core.users.refresh(result.refresh_token).user.id

    def test_domains_and_existing_only_refuse_newcomers(self) -> None:
        """Outside the allowed domains, or with existing users only, a newcomer is
        refused; an existing (verified) account still gets in."""
        core = make()
        with pytest.raises(errors.ExternalSignInRefused, match="e-mail domain"):
            core.users.sign_in_external(
                provider="corp", claims=claims(), policy=SignInPolicy(allowed_domains=("x.org",))
            )
        only = SignInPolicy(existing_users_only=True)
        with pytest.raises(errors.ExternalSignInRefused, match="Only existing accounts"):
            core.users.sign_in_external(provider="corp", claims=claims(), policy=only)
        alice = local_account(core)
        assert (
            alice
            == core.users.sign_in_external(provider="corp", claims=claims(), policy=only).user.id
        )

    def test_no_address_and_deactivated_accounts_are_refused(self) -> None:
        core = make()
        with pytest.raises(errors.ExternalSignInRefused, match="did not give an e-mail"):
            core.users.sign_in_external(
                provider="corp", claims=claims(email=None), policy=SignInPolicy()
            )
        user = core.users.sign_in_external(
            provider="corp", claims=claims(), policy=SignInPolicy()
        ).user
        admin = Principal(user_id=0, username="root", is_admin=True)
        core.users.admin_update(admin, user.id, is_active=False)
        with pytest.raises(errors.AccountDisabled):
            core.users.sign_in_external(provider="corp", claims=claims(), policy=SignInPolicy())

    def test_admin_group_and_disabled_passwords(self) -> None:
        """A member of the admin group becomes admin; with passwords disabled, a linked
        account loses its local password."""
        core = make()
        local_account(core)
        policy = SignInPolicy(admin_group="taskcore-admins", disable_passwords=True)
        result = core.users.sign_in_external(
            provider="corp", claims=claims(groups=("staff", "taskcore-admins")), policy=policy
        )
        assert result.user.is_admin is True
        with pytest.raises(errors.InvalidCredentials):
            core.users.login(username="alice", password=PASSWORD)
