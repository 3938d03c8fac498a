"""Personal access tokens: long-lived credentials for scripts and integrations.

A person creates a token with a name, an expiry (at most :data:`MAX_LIFETIME` away) and
scopes. The token is a random secret shown once: ``tcp_`` followed by 40 base62
characters and a 6-character checksum (CRC-32 of the 40, base62), so secret scanners can
recognise a leaked one and check it offline. Only its SHA-256 digest is stored (a fast
hash is enough for 238 random bits).

Scopes grant access per *area* (:data:`AREAS`): ``<area>:read`` allows reading,
``<area>:write`` reading and writing. ``admin`` stands for the owner's administrator
rights and is only for administrators; without it a token acts as a non-administrator.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import string
import zlib
from collections.abc import Iterable
from typing import Final

import attrs

from taskcore.errors import ValidationError

PREFIX: Final = "tcp_"
"""How every personal access token begins."""
SECRET_CHARS: Final = 40
CHECK_CHARS: Final = 6
TOKEN_LENGTH: Final = len(PREFIX) + SECRET_CHARS + CHECK_CHARS
BASE62: Final = string.digits + string.ascii_uppercase + string.ascii_lowercase

AREAS: Final = ("tasks", "comments", "attachments", "reports", "admin")
"""The areas a scope can name (``tasks`` also covers projects, time tracking, activity,
webhooks, notifications and imports/exports)."""
ADMIN: Final = "admin"
READ: Final = "read"
WRITE: Final = "write"

MAX_LIFETIME: Final = dt.timedelta(days=366)
"""A token expires at most a year (a leap year included) after its creation."""
NAME_MAX: Final = 100
ADDRESS_MAX: Final = 64
"""The longest client address recorded (an IPv6 address has at most 45 characters)."""
USE_INTERVAL: Final = dt.timedelta(minutes=1)
"""Last use (time and address) is recorded at most this often per token."""


@attrs.frozen(kw_only=True)
class AccessToken:
    """A stored personal access token (never the secret: only its digest).

    Attributes:
        id: ``None`` until stored.
        user_id: The owner: the token acts as this user, never with more rights.
        name: What the owner called it.
        digest: SHA-256 of the secret, hex.
        scopes: ``<area>:read`` / ``<area>:write`` strings (:func:`check_scopes`).
        created_at: When it was created.
        expires_at: After this it no longer works.
        last_used_at: When it last authenticated a request (to :data:`USE_INTERVAL`).
        last_used_from: The address of that request.
        revoked_at: When it was revoked, if it was.
        revoked_reason: ``revoked`` (by its owner), ``revoked_by_admin``,
            ``deactivated`` or ``password_changed``.
    """

    id: int | None = None
    user_id: int
    name: str
    digest: str
    scopes: frozenset[str]
    created_at: dt.datetime
    expires_at: dt.datetime
    last_used_at: dt.datetime | None = None
    last_used_from: str | None = None
    revoked_at: dt.datetime | None = None
    revoked_reason: str | None = None

    @property
    def key(self) -> int:
        """The id of a stored token."""
        if self.id is None:
            raise ValueError("access token is not stored yet")
        return self.id

    def is_live(self, now: dt.datetime) -> bool:
        """Whether the token may still be used."""
        return self.revoked_at is None and now < self.expires_at

    def needs_use_recorded(self, now: dt.datetime) -> bool:
        """Whether a use now should be written (none recorded in the last minute)."""
        return self.last_used_at is None or now - self.last_used_at >= USE_INTERVAL


def _base62(value: int, width: int) -> str:
    chars = []
    for _ in range(width):
        value, digit = divmod(value, 62)
        chars.append(BASE62[digit])
    return "".join(reversed(chars))


def _checksum(body: str) -> str:
    return _base62(zlib.crc32(body.encode()), CHECK_CHARS)


def new_secret() -> str:
    """A fresh token: :data:`PREFIX`, 40 random base62 characters, their checksum."""
    body = "".join(secrets.choice(BASE62) for _ in range(SECRET_CHARS))
    return f"{PREFIX}{body}{_checksum(body)}"


def looks_like_token(value: str) -> bool:
    """Whether ``value`` is meant as a personal access token (has the prefix)."""
    return value.startswith(PREFIX)


def well_formed(value: str) -> bool:
    """Whether ``value`` has the shape and a matching checksum (a typo or a tampered
    token fails here, without a database read)."""
    if len(value) != TOKEN_LENGTH or not value.startswith(PREFIX):
        return False
    body = value[len(PREFIX) : len(PREFIX) + SECRET_CHARS]
    if any(c not in BASE62 for c in value[len(PREFIX) :]):
        return False
    return secrets.compare_digest(value[-CHECK_CHARS:], _checksum(body))


def digest(value: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(value.encode()).hexdigest()


def check_name(value: object) -> str:
    """A token's name: text of 1 to :data:`NAME_MAX` characters, trimmed.

    Raises:
        ValidationError: missing, not text, blank, too long, or with control characters.
    """
    if not isinstance(value, str) or not value.strip():
        raise ValidationError("name is required", field="name")
    name = value.strip()
    if len(name) > NAME_MAX:
        raise ValidationError(f"name must be at most {NAME_MAX} characters", field="name")
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise ValidationError("name must not contain control characters", field="name")
    return name


def check_scopes(values: Iterable[object] | None, *, is_admin: bool) -> frozenset[str]:
    """The scopes asked for, each ``<area>:read`` or ``<area>:write`` (``write`` implies
    ``read``; asking for both keeps ``write``).

    Raises:
        ValidationError: (``scopes``) none given, an unknown area or level, or ``admin``
            for someone who is not an administrator.
    """
    if values is None or isinstance(values, str):
        raise ValidationError("scopes must be a list of scopes", field="scopes")
    levels: dict[str, str] = {}
    for value in values:
        area, _, level = value.partition(":") if isinstance(value, str) else ("", "", "")
        if area not in AREAS or level not in (READ, WRITE):
            raise ValidationError(
                f"scopes: unknown scope {value!r}; expected <area>:read or <area>:write "
                f"with area one of {', '.join(AREAS)}",
                field="scopes",
            )
        if area == ADMIN and not is_admin:
            raise ValidationError(
                "scopes: the admin scope is only for administrators", field="scopes"
            )
        if levels.get(area) != WRITE:
            levels[area] = level
    if not levels:
        raise ValidationError("at least one scope is required", field="scopes")
    return frozenset(f"{area}:{level}" for area, level in levels.items())


def check_expiry(value: object, *, now: dt.datetime) -> dt.datetime:
    """A token's expiry: an instant (or ISO 8601 text; without a zone it is UTC, as the
    API writes instants) in the future and at most :data:`MAX_LIFETIME` from ``now``.

    Raises:
        ValidationError: (``expires_at``) missing, not an instant, past, or too far.
    """
    if value is None or value == "":
        raise ValidationError("expires_at is required", field="expires_at")
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            raise ValidationError(
                "expires_at must be an ISO 8601 date and time", field="expires_at"
            ) from None
    if not isinstance(value, dt.datetime):
        raise ValidationError("expires_at must be an ISO 8601 date and time", field="expires_at")
    try:
        expires = value.astimezone(dt.UTC) if value.tzinfo else value.replace(tzinfo=dt.UTC)
    except (OverflowError, ValueError):  # an offset pushing it past year 1 or 9999
        raise ValidationError("expires_at is out of range", field="expires_at") from None
    if expires <= now:
        raise ValidationError("expires_at must be in the future", field="expires_at")
    if expires > now + MAX_LIFETIME:
        raise ValidationError("expires_at must be at most one year away", field="expires_at")
    return expires


def allows(scopes: frozenset[str], area: str, *, write: bool) -> bool:
    """Whether ``scopes`` allow reading (or, with ``write``, writing) ``area``."""
    return f"{area}:{WRITE}" in scopes or (not write and f"{area}:{READ}" in scopes)
