"""Login sessions and their refresh tokens.

Every login starts a *session*: the access tokens minted for it carry its id, and its
refresh tokens renew them. A refresh token is an opaque random string, stored only as a
SHA-256 digest, and good for one use: each refresh consumes it and returns a new one in the
same session. A refresh token presented twice means it leaked (or a client misbehaves), so
the whole session is revoked. Logging out revokes the session too; its access tokens stop
working at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid

import attrs

REFRESH_TOKEN_BYTES = 32


@attrs.frozen(kw_only=True)
class AuthSession:
    """One login session.

    Attributes:
        id: Opaque id, carried by the session's access tokens (``sid``).
        user_id: Whose session it is.
        created_at: When the user logged in.
        expires_at: After this no refresh is possible, however recently used.
        revoked_at: When it was ended (logout, reuse of a refresh token), if it was.
        revoked_reason: Why it was ended.
    """

    id: str
    user_id: int
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None = None
    revoked_reason: str | None = None

    def is_live(self, now: dt.datetime) -> bool:
        """Whether the session may still be used and renewed."""
        return self.revoked_at is None and now < self.expires_at


@attrs.frozen(kw_only=True)
class RefreshUse:
    """The outcome of presenting a refresh token that exists.

    Attributes:
        session_id: The session it belongs to.
        first_use: ``False`` if it had been used before (a replay).
        used_at: When it was first used (``None`` when unknown).
    """

    session_id: str
    first_use: bool
    used_at: dt.datetime | None = None


def new_session_id() -> str:
    """A fresh session id."""
    return uuid.uuid4().hex


def new_refresh_token() -> str:
    """A fresh refresh token: 256 random bits, URL-safe."""
    return secrets.token_urlsafe(REFRESH_TOKEN_BYTES)


def digest_refresh_token(token: str) -> str:
    """The stored form of a refresh token (a fast hash is enough for 256 random bits)."""
    return hashlib.sha256(token.encode()).hexdigest()
