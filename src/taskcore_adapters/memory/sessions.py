"""Login sessions, refresh tokens and revoked access tokens in memory."""

from __future__ import annotations

import copy
import datetime as dt

import attrs

from taskcore.domain.sessions import AuthSession, RefreshUse
from taskcore.domain.users import User


@attrs.define
class StoredRefreshToken:
    """A refresh token's digest, its session and when it was used."""

    session_id: str
    created_at: dt.datetime
    used_at: dt.datetime | None = None


class InMemorySessionRepository:
    """Sessions and refresh-token digests (see ``taskcore.ports.sessions``)."""

    def __init__(
        self,
        sessions: dict[str, AuthSession],
        tokens: dict[str, StoredRefreshToken],
        users: dict[int, User],
    ) -> None:
        self._sessions = sessions
        self._tokens = tokens
        self._users = users

    def add(self, session: AuthSession) -> None:
        if session.id in self._sessions:
            raise ValueError(f"duplicate session {session.id}")
        self._sessions[session.id] = session

    def get(self, session_id: str) -> AuthSession | None:
        return self._sessions.get(session_id)

    def get_with_user(self, session_id: str) -> tuple[AuthSession, User] | None:
        session = self._sessions.get(session_id)
        user = None if session is None else self._users.get(session.user_id)
        return None if session is None or user is None else (session, copy.deepcopy(user))

    def revoke(self, session_id: str, *, now: dt.datetime, reason: str) -> None:
        session = self._sessions.get(session_id)
        if session is not None and session.revoked_at is None:
            self._sessions[session_id] = attrs.evolve(
                session, revoked_at=now, revoked_reason=reason
            )

    def revoke_all(self, user_id: int, *, now: dt.datetime, reason: str) -> None:
        for session in list(self._sessions.values()):
            if session.user_id == user_id:
                self.revoke(session.id, now=now, reason=reason)

    def add_refresh_token(self, digest: str, *, session_id: str, now: dt.datetime) -> None:
        self._tokens[digest] = StoredRefreshToken(session_id=session_id, created_at=now)

    def use_refresh_token(self, digest: str, *, now: dt.datetime) -> RefreshUse | None:
        stored = self._tokens.get(digest)
        if stored is None:
            return None
        first = stored.used_at is None
        if first:
            stored.used_at = now
        return RefreshUse(session_id=stored.session_id, first_use=first, used_at=stored.used_at)


class InMemoryRevokedTokenRepository:
    """Revoked access tokens in memory: token id to expiry."""

    def __init__(self, revoked: dict[str, dt.datetime]) -> None:
        self._revoked = revoked

    def revoke(self, token_id: str, *, user_id: int, expires_at: dt.datetime) -> None:
        self._revoked[token_id] = expires_at

    def is_revoked(self, token_id: str) -> bool:
        return token_id in self._revoked

    def purge_expired(self, now: dt.datetime) -> int:
        gone = [k for k, exp in self._revoked.items() if exp <= now]
        for key in gone:
            del self._revoked[key]
        return len(gone)
