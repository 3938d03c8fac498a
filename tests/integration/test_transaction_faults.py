"""Faults inside a request's transaction: a connection killed mid-transaction and an
exhausted connection pool answer 503 with Retry-After, and leave nothing half-written."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Any

import pytest
import uvicorn
from sqlalchemy import Connection, create_engine, event, text
from starlette.testclient import TestClient

from taskcore.domain.events import DomainEvent, TaskCreated
from taskcore.uow import Work
from taskcore_adapters.bootstrap import Runtime
from taskcore_adapters.host import create_app

pytestmark = pytest.mark.postgres

SignUp = Callable[[TestClient, str], dict[str, str]]
"""The ``sign_up`` fixture of this folder's conftest."""

WAIT = 10.0
"""Seconds any step may take before the test gives up (never reached when it passes)."""


def needs_postgres(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL (TASKCORE_TEST_DB=postgres)")


class Gate:
    """Holds threads at a point of a request until released (a test-only pause)."""

    def __init__(self) -> None:
        self.arrived = threading.Semaphore(0)
        self._open = threading.Event()

    def hold(self) -> None:
        self.arrived.release()
        assert self._open.wait(WAIT * 3), "the test never released the gate"

    def wait_for(self, count: int) -> None:
        for _ in range(count):
            assert self.arrived.acquire(timeout=WAIT), "a request never reached the gate"

    def release(self) -> None:
        self._open.set()


def new_project(client: TestClient, headers: dict[str, str]) -> int:
    response = client.post("/api/projects", json={"name": "Apollo"}, headers=headers)
    assert 201 == response.status_code, response.text
    return int(response.json()["project"]["id"])


def task_traces(database_url: str) -> tuple[int, int, int]:
    """Tasks, task activity entries and task events stored so far."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return (
                conn.execute(text("SELECT count(*) FROM tasks")).scalar_one(),
                conn.execute(
                    text("SELECT count(*) FROM activity_logs WHERE entity_type = 'task'")
                ).scalar_one(),
                conn.execute(
                    text("SELECT count(*) FROM outbox WHERE name = 'task.created'")
                ).scalar_one(),
            )
    finally:
        engine.dispose()


def terminate_idle_in_transaction(database_url: str) -> int:
    """Terminate every backend of the database that waits inside a transaction."""
    engine = create_engine(database_url)
    try:
        with engine.begin() as conn:
            return int(
                conn.execute(
                    text(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                        "AND state = 'idle in transaction'"
                    )
                ).scalar_one()
            )
    finally:
        engine.dispose()


@pytest.mark.parametrize("where", ["mid-transaction", "at commit"])
def test_connection_killed_inside_a_transaction_is_503_and_atomic(
    database_url: str,
    make_runtime: Callable[..., Runtime],
    sign_up: SignUp,
    where: str,
) -> None:
    """A backend terminated while a task is being created (after its rows are written, or
    just before the commit) answers 503 with Retry-After, and the task, its activity
    entry and its event are all absent."""
    needs_postgres(database_url)
    runtime = make_runtime(database_url)
    client = TestClient(create_app(runtime))
    headers = sign_up(client, "alice")
    project_id = new_project(client, headers)
    gate = Gate()
    armed = threading.Event()
    armed.set()
    creating = threading.local()

    def in_transaction(work: Work, events: Sequence[DomainEvent]) -> None:
        if not armed.is_set():
            return
        armed.clear()
        if where == "mid-transaction":
            gate.hold()
        else:
            creating.active = True

    def before_commit(conn: Connection) -> None:
        if getattr(creating, "active", False):
            creating.active = False
            gate.hold()

    runtime.core.transactions.handle_in_transaction((TaskCreated,), in_transaction)
    assert runtime.engine is not None
    event.listen(runtime.engine, "commit", before_commit)

    answers: list[Any] = []
    request = threading.Thread(
        target=lambda: answers.append(
            client.post(
                f"/api/projects/{project_id}/tasks", json={"title": "doomed"}, headers=headers
            )
        )
    )
    request.start()
    try:
        gate.wait_for(1)
        assert 1 == terminate_idle_in_transaction(database_url)
    finally:
        gate.release()
        request.join(WAIT)
    (response,) = answers
    assert (503, "5") == (response.status_code, response.headers.get("retry-after"))
    assert "Internal" not in response.text
    assert (0, 0, 0) == task_traces(database_url)
    # The pool replaced the dead connection: the same request now succeeds.
    retried = client.post(
        f"/api/projects/{project_id}/tasks", json={"title": "doomed"}, headers=headers
    )
    assert 201 == retried.status_code
    assert (1, 1, 1) == task_traces(database_url)


# -- pool exhaustion ------------------------------------------------------------------------

POOL = {"database_pool_size": 5, "database_max_overflow": 5, "database_pool_timeout_seconds": 1}


@pytest.fixture
def serve() -> Iterator[Callable[[Runtime], str]]:
    """Serve apps with uvicorn on a loopback port in this process (one event loop, one
    thread pool, as in production); each is stopped after the test."""
    servers: list[tuple[uvicorn.Server, threading.Thread]] = []

    def start(runtime: Runtime) -> str:
        sock = socket.create_server(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        config = uvicorn.Config(create_app(runtime), lifespan="off", log_level="warning")
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        servers.append((server, thread))
        deadline = time.monotonic() + WAIT
        while not server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.02)
        return f"http://127.0.0.1:{port}"

    yield start
    for server, thread in servers:
        server.should_exit = True
        thread.join(WAIT)


def call(
    base: str, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], Any]:
    """One request: status, headers (lower-case names) and JSON body."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method)  # noqa: S310
    request.add_header("Content-Type", "application/json")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=WAIT * 2) as response:  # noqa: S310
            return response.status, _lower(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, _lower(exc.headers), json.loads(exc.read())


def _lower(headers: Any) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


def test_exhausted_pool_answers_503_and_health_keeps_answering(
    database_url: str,
    make_runtime: Callable[..., Runtime],
    sign_up: SignUp,
    serve: Callable[[Runtime], str],
) -> None:
    """With a pool of 5 + 5 and 30 task creations held inside their transactions, 10 hold
    every connection, the other 20 get 503 with Retry-After once the 1-s pool timeout has
    passed, /health answers 200 at once meanwhile, and the 10 complete when released."""
    needs_postgres(database_url)
    runtime = make_runtime(database_url, **POOL)
    base = serve(runtime)
    client = TestClient(create_app(runtime))
    headers = sign_up(client, "alice")
    project_id = new_project(client, headers)
    gate = Gate()
    runtime.core.transactions.handle_in_transaction(
        (TaskCreated,), lambda work, events: gate.hold()
    )

    def create(n: int) -> tuple[int, dict[str, str], Any]:
        path = f"/api/projects/{project_id}/tasks"
        return call(base, "POST", path, {"title": f"task {n}"}, headers)

    with ThreadPoolExecutor(max_workers=30) as pool:
        started = time.monotonic()
        futures = [pool.submit(create, n) for n in range(30)]
        try:
            gate.wait_for(10)  # every pooled connection is held inside a transaction
            refused = []
            for future in as_completed(futures, timeout=WAIT):
                refused.append((future.result(), time.monotonic() - started))
                if len(refused) == 20:
                    break
            probe_started = time.monotonic()
            health_status, _, health = call(base, "GET", "/health")
            health_seconds = time.monotonic() - probe_started
        finally:
            gate.release()
        answers = [future.result(timeout=WAIT) for future in futures]

    assert [(503, "5")] * 20 == [(a[0], a[1].get("retry-after")) for a, _ in refused]
    assert all(seconds >= 1 for _, seconds in refused)  # after the pool timeout, not before
    assert all("Internal" not in json.dumps(a[2]) for a, _ in refused)
    assert (200, "ok") == (health_status, health["checks"]["database"])
    assert health_seconds < 1
    assert [201] * 10 + [503] * 20 == sorted(status for status, _, _ in answers)
    assert (10, 10, 10) == task_traces(database_url)
