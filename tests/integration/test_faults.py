"""Faults between the app and its servers: the app answers 503 with Retry-After while a
server is gone, recovers by itself, and loses no committed write."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Protocol

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from starlette.testclient import TestClient

from taskcore.domain.events import DomainEvent, UserRegistered
from taskcore.services.events import HandlerSpec
from taskcore.uow import Work
from taskcore_adapters.bootstrap import Runtime
from taskcore_adapters.host import create_app
from taskcore_adapters.rq import RqJobQueue
from taskcore_adapters.worker import run

SignUp = Callable[[TestClient, str], dict[str, str]]
"""The ``sign_up`` fixture of this folder's conftest."""


class FaultProxy(Protocol):
    """The fault proxy of this folder's conftest: forwards to a server until told not to."""

    port: int

    def refuse(self) -> None: ...
    def blackhole(self) -> None: ...
    def heal(self) -> None: ...


ProxyFactory = Callable[[tuple[str, int]], FaultProxy]


def needs_postgres(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL (TASKCORE_TEST_DB=postgres)")


def through(proxy: FaultProxy, url: str) -> str:
    return make_url(url).set(host="127.0.0.1", port=proxy.port).render_as_string(False)


@pytest.mark.postgres
def test_terminated_backends_are_replaced_unnoticed(
    database_url: str,
    make_runtime: Callable[..., Runtime],
    sign_up: SignUp,
) -> None:
    """After every app connection is killed by the server, the next request is 200."""
    needs_postgres(database_url)
    runtime = make_runtime(database_url)
    client = TestClient(create_app(runtime))
    headers = sign_up(client, "alice")
    assert 200 == client.get("/api/users/me", headers=headers).status_code
    admin = create_engine(database_url)
    with admin.begin() as conn:
        killed = conn.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalar_one()
    admin.dispose()
    assert killed >= 1
    assert [200, 200] == [
        client.get("/api/users/me", headers=headers).status_code for _ in range(2)
    ]


@pytest.mark.postgres
def test_database_outage_is_503_then_recovers(
    database_url: str,
    make_runtime: Callable[..., Runtime],
    fault_proxy: ProxyFactory,
    sign_up: SignUp,
) -> None:
    """While the database refuses or ignores connections, requests get 503 with
    Retry-After within the connect timeout (never a hang); once it is back, 200 again."""
    needs_postgres(database_url)
    url = make_url(database_url)
    proxy = fault_proxy((url.host or "127.0.0.1", url.port or 5432))
    runtime = make_runtime(through(proxy, database_url))
    client = TestClient(create_app(runtime))
    headers = sign_up(client, "bob")

    proxy.refuse()
    started = time.monotonic()
    refused = client.get("/api/users/me", headers=headers)
    assert (503, "5") == (refused.status_code, refused.headers.get("retry-after"))
    assert time.monotonic() - started < 10
    assert "Internal" not in refused.text

    proxy.blackhole()
    started = time.monotonic()
    hung = client.get("/api/users/me", headers=headers)
    assert 503 == hung.status_code
    assert time.monotonic() - started < 12  # connect timeout (5 s) plus pre-ping

    proxy.heal()
    deadline = time.monotonic() + 5
    status = 0
    while time.monotonic() < deadline and status != 200:
        status = client.get("/api/users/me", headers=headers).status_code
    assert 200 == status


@pytest.mark.redis
def test_redis_outage_during_writes_loses_nothing(
    database_url: str,
    redis_url: str,
    make_runtime: Callable[..., Runtime],
    fault_proxy: ProxyFactory,
    sign_up: SignUp,
) -> None:
    """Writes made while Redis is unreachable still answer 201; once Redis is back the
    backlog drains and every committed event is handled exactly once."""
    redis = make_url(redis_url.replace("redis://", "postgresql://", 1))
    proxy = fault_proxy((redis.host or "127.0.0.1", redis.port or 6379))
    proxied = f"redis://127.0.0.1:{proxy.port}/{redis.database or 0}"
    runtime = make_runtime(database_url, proxied)
    seen: list[str] = []

    def effect(work: Work, event: DomainEvent) -> None:
        seen.append(event.event_id)

    runtime.core.events.register(HandlerSpec(name="effect", events=(UserRegistered,), func=effect))
    queue = RqJobQueue.from_url(proxied, queue_name=f"taskcore-test-{uuid.uuid4().hex[:10]}")
    runtime.core.jobs.use_queue(queue)
    client = TestClient(create_app(runtime))

    sign_up(client, "carol")
    proxy.refuse()
    for name in ("dave", "erin", "frank"):
        sign_up(client, name)  # 201 although the enqueue fails
    proxy.heal()
    sign_up(client, "grace")
    try:
        for _ in range(3):
            run(runtime, queue, burst=True)
    finally:
        queue.queue.empty()  # type: ignore[no-untyped-call]
    assert 5 == len(seen) == len(set(seen))
