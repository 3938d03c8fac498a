"""Revocation is immediate across server processes: after a logout, a password change, a
deactivation or the revocation of a personal access token served by one ``taskcore serve``
process, the next request with the revoked token is refused by another process on the same
PostgreSQL database within one second."""

from __future__ import annotations

import json
import os
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

from taskcore_adapters.bootstrap import from_settings
from taskcore_adapters.config import Settings
from taskcore_adapters.security import Argon2PasswordHasher

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

PASSWORD = "correct horse battery"
WITHIN = 1.0
"""Seconds the other process may take to refuse a revoked token."""


def call(
    base: str, method: str, path: str, body: Any = None, token: str | None = None
) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method)  # noqa: S310
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _up(base: str) -> bool:
    try:
        with urllib.request.urlopen(base + "/health", timeout=5) as response:  # noqa: S310
            return bool(response.status == 200)
    except (urllib.error.URLError, ConnectionError):
        return False


@pytest.fixture(scope="module")
def database(new_postgres_database: Callable[[str], str]) -> str:
    """A migrated PostgreSQL database of this module's own (dropped after the run)."""
    return new_postgres_database("revoke")


@pytest.fixture(scope="module")
def servers(database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[str]]:
    """Two ``taskcore serve`` processes (one worker each) on the same database."""
    data = tmp_path_factory.mktemp("revocation")
    runtime = from_settings(
        Settings(data_dir=data, database_url=database, secret_key="k" * 48),
        password_hasher=Argon2PasswordHasher.cheapest(),
        migrate=False,
    )
    try:
        runtime.core.users.create_admin(
            username="root", email="root@example.com", password=PASSWORD
        )
    finally:
        runtime.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TASKCORE_")}
    env.update(
        PYTHONPATH=os.pathsep.join(sys.path),
        TASKCORE_DATA_DIR=str(data),
        TASKCORE_DATABASE_URL=database,
        TASKCORE_SECRET_KEY="k" * 48,
        TASKCORE_AUTH_RATE_PER_ADDRESS="off",
        TASKCORE_FAILED_LOGIN_RATE="off",
    )
    script = Path(sys.executable).parent / "taskcore"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "taskcore_adapters.cli"]
    started: list[subprocess.Popen[bytes]] = []
    bases = []
    log = (data / "serve.log").open("wb")
    try:
        for _ in range(2):
            port = _free_port()
            started.append(
                subprocess.Popen(
                    [*command, "serve", "--port", str(port), "--log-level", "warning"],
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
            bases.append(f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + 90
        for proc, base in zip(started, bases, strict=True):
            while not _up(base):
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"server did not start:\n{(data / 'serve.log').read_text()}")
                time.sleep(0.05)
        yield bases
    finally:
        for proc in started:
            proc.terminate()
        for proc in started:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        log.close()


def _sign_up(base: str) -> tuple[int, str]:
    """A new account registered and logged in through ``base``: its id and token."""
    name = f"u{uuid.uuid4().hex[:10]}"
    status, body = call(
        base,
        "POST",
        "/api/register",
        {"username": name, "email": f"{name}@example.com", "password": PASSWORD, "full_name": "U"},
    )
    assert 201 == status, body
    status, body = call(base, "POST", "/api/login", {"username": name, "password": PASSWORD})
    assert 200 == status, body
    return int(body["user"]["id"]), str(body["token"])


def _accepted_twice(base: str, token: str) -> None:
    """The token works on ``base`` (twice: whatever the process keeps is warm)."""
    for _ in range(2):
        assert 200 == call(base, "GET", "/api/users/me", token=token)[0]


def _refused_within(base: str, token: str) -> float:
    """Seconds until ``base`` refuses ``token`` with 401 (fails after ``WITHIN``)."""
    started = time.monotonic()
    while True:
        status = call(base, "GET", "/api/users/me", token=token)[0]
        waited = time.monotonic() - started
        if status == 401:
            return waited
        assert waited < WITHIN, f"still accepted after {waited:.2f} s (status {status})"
        time.sleep(0.01)


def test_logout_in_one_process_is_refused_by_the_other(servers: list[str]) -> None:
    one, other = servers
    _, token = _sign_up(one)
    _accepted_twice(other, token)
    assert 200 == call(one, "POST", "/api/logout", token=token)[0]
    assert _refused_within(other, token) < WITHIN
    assert 401 == call(one, "GET", "/api/users/me", token=token)[0]


def test_password_change_in_one_process_is_refused_by_the_other(servers: list[str]) -> None:
    one, other = servers
    _, token = _sign_up(one)
    _, second = _sign_up_again(one, token)
    _accepted_twice(other, token)
    _accepted_twice(other, second)
    status, body = call(
        one,
        "PUT",
        "/api/users/me/password",
        {"current_password": PASSWORD, "new_password": PASSWORD + " changed"},
        token=token,
    )
    assert 200 == status, body
    assert _refused_within(other, second) < WITHIN
    assert 200 == call(other, "GET", "/api/users/me", token=body["token"])[0]


def _sign_up_again(base: str, token: str) -> tuple[int, str]:
    """A second session of the account of ``token`` (logged in again)."""
    status, me = call(base, "GET", "/api/users/me", token=token)
    assert 200 == status
    name = me["user"]["username"]
    status, body = call(base, "POST", "/api/login", {"username": name, "password": PASSWORD})
    assert 200 == status, body
    return int(body["user"]["id"]), str(body["token"])


def test_deactivation_in_one_process_is_refused_by_the_other(servers: list[str]) -> None:
    one, other = servers
    user_id, token = _sign_up(one)
    status, body = call(one, "POST", "/api/login", {"username": "root", "password": PASSWORD})
    assert 200 == status, body
    _accepted_twice(other, token)
    status, body = call(
        one, "PUT", f"/api/admin/users/{user_id}", {"is_active": False}, token=body["token"]
    )
    assert 200 == status, body
    assert _refused_within(other, token) < WITHIN


def test_a_personal_access_token_revoked_in_one_process_is_refused_by_the_other(
    servers: list[str],
) -> None:
    one, other = servers
    _, login = _sign_up(one)
    expires = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(time.time() + 86_400))
    status, body = call(
        one,
        "POST",
        "/api/users/me/tokens",
        {"name": "ci", "scopes": ["tasks:read"], "expires_at": expires},
        token=login,
    )
    assert 201 == status, body
    secret, token_id = body["secret"], body["token"]["id"]
    _accepted_twice(other, secret)
    assert 200 == call(one, "DELETE", f"/api/users/me/tokens/{token_id}", token=login)[0]
    assert _refused_within(other, secret) < WITHIN
