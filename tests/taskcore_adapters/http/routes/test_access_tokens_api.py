"""Personal access tokens over HTTP, on the selected SQL backend: creating, using them
wherever a login's token works, scopes, revocation and the reliability plan's token cases
(expired, revoked, wrong scope, tampered, another user's)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import update
from starlette.testclient import TestClient

from taskcore_adapters.bootstrap import Runtime
from taskcore_adapters.sql.tables import access_tokens

Account = tuple[int, dict[str, str]]
AccountFactory = Callable[..., Account]

PASSWORD = "correct horse battery"


def soon(days: float = 30) -> str:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(days=days)).isoformat()


def create(
    client: TestClient, headers: dict[str, str], *scopes: str, **overrides: Any
) -> tuple[int, Any]:
    body: dict[str, Any] = {"name": "ci", "scopes": list(scopes), "expires_at": soon()}
    body.update(overrides)
    response = client.post("/api/users/me/tokens", json=body, headers=headers)
    return response.status_code, response.json()


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def make_token(client: TestClient, headers: dict[str, str], *scopes: str) -> tuple[int, str]:
    status, body = create(client, headers, *scopes)
    assert 201 == status, body
    return int(body["token"]["id"]), str(body["secret"])


def project_of(client: TestClient, headers: dict[str, str]) -> int:
    response = client.post("/api/projects", json={"name": "Apollo"}, headers=headers)
    assert 201 == response.status_code, response.json()
    return int(response.json()["project"]["id"])


def test_created_token_is_shown_once_and_listed_without_its_secret(
    client: TestClient, account: AccountFactory
) -> None:
    _, headers = account("alice")
    status, created = create(client, headers, "tasks:write", "comments:read")
    listed = client.get("/api/users/me/tokens", headers=headers).json()
    assert 201 == status
    assert created["secret"].startswith("tcp_")
    assert ["comments:read", "tasks:write"] == created["token"]["scopes"]
    assert [created["token"]] == listed["tokens"]
    assert created["secret"] not in str(listed)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"expires_at": None}, "expires_at"),
        ({"expires_at": "next year"}, "expires_at"),
        ({"expires_at": soon(400)}, "expires_at"),
        ({"scopes": ["tasks:everything"]}, "scopes"),
        ({"scopes": "tasks:read"}, "scopes"),
        ({"scopes": ["admin:write"]}, "scopes"),
        ({"name": ""}, "name"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_bodies_answer_400_naming_the_field(
    client: TestClient, account: AccountFactory, overrides: dict[str, Any], field: str
) -> None:
    """Missing or malformed expiry, more than a year, unknown scopes, the admin scope for
    a non-administrator, and unknown keys are refused naming the field."""
    _, headers = account("alice")
    status, body = create(client, headers, "tasks:read", **overrides)
    assert (400, True) == (status, field in str(body)), body


def test_a_token_works_like_a_login_within_its_scopes(
    client: TestClient, account: AccountFactory
) -> None:
    """Reads with read scope work; a write needs write scope (403 naming it); a token
    cannot create tokens."""
    _, headers = account("alice")
    project_id = project_of(client, headers)
    _, secret = make_token(client, headers, "tasks:read")
    me = client.get("/api/users/me", headers=bearer(secret))
    tasks = client.get(f"/api/projects/{project_id}/tasks", headers=bearer(secret))
    write = client.post(
        f"/api/projects/{project_id}/tasks", json={"title": "x"}, headers=bearer(secret)
    )
    nested = client.post(
        "/api/users/me/tokens",
        json={"name": "n", "scopes": ["tasks:read"], "expires_at": soon()},
        headers=bearer(secret),
    )
    assert ("alice", 200) == (me.json()["user"]["username"], tasks.status_code)
    assert (403, "scope_required") == (write.status_code, write.json().get("code"))
    assert "tasks:write" in write.json()["error"]
    assert (403, "scope_required") == (nested.status_code, nested.json().get("code"))


def test_expired_revoked_and_tampered_tokens_answer_401(
    client: TestClient, runtime: Runtime, account: AccountFactory
) -> None:
    _, headers = account("alice")
    short_id, short = make_token(client, headers, "tasks:read")
    token_id, revoked = make_token(client, headers, "tasks:read")
    assert 200 == client.get("/api/users/me", headers=bearer(revoked)).status_code
    gone = client.delete(f"/api/users/me/tokens/{token_id}", headers=headers)
    tampered = short[:-1] + ("a" if short[-1] != "a" else "b")
    statuses = [
        client.get("/api/users/me", headers=bearer(secret)).status_code
        for secret in (revoked, tampered, short[:20], "tcp_" + "0" * 46)
    ]
    valid = client.get("/api/users/me", headers=bearer(short)).status_code
    past = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    assert runtime.engine is not None
    with runtime.engine.begin() as conn:
        conn.execute(
            update(access_tokens).where(access_tokens.c.id == short_id).values(expires_at=past)
        )
    expired = client.get("/api/users/me", headers=bearer(short)).status_code
    assert (200, [401, 401, 401, 401], 200, 401) == (gone.status_code, statuses, valid, expired)


def test_another_users_token_cannot_be_revoked(
    client: TestClient, account: AccountFactory, admin: AccountFactory
) -> None:
    """Not by its id (404, as for no token); an administrator lists and revokes it."""
    alice_id, alice = account("alice")
    _, bob = account("bob")
    _, root = admin()
    token_id, secret = make_token(client, alice, "tasks:read")
    by_bob = client.delete(f"/api/users/me/tokens/{token_id}", headers=bob)
    bob_as_admin = client.get("/api/admin/tokens", headers=bob)
    listed = client.get(f"/api/admin/tokens?user_id={alice_id}", headers=root).json()
    bad_filter = client.get("/api/admin/tokens?user_id=x", headers=root)
    by_root = client.delete(f"/api/admin/tokens/{token_id}", headers=root)
    after = client.get("/api/users/me", headers=bearer(secret))
    assert (404, 403) == (by_bob.status_code, bob_as_admin.status_code)
    assert [token_id] == [t["id"] for t in listed["tokens"]]
    assert (400, "user_id") == (bad_filter.status_code, bad_filter.json()["error"].split()[0])
    assert (200, 401) == (by_root.status_code, after.status_code)


def test_admin_scope_needs_an_admin_and_gives_admin_rights_only_with_it(
    client: TestClient, admin: AccountFactory
) -> None:
    _, root = admin()
    _, plain = make_token(client, root, "tasks:read")
    _, with_admin = make_token(client, root, "admin:read")
    statuses = [
        client.get("/api/admin/users", headers=bearer(secret)).status_code
        for secret in (plain, with_admin)
    ]
    assert [403, 200] == statuses


def test_deactivating_the_owner_refuses_the_token(
    client: TestClient, account: AccountFactory, admin: AccountFactory
) -> None:
    alice_id, alice = account("alice")
    _, root = admin()
    _, secret = make_token(client, alice, "tasks:read")
    off = client.put(f"/api/admin/users/{alice_id}", json={"is_active": False}, headers=root)
    refused = client.get("/api/users/me", headers=bearer(secret)).status_code
    client.put(f"/api/admin/users/{alice_id}", json={"is_active": True}, headers=root)
    still = client.get("/api/users/me", headers=bearer(secret)).status_code
    listed = client.get("/api/users/me/tokens", headers=alice).status_code
    assert (200, 401, 401, 401) == (off.status_code, refused, still, listed)


def test_a_password_change_revokes_tokens_when_asked(
    client: TestClient, account: AccountFactory
) -> None:
    _, alice = account("alice")
    _, kept = make_token(client, alice, "tasks:read")
    changed = client.put(
        "/api/users/me/password",
        json={"current_password": PASSWORD, "new_password": PASSWORD + " two"},
        headers=alice,
    ).json()
    fresh = {"Authorization": f"Bearer {changed['token']}"}
    survived = client.get("/api/users/me", headers=bearer(kept)).status_code
    client.put(
        "/api/users/me/password",
        json={
            "current_password": PASSWORD + " two",
            "new_password": PASSWORD + " three",
            "revoke_tokens": True,
        },
        headers=fresh,
    )
    revoked = client.get("/api/users/me", headers=bearer(kept)).status_code
    assert (200, 401) == (survived, revoked)


def test_last_use_and_its_address_are_shown(client: TestClient, account: AccountFactory) -> None:
    _, alice = account("alice")
    _, secret = make_token(client, alice, "tasks:read")
    client.get("/api/users/me", headers=bearer(secret))
    (shown,) = client.get("/api/users/me/tokens", headers=alice).json()["tokens"]
    assert ("testclient", False) == (shown["last_used_from"], shown["last_used_at"] is None)
