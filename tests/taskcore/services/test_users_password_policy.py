"""The password policy through the users use cases (register, change, login)."""

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

PASSWORD = "correct horse"
CONTEXT = "Password must not contain the username, the e-mail address or the product name"


def make() -> Taskcore:
    return build(
        uow_factory=InMemoryStore(),
        clock=ManualClock(),
        password_hasher=PlainPasswordHasher(),
        token_service=FakeTokenService(),
    )


def refusal(core: Taskcore, password: str, *, username: str = "alice") -> tuple[str, str | None]:
    """The message and field with which registering with ``password`` is refused."""
    with pytest.raises(errors.ValidationError) as caught:
        core.users.register(
            username=username, email="mad.hatter@example.com", password=password, full_name="A"
        )
    return str(caught.value), caught.value.field


class TestRegister:
    @pytest.mark.parametrize(
        ("password", "message"),
        [
            ("password", "Password is too common"),
            ("123456789", "Password is too common"),
            ("taskcore2026", CONTEXT),
            ("alice-the-great", CONTEXT),
            ("MAD.HATTER tea party", CONTEXT),
        ],
    )
    def test_weak_passwords_refused(self, password: str, message: str) -> None:
        """Common passwords and passwords holding a context word are refused, naming the
        password field."""
        assert (message, "password") == refusal(make(), password)

    @pytest.mark.parametrize(
        "password",
        ["zk" * 100, "pässwörd ключ 密码 🔑 tea"],
        ids=["200-characters", "unicode"],
    )
    def test_long_and_unicode_verified_exactly(self, password: str) -> None:
        """A 200-character or non-ASCII password logs in as typed; with one more
        character, or in another case, it does not."""
        core = make()
        core.users.register(
            username="alice", email="alice@example.com", password=password, full_name="A"
        )
        assert "alice" == core.users.login(username="alice", password=password).user.username
        for wrong in (password + "x", password[:-1], password.upper()):
            with pytest.raises(errors.InvalidCredentials):
                core.users.login(username="alice", password=wrong)


class TestChangePassword:
    def test_context_words_refused_on_change(self) -> None:
        """A new password holding the caller's username is refused, and the old one stays."""
        core = make()
        user = core.users.register(
            username="alice", email="alice@example.com", password=PASSWORD, full_name="A"
        )
        actor = Principal(user_id=user.id, username=user.username, is_admin=False)
        with pytest.raises(errors.ValidationError) as caught:
            core.users.change_password(
                actor, current_password=PASSWORD, new_password="alice in wonderland"
            )
        assert (CONTEXT, "new_password") == (str(caught.value), caught.value.field)
        assert 1 == core.users.login(username="alice", password=PASSWORD).user.login_count
