"""No password, access token or refresh token used in a session ever reaches a log."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from starlette.testclient import TestClient

from taskcore_adapters import logs

PASSWORD = "correct horse battery staple"
WRONG = "wrong-password-in-a-log-would-be-bad"
NEW_PASSWORD = "another long secret phrase"


def test_secrets_never_reach_the_logs(
    strict_client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    """A session of logins (good and bad), refreshes, a replay, a password change and a
    logout logs security events, and none of its secrets, in any field."""
    client = strict_client  # no reuse grace period: the replay is logged as reuse
    caplog.set_level(logging.DEBUG)
    secrets: list[str] = [PASSWORD, WRONG, NEW_PASSWORD]
    registered = client.post(
        "/api/register",
        json={
            "username": "alice",
            "email": "a@example.com",
            "password": PASSWORD,
            "full_name": "Alice",
        },
    )
    assert 201 == registered.status_code, registered.text
    assert (
        401 == client.post("/api/login", json={"username": "alice", "password": WRONG}).status_code
    )
    assert 401 == client.post("/api/login", json={"username": WRONG, "password": WRONG}).status_code
    login: dict[str, Any] = client.post(
        "/api/login", json={"username": "alice", "password": PASSWORD}
    ).json()
    secrets += [login["token"], login["refresh_token"]]
    fresh = client.post("/api/token/refresh", json={"refresh_token": login["refresh_token"]})
    secrets += [fresh.json()["token"], fresh.json()["refresh_token"]]
    replay = client.post("/api/token/refresh", json={"refresh_token": login["refresh_token"]})
    assert 401 == replay.status_code
    again: dict[str, Any] = client.post(
        "/api/login", json={"username": "alice", "password": PASSWORD}
    ).json()
    secrets += [again["token"], again["refresh_token"]]
    headers = {"Authorization": f"Bearer {again['token']}"}
    changed = client.put(
        "/api/users/me/password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers=headers,
    ).json()
    secrets += [changed["token"], changed["refresh_token"]]
    client.post("/api/logout", headers={"Authorization": f"Bearer {changed['token']}"})
    client.get("/api/users/me", headers={"Authorization": "Bearer " + WRONG})

    formatter = logs.formatter("json")
    lines = [formatter.format(record) for record in caplog.records]
    events = {getattr(record, "event", None) for record in caplog.records}
    assert {"login", "login_failed", "refresh_token_reused", "unauthenticated"} <= events
    leaked = [(secret[:12], line) for secret in secrets for line in lines if secret in line]
    assert [] == leaked
