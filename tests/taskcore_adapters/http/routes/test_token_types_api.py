"""Access-token typing and key rotation over HTTP: what ``/api/users/me`` accepts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jwt
import pytest
from starlette.testclient import TestClient

from taskcore_adapters.bootstrap import Runtime
from taskcore_adapters.security.tokens import key_id

Account = tuple[int, dict[str, str]]
AccountFactory = Callable[..., Account]

SECRET_KEY = "x" * 48
"""The signing key of the test application (tests/taskcore_adapters/http/conftest.py)."""
NEW_KEY = "n" * 48
INVALID = (401, {"error": "Token is invalid or expired"})


def bearer(token: str) -> dict[str, str]:
    """The ``Authorization`` header for ``token``."""
    return {"Authorization": f"Bearer {token}"}


def answer(client: TestClient, token: str) -> tuple[int, Any]:
    """Status and body of ``GET /api/users/me`` with ``token``."""
    response = client.get("/api/users/me", headers=bearer(token))
    return response.status_code, response.json()


def resign(token: str, **header: object) -> str:
    """The claims of a real token signed again with the right key under ``header``."""
    claims = jwt.decode(token, options={"verify_signature": False})  # noqa: TID251
    return jwt.encode(claims, SECRET_KEY, algorithm="HS256", headers=header)


class TestTokenType:
    @pytest.mark.parametrize("typ", ["JWT", None], ids=["typ-JWT", "no-typ"])
    def test_untyped_tokens_signed_with_the_right_key_are_401(
        self, client: TestClient, account: AccountFactory, typ: str | None
    ) -> None:
        """A login's own claims and kid, re-signed with the server key but typed ``JWT``
        or not typed, are 401 like any invalid token."""
        _, headers = account()
        token = headers["Authorization"].removeprefix("Bearer ")
        assert 200 == answer(client, token)[0]
        assert INVALID == answer(client, resign(token, typ=typ, kid=key_id(SECRET_KEY)))
        assert INVALID == answer(client, resign(token, typ=typ))

    def test_refresh_token_as_bearer_is_401(self, client: TestClient) -> None:
        """A refresh token is not an access token."""
        client.post(
            "/api/register",
            json={
                "username": "alice",
                "email": "alice@example.com",
                "password": "correct horse battery",
                "full_name": "Alice",
            },
        )
        body = client.post(
            "/api/login", json={"username": "alice", "password": "correct horse battery"}
        ).json()
        assert INVALID == answer(client, body["refresh_token"])


class TestKeyRotation:
    def test_rotate_then_retire_while_serving(
        self, client: TestClient, runtime: Runtime, account: AccountFactory
    ) -> None:
        """After rotating to a new key the old token still works and new logins carry the
        new kid; after retiring the old key, its token is 401 (no restart)."""
        assert runtime.keyring is not None
        _, old = account()
        old_token = old["Authorization"].removeprefix("Bearer ")
        runtime.keyring.rotate(NEW_KEY)
        body = client.post(
            "/api/login", json={"username": "alice", "password": "correct horse battery"}
        ).json()
        assert key_id(NEW_KEY) == jwt.get_unverified_header(body["token"])["kid"]
        assert (200, 200) == (answer(client, old_token)[0], answer(client, body["token"])[0])
        runtime.keyring.retire(key_id(SECRET_KEY))
        assert INVALID == answer(client, old_token)
        assert 200 == answer(client, body["token"])[0]

    def test_unknown_kid_is_401(self, client: TestClient, account: AccountFactory) -> None:
        """A kid the keyring does not hold is 401 even when the signature is right."""
        _, headers = account()
        token = headers["Authorization"].removeprefix("Bearer ")
        assert INVALID == answer(client, resign(token, typ="at+jwt", kid="0123456789abcdef"))
