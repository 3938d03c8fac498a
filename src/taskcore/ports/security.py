"""Password hashing and access tokens."""

from __future__ import annotations

import datetime as dt
from typing import Protocol

import attrs


class PasswordHasher(Protocol):
    """Hashes and verifies passwords.

    Implementations never log or store the plain password, compare in constant time, and
    never raise for a malformed or foreign stored hash: such a hash simply does not verify.
    """

    def hash(self, password: str) -> str:
        """Hash a password for storage."""
        ...

    def verify(self, stored_hash: str, password: str) -> bool:
        """Whether ``password`` matches ``stored_hash``."""
        ...

    def needs_rehash(self, stored_hash: str) -> bool:
        """Whether ``stored_hash`` uses an outdated scheme or parameters."""
        ...

    def burn(self, password: str) -> None:
        """Spend the time a verification would take, for unknown accounts (timing parity)."""
        ...


@attrs.frozen(kw_only=True)
class TokenClaims:
    """What a verified access token says.

    ``token_id`` identifies this token for revocation (its ``jti``, or a digest of the
    token for legacy tokens that carry none). ``session_id`` names the login session the
    token belongs to (``None`` for legacy tokens, which carry only ``user_id``, ``iat``
    and ``exp``).
    """

    user_id: int
    token_id: str
    issued_at: dt.datetime
    expires_at: dt.datetime
    session_id: str | None = None


@attrs.frozen(kw_only=True)
class IssuedToken:
    """A freshly minted access token."""

    token: str
    claims: TokenClaims


class TokenService(Protocol):
    """Mints and verifies access tokens.

    Implementations pin the signing algorithm, require an expiry, and raise
    :class:`taskcore.errors.TokenInvalid` for anything that does not verify.
    """

    def issue(
        self, *, user_id: int, now: dt.datetime, session_id: str | None = None
    ) -> IssuedToken:
        """Mint a token for ``user_id`` valid from ``now``, in login session ``session_id``."""
        ...

    def verify(self, token: str, *, now: dt.datetime) -> TokenClaims:
        """Check signature, algorithm and expiry.

        Raises:
            TokenInvalid: the token does not verify or has expired.
        """
        ...
