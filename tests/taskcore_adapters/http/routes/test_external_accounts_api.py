"""Accounts of external identities over HTTP: without a password, the password login and
the password change answer exactly as for a wrong password (SQLite or PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable

from starlette.testclient import TestClient

from taskcore.domain.identities import ExternalClaims, SignInPolicy
from taskcore_adapters.bootstrap import Runtime

Account = tuple[int, dict[str, str]]


def test_no_password_answers_like_a_wrong_password(
    client: TestClient, runtime: Runtime, account: Callable[..., Account]
) -> None:
    """Logging in as an external account, by username or address, gives the answer a
    wrong password gets; so does changing its password, even when signed in through its
    provider."""
    account("local")
    runtime.core.users.ensure_external(
        provider="corp", subject="s-1", email="ext@example.com", username="ext"
    )

    def login(username: str) -> tuple[int, object]:
        answer = client.post("/api/login", json={"username": username, "password": "whatever!"})
        return answer.status_code, answer.json()

    wrong = login("local")
    assert [wrong, wrong] == [login("ext"), login("ext@example.com")]
    assert 401 == wrong[0]

    signed_in = runtime.core.users.sign_in_external(
        provider="corp", claims=ExternalClaims(subject="s-1"), policy=SignInPolicy()
    )
    change = {"current_password": "whatever!", "new_password": "a brand new passphrase"}
    _, local_headers = account("other")
    refused = client.put("/api/users/me/password", json=change, headers=local_headers)
    answer = client.put(
        "/api/users/me/password",
        json=change,
        headers={"Authorization": f"Bearer {signed_in.token}"},
    )
    assert (refused.status_code, refused.json()) == (answer.status_code, answer.json())
    assert "Current password is incorrect" in refused.text
