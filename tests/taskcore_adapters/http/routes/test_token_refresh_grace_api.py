"""The refresh-token reuse grace period over HTTP (``TASKCORE_REFRESH_REUSE_GRACE_SECONDS``):
a replay soon after the first use is 401 ``refresh_superseded`` and the session lives on."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from taskcore_adapters.bootstrap import Runtime, from_settings
from taskcore_adapters.config import Settings
from taskcore_adapters.memory.fakes import ManualClock
from taskcore_adapters.security import Argon2PasswordHasher

PASSWORD = "correct horse battery"
SUPERSEDED = {
    "error": "Refresh token already renewed; use the newest one",
    "code": "refresh_superseded",
}


@pytest.fixture
def clocked_client(
    tmp_path: Path,
    database_url: str,
    hasher: Argon2PasswordHasher,
    clock: ManualClock,
    serve: Callable[[Runtime], TestClient],
) -> Iterator[TestClient]:
    """A test client of an application on ``clock``, with the default grace period."""
    built = from_settings(
        Settings(
            data_dir=tmp_path,
            database_url=database_url,
            secret_key="z" * 48,
            auth_rate_per_address="10000/minute",
            failed_login_rate="10000/minute",
        ),
        clock=clock,
        password_hasher=hasher,
        migrate=False,
    )
    try:
        yield serve(built)
    finally:
        built.close()


def tokens_of(client: TestClient) -> dict[str, Any]:
    client.post(
        "/api/register",
        json={
            "username": "alice",
            "email": "alice@example.com",
            "password": PASSWORD,
            "full_name": "Alice",
        },
    )
    response = client.post("/api/login", json={"username": "alice", "password": PASSWORD})
    assert 200 == response.status_code, response.text
    body: dict[str, Any] = response.json()
    return body


def refresh(client: TestClient, token: str) -> tuple[int, dict[str, Any]]:
    response = client.post("/api/token/refresh", json={"refresh_token": token})
    body: dict[str, Any] = response.json()
    return response.status_code, body


def me(client: TestClient, token: str) -> int:
    return client.get("/api/users/me", headers={"Authorization": f"Bearer {token}"}).status_code


def test_a_replay_within_the_grace_period_is_superseded(client: TestClient) -> None:
    """Replaying a refresh token right after its use answers 401 with the superseded
    message and code, and the tokens of the first use keep working."""
    first = tokens_of(client)
    status, second = refresh(client, first["refresh_token"])
    assert 200 == status
    assert (401, SUPERSEDED) == refresh(client, first["refresh_token"])
    status, third = refresh(client, second["refresh_token"])
    assert (200, 200) == (status, me(client, third["token"]))


def test_concurrent_refreshes_within_the_grace_period_keep_the_session(
    client: TestClient,
) -> None:
    """Of 20 simultaneous refreshes with one token one succeeds and the other 19 are
    superseded; the session lives, so the winner's refresh token renews again."""
    tokens = tokens_of(client)
    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(lambda _: refresh(client, tokens["refresh_token"]), range(20)))
    assert [200] + [401] * 19 == sorted(status for status, _ in results)
    assert [SUPERSEDED] * 19 == [body for status, body in results if status == 401]
    winner = next(body for status, body in results if status == 200)
    assert 200 == refresh(client, winner["refresh_token"])[0]


def test_a_replay_after_the_grace_period_ends_the_session(
    clocked_client: TestClient, clock: ManualClock
) -> None:
    """Eleven seconds after its use the same replay is reuse: 401 and the session ends."""
    client = clocked_client
    first = tokens_of(client)
    status, second = refresh(client, first["refresh_token"])
    assert 200 == status
    clock.advance(seconds=11)
    assert (401, {"error": "Refresh token reuse detected"}) == refresh(
        client, first["refresh_token"]
    )
    assert (401, 401) == (refresh(client, second["refresh_token"])[0], me(client, second["token"]))


def test_the_grace_period_is_a_setting() -> None:
    """``TASKCORE_REFRESH_REUSE_GRACE_SECONDS`` defaults to 10; 0 disables the grace period."""
    assert (10, 0, 30) == (
        Settings.from_env({}).refresh_reuse_grace_seconds,
        Settings.from_env(
            {"TASKCORE_REFRESH_REUSE_GRACE_SECONDS": "0"}
        ).refresh_reuse_grace_seconds,
        Settings.from_env(
            {"TASKCORE_REFRESH_REUSE_GRACE_SECONDS": "30"}
        ).refresh_reuse_grace_seconds,
    )
