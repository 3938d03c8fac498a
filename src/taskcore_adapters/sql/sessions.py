"""Login sessions, refresh tokens and revoked access tokens in SQL."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from sqlalchemy import Connection, Row, bindparam, delete, insert, select, update

from taskcore.domain.sessions import AuthSession, RefreshUse
from taskcore.domain.users import User
from taskcore_adapters.sql.tables import auth_sessions, refresh_tokens, revoked_tokens, users
from taskcore_adapters.sql.users import user_from_row

_SESSION_WITH_USER = (
    select(auth_sessions, *(c.label(f"u_{c.name}") for c in users.c))
    .join(users, users.c.id == auth_sessions.c.user_id)
    .where(auth_sessions.c.id == bindparam("session_id"))
)


def _session(row: Row[tuple[object, ...]]) -> AuthSession:
    m = row._mapping
    return AuthSession(
        id=m["id"],
        user_id=m["user_id"],
        created_at=m["created_at"],
        expires_at=m["expires_at"],
        revoked_at=m["revoked_at"],
        revoked_reason=m["revoked_reason"],
    )


class SqlAlchemySessionRepository:
    """Sessions and refresh-token digests (see ``taskcore.ports.sessions``)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, session: AuthSession) -> None:
        self._conn.execute(
            insert(auth_sessions).values(
                id=session.id,
                user_id=session.user_id,
                created_at=session.created_at,
                expires_at=session.expires_at,
                revoked_at=session.revoked_at,
                revoked_reason=session.revoked_reason,
            )
        )

    def get(self, session_id: str) -> AuthSession | None:
        row = self._conn.execute(
            select(auth_sessions).where(auth_sessions.c.id == session_id)
        ).first()
        return None if row is None else _session(row)

    def get_with_user(self, session_id: str) -> tuple[AuthSession, User] | None:
        row = self._conn.execute(_SESSION_WITH_USER, {"session_id": session_id}).first()
        if row is None:
            return None
        values = row._mapping
        user = user_from_row(SimpleNamespace(**{c.name: values[f"u_{c.name}"] for c in users.c}))
        return _session(row), user

    def revoke(self, session_id: str, *, now: dt.datetime, reason: str) -> None:
        self._conn.execute(
            update(auth_sessions)
            .where(auth_sessions.c.id == session_id, auth_sessions.c.revoked_at.is_(None))
            .values(revoked_at=now, revoked_reason=reason)
        )

    def revoke_all(self, user_id: int, *, now: dt.datetime, reason: str) -> None:
        self._conn.execute(
            update(auth_sessions)
            .where(auth_sessions.c.user_id == user_id, auth_sessions.c.revoked_at.is_(None))
            .values(revoked_at=now, revoked_reason=reason)
        )

    def add_refresh_token(self, digest: str, *, session_id: str, now: dt.datetime) -> None:
        self._conn.execute(
            insert(refresh_tokens).values(digest=digest, session_id=session_id, created_at=now)
        )

    def use_refresh_token(self, digest: str, *, now: dt.datetime) -> RefreshUse | None:
        t = refresh_tokens
        # One conditional update: of concurrent callers exactly one sees the row unused.
        won = self._conn.execute(
            update(t)
            .where(t.c.digest == digest, t.c.used_at.is_(None))
            .values(used_at=now)
            .returning(t.c.session_id)
        ).first()
        if won is not None:
            return RefreshUse(session_id=won.session_id, first_use=True, used_at=now)
        seen = self._conn.execute(
            select(t.c.session_id, t.c.used_at).where(t.c.digest == digest)
        ).first()
        if seen is None:
            return None
        return RefreshUse(session_id=seen.session_id, first_use=False, used_at=seen.used_at)


class SqlAlchemyRevokedTokenRepository:
    """Revoked tokens in SQL."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def revoke(self, token_id: str, *, user_id: int, expires_at: dt.datetime) -> None:
        if not self.is_revoked(token_id):
            self._conn.execute(
                insert(revoked_tokens).values(
                    token_id=token_id, user_id=user_id, expires_at=expires_at
                )
            )

    def is_revoked(self, token_id: str) -> bool:
        return (
            self._conn.execute(
                select(revoked_tokens.c.token_id).where(revoked_tokens.c.token_id == token_id)
            ).first()
            is not None
        )

    def purge_expired(self, now: dt.datetime) -> int:
        result = self._conn.execute(
            delete(revoked_tokens).where(revoked_tokens.c.expires_at <= now)
        )
        return result.rowcount
