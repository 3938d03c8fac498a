"""Refresh tokens over HTTP: rotation, replay detection, logout, and a concurrent race."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from starlette.testclient import TestClient

PASSWORD = "correct horse battery"
TOKEN_KEYS = {"token", "expires_at", "refresh_token", "refresh_expires_at"}


def register_and_login(client: TestClient, name: str = "alice") -> dict[str, Any]:
    client.post(
        "/api/register",
        json={
            "username": name,
            "email": f"{name}@example.com",
            "password": PASSWORD,
            "full_name": name.title(),
        },
    )
    response = client.post("/api/login", json={"username": name, "password": PASSWORD})
    assert 200 == response.status_code, response.text
    body: dict[str, Any] = response.json()
    return body


def me(client: TestClient, token: str) -> int:
    return client.get("/api/users/me", headers={"Authorization": f"Bearer {token}"}).status_code


def test_login_returns_a_refresh_token(client: TestClient) -> None:
    """Login answers the original keys plus the expiry and a refresh token."""
    body = register_and_login(client)
    assert {"message", "user"} | TOKEN_KEYS == set(body)


def test_refresh_rotates_and_replay_revokes(strict_client: TestClient) -> None:
    """A refresh gives new tokens; replaying the old refresh token is 401 and ends the
    session, including the tokens the first refresh returned (no reuse grace period here:
    test_token_refresh_grace_api.py covers it)."""
    client = strict_client
    first = register_and_login(client)
    response = client.post("/api/token/refresh", json={"refresh_token": first["refresh_token"]})
    assert (200, {"message"} | TOKEN_KEYS) == (response.status_code, set(response.json()))
    second = response.json()
    assert 200 == me(client, second["token"])
    replay = client.post("/api/token/refresh", json={"refresh_token": first["refresh_token"]})
    assert (401, {"error": "Refresh token reuse detected"}) == (
        replay.status_code,
        replay.json(),
    )
    after = client.post("/api/token/refresh", json={"refresh_token": second["refresh_token"]})
    assert (401, 401) == (after.status_code, me(client, second["token"]))


def test_refresh_needs_a_string_token(client: TestClient) -> None:
    """A missing, empty or non-string refresh token is 400; an unknown one is 401."""
    assert 400 == client.post("/api/token/refresh", json={"refresh_token": ""}).status_code
    assert 400 == client.post("/api/token/refresh", json={"refresh_token": 5}).status_code
    assert 400 == client.post("/api/token/refresh", content=b"nope").status_code
    unknown = client.post("/api/token/refresh", json={"refresh_token": "x" * 43})
    assert (401, {"error": "Token is invalid or expired"}) == (unknown.status_code, unknown.json())


def test_logout_revokes_access_and_refresh(client: TestClient) -> None:
    """After logout both tokens of that session are refused at once."""
    tokens = register_and_login(client)
    headers = {"Authorization": f"Bearer {tokens['token']}"}
    assert 200 == client.post("/api/logout", headers=headers).status_code
    refresh = client.post("/api/token/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert (401, 401) == (me(client, tokens["token"]), refresh.status_code)


def test_concurrent_refreshes_have_one_winner(strict_client: TestClient) -> None:
    """Of 20 simultaneous refreshes with one token exactly one succeeds, and, without a
    reuse grace period, the race counts as reuse: the winner's new refresh token is revoked
    with the session."""
    client = strict_client
    tokens = register_and_login(client)

    def attempt(_: int) -> tuple[int, dict[str, Any]]:
        response = client.post(
            "/api/token/refresh", json={"refresh_token": tokens["refresh_token"]}
        )
        return response.status_code, response.json()

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(attempt, range(20)))
    statuses = sorted(status for status, _ in results)
    assert [200] + [401] * 19 == statuses
    winner = next(body for status, body in results if status == 200)
    again = client.post("/api/token/refresh", json={"refresh_token": winner["refresh_token"]})
    assert 401 == again.status_code
