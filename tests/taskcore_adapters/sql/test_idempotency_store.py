"""The idempotency-key stores (SQL on the selected backend, and memory): claims, expiry,
abandoned claims and clean-up."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, insert

from taskcore_adapters.bootstrap import Runtime, in_memory
from taskcore_adapters.idempotency import IdempotencyStore, StoredResponse
from taskcore_adapters.memory.idempotency import InMemoryIdempotencyStore
from taskcore_adapters.sql.idempotency import SqlAlchemyIdempotencyStore
from taskcore_adapters.sql.tables import users

T0 = dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC)
DAY = dt.timedelta(hours=24)
CLAIM = dt.timedelta(minutes=2)
ANSWER = StoredResponse(status=201, headers=(("content-type", "application/json"),), body=b"{}")


@pytest.fixture(params=["sql", "memory"])
def store(request: pytest.FixtureRequest) -> IdempotencyStore:
    """A store with user 1 existing."""
    if request.param == "memory":
        return InMemoryIdempotencyStore()
    engine: Engine = request.getfixturevalue("engine")
    with engine.begin() as conn:
        conn.execute(
            insert(users).values(
                id=1,
                username="u",
                email="u@example.com",
                password_hash="x",
                created_at=T0,
                username_key="u",
                email_key="u@example.com",
                username_skeleton="u",
            )
        )
    return SqlAlchemyIdempotencyStore(engine)


def claim(store: IdempotencyStore, at: dt.datetime, fingerprint: str = "a") -> object:
    """Claim key ``k`` of user 1 at ``at`` with the usual lifetimes."""
    return store.claim(
        1, "k", fingerprint=fingerprint, now=at, expires_at=at + DAY, stale_before=at - CLAIM
    )


def test_first_claim_wins_and_the_answer_is_kept(store: IdempotencyStore) -> None:
    """The second claim sees the first one, then its stored answer."""
    assert None is claim(store, T0)
    running = store.claim(
        1, "k", fingerprint="a", now=T0, expires_at=T0 + DAY, stale_before=T0 - CLAIM
    )
    assert running is not None
    assert (None, "a") == (running.response, running.fingerprint)
    store.complete(1, "k", ANSWER)
    done = store.claim(
        1, "k", fingerprint="b", now=T0 + DAY / 2, expires_at=T0 + DAY, stale_before=T0
    )
    assert done is not None
    assert (ANSWER, "a") == (done.response, done.fingerprint)


def test_expired_records_are_forgotten(store: IdempotencyStore) -> None:
    """After the lifetime, the key is free again and purge removes old records."""
    assert None is claim(store, T0)
    store.complete(1, "k", ANSWER)
    assert None is claim(store, T0 + DAY, fingerprint="b")
    store.complete(1, "k", ANSWER)
    assert 1 == store.purge(T0 + 2 * DAY)
    assert 0 == store.purge(T0 + 2 * DAY)


def test_an_abandoned_claim_is_taken_over(store: IdempotencyStore) -> None:
    """An unfinished claim older than the claim timeout belongs to a dead request."""
    assert None is claim(store, T0)
    assert None is not claim(store, T0 + CLAIM / 2)
    assert None is claim(store, T0 + CLAIM + dt.timedelta(seconds=1))


def test_release_frees_only_unfinished_claims(store: IdempotencyStore) -> None:
    """A released claim can be claimed again; a stored answer is not released."""
    assert None is claim(store, T0)
    store.release(1, "k")
    assert None is claim(store, T0)
    store.complete(1, "k", ANSWER)
    store.release(1, "k")
    assert None is not claim(store, T0)


def test_the_runtime_keeps_keys_in_its_database_else_in_memory(engine: Engine) -> None:
    """The composition root picks the store: SQL with a database, memory without one."""
    without = in_memory()
    with_database = Runtime(core=without.core, settings=without.settings, engine=engine)
    assert isinstance(without.idempotency_keys, InMemoryIdempotencyStore)
    assert isinstance(with_database.idempotency_keys, SqlAlchemyIdempotencyStore)
