"""The password rules of the user aggregate: length, common passwords, context words."""

from __future__ import annotations

import pytest

from taskcore import errors
from taskcore.domain.common_passwords import COMMON_PASSWORDS
from taskcore.domain.users import check_password, password_context

COMMON = "Password is too common"
CONTEXT = "Password must not contain the username, the e-mail address or the product name"


def refusal(password: str, *context: str) -> str:
    """The message with which ``password`` is refused."""
    with pytest.raises(errors.ValidationError) as caught:
        check_password(password, context=context)
    assert "password" == caught.value.field
    return str(caught.value)


class TestCommonPasswords:
    @pytest.mark.parametrize(
        "password",
        ["password", "123456789", "password1", "qwerty123", "12345678", "PassWord1", "QWERTY123"],
    )
    def test_refused_in_any_case(self, password: str) -> None:
        """The most common passwords are refused whatever their case."""
        assert COMMON == refusal(password)

    def test_list_is_lower_case_and_long_enough(self) -> None:
        """The list holds a few hundred lower-case entries, so a case-folded lookup works."""
        assert all(word == word.casefold() for word in COMMON_PASSWORDS)
        assert len(COMMON_PASSWORDS) >= 500

    def test_a_common_password_with_more_is_accepted(self) -> None:
        """Only the exact password (in any case) is common: more around it is fine."""
        assert "password1 for the garden shed" == check_password("password1 for the garden shed")


class TestContextWords:
    @pytest.mark.parametrize("password", ["taskcore2026", "my TaskCore pw", "xxTASKCOREyy"])
    def test_product_name_refused(self, password: str) -> None:
        """The product name anywhere in the password, in any case, is refused."""
        assert CONTEXT == refusal(password)

    def test_username_and_email_local_part_refused(self) -> None:
        """The username and the e-mail address's local part are refused inside the password."""
        context = password_context("Alice", "wonder.land@example.com")
        assert ("Alice", "wonder.land") == context
        assert CONTEXT == refusal("ALICE in chains", *context)
        assert CONTEXT == refusal("my wonder.land key", *context)
        assert "example horse staple" == check_password("example horse staple", context=context)

    def test_very_short_context_words_are_ignored(self) -> None:
        """A username under three characters does not forbid every password containing it."""
        assert "alpha beta gamma" == check_password("alpha beta gamma", context=("al", "a"))


class TestLength:
    @pytest.mark.parametrize(
        ("password", "message"),
        [
            ("x7#kq2m", "Password must be at least 8 characters"),
            ("x" * 1025, "Password must be at most 1024 characters"),
        ],
        ids=["7", "1025"],
    )
    def test_short_and_over_long_refused(self, password: str, message: str) -> None:
        """Seven and 1,025 characters are refused with the length message."""
        assert message == refusal(password)

    @pytest.mark.parametrize(
        "password",
        ["q" * 63 + "!", "zk" * 100, "pässwörd ключ 密码 🔑 tea", "\u00a0spaced  out\u00a0"],
        ids=["64", "200", "unicode", "odd-spaces"],
    )
    def test_long_and_unicode_kept_exactly(self, password: str) -> None:
        """Long and non-ASCII passwords are accepted and returned exactly as typed."""
        assert password == check_password(password)
