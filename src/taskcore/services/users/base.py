"""What the parts of the users service share: its collaborators, the security log, finding
an account by login name, and opening a login session."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging

from taskcore.domain import identifiers
from taskcore.domain.sessions import (
    AuthSession,
    digest_refresh_token,
    new_refresh_token,
    new_session_id,
)
from taskcore.domain.users import User
from taskcore.ports.clock import Clock
from taskcore.ports.security import PasswordHasher, TokenService
from taskcore.services.users.views import LoginResult, UserView
from taskcore.uow import Transactions, Work

security_log = logging.getLogger("taskcore.security")
"""Security events (logins, refresh-token reuse): never passwords or tokens."""


def account_ref(name: str) -> str:
    """A short, stable reference to a login name for logs (a mistyped password in the
    username field must not end up in a log in clear)."""
    return hashlib.sha256(identifiers.fold(name).encode()).hexdigest()[:12]


class UsersBase:
    """The collaborators every part of :class:`UserService` uses (set by its ``__init__``),
    and opening a session, which logging in and changing one's password both do."""

    _tx: Transactions
    _clock: Clock
    _hasher: PasswordHasher
    _tokens: TokenService
    _session_ttl: dt.timedelta
    _reuse_grace: dt.timedelta

    def _start_session(self, work: Work, user_id: int, now: dt.datetime) -> tuple[AuthSession, str]:
        """Open a login session with its first refresh token, in ``work``'s transaction."""
        session = AuthSession(
            id=new_session_id(),
            user_id=user_id,
            created_at=now,
            expires_at=now + self._session_ttl,
        )
        refresh = new_refresh_token()
        work.uow.sessions.add(session)
        work.uow.sessions.add_refresh_token(
            digest_refresh_token(refresh), session_id=session.id, now=now
        )
        return session, refresh

    def _result(
        self, user: User, session: AuthSession, refresh: str, now: dt.datetime
    ) -> LoginResult:
        issued = self._tokens.issue(user_id=user.key, now=now, session_id=session.id)
        return LoginResult(
            token=issued.token,
            expires_at=issued.claims.expires_at,
            user=UserView.of(user),
            refresh_token=refresh,
            refresh_expires_at=session.expires_at,
        )


def find_login(work: Work, login: str) -> User | None:
    """The account whose e-mail address (when ``login`` has an ``@``) or username has the
    key of ``login``."""
    users = work.uow.users
    return users.get_by_email(login) if "@" in login else users.get_by_username(login)
