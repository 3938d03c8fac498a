"""Fixtures of the integration tests: runtimes, rq queues, ``taskcore serve`` processes,
and a small TCP fault proxy for the fault tests: put it between the app and a server, then
refuse, black-hole or cut connections on demand (toxiproxy is not available here)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import pytest
from starlette.testclient import TestClient

from taskcore_adapters.bootstrap import Runtime, from_settings
from taskcore_adapters.config import Settings
from taskcore_adapters.rq import RqJobQueue
from taskcore_adapters.security import Argon2PasswordHasher

PASSWORD = "correct horse battery"
"""The password of the users ``sign_up`` makes."""

START_SECONDS = 90
"""How long ``start_serve`` waits for a server to answer ``/health``."""

ServeFactory = Callable[..., tuple[subprocess.Popen[bytes], int]]
"""Start ``taskcore serve`` with ``TASKCORE_*`` variables and more arguments: the process
and its port."""


@pytest.fixture
def queue(redis_url: str) -> Iterator[RqJobQueue]:
    """An rq queue with a name of its own."""
    q = RqJobQueue.from_url(redis_url, queue_name=f"taskcore-test-{uuid.uuid4().hex[:10]}")
    yield q
    q.queue.empty()  # type: ignore[no-untyped-call]
    q.connection.close()


@pytest.fixture
def runtime(
    tmp_path: Path, database_url: str, redis_url: str, hasher: Argon2PasswordHasher
) -> Iterator[Runtime]:
    """A runtime on the test database whose jobs go to Redis."""
    settings = Settings(
        data_dir=tmp_path, database_url=database_url, queue_url=redis_url, secret_key="s" * 40
    )
    rt = from_settings(settings, password_hasher=hasher, migrate=False)
    yield rt
    rt.close()


@pytest.fixture
def make_runtime(tmp_path: Path, hasher: Argon2PasswordHasher) -> Iterator[Callable[..., Runtime]]:
    """Build runtimes on given URLs (and further settings) without login throttling; all
    are closed after the test."""
    built: list[Runtime] = []

    def make(database_url: str, queue_url: str | None = None, **extra: Any) -> Runtime:
        settings = Settings(
            data_dir=tmp_path,
            database_url=database_url,
            queue_url=queue_url,
            secret_key="s" * 40,
            auth_rate_per_address=None,
            failed_login_rate=None,
            **extra,
        )
        runtime = from_settings(settings, password_hasher=hasher, migrate=False)
        built.append(runtime)
        return runtime

    yield make
    for runtime in built:
        runtime.close()


def _sign_up(client: TestClient, name: str) -> dict[str, str]:
    response = client.post(
        "/api/register",
        json={
            "username": name,
            "email": f"{name}@example.com",
            "password": PASSWORD,
            "full_name": name.title(),
        },
    )
    assert 201 == response.status_code, response.text
    token = client.post("/api/login", json={"username": name, "password": PASSWORD}).json()
    return {"Authorization": f"Bearer {token['token']}"}


@pytest.fixture
def sign_up() -> Callable[[TestClient, str], dict[str, str]]:
    """Register a user through the app's API (password ``PASSWORD``) and log them in:
    call it with a client and a name; it gives the bearer header."""
    return _sign_up


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _taskcore_command() -> list[str]:
    script = Path(sys.executable).parent / "taskcore"
    return [str(script)] if script.exists() else [sys.executable, "-m", "taskcore_adapters.cli"]


def _healthy(base: str) -> bool:
    try:
        with urllib.request.urlopen(base + "/health", timeout=10) as response:  # noqa: S310
            return bool(response.status == 200)
    except (urllib.error.URLError, ConnectionError):  # an HTTPError is a URLError too
        return False


@pytest.fixture
def start_serve(tmp_path: Path) -> Iterator[ServeFactory]:
    """Start ``taskcore serve`` processes on free loopback ports, in the test's environment
    without its ``TASKCORE_*`` variables plus the given ones; each answers ``/health`` before
    it is returned, and logs to ``tmp_path / "serve.log"``. Any still running after the
    test is stopped."""
    started: list[tuple[subprocess.Popen[bytes], BinaryIO]] = []

    def start(variables: dict[str, str], *args: str) -> tuple[subprocess.Popen[bytes], int]:
        port = _free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("TASKCORE_")}
        env["PYTHONPATH"] = os.pathsep.join(sys.path)
        env.update(variables)
        log_path = tmp_path / "serve.log"
        log = log_path.open("wb")
        proc = subprocess.Popen(
            [*_taskcore_command(), "serve", "--host", "127.0.0.1", "--port", str(port), *args],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        started.append((proc, log))
        base = f"http://127.0.0.1:{port}"
        # A liveness wait, not a speed check: on a machine loaded several times over
        # (the flake check in docs/reliability.md) importing and starting the server
        # alone has taken more than 30 s.
        deadline = time.monotonic() + START_SECONDS
        while not _healthy(base):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"server did not start:\n{log_path.read_text()}")
            time.sleep(0.1)
        return proc, port

    yield start
    for proc, log in started:
        if proc.poll() is None:
            proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()


class FaultProxy:
    """Forwards ``127.0.0.1:<port>`` to ``target`` until told to misbehave.

    Modes: ``pass`` (forward), ``refuse`` (new connections are closed at once, as if the
    server were down), ``blackhole`` (connections are accepted and never answered).
    :meth:`cut` drops every open connection.
    """

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.mode = "pass"
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self.port: int = self._listener.getsockname()[1]
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _track(self, *socks: socket.socket) -> None:
        with self._lock:
            self._open.update(socks)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if self.mode == "refuse":
                client.close()
                continue
            self._track(client)
            if self.mode == "blackhole":
                continue  # held open, never answered
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            self._track(upstream)
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        """Drop every open connection, as a network failure would."""
        with self._lock:
            socks, self._open = list(self._open), set()
        for sock in socks:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def refuse(self) -> None:
        """Behave like a server that is down: drop open connections, refuse new ones."""
        self.mode = "refuse"
        self.cut()

    def blackhole(self) -> None:
        """Accept connections and never answer (a hung server or a lost route)."""
        self.mode = "blackhole"
        self.cut()

    def heal(self) -> None:
        """Forward again."""
        self.mode = "pass"

    def close(self) -> None:
        self._stop.set()
        self._listener.close()
        self.cut()
        self._thread.join(timeout=2)


@pytest.fixture
def fault_proxy() -> Iterator[Callable[[tuple[str, int]], FaultProxy]]:
    """Start fault proxies in front of servers; all are closed after the test."""
    proxies: list[FaultProxy] = []

    def start(target: tuple[str, int]) -> FaultProxy:
        proxy = FaultProxy(target)
        proxies.append(proxy)
        return proxy

    yield start
    for proxy in proxies:
        proxy.close()
