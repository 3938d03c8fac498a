"""Storage of login sessions, their refresh tokens, and revoked access tokens."""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from taskcore.domain.sessions import AuthSession, RefreshUse
from taskcore.domain.users import User


class SessionRepository(Protocol):
    """Login sessions and the digests of their refresh tokens."""

    def add(self, session: AuthSession) -> None:
        """Store a new session."""
        ...

    def get(self, session_id: str) -> AuthSession | None:
        """The session, or ``None``."""
        ...

    def get_with_user(self, session_id: str) -> tuple[AuthSession, User] | None:
        """A session together with its user, read at once (every authenticated request
        needs both)."""
        ...

    def revoke(self, session_id: str, *, now: dt.datetime, reason: str) -> None:
        """End a session (ending it twice keeps the first time and reason)."""
        ...

    def revoke_all(self, user_id: int, *, now: dt.datetime, reason: str) -> None:
        """End every live session of a user."""
        ...

    def add_refresh_token(self, digest: str, *, session_id: str, now: dt.datetime) -> None:
        """Store the digest of a new, unused refresh token of ``session_id``."""
        ...

    def use_refresh_token(self, digest: str, *, now: dt.datetime) -> RefreshUse | None:
        """Mark the token used, atomically: of concurrent callers only one gets
        ``first_use=True``. ``None`` if no such token exists. ``used_at`` is the time of
        the token's first use."""
        ...


class RevokedTokenRepository(Protocol):
    """Remembers revoked access tokens until they would have expired anyway."""

    def revoke(self, token_id: str, *, user_id: int, expires_at: dt.datetime) -> None:
        """Mark a token revoked (revoking twice is harmless)."""
        ...

    def is_revoked(self, token_id: str) -> bool:
        """Whether this token was revoked."""
        ...

    def purge_expired(self, now: dt.datetime) -> int:
        """Forget revocations of tokens that have expired; returns how many."""
        ...
