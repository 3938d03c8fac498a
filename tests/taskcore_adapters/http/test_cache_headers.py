"""Answers that carry a token or the caller's own data are stored by no cache: every API
answer without its own caching says ``Cache-Control: no-store`` and ``Pragma: no-cache``;
those that choose their caching (attachment downloads) keep theirs."""

from __future__ import annotations

from collections.abc import Callable

import httpx2
from starlette.testclient import TestClient

Account = tuple[int, dict[str, str]]
PASSWORD = "correct horse battery"

NO_STORE = ("no-store", "no-cache")


def caching(response: httpx2.Response) -> tuple[str | None, str | None]:
    """The answer's ``Cache-Control`` and ``Pragma``."""
    return response.headers.get("cache-control"), response.headers.get("pragma")


def test_token_answers_are_not_stored(client: TestClient) -> None:
    """Register, login, refresh and verify-token answers are never cached."""
    registered = client.post(
        "/api/register",
        json={
            "username": "alice",
            "email": "alice@example.com",
            "password": PASSWORD,
            "full_name": "Alice",
        },
    )
    login = client.post("/api/login", json={"username": "alice", "password": PASSWORD})
    refreshed = client.post(
        "/api/token/refresh", json={"refresh_token": login.json()["refresh_token"]}
    )
    verified = client.post("/api/verify-token", json={"token": refreshed.json()["token"]})
    assert [(201, NO_STORE), (200, NO_STORE), (200, NO_STORE), (200, NO_STORE)] == [
        (r.status_code, caching(r)) for r in (registered, login, refreshed, verified)
    ]


def test_profile_and_password_answers_are_not_stored(
    client: TestClient, account: Callable[..., Account]
) -> None:
    """The caller's profile (read and changed) and a password change's new tokens."""
    user_id, headers = account("alice")
    me = client.get("/api/users/me", headers=headers)
    changed = client.put("/api/users/me", headers=headers, json={"full_name": "Alice A."})
    one = client.get(f"/api/users/{user_id}", headers=headers)
    password = client.put(
        "/api/users/me/password",
        headers=headers,
        json={"current_password": PASSWORD, "new_password": "another horse battery"},
    )
    assert "token" in password.json(), password.text
    assert [(200, NO_STORE)] * 4 == [
        (r.status_code, caching(r)) for r in (me, changed, one, password)
    ]


def test_errors_and_other_answers_are_not_stored(
    client: TestClient, account: Callable[..., Account]
) -> None:
    """Refusals and every other API answer are not stored either; pages and the OpenAPI
    document are outside this rule."""
    _, headers = account("alice")
    refused = client.post("/api/login", json={"username": "alice", "password": "wrong!"})
    projects = client.get("/api/projects", headers=headers)
    assert [(401, NO_STORE), (200, NO_STORE)] == [
        (r.status_code, caching(r)) for r in (refused, projects)
    ]
    assert "no-cache" != client.get("/openapi.json").headers.get("pragma")


def test_downloads_keep_their_own_caching(
    client: TestClient, account: Callable[..., Account]
) -> None:
    """An attachment download keeps ``private, no-cache`` (revalidated with its ETag)."""
    _, headers = account("alice")
    project = client.post("/api/projects", json={"name": "P"}, headers=headers).json()["project"]
    task = client.post(
        f"/api/projects/{project['id']}/tasks", json={"title": "T"}, headers=headers
    ).json()["task"]
    uploaded = client.post(
        f"/api/tasks/{task['id']}/attachments",
        files={"file": ("notes.txt", b"hello", "text/plain")},
        headers=headers,
    ).json()["attachment"]
    download = client.get(f"/api/attachments/{uploaded['id']}/download", headers=headers)
    assert (200, "private, no-cache", None) == (
        download.status_code,
        download.headers["cache-control"],
        download.headers.get("pragma"),
    )
