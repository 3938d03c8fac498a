"""The commands compose.yaml runs (migrate, two serve replicas, two workers), run as they
are written, as processes on this machine's PostgreSQL and Redis, with the compose file's
environment and secrets read from files, with only the container paths and ports mapped
to this machine."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from taskcore_adapters.rq import RqJobQueue

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis, pytest.mark.timeout(420)]

ROOT = Path(__file__).resolve().parents[2]
START_SECONDS = 120
"""How long a process may take to answer /readyz on a heavily loaded machine."""
TOKEN = "metrics-" + uuid.uuid4().hex
PG_URL = os.environ.get(
    "TASKCORE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def service_missing(reason: str) -> None:
    """Skip for a missing server, or fail under CI (as tests/conftest.py does)."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so this fails instead of skipping)")
    pytest.skip(reason)


PASSWORD = "correct horse battery"


def _command() -> list[str]:
    script = Path(sys.executable).parent / "taskcore"
    return [str(script)] if script.exists() else [sys.executable, "-m", "taskcore_adapters.cli"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _call(base: str, path: str, body: Any = None, token: str | None = None) -> tuple[int, str]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data)  # noqa: S310
    request.add_header("Content-Type", "application/json")
    request.add_header("X-Request-ID", "compose-test")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
    except (urllib.error.URLError, ConnectionError):
        return 0, ""


class Stack:
    """The processes compose would run, and where they log."""

    def __init__(self, tmp: Path, database_url: str, redis_base: str) -> None:
        self.tmp = tmp
        self.database_url = database_url
        self.procs: list[tuple[str, subprocess.Popen[bytes]]] = []
        document = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
        self.services: dict[str, Any] = document["services"]
        secrets = tmp / "secrets"
        secrets.mkdir(mode=0o700)
        redis_url = redis_base
        self.queue_name = f"taskcore-compose-{uuid.uuid4().hex[:10]}"
        values = {
            "database_url": database_url,
            "secret_key": "k" * 48,
            "metrics_token": TOKEN,
            "queue_url": redis_url,
            "rate_limit_url": redis_url,
        }
        for name, value in values.items():
            (secrets / name).write_text(value + "\n", encoding="utf-8")
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("TASKCORE_")}
        self.env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        self.env["PYTHONPATH"] = os.pathsep.join(sys.path)
        # A queue of its own on the shared Redis database, so parallel runs never meet.
        self.env["TASKCORE_QUEUE_NAME"] = self.queue_name
        for key, value in self.services["serve"]["environment"].items():
            mapped = str(value)
            if mapped.startswith("/run/secrets/"):
                mapped = str(secrets / mapped.removeprefix("/run/secrets/"))
            elif mapped.startswith("/data"):
                mapped = str(tmp) + mapped.removeprefix("/data")
            self.env[key] = mapped.replace("${TASKCORE_DOMAIN:-localhost}", "localhost").replace(
                "${TASKCORE_MAIL_FROM:-taskcore@localhost}", "taskcore@localhost"
            )

    def args(self, service: str, port: int | None = None) -> list[str]:
        """The service's compose command, on a loopback port of this machine."""
        command = [str(part) for part in self.services[service]["command"]]
        if port is not None:
            command[command.index("--port") + 1] = str(port)
            command[command.index("--host") + 1] = "127.0.0.1"
        return command

    def run(self, service: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [*_command(), *self.args(service)],
            env=self.env,
            capture_output=True,
            timeout=START_SECONDS,
            check=False,
        )

    def start(self, name: str, service: str, port: int | None = None) -> None:
        log = (self.tmp / f"{name}.log").open("wb")
        proc = subprocess.Popen(
            [*_command(), *self.args(service, port)],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        self.procs.append((name, proc))

    def log(self, name: str) -> str:
        return (self.tmp / f"{name}.log").read_text(encoding="utf-8", errors="replace")

    def stop(self) -> dict[str, int | None]:
        for _, proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        codes: dict[str, int | None] = {}
        for name, proc in self.procs:
            try:
                codes[name] = proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                codes[name] = proc.wait(timeout=10)
        return codes


@pytest.fixture
def database_url(drop_database_later: Callable[[str], None]) -> Iterator[str]:
    """An empty PostgreSQL database: the migrate command must make its tables."""
    admin_url = make_url(PG_URL)
    name = f"taskcore_compose_{uuid.uuid4().hex[:10]}"
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - any failure to reach the server
        service_missing(f"PostgreSQL is not reachable: {exc}")
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        admin.dispose()
        drop_database_later(name)  # in the background: DROP DATABASE waits for a checkpoint


@pytest.fixture
def stack(tmp_path: Path, database_url: str, redis_url: str) -> Iterator[Stack]:
    """The stack's settings, with rq queues of its own (emptied afterwards)."""
    built = Stack(tmp_path, database_url, redis_url)
    try:
        yield built
    finally:
        built.stop()
        queues = RqJobQueue.from_url(redis_url, queue_name=built.queue_name)
        for queue in queues.queues:
            queue.empty()  # type: ignore[no-untyped-call]
        queues.connection.close()


def _metrics(base: str) -> dict[str, float]:
    status, body = _call(base, "/metrics", token=TOKEN)
    assert 200 == status, body
    return {
        sample.name + json.dumps(sample.labels, sort_keys=True): sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
    }


def _wait(condition: Any, what: str, stack: Stack) -> None:
    deadline = time.monotonic() + START_SECONDS
    while not condition():
        if time.monotonic() > deadline or any(p.poll() is not None for _, p in stack.procs):
            logs = "\n".join(f"--- {n}\n{stack.log(n)[-3000:]}" for n, _ in stack.procs)
            pytest.fail(f"{what} did not happen:\n{logs}")
        time.sleep(0.2)


def deliveries(stack: Stack) -> list[Any]:
    engine = create_engine(stack.database_url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(text("SELECT status, attempts FROM event_deliveries")))
    finally:
        engine.dispose()


def pending(stack: Stack) -> bool:
    return any(d.status != "done" for d in deliveries(stack))


def work_spread_over_both_replicas(bases: list[str], ada: str) -> None:
    """Ada invites Bob (on one replica), Bob accepts (on the other), and Ada assigns him
    four tasks, alternating replicas: each write leaves events for the workers."""
    bob = {"username": "bob", "email": "bob@example.com", "password": PASSWORD}
    created = _call(bases[1], "/api/register", {**bob, "full_name": "Bob"})
    assert 201 == created[0], created[1]
    bob_id = json.loads(created[1])["user"]["id"]
    bob_token = json.loads(_call(bases[0], "/api/login", bob)[1])["token"]
    project = json.loads(_call(bases[0], "/api/projects", {"name": "P"}, token=ada)[1])
    project_id = project["project"]["id"]
    invited = _call(bases[0], f"/api/projects/{project_id}/members", {"user_id": bob_id}, token=ada)
    assert 202 == invited[0], invited[1]
    invitation = json.loads(invited[1])["invitation"]["id"]
    accepted = _call(bases[1], f"/api/invitations/{invitation}/accept", {}, token=bob_token)
    assert 200 == accepted[0], accepted[1]
    for n in range(4):
        task = {"title": f"t{n}", "assignee_id": bob_id}
        made = _call(bases[n % 2], f"/api/projects/{project_id}/tasks", task, token=ada)
        assert 201 == made[0], made[1]


def throttling_is_shared(bases: list[str]) -> None:
    """Login attempts count in Redis for every replica: once one refuses this address
    (30 a minute), so does the other, which has seen only half of them."""
    wrong = {"username": "ada", "password": "not the password"}
    for attempt in range(62):
        status = _call(bases[attempt % 2], "/api/login", wrong)[0]
        if status == 429:
            break
        assert 401 == status
    assert 429 == status, "neither replica throttled after 62 attempts"
    assert attempt <= 31, f"the first 429 came after {attempt + 1} attempts"
    assert 429 == _call(bases[(attempt + 1) % 2], "/api/login", wrong)[0]


def test_the_compose_commands_run_the_system(stack: Stack) -> None:
    """migrate makes the schema and exits 0; two serve replicas (each with its worker
    processes) become ready on the shared database and key; a user registered on one logs
    in on the other; work spread over both replicas leaves events that the two workers
    consume, each once, none lost; login throttling counts across replicas; /metrics of a
    replica sums its processes; every line logged is JSON; SIGTERM stops everything with
    status 0."""
    migrated = stack.run("migrate")
    assert 0 == migrated.returncode, migrated.stderr.decode()
    assert b"Running upgrade" in migrated.stderr  # taskcore migrate names each step
    ports = [_free_port(), _free_port()]
    for index, port in enumerate(ports):
        stack.start(f"serve-{index + 1}", "serve", port)
    stack.start("worker-1", "worker")
    stack.start("worker-2", "worker")
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    for base in bases:
        _wait(lambda base=base: _call(base, "/readyz")[0] == 200, f"{base}/readyz", stack)

    user = {"username": "ada", "email": "ada@example.com", "password": PASSWORD}
    registered = _call(bases[0], "/api/register", {**user, "full_name": "Ada"})
    assert 201 == registered[0], registered[1]
    login = _call(bases[1], "/api/login", {"username": "ada", "password": PASSWORD})
    assert 200 == login[0], login[1]

    work_spread_over_both_replicas(bases, json.loads(login[1])["token"])

    def drained() -> bool:
        figures = _metrics(bases[1])
        return figures.get("taskcore_outbox_backlog{}", 1) == 0 and not pending(stack)

    _wait(drained, "the workers draining the outbox", stack)
    # Every event's consumers ran, each once: two workers never ran one job twice.
    assert [] == [d for d in deliveries(stack) if (d.status, d.attempts) != ("done", 1)]
    assert len(deliveries(stack)) >= 5  # the invitation's and the four assignments'
    throttling_is_shared(bases)
    figures = _metrics(bases[0])
    register = json.dumps(
        {"method": "POST", "route": "/api/register", "status": "201"}, sort_keys=True
    )
    assert 1 == figures["taskcore_http_requests_total" + register]
    for name in ("worker-1", "worker-2"):  # started, as an orchestrator's stop finds them
        _wait(lambda name=name: "Listening on" in stack.log(name), f"{name} listening", stack)

    codes = stack.stop()
    assert dict.fromkeys(codes, 0) == codes
    served = [
        json.loads(line)
        for line in stack.log("serve-1").splitlines()
        if line.startswith("{")  # the one plain line: "taskcore serving on ..."
    ]
    access = [line for line in served if line.get("logger") == "taskcore.access"]
    assert any(line["request_id"] == "compose-test" for line in access)
    assert all("\x1b" not in line for line in stack.log("worker-1").splitlines())
