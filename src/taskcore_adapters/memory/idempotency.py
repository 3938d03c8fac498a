"""Idempotency keys in process memory (one process; for tests and the in-memory runtime)."""

from __future__ import annotations

import datetime as dt
import threading

import attrs

from taskcore_adapters.idempotency import IdempotencyRecord, StoredResponse


class InMemoryIdempotencyStore:
    """Idempotency keys in a dictionary (see ``taskcore_adapters.idempotency``)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: dict[tuple[int, str], IdempotencyRecord] = {}

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
        with self._lock:
            self._purge(now)
            found = self._records.get((user_id, key))
            if found is not None and (
                found.response is not None or found.claimed_at >= stale_before
            ):
                return found
            self._records[(user_id, key)] = IdempotencyRecord(
                fingerprint=fingerprint, claimed_at=now, expires_at=expires_at
            )
            return None

    def complete(self, user_id: int, key: str, response: StoredResponse) -> None:
        with self._lock:
            found = self._records.get((user_id, key))
            if found is not None:
                self._records[(user_id, key)] = attrs.evolve(found, response=response)

    def release(self, user_id: int, key: str) -> None:
        with self._lock:
            found = self._records.get((user_id, key))
            if found is not None and found.response is None:
                del self._records[(user_id, key)]

    def purge(self, now: dt.datetime) -> int:
        with self._lock:
            return self._purge(now)

    def _purge(self, now: dt.datetime) -> int:
        expired = [k for k, record in self._records.items() if record.expires_at <= now]
        for k in expired:
            del self._records[k]
        return len(expired)
