"""The user account aggregate and its rules."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

import attrs

from taskcore.domain import identifiers, validation
from taskcore.domain.common_passwords import COMMON_PASSWORDS
from taskcore.errors import ValidationError

USERNAME_MAX = 80
EMAIL_MAX = 120
FULL_NAME_MAX = 200
PASSWORD_MIN = 8
PASSWORD_MAX = 1024
"""Upper bound that keeps hashing cost bounded."""

PRODUCT_WORDS = ("taskcore",)
"""Words refused inside any password (compared case-insensitively)."""
CONTEXT_WORD_MIN = 3
"""Shorter user-specific words (a username such as ``al``) are not searched for."""

_EMAIL = re.compile(r"^[^@\s]+@[^@\s.][^@\s]*\.[^@\s.]+$")


@attrs.define(kw_only=True)
class User:
    """A person who can log in.

    ``id`` is ``None`` until the repository stores the user. ``email`` is stored in
    lower case; ``username`` keeps the case it was registered with. Both are unique by
    their keys (:mod:`taskcore.domain.identifiers`: NFKC and case folding), which are
    computed from them, never set.
    """

    id: int | None = None
    username: str
    email: str
    password_hash: str | None
    """``None`` for an account without a password (created from an external identity, or
    whose local password was disabled): the password login refuses it."""
    full_name: str | None
    is_active: bool = True
    is_admin: bool = False
    created_at: dt.datetime
    last_login: dt.datetime | None = None
    login_count: int = 0
    tokens_valid_after: dt.datetime | None = None
    """Tokens issued before this moment are refused (set by a password change)."""
    timezone: str = "UTC"
    """The IANA time zone the user's dates are computed in (recurring tasks, timesheets,
    calendar feeds)."""
    version: int = 1

    @property
    def key(self) -> int:
        """The id of a stored user.

        Raises:
            ValueError: the user has not been stored yet.
        """
        if self.id is None:
            raise ValueError("user has no id yet")
        return self.id

    @property
    def username_key(self) -> str:
        """The username as compared: unique among users."""
        return identifiers.username_key(self.username)

    @property
    def email_key(self) -> str:
        """The e-mail address as compared: unique among users."""
        return identifiers.email_key(self.email)

    @property
    def username_skeleton(self) -> str:
        """The username with look-alike letters replaced (for the confusable check)."""
        return identifiers.skeleton(self.username)


def normalize_email(email: str) -> str:
    """Canonical form of an e-mail address for storage: NFKC, stripped, lower case
    (comparisons use :func:`taskcore.domain.identifiers.email_key`)."""
    return identifiers.display_form(email).lower()


def check_username(username: str | None) -> str:
    """Validate a new username; returns its stored form (NFKC, stripped, case kept).

    Raises:
        ValidationError: missing, blank, too long, containing ``@``, a control, invisible
            or bidirectional-control character, or letters of more than one of the Latin,
            Cyrillic and Greek scripts (see :mod:`taskcore.domain.identifiers`).
    """
    text = validation.required_text(username, "username")
    validation.no_control_characters(text, "username")
    _no_refused_character(text, "username")
    name = validation.required_text(identifiers.display_form(text), "username")
    validation.max_length(name, "username", USERNAME_MAX)
    if len(identifiers.username_key(name)) > identifiers.KEY_MAX:
        raise ValidationError("username is too long", field="username")
    if "@" in name:
        raise ValidationError("username must not contain '@'", field="username")
    mixed = identifiers.scripts(name)
    if len(mixed) > 1:
        raise ValidationError(
            "username must not mix " + " and ".join(sorted(s.title() for s in mixed)) + " letters",
            field="username",
        )
    return name


def _no_refused_character(text: str, field: str) -> None:
    found = identifiers.refused_character(text)
    if found is not None:
        raise ValidationError(
            f"{field} must not contain invisible or formatting characters "
            f"({identifiers.describe(found)})",
            field=field,
        )


def check_email(email: str | None) -> str:
    """Validate an e-mail address; returns its canonical form.

    Raises:
        ValidationError: missing, malformed (``Invalid email format``) or too long.
    """
    text = validation.required_text(email, "email")
    validation.max_length(text, "email", EMAIL_MAX)
    if not _EMAIL.match(text):
        raise ValidationError("Invalid email format", field="email")
    _no_refused_character(text, "email")
    address = normalize_email(text)
    if len(address) > EMAIL_MAX or len(identifiers.email_key(address)) > identifiers.KEY_MAX:
        raise ValidationError("email is too long", field="email")
    return address


def check_full_name(full_name: str | None, *, required: bool) -> str | None:
    """Validate a full name; returns it stripped (``None`` stays ``None`` if not required).

    Raises:
        ValidationError: missing while required, too long, or with control characters.
    """
    if full_name is None and not required:
        return None
    name = validation.required_text(full_name, "full_name")
    validation.max_length(name, "full_name", FULL_NAME_MAX)
    validation.no_control_characters(name, "full_name")
    return name


def check_password(
    password: str | None, *, field: str = "password", context: Iterable[str] = ()
) -> str:
    """Validate a new password exactly as typed (no trimming, no case folding).

    Besides the length rules, a password is refused when it is one of the most common
    passwords or contains a context word: the product name or one of ``context`` (the
    username and the e-mail address's local part), all compared case-insensitively.

    Raises:
        ValidationError: missing, shorter than 8 or longer than 1024 characters, only
            white space, a common password, or containing a context word.
    """
    if not password:
        raise ValidationError(f"{field} is required", field=field)
    if len(password) < PASSWORD_MIN:
        raise ValidationError(f"Password must be at least {PASSWORD_MIN} characters", field=field)
    if len(password) > PASSWORD_MAX:
        raise ValidationError(f"Password must be at most {PASSWORD_MAX} characters", field=field)
    if not password.strip():
        raise ValidationError("Password must not be only white space", field=field)
    folded = password.casefold()
    if folded in COMMON_PASSWORDS:
        raise ValidationError("Password is too common", field=field)
    words = {word.strip().casefold() for word in (*PRODUCT_WORDS, *context)}
    if any(len(word) >= CONTEXT_WORD_MIN and word in folded for word in words):
        raise ValidationError(
            "Password must not contain the username, the e-mail address or the product name",
            field=field,
        )
    return password


def password_context(username: str, email: str) -> tuple[str, str]:
    """The user-specific words a password must not contain: the username and the
    e-mail address's local part."""
    return username, email.partition("@")[0]
