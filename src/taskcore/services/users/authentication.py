"""Authentication: logging in, refresh tokens, verifying access tokens, logging out."""

from __future__ import annotations

import datetime as dt

from taskcore.domain import identifiers
from taskcore.domain.access_tokens import looks_like_token
from taskcore.domain.events import RefreshTokenReplayed, UserLoggedIn, UserLoggedOut
from taskcore.domain.sessions import AuthSession, digest_refresh_token, new_refresh_token
from taskcore.domain.users import User
from taskcore.errors import (
    AccountDisabled,
    InvalidCredentials,
    RefreshSuperseded,
    RefreshTokenReused,
    TokenInvalid,
    ValidationError,
)
from taskcore.services.users.base import UsersBase, account_ref, find_login, security_log
from taskcore.services.users.tokens import verify_access_token
from taskcore.services.users.views import LoginResult, Principal, UserView


class Authentication(UsersBase):
    """Logins, sessions and their tokens."""

    def login(self, *, username: str | None, password: str | None) -> LoginResult:
        """Check credentials and mint an access token.

        ``username`` may also be the account's e-mail address; both are looked up by
        their keys (NFKC and Unicode case folding), so any spelling of the one account's
        name finds that account and no other. ``Account is disabled`` is only reported
        after the password matched. An account without a password (see
        :meth:`ensure_external`) fails as an unknown account does.

        Raises:
            ValidationError: username or password missing.
            InvalidCredentials: unknown account or wrong password.
            AccountDisabled: the account is deactivated.
        """
        if not username or not password:
            raise ValidationError("Username and password required", field="username")
        with self._tx() as work:
            found = find_login(work, username)
        if found is None or found.password_hash is None:
            # An account without a password fails exactly as an unknown one does.
            self._hasher.burn(password)
            security_log.warning(
                "login failed", extra={"event": "login_failed", "account": account_ref(username)}
            )
            raise InvalidCredentials()
        if not self._hasher.verify(found.password_hash, password):
            security_log.warning(
                "login failed", extra={"event": "login_failed", "account": account_ref(username)}
            )
            raise InvalidCredentials()
        if not found.is_active:
            raise AccountDisabled()
        new_hash = (
            self._hasher.hash(password) if self._hasher.needs_rehash(found.password_hash) else None
        )
        with self._tx() as work:
            users = work.uow.users
            now = self._clock.now()
            if new_hash is not None:
                current = users.get(found.key)
                if current is not None and current.password_hash == found.password_hash:
                    current.password_hash = new_hash
                    users.update(current)
            user = users.record_login(found.key, now)
            session, refresh = self._start_session(work, user.key, now)
            work.record(UserLoggedIn(occurred_at=now, actor_id=user.key, entity_id=user.key))
            work.commit()
        security_log.info("login", extra={"event": "login", "user_id": user.key})
        return self._result(user, session, refresh, now)

    def refresh(self, refresh_token: str | None) -> LoginResult:
        """Trade a refresh token for a new access token and a new refresh token.

        Each refresh token works once. Presenting one that was used already revokes its
        whole session (the token leaked, or a client replayed it), so the attacker's and
        the victim's copies both stop working.

        Except within the reuse grace period: a token presented again at most
        ``refresh_reuse_grace`` after its first use, while its session is live, is refused
        without revoking anything (two browser tabs, or a client retrying a refresh whose
        answer it lost, renewing at the same moment). The caller should use the newest
        tokens, which the first use returned.

        Raises:
            ValidationError: no token given.
            RefreshSuperseded: the token was used less than the grace period ago and its
                session is live; nothing changed.
            RefreshTokenReused: the token was used before; its session is now revoked.
            TokenInvalid: unknown token, or its session ended (logout, expiry, password
                change, deactivation).
        """
        if not refresh_token or not isinstance(refresh_token, str):
            raise ValidationError("refresh_token is required", field="refresh_token")
        digest = digest_refresh_token(refresh_token)
        with self._tx() as work:
            now = self._clock.now()
            use = work.uow.sessions.use_refresh_token(digest, now=now)
            session = None if use is None else work.uow.sessions.get(use.session_id)
            if use is None or session is None:
                raise TokenInvalid()
            if use.first_use:
                user = work.uow.users.get(session.user_id)
                if user is None or not user.is_active or not session.is_live(now):
                    raise TokenInvalid()
                if user.tokens_valid_after is not None and (
                    session.created_at < user.tokens_valid_after
                ):
                    raise TokenInvalid()
                refresh = new_refresh_token()
                work.uow.sessions.add_refresh_token(
                    digest_refresh_token(refresh), session_id=session.id, now=now
                )
                work.commit()
                return self._result(user, session, refresh, now)
            superseded = self._superseded(use.used_at, session, now)
            if not superseded and session.revoked_at is None:
                work.uow.sessions.revoke(session.id, now=now, reason="refresh_token_reused")
                work.record(
                    RefreshTokenReplayed(
                        occurred_at=now,
                        actor_id=session.user_id,
                        entity_id=session.user_id,
                        session_id=session.id,
                    )
                )
                work.commit()
        if superseded:
            security_log.info(
                "refresh token presented again within the grace period",
                extra={"event": "refresh_token_superseded", "user_id": session.user_id},
            )
            raise RefreshSuperseded()
        security_log.warning(
            "refresh token reused; session revoked",
            extra={"event": "refresh_token_reused", "user_id": session.user_id},
        )
        raise RefreshTokenReused()

    def _superseded(
        self, used_at: dt.datetime | None, session: AuthSession, now: dt.datetime
    ) -> bool:
        """Whether a replayed refresh token is within its reuse grace period: used at most
        ``refresh_reuse_grace`` ago (a time not yet known means a use right now, by a
        concurrent caller) and its session still live."""
        if self._reuse_grace <= dt.timedelta(0) or not session.is_live(now):
            return False
        return used_at is None or now - used_at <= self._reuse_grace

    def verify_token(self, token: str, *, address: str | None = None) -> tuple[Principal, UserView]:
        """Verify an access token, or a personal access token (``tcp_...``: its use from
        ``address`` is noted), and load its user.

        Raises:
            TokenInvalid: ``Invalid or expired token`` (bad signature, expired, revoked) or
                ``User not found or inactive``.
        """
        if looks_like_token(token):
            return verify_access_token(self._tx, self._clock, token, address=address)
        now = self._clock.now()
        try:
            claims = self._tokens.verify(token, now=now)
        except TokenInvalid:
            raise TokenInvalid("Invalid or expired token") from None
        with self._tx(read_only=True) as work:
            session: AuthSession | None = None
            user: User | None
            found = (
                None
                if claims.session_id is None
                else work.uow.sessions.get_with_user(claims.session_id)
            )
            if found is not None and found[1].key == claims.user_id:
                session, user = found  # the usual case: one read for both
            else:
                user = work.uow.users.get(claims.user_id)
            if user is None or not user.is_active:
                raise TokenInvalid("User not found or inactive")
            if claims.session_id is not None:
                if session is None or not session.is_live(now):
                    raise TokenInvalid("Invalid or expired token")
            elif work.uow.revoked_tokens.is_revoked(claims.token_id):
                raise TokenInvalid("Invalid or expired token")
        if user.tokens_valid_after is not None and claims.issued_at < user.tokens_valid_after:
            raise TokenInvalid("Invalid or expired token")
        principal = Principal(
            user_id=user.key,
            username=user.username,
            is_admin=user.is_admin,
            token_id=claims.token_id,
            token_expires_at=claims.expires_at,
            session_id=claims.session_id,
        )
        return principal, UserView.of(user)

    def authenticate(self, token: str, *, address: str | None = None) -> Principal:
        """The caller behind an access token or a personal access token (used from
        ``address``).

        Raises:
            TokenInvalid: the token does not verify, was revoked, or its user is gone or
                inactive (always ``Token is invalid or expired``).
        """
        try:
            return self.verify_token(token, address=address)[0]
        except TokenInvalid:
            raise TokenInvalid() from None

    def logout(self, actor: Principal) -> None:
        """End the caller's session: its access and refresh tokens stop working at once.

        A token without a session (a legacy token: only ``user_id``, ``iat`` and ``exp``)
        is revoked by itself.
        """
        if actor.token_id is None or actor.token_expires_at is None:
            return
        with self._tx() as work:
            now = self._clock.now()
            if actor.session_id is not None:
                work.uow.sessions.revoke(actor.session_id, now=now, reason="logout")
            else:
                work.uow.revoked_tokens.revoke(
                    actor.token_id, user_id=actor.user_id, expires_at=actor.token_expires_at
                )
            work.record(
                UserLoggedOut(occurred_at=now, actor_id=actor.user_id, entity_id=actor.user_id)
            )
            work.commit()

    def login_account(self, login: str) -> str:
        """A stable reference to the account a login name designates, for throttling:
        the same for the account's username and e-mail address in any spelling
        (``user:<id>``), or the name's key when no account has it.
        """
        with self._tx(read_only=True) as work:
            found = find_login(work, login)
        if found is None:
            return "name:" + identifiers.fold(login)
        return f"user:{found.key}"
