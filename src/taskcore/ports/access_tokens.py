"""Storage of personal access tokens."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Protocol

from taskcore.domain.access_tokens import AccessToken
from taskcore.domain.pagination import Page, PageRequest
from taskcore.domain.users import User


class AccessTokenRepository(Protocol):
    """Personal access tokens (their digests, never the secrets)."""

    def add(self, token: AccessToken) -> AccessToken:
        """Store a new token; returns it with its id."""
        ...

    def get(self, token_id: int) -> AccessToken | None:
        """The token, revoked or not, or ``None``."""
        ...

    def get_with_user(self, digest: str) -> tuple[AccessToken, User] | None:
        """The token with this digest together with its owner, read at once (every
        request made with a token needs both), or ``None``."""
        ...

    def list(self, page: PageRequest, *, user_id: int | None) -> Page[AccessToken]:
        """Tokens not revoked (expired ones included), of one user or of everyone,
        newest first."""
        ...

    def revoke(self, token_id: int, *, now: dt.datetime, reason: str) -> AccessToken | None:
        """Revoke a live token; returns it as revoked, or ``None`` if there was no such
        token or it was revoked already (the first time and reason are kept)."""
        ...

    def revoke_all(self, user_id: int, *, now: dt.datetime, reason: str) -> Sequence[AccessToken]:
        """Revoke every token of a user not yet revoked; returns them, as revoked."""
        ...

    def record_use(self, token_id: int, *, now: dt.datetime, address: str | None) -> None:
        """Note a use of the token, unless one was noted less than
        :data:`~taskcore.domain.access_tokens.USE_INTERVAL` before ``now`` (a conditional
        write, so concurrent requests write at most once)."""
        ...
