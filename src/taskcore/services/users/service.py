"""The users service: one object with every use case of the area.

Each job lives in its own module and :class:`UserService` joins them:

* :mod:`~taskcore.services.users.registration`: registering, and the operators'
  administrators;
* :mod:`~taskcore.services.users.authentication`: logging in and out, refresh tokens,
  verifying access tokens;
* :mod:`~taskcore.services.users.profiles`: reading accounts, and one's own profile and
  password;
* :mod:`~taskcore.services.users.administration`: the administrators' use cases;
* :mod:`~taskcore.services.users.external`: accounts of external identities (single
  sign-on, embedding applications' users).
"""

from __future__ import annotations

import datetime as dt

from taskcore.ports.clock import Clock
from taskcore.ports.security import PasswordHasher, TokenService
from taskcore.services.scopes import OWN_ACCOUNT, guarded
from taskcore.services.users.administration import Administration
from taskcore.services.users.authentication import Authentication
from taskcore.services.users.external import ExternalAccounts
from taskcore.services.users.profiles import Profiles
from taskcore.services.users.registration import Registration
from taskcore.services.users.tokens import AccessTokens
from taskcore.uow import Transactions


@guarded(
    None,
    areas={
        "get_me": OWN_ACCOUNT,
        "get_user": OWN_ACCOUNT,
        "find_by_username": OWN_ACCOUNT,
        "as_subject": OWN_ACCOUNT,
        "list_users": "admin",
        "admin_update": "admin",
        "list_tokens": "admin",
        "revoke_token": "admin",  # nosec B105 - a scope area, not a password
    },
)
class UserService(
    Registration, Authentication, Profiles, Administration, AccessTokens, ExternalAccounts
):
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
