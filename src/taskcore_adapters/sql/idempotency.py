"""Idempotency keys in SQL: a claim is an INSERT that the primary key lets only one
concurrent request win."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, RowMapping, delete, insert, or_, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from taskcore.errors import Unavailable
from taskcore_adapters.idempotency import IdempotencyRecord, StoredResponse
from taskcore_adapters.sql.tables import idempotency_keys as t

_ATTEMPTS = 5
"""Claim attempts when the row changes between the failed INSERT and the read."""


class SqlAlchemyIdempotencyStore:
    """Idempotency keys in the ``idempotency_keys`` table (see
    ``taskcore_adapters.idempotency``); every call is one short transaction of its own."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @contextmanager
    def _begin(self) -> Iterator[Connection]:
        try:
            with self._engine.begin() as conn:
                yield conn
        except IntegrityError:
            raise
        except DBAPIError as exc:
            raise Unavailable("Database unavailable") from exc

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
        mine = t.c.user_id == user_id, t.c.key == key
        fresh = {
            "fingerprint": fingerprint,
            "claimed_at": now,
            "expires_at": expires_at,
            "status_code": None,
            "headers": None,
            "body": None,
        }
        for _ in range(_ATTEMPTS):
            try:
                with self._begin() as conn:
                    # Lazy clean-up: expired records go whenever a key is claimed.
                    conn.execute(delete(t).where(t.c.expires_at <= now))
                    conn.execute(insert(t).values(user_id=user_id, key=key, **fresh))
                return None
            except IntegrityError:
                pass
            with self._begin() as conn:
                row = conn.execute(select(t).where(*mine)).first()
                if row is None:
                    continue  # released or purged in between: claim again
                record = _record(row._mapping)
                finished_or_running = (
                    record.response is not None or record.claimed_at >= stale_before
                )
                if finished_or_running and record.expires_at > now:
                    return record
                # Expired, or its request died: take it over unless someone else just did.
                taken = conn.execute(
                    update(t)
                    .where(
                        *mine,
                        t.c.claimed_at == record.claimed_at,
                        or_(
                            t.c.expires_at <= now,
                            (t.c.status_code.is_(None)) & (t.c.claimed_at < stale_before),
                        ),
                    )
                    .values(**fresh)
                )
                if taken.rowcount == 1:
                    return None
        raise Unavailable("Idempotency key storage is busy")

    def complete(self, user_id: int, key: str, response: StoredResponse) -> None:
        with self._begin() as conn:
            conn.execute(
                update(t)
                .where(t.c.user_id == user_id, t.c.key == key)
                .values(
                    status_code=response.status,
                    headers=json.dumps([list(h) for h in response.headers]),
                    body=response.body,
                )
            )

    def release(self, user_id: int, key: str) -> None:
        with self._begin() as conn:
            conn.execute(
                delete(t).where(t.c.user_id == user_id, t.c.key == key, t.c.status_code.is_(None))
            )

    def purge(self, now: dt.datetime) -> int:
        with self._begin() as conn:
            return conn.execute(delete(t).where(t.c.expires_at <= now)).rowcount


def _record(row: RowMapping) -> IdempotencyRecord:
    response = None
    if row["status_code"] is not None:
        response = StoredResponse(
            status=row["status_code"],
            headers=tuple((str(n), str(v)) for n, v in json.loads(row["headers"] or "[]")),
            body=bytes(row["body"] or b""),
        )
    return IdempotencyRecord(
        fingerprint=row["fingerprint"],
        claimed_at=row["claimed_at"],
        expires_at=row["expires_at"],
        response=response,
    )
