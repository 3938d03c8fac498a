"""``taskcore serve`` as a real process, spoken to over a socket."""

from __future__ import annotations

import json
import subprocess
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow


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


@pytest.fixture
def server(start_serve: Callable[..., tuple[subprocess.Popen[bytes], int]], tmp_path: Path) -> str:
    """A ``taskcore serve`` process on a free loopback port, on the embedded defaults."""
    _, port = start_serve({"TASKCORE_DATA_DIR": str(tmp_path / "data")}, "--log-level", "warning")
    return f"http://127.0.0.1:{port}"


def test_register_login_me_over_a_socket(server: str, tmp_path: Path) -> None:
    """A fresh server migrates its SQLite file, registers, logs in and serves the profile."""
    status, body = call(
        server,
        "POST",
        "/api/register",
        {
            "username": "smoke",
            "email": "smoke@example.com",
            "password": "long enough",
            "full_name": "S",
        },
    )
    assert (201, "smoke") == (status, body["user"]["username"])
    status, body = call(
        server, "POST", "/api/login", {"username": "smoke", "password": "long enough"}
    )
    assert 200 == status
    token = body["token"]
    assert (200, 1) == (
        call(server, "GET", "/api/users/me", token=token)[0],
        body["user"]["login_count"],
    )
    health_status, health = call(server, "GET", "/health/user")
    assert (200, "healthy") == (health_status, health["status"])
    assert (tmp_path / "data" / "taskcore.db").exists()
    assert 0o600 == (tmp_path / "data" / "secret_key").stat().st_mode & 0o777
