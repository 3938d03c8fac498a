"""Throttling of login and registration: per client address and per account.

Counts live in memory by default (one process) or in Redis (``redis://...``) so several
server processes share them. Exceeding a limit raises :class:`taskcore.errors.RateLimited`,
which the host answers with 429 and ``Retry-After``.
"""

from __future__ import annotations

import math
import time

import attrs
from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from taskcore.errors import RateLimited


@attrs.frozen(kw_only=True)
class ThrottleSettings:
    """Limits in the ``limits`` notation (``"20/minute"``); ``None`` disables one.

    Attributes:
        storage_url: ``memory://`` (default) or ``redis://host:port/db``.
        per_address: Login and registration attempts from one client address.
        failed_logins_per_account: Failed logins for one account name.
    """

    storage_url: str = "memory://"
    per_address: str | None = "30/minute"
    failed_logins_per_account: str | None = "10/minute"


class Throttle:
    """Counts attempts and refuses the ones over a limit."""

    def __init__(self, settings: ThrottleSettings | None = None) -> None:
        self.settings = settings or ThrottleSettings()
        storage = storage_from_string(self.settings.storage_url)
        self._limiter = MovingWindowRateLimiter(storage)
        self._address = _parse(self.settings.per_address)
        self._account = _parse(self.settings.failed_logins_per_account)

    def attempt(self, action: str, address: str) -> None:
        """Count one login or registration attempt from ``address``.

        Raises:
            RateLimited: the address made too many attempts.
        """
        if self._address is not None and not self._limiter.hit(
            self._address, "taskcore-auth-addr", address
        ):
            raise RateLimited(
                "Too many attempts; try again later",
                retry_after=self._retry_after(self._address, "taskcore-auth-addr", address),
            )

    def claim_login(self, account: str) -> None:
        """Count a login attempt for ``account`` before its password is checked, and
        refuse it when the account failed too often recently.

        Counting first means concurrent attempts cannot all reach the password hasher
        while their failures are still being checked; a success clears the count
        (:meth:`login_succeeded`), so only failures add up.

        Raises:
            RateLimited: too many failed logins for this account.
        """
        key = account.strip().lower()
        if self._account is not None and not self._limiter.hit(
            self._account, "taskcore-auth-acct", key
        ):
            raise RateLimited(
                "Too many failed logins for this account; try again later",
                retry_after=self._retry_after(self._account, "taskcore-auth-acct", key),
            )

    def login_succeeded(self, account: str) -> None:
        """Forget ``account``'s recent failed logins (and the attempt that succeeded)."""
        if self._account is not None:
            self._limiter.clear(self._account, "taskcore-auth-acct", account.strip().lower())

    def _retry_after(self, item: RateLimitItem, *keys: str) -> int:
        stats = self._limiter.get_window_stats(item, *keys)
        return max(1, math.ceil(stats.reset_time - time.time()))


def _parse(text: str | None) -> RateLimitItem | None:
    return None if text is None else parse(text)
