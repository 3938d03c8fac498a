"""Storage of idempotency keys: the first answer to a request, replayed for its retries.

The port of the HTTP host's ``Idempotency-Key`` (:mod:`taskcore_adapters.http.idempotency`):
the core never sees it. It imports nothing of the host or of a storage technology, so the
stores in ``memory`` and ``sql`` implement it without importing the host, and
:mod:`taskcore_adapters.bootstrap` picks the store.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

import attrs


@attrs.frozen(kw_only=True)
class StoredResponse:
    """The answer given to the first request with a key.

    Attributes:
        status: HTTP status code.
        headers: Response headers worth replaying (name, value), in order.
        body: The response body, byte for byte.
    """

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


@attrs.frozen(kw_only=True)
class IdempotencyRecord:
    """A claimed key.

    Attributes:
        fingerprint: Hash of the request that claimed the key (method, path, body).
        claimed_at: When the key was claimed.
        expires_at: When the record may be forgotten.
        response: The stored answer; ``None`` while the first request is still running.
    """

    fingerprint: str
    claimed_at: dt.datetime
    expires_at: dt.datetime
    response: StoredResponse | None = None


class IdempotencyStore(Protocol):
    """Idempotency keys per user. Each call is its own short transaction, so a claim is
    visible to concurrent requests before the claiming request's work starts."""

    def claim(
        self,
        user_id: int,
        key: str,
        *,
        fingerprint: str,
        now: dt.datetime,
        expires_at: dt.datetime,
        stale_before: dt.datetime,
    ) -> IdempotencyRecord | None:
        """Claim ``key`` for ``user_id`` atomically.

        Of concurrent callers exactly one wins. An expired record, or an unfinished claim
        made before ``stale_before`` (its request died), is taken over.

        Returns:
            ``None`` if the caller now holds the key; otherwise the existing record.
        """
        ...

    def complete(self, user_id: int, key: str, response: StoredResponse) -> None:
        """Store the answer of the request holding the claim."""
        ...

    def release(self, user_id: int, key: str) -> None:
        """Drop an unfinished claim (the request failed), so a retry runs again."""
        ...

    def purge(self, now: dt.datetime) -> int:
        """Delete the records expired at ``now``; returns how many."""
        ...
