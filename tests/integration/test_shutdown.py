"""Graceful shutdown: ``taskcore serve`` and the worker finish what they are doing on
SIGTERM, exit with status 0, and leave nothing claimed that a restart would not pick up."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from rq import Worker
from sqlalchemy import create_engine, text

from taskcore.domain.events import DomainEvent, UserLoggedIn, UserRegistered
from taskcore.domain.pagination import PageRequest
from taskcore.ports.deliveries import DeliveryStatus
from taskcore.services.events import LEASE, HandlerSpec
from taskcore.uow import Work
from taskcore_adapters.bootstrap import Runtime, from_settings
from taskcore_adapters.config import Settings
from taskcore_adapters.memory import ManualClock
from taskcore_adapters.rq import RqJobQueue
from taskcore_adapters.security import Argon2PasswordHasher
from taskcore_adapters.worker import run

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

PASSWORD = "correct horse battery"
GRACEFUL_SECONDS = 10
"""``taskcore serve``'s ``timeout_graceful_shutdown``."""

START_SECONDS = 90
"""How long a worker process may take to start and take its first job: a check that it
comes up, not a speed check (a loaded two-core machine took over 30 s)."""


def child_env(**variables: str) -> dict[str, str]:
    """The test's environment without its ``TASKCORE_*`` variables, plus ``variables``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TASKCORE_")}
    env["PYTHONPATH"] = os.pathsep.join(sys.path)
    env.update(variables)
    return env


def call(base: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method)  # noqa: S310
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def refuses_connections(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return False
    except ConnectionRefusedError:
        return True


def settings_for(tmp_path: Path, database_url: str, **extra: Any) -> Settings:
    return Settings(data_dir=tmp_path, database_url=database_url, secret_key="s" * 40, **extra)


# -- T74: taskcore serve --------------------------------------------------------------------


@pytest.fixture
def serve(
    start_serve: Callable[..., tuple[subprocess.Popen[bytes], int]],
    tmp_path: Path,
    database_url: str,
) -> tuple[subprocess.Popen[bytes], int]:
    """A ``taskcore serve`` process on the test database, answering ``/health``; it logs to
    ``tmp_path / "serve.log"``."""
    return start_serve(
        {
            "TASKCORE_DATA_DIR": str(tmp_path / "data"),
            "TASKCORE_DATABASE_URL": database_url,
            "TASKCORE_SECRET_KEY": "s" * 40,
        }
    )


def test_serve_sigterm_finishes_the_request_in_flight(
    serve: tuple[subprocess.Popen[bytes], int],
    tmp_path: Path,
    database_url: str,
    hasher: Argon2PasswordHasher,
) -> None:
    """SIGTERM while a login's body is still arriving (for 2 s): the server refuses new
    connections at once, answers that login 200, exits with status 0 within the graceful
    timeout, and leaves no event unrelayed or delivery leased for a restart to wait for."""
    proc, port = serve
    base = f"http://127.0.0.1:{port}"
    body = {"username": "slow", "email": "slow@example.com", "password": PASSWORD}
    assert 201 == call(base, "POST", "/api/register", {**body, "full_name": "S"})[0]

    payload = json.dumps({"username": "slow", "password": PASSWORD}).encode()
    client = socket.create_connection(("127.0.0.1", port), timeout=10)
    with client:
        client.sendall(
            b"POST /api/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\n"
            + f"Content-Length: {len(payload)}\r\n\r\n".encode()
            + payload[:5]
        )
        time.sleep(0.3)  # the request is in the app, waiting for the rest of its body
        proc.send_signal(signal.SIGTERM)
        stopped = time.monotonic()
        while not refuses_connections(port):
            assert time.monotonic() - stopped < 2, "still accepting connections"
            time.sleep(0.05)
        for i in range(5, len(payload)):  # the rest, slowly: about 2 s in all
            client.sendall(payload[i : i + 1])
            time.sleep(1.7 / len(payload))
        answer = b""
        while chunk := client.recv(65536):
            answer += chunk
    head, _, content = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 "), answer
    assert "slow" == json.loads(content)["user"]["username"]
    assert 0 == proc.wait(timeout=GRACEFUL_SECONDS + 5)
    assert time.monotonic() - stopped < GRACEFUL_SECONDS
    output = (tmp_path / "serve.log").read_text()
    assert "Application shutdown complete" in output
    assert "Traceback" not in output

    # A fresh process finds nothing stuck: one round relays whatever was left, and no
    # delivery waits for a lease held by the stopped server.
    runtime = from_settings(settings_for(tmp_path, database_url), password_hasher=hasher)
    try:
        runtime.core.tick()
        with runtime.core.transactions() as work:
            assert [] == list(work.uow.outbox.pending(10))
        pending = runtime.core.events.list_deliveries(True, DeliveryStatus.PENDING, PageRequest())
        assert [] == pending.items
    finally:
        runtime.close()


# -- T75, T76: the worker -------------------------------------------------------------------

# ``taskcore worker`` with one more event handler: the same ``run`` the command calls, in a
# process of its own. The handler counts a login for the event's user; with a marker path
# it first says it is inside the job and then takes ``seconds`` to finish.
WORKER = """
import sys, time
from pathlib import Path
from taskcore.domain.events import UserLoggedIn, UserRegistered
from taskcore.services.events import HandlerSpec
from taskcore_adapters.bootstrap import from_settings
from taskcore_adapters.config import Settings
from taskcore_adapters.rq import RqJobQueue
from taskcore_adapters.worker import run

data_dir, database_url, redis_url, queue_name, marker, seconds = sys.argv[1:7]

def bump(work, event):
    if marker != "-":
        Path(marker).write_text("inside the job")
        time.sleep(float(seconds))
    work.uow.users.record_login(event.entity_id, event.occurred_at)

settings = Settings(
    data_dir=Path(data_dir), database_url=database_url, queue_url=redis_url, secret_key="s" * 40
)
runtime = from_settings(settings, migrate=False)
runtime.core.events.register(
    HandlerSpec(name="bump", events=(UserRegistered, UserLoggedIn), func=bump)
)
queue = RqJobQueue.from_url(redis_url, queue_name=queue_name)
runtime.core.jobs.use_queue(queue)
try:
    run(runtime, queue, interval=0.5)
finally:
    runtime.close()
"""


def bump(work: Work, event: DomainEvent) -> None:
    work.uow.users.record_login(event.entity_id, event.occurred_at)


BUMP = HandlerSpec(name="bump", events=(UserRegistered, UserLoggedIn), func=bump)


@pytest.fixture
def make_runtime(
    tmp_path: Path,
    database_url: str,
    redis_url: str,
    queue: RqJobQueue,
    hasher: Argon2PasswordHasher,
) -> Iterator[Callable[..., Runtime]]:
    """Build runtimes on the test database whose jobs go to ``queue`` and whose ``bump``
    handler counts logins; all are closed after the test."""
    built: list[Runtime] = []

    def make(clock: ManualClock | None = None, **extra: Any) -> Runtime:
        settings = settings_for(tmp_path, database_url, queue_url=redis_url, **extra)
        runtime = from_settings(settings, password_hasher=hasher, migrate=False, clock=clock)
        runtime.core.events.register(BUMP)
        runtime.core.jobs.use_queue(queue)
        built.append(runtime)
        return runtime

    yield make
    for runtime in built:
        runtime.close()


@pytest.fixture
def spawn_worker(
    tmp_path: Path, database_url: str, redis_url: str, queue: RqJobQueue
) -> Iterator[Callable[[float | None], tuple[subprocess.Popen[bytes], Path]]]:
    """Start worker processes on ``queue``; with a duration, their handler writes
    ``tmp_path / "inside"`` and then takes that long. Any still running after the test is
    killed."""
    started: list[subprocess.Popen[bytes]] = []

    def spawn(seconds: float | None = None) -> tuple[subprocess.Popen[bytes], Path]:
        marker = tmp_path / "inside"
        where = "-" if seconds is None else str(marker)
        args = [str(tmp_path), database_url, redis_url, queue.queue.name, where, str(seconds)]
        worker = subprocess.Popen([sys.executable, "-c", WORKER, *args], env=child_env())
        started.append(worker)
        return worker, marker

    yield spawn
    for worker in started:
        if worker.poll() is None:
            worker.kill()
        worker.wait(5)


def sql(database_url: str, query: str) -> list[Any]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(text(query)).all())
    finally:
        engine.dispose()


def logins(database_url: str) -> dict[str, int]:
    rows = sql(database_url, "SELECT username, login_count FROM users")
    return {str(name): int(count) for name, count in rows}


def deliveries(database_url: str) -> dict[str, int]:
    """The ``bump`` deliveries by status, and how many events they are for."""
    rows = sql(
        database_url,
        "SELECT status, count(*) FROM event_deliveries WHERE handler = 'bump' GROUP BY status",
    )
    counts = {str(status): int(count) for status, count in rows}
    ((events,),) = sql(
        database_url, "SELECT count(DISTINCT event_id) FROM event_deliveries WHERE handler = 'bump'"
    )
    return {**counts, "events": int(events)}


@pytest.mark.redis
@pytest.mark.parametrize("signals", [1, 2])
def test_worker_sigterm_mid_job(
    database_url: str,
    queue: RqJobQueue,
    make_runtime: Callable[..., Runtime],
    spawn_worker: Callable[[float | None], tuple[subprocess.Popen[bytes], Path]],
    signals: int,
) -> None:
    """One SIGTERM while a 2-s job runs: the job finishes, the worker deregisters and
    exits with status 0, the effect is applied once. A second SIGTERM (cold shutdown)
    interrupts the job instead: nothing is applied, and once its lease ends the delivery
    runs again and applies the effect once."""
    clock = ManualClock(dt.datetime.now(dt.UTC))
    runtime = make_runtime(clock)
    runtime.core.users.register(
        username="dave", email="dave@example.com", password="long enough", full_name="D"
    )
    assert 1 == queue.queue.count
    worker, marker = spawn_worker(2 if signals == 1 else 60)
    deadline = time.monotonic() + START_SECONDS
    while not marker.exists():
        assert worker.poll() is None, "the worker ended"
        assert time.monotonic() < deadline, "no job started"
        time.sleep(0.05)
    assert 1 == len(Worker.all(queue=queue.queue))
    worker.send_signal(signal.SIGTERM)
    if signals == 2:
        time.sleep(1.2)  # rq ignores a second signal within a second of the first
        worker.send_signal(signal.SIGTERM)
    assert 0 == worker.wait(timeout=15)
    assert [] == Worker.all(queue=queue.queue)
    done = {"done": 1, "events": 1}
    if signals == 1:
        assert ({"dave": 1}, done) == (logins(database_url), deliveries(database_url))
        return
    pending = {"pending": 1, "events": 1}
    assert ({"dave": 0}, pending) == (logins(database_url), deliveries(database_url))
    clock.advance(seconds=LEASE.total_seconds() + 1)
    run(runtime, queue, burst=True)
    assert ({"dave": 1}, done) == (logins(database_url), deliveries(database_url))


@pytest.mark.redis
def test_relay_sigterm_mid_batch(
    database_url: str,
    queue: RqJobQueue,
    make_runtime: Callable[..., Runtime],
    spawn_worker: Callable[[float | None], tuple[subprocess.Popen[bytes], Path]],
) -> None:
    """A worker stopped by SIGTERM while its relay turns 60 committed events into
    deliveries leaves every event either relayed with its delivery or not relayed at all,
    holds no lease longer than the lease, and after a restart each event is handled once."""
    clock = ManualClock(dt.datetime.now(dt.UTC))
    runtime = make_runtime(clock, background_relay=True)  # commits leave the relay to the worker
    user = runtime.core.users.register(
        username="erin", email="erin@example.com", password="long enough", full_name="E"
    )
    events = [
        UserLoggedIn(occurred_at=clock.now(), actor_id=user.id, entity_id=user.id)
        for _ in range(60)
    ]
    with runtime.core.transactions() as work:
        work.uow.outbox.append(events)
        work.uow.commit()
    worker, _ = spawn_worker(None)
    deadline = time.monotonic() + START_SECONDS
    while not Worker.all(queue=queue.queue):  # its relay thread has just started
        assert worker.poll() is None, "the worker ended"
        assert time.monotonic() < deadline, "no worker registered"
        time.sleep(0.02)
    worker.send_signal(signal.SIGTERM)
    assert 0 == worker.wait(timeout=15)
    assert [] == Worker.all(queue=queue.queue)
    relayed = sql(database_url, "SELECT event_id FROM outbox WHERE published_at IS NOT NULL")
    delivered = sql(database_url, "SELECT event_id FROM event_deliveries WHERE handler = 'bump'")
    assert sorted(relayed) == sorted(delivered)  # relayed with its delivery, or neither
    pending = runtime.core.events.list_deliveries(
        True, DeliveryStatus.PENDING, PageRequest(per_page=100)
    ).items
    latest = dt.datetime.now(dt.UTC) + LEASE
    assert [] == [d for d in pending if d.next_attempt_at > latest]  # no lease beyond LEASE

    clock.advance(seconds=LEASE.total_seconds() + 1)  # a restart after the leases ended
    for _ in range(2):
        run(runtime, queue, burst=True)
    assert ({"erin": 61}, {"done": 61, "events": 61}) == (
        logins(database_url),
        deliveries(database_url),
    )
