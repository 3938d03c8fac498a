"""M2 and L6 through the API, on SQLite or PostgreSQL: non-ASCII case, width and look-alike
usernames."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

VICTIM_PASSWORD = "correct horse battery"
ATTACKER_PASSWORD = "staple orange lamp"


def register(
    client: TestClient, name: str, email: str, password: str = VICTIM_PASSWORD
) -> tuple[int, Any]:
    response = client.post(
        "/api/register",
        json={"username": name, "email": email, "password": password, "full_name": "Someone"},
    )
    return response.status_code, response.json()


def login(client: TestClient, name: str, password: str) -> tuple[int, int | None]:
    response = client.post("/api/login", json={"username": name, "password": password})
    body = response.json()
    return response.status_code, body["user"]["id"] if response.status_code == 200 else None


def test_emile_cannot_register_twice(client: TestClient) -> None:
    """``Émile`` then ``émile``: the second is 409, and every spelling of the name with the
    victim's password logs into the victim's account, never another."""
    status, body = register(client, "Émile", "victim@example.com")
    assert 201 == status
    victim = body["user"]["id"]
    assert (409, {"error": "Username already exists"}) == register(
        client, "émile", "attacker@example.com", ATTACKER_PASSWORD
    )
    for spelling in ("Émile", "émile", "ÉMILE"):
        assert (200, victim) == login(client, spelling, VICTIM_PASSWORD)
        assert (401, None) == login(client, spelling, ATTACKER_PASSWORD)


def test_dotted_capital_i_registers_and_logs_in(client: TestClient) -> None:
    """``İstanbul`` registers and logs in, by itself and in capitals."""
    status, body = register(client, "İstanbul", "ist@example.com")
    assert 201 == status
    user_id = body["user"]["id"]
    assert (200, user_id) == login(client, "İstanbul", VICTIM_PASSWORD)
    assert (200, user_id) == login(client, "İSTANBUL", VICTIM_PASSWORD)


def test_email_login_with_non_ascii_case(client: TestClient) -> None:
    """The e-mail address logs in too, in any case."""
    status, body = register(client, "emile", "émile@example.com")
    assert 201 == status
    assert (200, body["user"]["id"]) == login(client, "ÉMILE@EXAMPLE.COM", VICTIM_PASSWORD)


def test_full_width_admin_is_taken(client: TestClient) -> None:
    """``ADMIN`` in full-width letters is ``admin`` once its width is folded."""
    assert 201 == register(client, "admin", "admin@example.com")[0]
    assert (409, {"error": "Username already exists"}) == register(
        client, "\uff21\uff24\uff2d\uff29\uff2e", "other@example.com"
    )


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("ali\u200bce", "U+200B ZERO WIDTH SPACE"),
        ("alice\u202e", "U+202E RIGHT-TO-LEFT OVERRIDE"),
        ("ali\u00adce", "U+00AD SOFT HYPHEN"),
        ("\u0430dmin", "must not mix Cyrillic and Latin letters"),
    ],
)
def test_invisible_bidi_and_mixed_script_names_are_400(
    client: TestClient, name: str, message: str
) -> None:
    """The issue's examples are refused with 400 naming the ``username`` field."""
    assert 201 == register(client, "admin", "admin@example.com")[0]
    assert 201 == register(client, "alice", "alice@example.com")[0]
    response = client.post(
        "/api/register",
        json={
            "username": name,
            "email": "other@example.com",
            "password": VICTIM_PASSWORD,
            "full_name": "X",
        },
    )
    error = response.json()["error"]
    assert (400, True, True) == (
        response.status_code,
        error.startswith("username "),
        message in error,
    )


def test_cyrillic_look_alike_of_existing_name_is_400(client: TestClient) -> None:
    """``coco`` in Cyrillic letters is refused while the Latin ``coco`` exists."""
    assert 201 == register(client, "coco", "coco@example.com")[0]
    status, body = register(client, "\u0441\u043e\u0441\u043e", "other@example.com")
    assert 400 == status
    assert {"error": "username looks like an existing username"} == body
