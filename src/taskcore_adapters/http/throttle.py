"""Throttling of login, registration and password changes.

Counts live in memory by default (one process) or in Redis (``redis://...``) so several
server processes share them. Exceeding a limit raises :class:`taskcore.errors.RateLimited`,
which the host answers with 429 and ``Retry-After``.

Failed logins are counted per *account* (the account a login name designates, so its
username and e-mail address in any spelling share one count) in two ways, so that
guessing is bounded without handing anyone a way to lock the owner out:

- per account *and client address* (``failed_logins_per_account``, 10 a minute): guesses
  from one address stop there, and only there; the owner signing in from another address
  is not affected;
- per account over all addresses (``failed_logins_per_account_total``, 100 an hour): a
  guesser spread over many addresses stops too, but an address the account signed in from
  successfully in the last 30 days (a known device) is exempt, so the owner keeps signing
  in from there while the limit holds for everyone else.

Each login is counted per account and address before its password is checked (concurrent
attempts cannot all reach the hasher), and a success clears that count; the total counts
failures only (a burst in flight at the moment it fills can pass it by a few). Password
changes are counted per account and login session (``failed_password_changes``, 10 an hour)
before the current password is checked: a stolen token's session is slowed down without
stopping the owner's own sessions from changing the password (which ends the thief's
session).
"""

from __future__ import annotations

import math
import time

import attrs
from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from taskcore.errors import InvalidCredentials, RateLimited
from taskcore.services.users import LoginResult, Principal, UserService

KNOWN_ADDRESS_DAYS = 30
"""How long a successful sign-in makes its client address a known device of the account."""

_ADDRESS = "taskcore-auth-addr"
_ACCOUNT_ADDRESS = "taskcore-auth-acct"
_ACCOUNT = "taskcore-auth-acct-all"
_KNOWN = "taskcore-auth-known"
_PASSWORD = "taskcore-auth-password"  # noqa: S105  # nosec B105 - a counter's name


@attrs.frozen(kw_only=True)
class ThrottleSettings:
    """Limits in the ``limits`` notation (``"20/minute"``); ``None`` disables one.

    Attributes:
        storage_url: ``memory://`` (default) or ``redis://host:port/db``.
        namespace: What the counts' keys start with (``<namespace>:throttle:``), so that
            deployments sharing one Redis database never count each other's attempts
            (the server passes its queue name).
        per_address: Login, registration, refresh and password-change attempts from one
            client address.
        failed_logins_per_account: Failed logins for one account from one client address.
        failed_logins_per_account_total: Failed logins for one account from all addresses
            (the account's known addresses are exempt).
        failed_password_changes: Password changes with a wrong current password in one
            login session.
    """

    storage_url: str = "memory://"
    namespace: str = "taskcore"
    per_address: str | None = "30/minute"
    failed_logins_per_account: str | None = "10/minute"
    failed_logins_per_account_total: str | None = "100/hour"
    failed_password_changes: str | None = "10/hour"  # noqa: S105  # nosec B105 - a rate


class Throttle:
    """Counts attempts and refuses the ones over a limit."""

    def __init__(self, settings: ThrottleSettings | None = None) -> None:
        self.settings = settings or ThrottleSettings()
        # The counts of one deployment: others sharing the Redis database keep theirs apart.
        storage = storage_from_string(
            self.settings.storage_url, key_prefix=f"{self.settings.namespace}:throttle"
        )
        self._limiter = MovingWindowRateLimiter(storage)
        self._address = _parse(self.settings.per_address)
        self._account_address = _parse(self.settings.failed_logins_per_account)
        self._account = _parse(self.settings.failed_logins_per_account_total)
        self._password = _parse(self.settings.failed_password_changes)
        self._known = parse(f"1/{KNOWN_ADDRESS_DAYS} day")

    def attempt(self, action: str, address: str) -> None:
        """Count one login, registration, refresh or password-change attempt from
        ``address``.

        Raises:
            RateLimited: the address made too many attempts.
        """
        self._hit(self._address, "Too many attempts; try again later", _ADDRESS, address)

    def claim_login(self, account: str, address: str) -> None:
        """Count a login attempt for ``account`` (see
        :meth:`~taskcore.services.users.UserService.login_account`) from ``address`` before
        its password is checked, and refuse it when the account failed too often recently
        from that address, or from everywhere (:meth:`login_failed`) and ``address`` is not
        a known one.

        Raises:
            RateLimited: too many failed logins for this account.
        """
        message = "Too many failed logins for this account; try again later"
        self._hit(self._account_address, message, _ACCOUNT_ADDRESS, account, address)
        total = self._account
        if (
            total is not None
            and not self._limiter.test(total, _ACCOUNT, account)
            and not self.is_known(account, address)
        ):
            raise RateLimited(message, retry_after=self._retry_after(total, _ACCOUNT, account))

    def login_failed(self, account: str) -> None:
        """Count a failed login in ``account``'s total over all addresses."""
        if self._account is not None:
            self._limiter.hit(self._account, _ACCOUNT, account)

    def login_succeeded(self, account: str, address: str) -> None:
        """Forget ``account``'s recent failed logins from ``address`` (and the attempt that
        succeeded), and remember ``address`` as a known one of the account."""
        if self._account_address is not None:
            self._limiter.clear(self._account_address, _ACCOUNT_ADDRESS, account, address)
        self._limiter.clear(self._known, _KNOWN, account, address)
        self._limiter.hit(self._known, _KNOWN, account, address)

    def is_known(self, account: str, address: str) -> bool:
        """Whether ``account`` signed in from ``address`` in the last 30 days."""
        return not self._limiter.test(self._known, _KNOWN, account, address)

    def claim_password_change(self, account: str, session: str) -> None:
        """Count a password change in ``session`` before its current password is checked.

        Raises:
            RateLimited: too many attempts in this session.
        """
        self._hit(
            self._password,
            "Too many password change attempts; log in again or try again later",
            _PASSWORD,
            account,
            session,
        )

    def password_changed(self, account: str, session: str) -> None:
        """Forget the session's attempts once the password changed."""
        if self._password is not None:
            self._limiter.clear(self._password, _PASSWORD, account, session)

    def _hit(self, item: RateLimitItem | None, message: str, *keys: str) -> None:
        if item is not None and not self._limiter.hit(item, *keys):
            raise RateLimited(message, retry_after=self._retry_after(item, *keys))

    def _retry_after(self, item: RateLimitItem, *keys: str) -> int:
        stats = self._limiter.get_window_stats(item, *keys)
        return max(1, math.ceil(stats.reset_time - time.time()))


def throttled_login(
    throttle: Throttle,
    users: UserService,
    *,
    username: str | None,
    password: str | None,
    address: str,
) -> LoginResult:
    """``users.login`` counted by :meth:`Throttle.claim_login` first (a blocking call:
    run it in the thread pool)."""
    account = users.login_account(username) if username else None
    if account is not None:
        throttle.claim_login(account, address)
    try:
        result = users.login(username=username, password=password)
    except InvalidCredentials:
        if account is not None:
            throttle.login_failed(account)
        raise
    if account is not None:
        throttle.login_succeeded(account, address)
    return result


def throttled_password_change(
    throttle: Throttle,
    users: UserService,
    actor: Principal,
    *,
    current_password: str | None,
    new_password: str | None,
    address: str,
    revoke_tokens: bool = False,
) -> LoginResult:
    """``users.change_password`` counted per address and per session first (a blocking
    call: run it in the thread pool)."""
    throttle.attempt("password", address)
    account = f"user:{actor.user_id}"
    session = actor.session_id or actor.token_id or "no-session"
    throttle.claim_password_change(account, session)
    result = users.change_password(
        actor,
        current_password=current_password,
        new_password=new_password,
        revoke_tokens=revoke_tokens,
    )
    throttle.password_changed(account, session)
    return result


def _parse(text: str | None) -> RateLimitItem | None:
    return None if text is None else parse(text)
