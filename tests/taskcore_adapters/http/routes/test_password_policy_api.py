"""The password policy over HTTP: registration and password change answer 400 naming it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from starlette.testclient import TestClient

Account = tuple[int, dict[str, str]]
AccountFactory = Callable[..., Account]

PASSWORD = "correct horse battery"
CONTEXT = "Password must not contain the username, the e-mail address or the product name"


def register(client: TestClient, password: str) -> tuple[int, Any]:
    response = client.post(
        "/api/register",
        json={
            "username": "alice",
            "email": "wonderland@example.com",
            "password": password,
            "full_name": "Alice",
        },
    )
    return response.status_code, response.json()


@pytest.mark.parametrize(
    ("password", "error"),
    [
        ("password", "Password is too common"),
        ("123456789", "Password is too common"),
        ("Password1", "Password is too common"),
        ("taskcore2026", CONTEXT),
        ("Alice rules ok", CONTEXT),
        ("my wonderland key", CONTEXT),
        ("x" * 1025, "Password must be at most 1024 characters"),
    ],
)
def test_weak_passwords_refused_at_registration(
    client: TestClient, password: str, error: str
) -> None:
    """Common, context-word and over-long passwords are 400 with the original's error form."""
    assert (400, {"error": error}) == register(client, password)


def test_long_unicode_password_logs_in_exactly(client: TestClient) -> None:
    """A 200-character non-ASCII password registers and logs in; one more character fails."""
    password = "ключ密码🔑-" * 25
    assert 200 == len(password)
    assert 201 == register(client, password)[0]
    statuses = [
        client.post("/api/login", json={"username": "alice", "password": p}).status_code
        for p in (password, password + "!")
    ]
    assert [200, 401] == statuses


def test_password_change_refuses_context_words(client: TestClient, account: AccountFactory) -> None:
    """A new password holding the username is 400 naming ``new_password``'s rule."""
    _, headers = account()
    response = client.put(
        "/api/users/me/password",
        headers=headers,
        json={"current_password": PASSWORD, "new_password": "ALICE forever 9"},
    )
    assert (400, {"error": CONTEXT}) == (response.status_code, response.json())
