"""External identities: storage of their links to users, and the identity providers
people sign in through."""

from __future__ import annotations

import datetime as dt
from typing import Protocol

import attrs

from taskcore.domain.identities import ExternalClaims, ExternalIdentity
from taskcore.domain.pagination import Page, PageRequest


class IdentityRepository(Protocol):
    """Links from a provider's account (provider, subject) to a taskcore user.

    A (provider, subject) pair is linked to one user at most: :meth:`add` raises
    :class:`~taskcore.errors.IdentityAlreadyLinked` when it is already stored, also when a
    concurrent transaction stored it first.
    """

    def add(self, identity: ExternalIdentity) -> ExternalIdentity:
        """Store a new link and return it with its id assigned.

        Raises:
            IdentityAlreadyLinked: the pair is linked already.
        """
        ...

    def get(self, provider: str, subject: str) -> ExternalIdentity | None:
        """The link of ``subject`` (compared exactly) at ``provider``, or ``None``."""
        ...

    def seen(self, identity_id: int, *, email: str | None, when: dt.datetime) -> None:
        """Record a sign-in through the link: the address the provider gave, and when."""
        ...

    def list_for_user(self, user_id: int, page: PageRequest) -> Page[ExternalIdentity]:
        """The user's links, oldest first."""
        ...


@attrs.frozen(kw_only=True)
class AuthorizationRequest:
    """A started sign-in: where to send the person, and what the answer must match.

    The caller keeps ``state``, ``nonce`` and ``code_verifier`` (secret, single-use) until
    the provider sends the person back, and hands them to
    :meth:`IdentityProvider.complete`.
    """

    url: str
    state: str
    nonce: str
    code_verifier: str


class IdentityProvider(Protocol):
    """An OpenID Connect provider (authorization code flow with PKCE, ``state`` and
    ``nonce``). Implementations do the network I/O; the core never calls them itself."""

    @property
    def name(self) -> str:
        """The provider's configured name (the ``provider`` of its identities)."""
        ...

    @property
    def display_name(self) -> str:
        """What the login button says after "Sign in with"."""
        ...

    def start(self, redirect_uri: str) -> AuthorizationRequest:
        """A new sign-in that comes back to ``redirect_uri``.

        Raises:
            SignInFailed: the provider's discovery document cannot be read.
        """
        ...

    def complete(
        self,
        request: AuthorizationRequest,
        *,
        redirect_uri: str,
        params: dict[str, str],
    ) -> ExternalClaims:
        """Finish a sign-in from the query parameters the provider sent back: check
        ``state``, exchange the code (with the PKCE verifier), validate the ID token
        (signature with the provider's keys, issuer, audience, expiry, ``nonce``).

        Raises:
            SignInFailed: the person declined, the state does not match, the code
                exchange failed, or the ID token is invalid.
        """
        ...
