"""Users and authentication: register, log in and out, profiles, administration."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging

import attrs

from taskcore.domain import identifiers
from taskcore.domain import users as rules
from taskcore.domain.events import (
    Change,
    RefreshTokenReplayed,
    UserAdminUpdated,
    UserLoggedIn,
    UserLoggedOut,
    UserRegistered,
    UserUpdated,
    change,
)
from taskcore.domain.pagination import Page, PageRequest
from taskcore.domain.sessions import (
    AuthSession,
    digest_refresh_token,
    new_refresh_token,
    new_session_id,
)
from taskcore.domain.users import User
from taskcore.domain.values import UNSET, Unset
from taskcore.errors import (
    AccountDisabled,
    EmailAlreadyExists,
    InvalidCredentials,
    LastAdmin,
    RefreshSuperseded,
    RefreshTokenReused,
    TokenInvalid,
    UsernameAlreadyExists,
    UserNotFound,
    ValidationError,
)
from taskcore.ports.clock import Clock
from taskcore.ports.security import PasswordHasher, TokenService
from taskcore.services import access
from taskcore.uow import Transactions, Work

security_log = logging.getLogger("taskcore.security")
"""Security events (logins, refresh-token reuse): never passwords or tokens."""


def account_ref(name: str) -> str:
    """A short, stable reference to a login name for logs (a mistyped password in the
    username field must not end up in a log in clear)."""
    return hashlib.sha256(identifiers.fold(name).encode()).hexdigest()[:12]


@attrs.frozen(kw_only=True)
class Principal:
    """The authenticated caller of a use case, read from the database on each request."""

    user_id: int
    username: str
    is_admin: bool
    token_id: str | None = None
    token_expires_at: dt.datetime | None = None
    session_id: str | None = None


@attrs.frozen(kw_only=True)
class UserView:
    """What callers may see of an account (never the password hash).

    ``email``, ``is_admin``, ``last_login`` and ``login_count`` are ``None`` when the
    viewer is neither the user nor an administrator.
    """

    id: int
    username: str
    email: str | None
    full_name: str | None
    is_active: bool
    is_admin: bool | None
    created_at: dt.datetime
    last_login: dt.datetime | None
    login_count: int | None

    @classmethod
    def of(cls, user: User, *, private: bool = True) -> UserView:
        """The view of ``user``; without ``private``, as someone other than the user or an
        administrator sees it (no e-mail address, role or login history)."""
        return cls(
            id=user.key,
            username=user.username,
            email=user.email if private else None,
            full_name=user.full_name,
            is_active=user.is_active,
            is_admin=user.is_admin if private else None,
            created_at=user.created_at,
            last_login=user.last_login if private else None,
            login_count=user.login_count if private else None,
        )


@attrs.frozen(kw_only=True)
class LoginResult:
    """A successful login or refresh: the access token, the refresh token that renews it
    (once), and the user."""

    token: str
    expires_at: dt.datetime
    user: UserView
    refresh_token: str
    refresh_expires_at: dt.datetime


class UserService:
    """Use cases of the users & authentication area.

    Args:
        transactions: Opens units of work.
        clock: Source of the current time.
        hasher: Password hashing.
        tokens: Access-token minting and verification.
        session_ttl: How long a login session can be renewed with refresh tokens.
        refresh_reuse_grace: How long after its first use a refresh token presented again
            is refused without ending its session (:class:`RefreshSuperseded`); zero makes
            every replay a reuse that revokes the session.
    """

    def __init__(
        self,
        *,
        transactions: Transactions,
        clock: Clock,
        hasher: PasswordHasher,
        tokens: TokenService,
        session_ttl: dt.timedelta = dt.timedelta(days=30),
        refresh_reuse_grace: dt.timedelta = dt.timedelta(seconds=10),
    ) -> None:
        self._tx = transactions
        self._clock = clock
        self._hasher = hasher
        self._tokens = tokens
        self._session_ttl = session_ttl
        self._reuse_grace = refresh_reuse_grace

    # -- registration and login -------------------------------------------------------------

    def register(
        self,
        *,
        username: str | None,
        email: str | None,
        password: str | None,
        full_name: str | None,
        is_admin: bool = False,
    ) -> UserView:
        """Create an account.

        Checks run in this order: each field present (username, email, password,
        full_name), then the username's characters, the e-mail format, the password
        rules, then uniqueness (username first). Usernames and addresses are unique by
        their keys (:mod:`taskcore.domain.identifiers`: ``Émile`` is taken when ``émile``
        exists, ``ADMIN`` in full-width letters when ``admin`` does); a username that only looks
        like an existing one (the same skeleton: Cyrillic or Greek look-alike letters) is
        refused too.

        Returns:
            The new account.

        Raises:
            ValidationError: a field is missing or malformed; the username has invisible
                or bidirectional-control characters, mixes Latin, Cyrillic or Greek
                letters, or looks like an existing username.
            UsernameAlreadyExists: the username is taken (by its key).
            EmailAlreadyExists: the e-mail address is taken (by its key).
        """
        for field, value in (
            ("username", username),
            ("email", email),
            ("password", password),
            ("full_name", full_name),
        ):
            if not value or (field != "password" and not value.strip()):
                raise ValidationError(f"{field} is required", field=field)
        name = rules.check_username(username)
        address = rules.check_email(email)
        secret = rules.check_password(password, context=rules.password_context(name, address))
        full = rules.check_full_name(full_name, required=True)
        password_hash = self._hasher.hash(secret)
        with self._tx() as work:
            users = work.uow.users
            if users.get_by_username(name) is not None:
                raise UsernameAlreadyExists()
            look_alike = users.get_by_skeleton(identifiers.skeleton(name))
            if look_alike is not None:
                if look_alike.username_key == identifiers.username_key(name):
                    # Committed by a concurrent registration since the look-up above.
                    raise UsernameAlreadyExists()
                raise ValidationError("username looks like an existing username", field="username")
            if users.get_by_email(address) is not None:
                raise EmailAlreadyExists()
            now = self._clock.now()
            user = users.add(
                User(
                    username=name,
                    email=address,
                    password_hash=password_hash,
                    full_name=full,
                    is_admin=is_admin,
                    created_at=now,
                )
            )
            work.record(
                UserRegistered(
                    occurred_at=now,
                    actor_id=user.key,
                    entity_id=user.key,
                    username=user.username,
                )
            )
            work.commit()
        return UserView.of(user)

    def login(self, *, username: str | None, password: str | None) -> LoginResult:
        """Check credentials and mint an access token.

        ``username`` may also be the account's e-mail address; both are looked up by
        their keys (NFKC and Unicode case folding), so any spelling of the one account's
        name finds that account and no other. ``Account is disabled`` is only reported
        after the password matched.

        Raises:
            ValidationError: username or password missing.
            InvalidCredentials: unknown account or wrong password.
            AccountDisabled: the account is deactivated.
        """
        if not username or not password:
            raise ValidationError("Username and password required", field="username")
        with self._tx() as work:
            found = _find_login(work, username)
        if found is None:
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

    def verify_token(self, token: str) -> tuple[Principal, UserView]:
        """Verify an access token and load its user.

        Raises:
            TokenInvalid: ``Invalid or expired token`` (bad signature, expired, revoked) or
                ``User not found or inactive``.
        """
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

    def authenticate(self, token: str) -> Principal:
        """The caller behind an access token.

        Raises:
            TokenInvalid: the token does not verify, was revoked, or its user is gone or
                inactive (always ``Token is invalid or expired``).
        """
        try:
            return self.verify_token(token)[0]
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

    # -- profiles ---------------------------------------------------------------------------

    def get_user(self, actor: Principal, user_id: int) -> UserView:
        """Any user's public view; the e-mail only for the user themself or an admin.

        Raises:
            UserNotFound: no such user.
        """
        with self._tx() as work:
            user = work.uow.users.get(user_id)
        if user is None:
            raise UserNotFound(user_id)
        return UserView.of(user, private=actor.is_admin or actor.user_id == user_id)

    def find_by_username(self, actor: Principal, username: str) -> UserView:
        """Any user by username, compared by key (any case or width), as :meth:`get_user`
        shows them (for example to add someone to a project by name).

        Raises:
            UserNotFound: no such user.
        """
        with self._tx() as work:
            user = work.uow.users.get_by_username(username)
        if user is None:
            raise UserNotFound()
        return UserView.of(user, private=actor.is_admin or actor.user_id == user.key)

    def as_subject(self, actor: Principal, user_id: int) -> Principal | None:
        """Another user as a caller of the use cases, to ask what they may see (the
        role included, which :meth:`get_user` hides from non-administrators); ``None``
        when the account is deactivated.

        Raises:
            UserNotFound: no such user.
        """
        with self._tx() as work:
            user = work.uow.users.get(user_id)
        if user is None:
            raise UserNotFound(user_id)
        if not user.is_active:
            return None
        return Principal(user_id=user.key, username=user.username, is_admin=user.is_admin)

    def login_account(self, login: str) -> str:
        """A stable reference to the account a login name designates, for throttling:
        the same for the account's username and e-mail address in any spelling
        (``user:<id>``), or the name's key when no account has it.
        """
        with self._tx(read_only=True) as work:
            found = _find_login(work, login)
        if found is None:
            return "name:" + identifiers.fold(login)
        return f"user:{found.key}"

    def get_me(self, actor: Principal) -> UserView:
        """The caller's own account.

        Raises:
            UserNotFound: the account no longer exists.
        """
        return self.get_user(actor, actor.user_id)

    def update_profile(
        self,
        actor: Principal,
        *,
        full_name: str | Unset | None = UNSET,
        email: str | Unset | None = UNSET,
    ) -> UserView:
        """Change the caller's full name and/or e-mail address (only the fields given).

        ``full_name`` may be ``None`` to clear it.

        Raises:
            UserNotFound: the account no longer exists.
            ValidationError: a malformed value.
            EmailAlreadyExists: another account has that address.
        """
        new_name = UNSET if full_name is UNSET else rules.check_full_name(full_name, required=False)
        new_email = UNSET if email is UNSET else rules.check_email(email)
        with self._tx() as work:
            users = work.uow.users
            user = users.get(actor.user_id)
            if user is None:
                raise UserNotFound(actor.user_id)
            email_change: Change | None = None
            name_change: Change | None = None
            if new_email is not UNSET and new_email != user.email:
                other = users.get_by_email(new_email)
                if other is not None and other.id != user.id:
                    raise EmailAlreadyExists()
                email_change = change(user.email, new_email)
                user.email = new_email
            if new_name is not UNSET and new_name != user.full_name:
                name_change = change(user.full_name, new_name)
                user.full_name = new_name
            if email_change or name_change:
                user = users.update(user)
                work.record(
                    UserUpdated(
                        occurred_at=self._clock.now(),
                        actor_id=actor.user_id,
                        entity_id=user.key,
                        email=email_change,
                        full_name=name_change,
                    )
                )
                work.commit()
        return UserView.of(user)

    def change_password(
        self, actor: Principal, *, current_password: str | None, new_password: str | None
    ) -> LoginResult:
        """Change the caller's password after checking the current one.

        Every token issued before the change stops working (other sessions end); the
        caller gets a fresh token in the result.

        Raises:
            ValidationError: the new password breaks the rules.
            InvalidCredentials: the current password is wrong.
        """
        if not current_password:
            raise ValidationError("current_password is required", field="current_password")
        rules.check_password(new_password, field="new_password")
        with self._tx() as work:
            user = work.uow.users.get(actor.user_id)
        if user is None:
            raise UserNotFound(actor.user_id)
        secret = rules.check_password(
            new_password,
            field="new_password",
            context=rules.password_context(user.username, user.email),
        )
        if not self._hasher.verify(user.password_hash, current_password):
            raise InvalidCredentials("Current password is incorrect")
        new_hash = self._hasher.hash(secret)
        with self._tx() as work:
            current = work.uow.users.get(actor.user_id)
            if current is None:
                raise UserNotFound(actor.user_id)
            now = self._clock.now()
            current.password_hash = new_hash
            # Token times have whole seconds: tokens from this second on stay valid.
            current.tokens_valid_after = now.replace(microsecond=0)
            updated = work.uow.users.update(current)
            work.uow.sessions.revoke_all(actor.user_id, now=now, reason="password_changed")
            session, refresh = self._start_session(work, actor.user_id, now)
            work.record(
                UserUpdated(
                    occurred_at=now,
                    actor_id=actor.user_id,
                    entity_id=actor.user_id,
                    password="changed",  # noqa: S106  # nosec B105
                )
            )
            work.commit()
        return self._result(updated, session, refresh, now)

    # -- administration ---------------------------------------------------------------------

    def list_users(self, actor: Principal, page: PageRequest) -> Page[UserView]:
        """All accounts, oldest first (admins only).

        Raises:
            AdminRequired: the caller is not an administrator.
        """
        access.require_admin(actor)
        with self._tx() as work:
            found = work.uow.users.list(page)
        return Page(
            items=[UserView.of(u) for u in found.items],
            page=found.page,
            per_page=found.per_page,
            total=found.total,
        )

    def admin_update(
        self,
        actor: Principal,
        user_id: int,
        *,
        is_active: bool | Unset = UNSET,
        is_admin: bool | Unset = UNSET,
    ) -> UserView:
        """Activate/deactivate an account or grant/revoke admin (admins only).

        A change that would leave no active administrator is refused.

        Raises:
            AdminRequired: the caller is not an administrator.
            UserNotFound: no such user.
            LastAdmin: the change would remove the last active administrator.
        """
        access.require_admin(actor)
        with self._tx() as work:
            users = work.uow.users
            user = users.get(user_id)
            if user is None:
                raise UserNotFound(user_id)
            active_change: Change | None = None
            admin_change: Change | None = None
            was_active_admin = user.is_admin and user.is_active
            if is_active is not UNSET and is_active != user.is_active:
                active_change = change(user.is_active, is_active)
                user.is_active = is_active
                if not is_active:
                    now = self._clock.now()
                    work.uow.sessions.revoke_all(user.key, now=now, reason="deactivated")
            if is_admin is not UNSET and is_admin != user.is_admin:
                admin_change = change(user.is_admin, is_admin)
                user.is_admin = is_admin
            still_active_admin = user.is_admin and user.is_active
            if was_active_admin and not still_active_admin and users.count_active_admins() <= 1:
                raise LastAdmin()
            if active_change or admin_change:
                user = users.update(user)
                work.record(
                    UserAdminUpdated(
                        occurred_at=self._clock.now(),
                        actor_id=actor.user_id,
                        entity_id=user.key,
                        is_active=active_change,
                        is_admin=admin_change,
                    )
                )
                work.commit()
        return UserView.of(user)

    def create_admin(self, *, username: str, email: str, password: str) -> tuple[UserView, bool]:
        """Create an administrator, or promote and reactivate an existing account.

        For operators (the ``create-admin`` command), so it takes no actor. An existing
        account found by username keeps its password.

        Returns:
            The account and whether it was newly created.

        Raises:
            ValidationError: malformed input for a new account.
            EmailAlreadyExists: a new account's e-mail belongs to another user.
        """
        with self._tx() as work:
            existing = work.uow.users.get_by_username(username)
            if existing is not None:
                admin_change = None if existing.is_admin else change(False, True)
                active_change = None if existing.is_active else change(False, True)
                existing.is_admin = True
                existing.is_active = True
                if admin_change or active_change:
                    existing = work.uow.users.update(existing)
                    work.record(
                        UserAdminUpdated(
                            occurred_at=self._clock.now(),
                            actor_id=None,
                            entity_id=existing.key,
                            is_active=active_change,
                            is_admin=admin_change,
                        )
                    )
                    work.commit()
                return UserView.of(existing), False
        view = self.register(
            username=username, email=email, password=password, full_name=username, is_admin=True
        )
        return view, True


def _find_login(work: Work, login: str) -> User | None:
    """The account whose e-mail address (when ``login`` has an ``@``) or username has the
    key of ``login``."""
    users = work.uow.users
    return users.get_by_email(login) if "@" in login else users.get_by_username(login)
