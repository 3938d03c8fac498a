"""The users & authentication endpoints over HTTP, on the selected SQL backend."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import jwt
import pytest
from starlette.testclient import TestClient

from taskcore_adapters.bootstrap import Runtime

Account = tuple[int, dict[str, str]]
AccountFactory = Callable[..., Account]
LoginFactory = Callable[..., Account]

SECRET_KEY = "x" * 48
PASSWORD = "correct horse battery"
USER_KEYS = {
    "id",
    "username",
    "email",
    "full_name",
    "is_active",
    "is_admin",
    "created_at",
    "last_login",
    "login_count",
}
FRAMEWORK_404 = {
    "error": "Not Found",
    "message": "404 Not Found: The requested URL was not found on the server. If you entered "
    "the URL manually please check your spelling and try again.",
}


def fields(**overrides: Any) -> dict[str, Any]:
    """A valid registration body, with ``overrides`` applied (``None`` removes a key)."""
    body: dict[str, Any] = {
        "username": "alice",
        "email": "alice@example.com",
        "password": PASSWORD,
        "full_name": "Alice Liddell",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def bearer(token: str) -> dict[str, str]:
    """The ``Authorization`` header for ``token``."""
    return {"Authorization": f"Bearer {token}"}


def token_of(headers: dict[str, str]) -> str:
    """The raw token inside bearer ``headers``."""
    return headers["Authorization"].removeprefix("Bearer ")


def now_naive() -> dt.datetime:
    """The current time as naive UTC, the wire's datetime form."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def mint(claims: dict[str, Any], *, key: str = SECRET_KEY, algorithm: str = "HS256") -> str:
    """A token signed by hand, for forged, expired and legacy tokens."""
    return jwt.encode(claims, key, algorithm=algorithm)


def claims_for(user_id: int) -> dict[str, int]:
    """The original's claims for ``user_id`` (no ``sub``, no ``jti``), valid for an hour."""
    issued = int(time.time())
    return {"user_id": user_id, "iat": issued, "exp": issued + 3600}


def me(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    """The caller's user object, asserting the request succeeded."""
    response = client.get("/api/users/me", headers=headers)
    assert 200 == response.status_code, response.text
    user: dict[str, Any] = response.json()["user"]
    return user


def set_flags(
    client: TestClient, headers: dict[str, str], user_id: int, **flags: Any
) -> tuple[int, Any]:
    """``PUT /api/admin/users/{user_id}`` with ``flags``; returns status and body."""
    response = client.put(f"/api/admin/users/{user_id}", headers=headers, json=flags)
    return response.status_code, response.json()


class TestRegister:
    """POST /api/register (U1)."""

    def test_created_user_has_the_nine_keys(self, client: TestClient) -> None:
        """A registration answers 201 with the message and the 9-key user object."""
        before = now_naive()
        response = client.post("/api/register", json=fields())
        body = response.json()
        user = body["user"]
        assert 201 == response.status_code
        assert USER_KEYS == set(user)
        assert {
            "message": "User registered successfully",
            "user": {
                "id": user["id"],
                "username": "alice",
                "email": "alice@example.com",
                "full_name": "Alice Liddell",
                "is_active": True,
                "is_admin": False,
                "created_at": user["created_at"],
                "last_login": None,
                "login_count": 0,
            },
        } == body
        assert isinstance(user["id"], int)
        created = dt.datetime.fromisoformat(user["created_at"])
        assert created.tzinfo is None
        assert before - dt.timedelta(seconds=1) <= created <= now_naive() + dt.timedelta(seconds=1)

    def test_is_admin_in_the_body_is_ignored(self, client: TestClient) -> None:
        """Registering with ``is_admin: true`` still creates an ordinary user."""
        response = client.post("/api/register", json=fields(is_admin=True, is_active=False))
        assert (201, False, True) == (
            response.status_code,
            response.json()["user"]["is_admin"],
            response.json()["user"]["is_active"],
        )

    def test_username_and_email_are_normalised(self, client: TestClient) -> None:
        """The username is trimmed and the e-mail address trimmed and lower-cased."""
        response = client.post(
            "/api/register", json=fields(username="  Alice  ", email=" Alice@Example.COM ")
        )
        user = response.json()["user"]
        assert (201, "Alice", "alice@example.com") == (
            response.status_code,
            user["username"],
            user["email"],
        )

    @pytest.mark.parametrize("field", ["username", "email", "password", "full_name"])
    @pytest.mark.parametrize("value", [None, ""])
    def test_missing_field_is_required(self, client: TestClient, field: str, value: Any) -> None:
        """A missing or empty field is ``<field> is required``."""
        response = client.post("/api/register", json=fields(**{field: value}))
        assert (400, {"error": f"{field} is required"}) == (response.status_code, response.json())

    @pytest.mark.parametrize("field", ["username", "email", "full_name"])
    def test_blank_field_is_required(self, client: TestClient, field: str) -> None:
        """A field of white space only is ``<field> is required``."""
        response = client.post("/api/register", json=fields(**{field: " \t "}))
        assert (400, {"error": f"{field} is required"}) == (response.status_code, response.json())

    def test_required_fields_are_checked_in_order(self, client: TestClient) -> None:
        """Presence is checked username, email, password, full_name, before any format."""
        answers = [
            client.post("/api/register", json=body).json()
            for body in (
                {"full_name": "A", "zzz": 1},
                {"username": "alice", "full_name": "A"},
                {"username": "alice", "email": "not an address"},
                {"username": "alice", "email": "bad", "password": "short"},
            )
        ]
        assert [
            {"error": "username is required"},
            {"error": "email is required"},
            {"error": "password is required"},
            {"error": "full_name is required"},
        ] == answers

    @pytest.mark.parametrize(
        "email", ["@.", "a@b", "no-at.com", "a@b.", "a@.com", "a b@c.de", "a@@b.com"]
    )
    def test_invalid_email_format(self, client: TestClient, email: str) -> None:
        """A malformed e-mail address is ``Invalid email format``."""
        response = client.post("/api/register", json=fields(email=email))
        assert (400, {"error": "Invalid email format"}) == (response.status_code, response.json())

    def test_short_password(self, client: TestClient) -> None:
        """A password under 8 characters is refused."""
        response = client.post("/api/register", json=fields(password="1234567"))
        assert (400, {"error": "Password must be at least 8 characters"}) == (
            response.status_code,
            response.json(),
        )

    def test_password_of_eight_characters_is_enough(self, client: TestClient) -> None:
        """Exactly 8 characters is a valid password."""
        assert 201 == client.post("/api/register", json=fields(password="k3#9xq!z")).status_code

    def test_white_space_password(self, client: TestClient) -> None:
        """A password of white space only is refused."""
        response = client.post("/api/register", json=fields(password=" " * 8))
        assert (400, {"error": "Password must not be only white space"}) == (
            response.status_code,
            response.json(),
        )

    @pytest.mark.parametrize(
        ("field", "value", "error"),
        [
            ("username", "u" * 81, "username must be at most 80 characters"),
            ("email", "e" * 109 + "@example.com", "email must be at most 120 characters"),
            ("password", "p" * 1025, "Password must be at most 1024 characters"),
            ("full_name", "f" * 201, "full_name must be at most 200 characters"),
        ],
    )
    def test_too_long(self, client: TestClient, field: str, value: str, error: str) -> None:
        """A value over its column's length is a 400 naming the field, never a 500."""
        response = client.post("/api/register", json=fields(**{field: value}))
        assert (400, {"error": error}) == (response.status_code, response.json())

    def test_longest_values_fit(self, client: TestClient) -> None:
        """Values exactly at each limit are stored as given."""
        body = fields(
            username="u" * 80,
            email="e" * 108 + "@example.com",
            password="p" * 1024,
            full_name="f" * 200,
        )
        response = client.post("/api/register", json=body)
        user = response.json()["user"]
        assert (201, body["username"], body["email"], body["full_name"]) == (
            response.status_code,
            user["username"],
            user["email"],
            user["full_name"],
        )

    def test_username_with_at_sign(self, client: TestClient) -> None:
        """A username may not contain ``@`` (it would read as an e-mail at login)."""
        response = client.post("/api/register", json=fields(username="al@ice"))
        assert (400, {"error": "username must not contain '@'"}) == (
            response.status_code,
            response.json(),
        )

    def test_control_characters_in_username(self, client: TestClient) -> None:
        """A username with a line break is refused."""
        response = client.post("/api/register", json=fields(username="ali\nce"))
        assert (400, {"error": "username must not contain control characters"}) == (
            response.status_code,
            response.json(),
        )

    @pytest.mark.parametrize(
        ("field", "value", "error"),
        [
            ("password", 12345678, "password must be a string"),
            ("username", ["alice"], "username must be a string"),
            ("email", {"a": "b"}, "email must be a string"),
            ("full_name", True, "full_name must be a string"),
            ("password", 1.5, "password must be a string"),
        ],
    )
    def test_wrong_json_type(self, client: TestClient, field: str, value: Any, error: str) -> None:
        """A value of the wrong JSON type is a 400 naming the field, never a 500."""
        response = client.post("/api/register", json=fields(**{field: value}))
        assert (400, {"error": error}) == (response.status_code, response.json())

    def test_non_json_body(self, client: TestClient) -> None:
        """A body that is not JSON is a 400."""
        response = client.post(
            "/api/register", content=b"username=alice", headers={"Content-Type": "text/plain"}
        )
        assert (400, {"error": "Request body must be valid JSON"}) == (
            response.status_code,
            response.json(),
        )

    def test_empty_object(self, client: TestClient) -> None:
        """``{}`` is ``Invalid JSON payload``."""
        response = client.post("/api/register", json={})
        assert (400, {"error": "Invalid JSON payload"}) == (response.status_code, response.json())

    def test_array_body(self, client: TestClient) -> None:
        """A truthy non-object body is a 400."""
        response = client.post("/api/register", json=[1])
        assert (400, {"error": "Request body must be a JSON object"}) == (
            response.status_code,
            response.json(),
        )

    def test_duplicate_username(self, client: TestClient) -> None:
        """A taken username is a 409."""
        client.post("/api/register", json=fields())
        response = client.post("/api/register", json=fields(email="other@example.com"))
        assert (409, {"error": "Username already exists"}) == (
            response.status_code,
            response.json(),
        )

    def test_duplicate_username_in_another_case(self, client: TestClient) -> None:
        """Usernames are unique regardless of case."""
        client.post("/api/register", json=fields(username="Alice"))
        response = client.post(
            "/api/register", json=fields(username="aLICE", email="other@example.com")
        )
        assert (409, {"error": "Username already exists"}) == (
            response.status_code,
            response.json(),
        )

    def test_duplicate_email_in_another_case(self, client: TestClient) -> None:
        """E-mail addresses are unique regardless of case."""
        client.post("/api/register", json=fields())
        response = client.post(
            "/api/register", json=fields(username="bob", email="ALICE@example.com")
        )
        assert (409, {"error": "Email already exists"}) == (response.status_code, response.json())

    def test_username_is_checked_before_email(self, client: TestClient) -> None:
        """When both are taken the username conflict is reported."""
        client.post("/api/register", json=fields())
        response = client.post("/api/register", json=fields())
        assert (409, {"error": "Username already exists"}) == (
            response.status_code,
            response.json(),
        )

    def test_failed_registration_stores_nothing(
        self, client: TestClient, admin: AccountFactory
    ) -> None:
        """Refused registrations leave no account behind."""
        client.post("/api/register", json=fields())
        client.post("/api/register", json=fields(email="other@example.com"))
        client.post("/api/register", json=fields(username="bob"))
        client.post("/api/register", json=fields(username="carol", password="short"))
        _, headers = admin()
        users = client.get("/api/admin/users", headers=headers).json()["users"]
        assert ["alice", "root1"] == [u["username"] for u in users]

    def test_concurrent_duplicate_usernames(self, client: TestClient) -> None:
        """Simultaneous registrations of one username: exactly one 201, the rest 409."""

        def attempt(n: int) -> tuple[int, Any]:
            response = client.post(
                "/api/register",
                json=fields(username="racer", email=f"racer{n}@example.com"),
            )
            return response.status_code, response.json()

        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(attempt, range(8)))
        statuses = sorted(status for status, _ in results)
        assert [201] + [409] * 7 == statuses
        assert [{"error": "Username already exists"}] * 7 == [
            body for status, body in results if status == 409
        ]

    def test_concurrent_duplicate_emails(self, client: TestClient) -> None:
        """Simultaneous registrations of one e-mail address: exactly one 201, the rest 409."""

        def attempt(n: int) -> tuple[int, Any]:
            response = client.post(
                "/api/register",
                json=fields(username=f"racer{n}", email="racer@example.com"),
            )
            return response.status_code, response.json()

        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(attempt, range(8)))
        statuses = sorted(status for status, _ in results)
        assert [201] + [409] * 7 == statuses
        assert [{"error": "Email already exists"}] * 7 == [
            body for status, body in results if status == 409
        ]


class TestLogin:
    """POST /api/login (U2)."""

    def test_success_shape(self, client: TestClient) -> None:
        """A login answers 200 with a token and the user after the login."""
        registered = client.post("/api/register", json=fields()).json()["user"]
        before = now_naive()
        response = client.post("/api/login", json={"username": "alice", "password": PASSWORD})
        body = response.json()
        user = body["user"]
        assert 200 == response.status_code
        # The original's keys, plus the token's expiry and a refresh token.
        assert {
            "message",
            "token",
            "expires_at",
            "refresh_token",
            "refresh_expires_at",
            "user",
        } == set(body)
        assert "Login successful" == body["message"]
        assert isinstance(body["token"], str)
        assert {**registered, "login_count": 1, "last_login": user["last_login"]} == user
        last_login = dt.datetime.fromisoformat(user["last_login"])
        assert last_login.tzinfo is None
        assert before - dt.timedelta(seconds=1) <= last_login <= now_naive()

    def test_login_count_increments(self, client: TestClient) -> None:
        """Each login adds one to ``login_count``."""
        client.post("/api/register", json=fields())
        counts = [
            client.post("/api/login", json={"username": "alice", "password": PASSWORD}).json()[
                "user"
            ]["login_count"]
            for _ in range(3)
        ]
        assert [1, 2, 3] == counts

    def test_concurrent_logins_all_count(self, client: TestClient) -> None:
        """Simultaneous logins of one user each add one to ``login_count``."""
        client.post("/api/register", json=fields())

        def attempt(_: int) -> int:
            body = {"username": "alice", "password": PASSWORD}
            return client.post("/api/login", json=body).status_code

        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(attempt, range(8)))
        final = client.post("/api/login", json={"username": "alice", "password": PASSWORD})
        assert ([200] * 8, 9) == (statuses, final.json()["user"]["login_count"])

    @pytest.mark.parametrize(
        "body",
        [
            {"username": "alice"},
            {"password": PASSWORD},
            {"username": "", "password": PASSWORD},
            {"username": "alice", "password": ""},
            {"username": None, "password": None},
        ],
    )
    def test_missing_credentials(self, client: TestClient, body: dict[str, Any]) -> None:
        """A missing username or password is a 400."""
        response = client.post("/api/login", json=body)
        assert (400, {"error": "Username and password required"}) == (
            response.status_code,
            response.json(),
        )

    def test_empty_object(self, client: TestClient) -> None:
        """``{}`` is ``Invalid JSON payload``."""
        response = client.post("/api/login", json={})
        assert (400, {"error": "Invalid JSON payload"}) == (response.status_code, response.json())

    def test_wrong_types(self, client: TestClient) -> None:
        """A non-string username or password is a 400 naming the field."""
        first = client.post("/api/login", json={"username": 1, "password": PASSWORD})
        second = client.post("/api/login", json={"username": "alice", "password": [PASSWORD]})
        assert [
            (400, {"error": "username must be a string"}),
            (400, {"error": "password must be a string"}),
        ] == [(first.status_code, first.json()), (second.status_code, second.json())]

    def test_unknown_user_and_wrong_password_look_alike(self, client: TestClient) -> None:
        """An unknown user and a wrong password get the same 401."""
        client.post("/api/register", json=fields())
        unknown = client.post("/api/login", json={"username": "nobody", "password": PASSWORD})
        wrong = client.post("/api/login", json={"username": "alice", "password": "wrong pass"})
        expected = (401, {"error": "Invalid credentials"})
        assert [expected, expected] == [
            (unknown.status_code, unknown.json()),
            (wrong.status_code, wrong.json()),
        ]

    def test_failed_login_changes_nothing(self, client: TestClient) -> None:
        """A wrong password does not count as a login."""
        client.post("/api/register", json=fields())
        client.post("/api/login", json={"username": "alice", "password": "wrong pass"})
        user = client.post("/api/login", json={"username": "alice", "password": PASSWORD}).json()[
            "user"
        ]
        assert 1 == user["login_count"]

    def test_disabled_account_only_after_correct_password(
        self, client: TestClient, account: AccountFactory, admin: AccountFactory
    ) -> None:
        """A deactivated account is 403 with the right password, 401 with a wrong one."""
        alice_id, _ = account("alice")
        _, root = admin()
        assert 200 == set_flags(client, root, alice_id, is_active=False)[0]
        right = client.post("/api/login", json={"username": "alice", "password": PASSWORD})
        wrong = client.post("/api/login", json={"username": "alice", "password": "wrong pass"})
        assert [
            (403, {"error": "Account is disabled"}),
            (401, {"error": "Invalid credentials"}),
        ] == [
            (right.status_code, right.json()),
            (wrong.status_code, wrong.json()),
        ]

    @pytest.mark.parametrize("name", ["alice@example.com", "ALICE@Example.com", "ALICE", "alice"])
    def test_login_by_username_or_email_ignores_case(self, client: TestClient, name: str) -> None:
        """The username or the e-mail address, in any case, logs in."""
        client.post("/api/register", json=fields())
        response = client.post("/api/login", json={"username": name, "password": PASSWORD})
        assert (200, "alice") == (response.status_code, response.json()["user"]["username"])

    def test_password_is_case_sensitive(self, client: TestClient) -> None:
        """The password must match exactly."""
        client.post("/api/register", json=fields())
        response = client.post(
            "/api/login", json={"username": "alice", "password": PASSWORD.upper()}
        )
        assert 401 == response.status_code

    def test_token_claims(self, client: TestClient) -> None:
        """The token is HS256, typed ``at+jwt`` with a ``kid``, and carries user_id, iss,
        aud, sub, iat, exp, jti and sid."""
        client.post("/api/register", json=fields())
        body = client.post("/api/login", json={"username": "alice", "password": PASSWORD}).json()
        token = body["token"]
        claims = jwt.decode(token, options={"verify_signature": False})  # noqa: TID251
        header = jwt.get_unverified_header(token)
        assert ("HS256", "at+jwt", {"alg", "typ", "kid"}) == (
            header["alg"],
            header["typ"],
            set(header),
        )
        assert {"user_id", "iss", "aud", "sub", "iat", "exp", "jti", "sid"} == set(claims)
        assert ("taskcore", "taskcore-api") == (claims["iss"], claims["aud"])
        assert (body["user"]["id"], str(body["user"]["id"]), 86400) == (
            claims["user_id"],
            claims["sub"],
            claims["exp"] - claims["iat"],
        )
        assert abs(claims["iat"] - time.time()) < 60

    def test_each_login_has_its_own_token_id(self, client: TestClient) -> None:
        """Two logins get tokens with different ``jti``."""
        client.post("/api/register", json=fields())
        tokens = [
            client.post("/api/login", json={"username": "alice", "password": PASSWORD}).json()[
                "token"
            ]
            for _ in range(2)
        ]
        ids = {jwt.decode(t, options={"verify_signature": False})["jti"] for t in tokens}  # noqa: TID251
        assert 2 == len(ids)


class TestTokens:
    """Bearer-token transport and verification on protected endpoints."""

    def test_bearer_and_raw_token(self, client: TestClient, account: AccountFactory) -> None:
        """``Bearer <t>`` and the raw token both authenticate."""
        _, headers = account()
        token = token_of(headers)
        statuses = [
            client.get("/api/users/me", headers={"Authorization": value}).status_code
            for value in (f"Bearer {token}", token)
        ]
        assert [200, 200] == statuses

    @pytest.mark.parametrize("scheme", ["bearer ", "Token ", "Basic ", "Bearer:"])
    def test_other_schemes_fail(
        self, client: TestClient, account: AccountFactory, scheme: str
    ) -> None:
        """Only the exact ``Bearer `` prefix is removed; anything else is an invalid token."""
        _, headers = account()
        response = client.get(
            "/api/users/me", headers={"Authorization": scheme + token_of(headers)}
        )
        assert (401, {"error": "Token is invalid or expired"}) == (
            response.status_code,
            response.json(),
        )

    def test_missing_header(self, client: TestClient) -> None:
        """No ``Authorization`` header is ``Token is missing``."""
        response = client.get("/api/users/me")
        assert (401, {"error": "Token is missing"}) == (response.status_code, response.json())

    def test_garbage_token(self, client: TestClient) -> None:
        """A token that is not a JWT is invalid."""
        response = client.get("/api/users/me", headers=bearer("not-a-jwt"))
        assert (401, {"error": "Token is invalid or expired"}) == (
            response.status_code,
            response.json(),
        )

    def test_legacy_token_is_accepted(self, client: TestClient, account: AccountFactory) -> None:
        """A token with only the original's claims (user_id, iat, exp) still works."""
        alice_id, _ = account()
        response = client.get("/api/users/me", headers=bearer(mint(claims_for(alice_id))))
        assert (200, alice_id) == (response.status_code, response.json()["user"]["id"])

    @pytest.mark.parametrize(
        "forge",
        [
            pytest.param(lambda c: mint(c, key="", algorithm="none"), id="alg-none"),
            pytest.param(lambda c: mint(c, key="y" * 48), id="other-key"),
            pytest.param(lambda c: mint(c, algorithm="HS384"), id="other-algorithm"),
            pytest.param(
                lambda c: mint({**c, "iat": c["iat"] - 7200, "exp": c["iat"] - 3600}), id="expired"
            ),
            pytest.param(lambda c: mint({"user_id": c["user_id"], "iat": c["iat"]}), id="no-exp"),
            pytest.param(lambda c: mint({"iat": c["iat"], "exp": c["exp"]}), id="no-user-id"),
            pytest.param(lambda c: mint({**c, "user_id": str(c["user_id"])}), id="str-user-id"),
            pytest.param(lambda c: mint({**c, "sub": "999"}), id="wrong-sub"),
            pytest.param(lambda c: mint({**c, "user_id": 999}), id="unknown-user"),
        ],
    )
    def test_bad_tokens_are_401(
        self, client: TestClient, account: AccountFactory, forge: Callable[[dict[str, Any]], str]
    ) -> None:
        """Forged, expired, incomplete and orphaned tokens are 401, never 500."""
        alice_id, _ = account()
        token = forge(claims_for(alice_id))
        response = client.get("/api/users/me", headers=bearer(token))
        assert (401, {"error": "Token is invalid or expired"}) == (
            response.status_code,
            response.json(),
        )

    def test_deactivated_users_tokens_stop_working(
        self, client: TestClient, account: AccountFactory, admin: AccountFactory
    ) -> None:
        """Deactivation locks the user's existing tokens out of every endpoint at once."""
        alice_id, alice = account()
        _, root = admin()
        set_flags(client, root, alice_id, is_active=False)
        responses = [
            client.get("/api/users/me", headers=alice),
            client.put("/api/users/me", headers=alice, json={"full_name": "X"}),
            client.get(f"/api/users/{alice_id}", headers=alice),
            client.put(
                "/api/users/me/password",
                headers=alice,
                json={"current_password": PASSWORD, "new_password": "another password"},
            ),
            client.post("/api/logout", headers=alice),
        ]
        expected = (401, {"error": "Token is invalid or expired"})
        assert [expected] * 5 == [(r.status_code, r.json()) for r in responses]

    def test_deactivated_admin_loses_admin_access(
        self, client: TestClient, admin: AccountFactory
    ) -> None:
        """A deactivated administrator's token no longer reaches admin endpoints."""
        _, first = admin()
        second_id, second = admin()
        set_flags(client, first, second_id, is_active=False)
        response = client.get("/api/admin/users", headers=second)
        assert (401, {"error": "Token is invalid or expired"}) == (
            response.status_code,
            response.json(),
        )

    def test_reactivated_user_can_log_in_again(
        self, client: TestClient, account: AccountFactory, admin: AccountFactory
    ) -> None:
        """Reactivating an account lets it log in again."""
        alice_id, _ = account()
        _, root = admin()
        set_flags(client, root, alice_id, is_active=False)
        set_flags(client, root, alice_id, is_active=True)
        response = client.post("/api/login", json={"username": "alice", "password": PASSWORD})
        assert 200 == response.status_code


class TestLogout:
    """POST /api/logout."""

    def test_logout_revokes_only_that_token(
        self, client: TestClient, account: AccountFactory, login: LoginFactory
    ) -> None:
        """The token used to log out stops working; the user's other tokens keep working."""
        _, first = account()
        _, second = login("alice")
        response = client.post("/api/logout", headers=first)
        after = client.get("/api/users/me", headers=first)
        other = client.get("/api/users/me", headers=second)
        assert (200, {"message": "Logged out successfully"}) == (
            response.status_code,
            response.json(),
        )
        assert (401, {"error": "Token is invalid or expired"}) == (after.status_code, after.json())
        assert 200 == other.status_code

    def test_logout_twice(self, client: TestClient, account: AccountFactory) -> None:
        """A revoked token cannot log out again."""
        _, headers = account()
        client.post("/api/logout", headers=headers)
        response = client.post("/api/logout", headers=headers)
        assert (401, {"error": "Token is invalid or expired"}) == (
            response.status_code,
            response.json(),
        )

    def test_logout_without_token(self, client: TestClient) -> None:
        """Logging out needs a token."""
        response = client.post("/api/logout")
        assert (401, {"error": "Token is missing"}) == (response.status_code, response.json())

    def test_revoked_token_fails_verification(
        self, client: TestClient, account: AccountFactory
    ) -> None:
        """A revoked token is refused by verify-token too."""
        _, headers = account()
        client.post("/api/logout", headers=headers)
        response = client.post("/api/verify-token", json={"token": token_of(headers)})
        assert (401, {"error": "Invalid or expired token"}) == (
            response.status_code,
            response.json(),
        )

    def test_legacy_token_can_be_revoked(self, client: TestClient, account: AccountFactory) -> None:
        """A token without ``jti`` is revocable as well."""
        alice_id, _ = account()
        headers = bearer(mint(claims_for(alice_id)))
        logout = client.post("/api/logout", headers=headers)
        after = client.get("/api/users/me", headers=headers)
        assert (200, 401) == (logout.status_code, after.status_code)


class TestVerifyToken:
    """POST /api/verify-token (U3)."""

    def test_valid_token(self, client: TestClient, account: AccountFactory) -> None:
        """A valid token answers ``valid: true`` and the user object."""
        _, headers = account()
        user = me(client, headers)
        response = client.post("/api/verify-token", json={"token": token_of(headers)})
        assert (200, {"valid": True, "user": user}) == (response.status_code, response.json())

    @pytest.mark.parametrize(
        "body",
        [b"{}", b'{"token": ""}', b'{"token": null}', b"null", b"[]", b"0", b'""', b"false", b""],
    )
    def test_token_required(self, client: TestClient, body: bytes) -> None:
        """A falsy body, or a missing or empty token, is ``Token required``."""
        response = client.post(
            "/api/verify-token", content=body, headers={"Content-Type": "application/json"}
        )
        assert (400, {"error": "Token required"}) == (response.status_code, response.json())

    def test_wrong_type(self, client: TestClient) -> None:
        """A non-string token is a 400 naming the field."""
        response = client.post("/api/verify-token", json={"token": 12})
        assert (400, {"error": "token must be a string"}) == (
            response.status_code,
            response.json(),
        )

    def test_non_json_body(self, client: TestClient) -> None:
        """A body that is not JSON is a 400, not the original's 500."""
        response = client.post("/api/verify-token", content=b"token=abc")
        assert (400, {"error": "Request body must be valid JSON"}) == (
            response.status_code,
            response.json(),
        )

    @pytest.mark.parametrize(
        "token",
        [
            "garbage",
            mint({"user_id": 1, "iat": 0, "exp": 60}),
            mint(claims_for(1), key="y" * 48),
            mint(claims_for(1), key="", algorithm="none"),
        ],
        ids=["garbage", "expired", "other-key", "alg-none"],
    )
    def test_invalid_token(self, client: TestClient, account: AccountFactory, token: str) -> None:
        """A token that does not verify is ``Invalid or expired token``."""
        account()
        response = client.post("/api/verify-token", json={"token": token})
        assert (401, {"error": "Invalid or expired token"}) == (
            response.status_code,
            response.json(),
        )

    def test_unknown_user(self, client: TestClient) -> None:
        """A well-signed token of a user that does not exist is refused."""
        response = client.post("/api/verify-token", json={"token": mint(claims_for(999))})
        assert (401, {"error": "User not found or inactive"}) == (
            response.status_code,
            response.json(),
        )

    def test_deactivated_user(
        self, client: TestClient, account: AccountFactory, admin: AccountFactory
    ) -> None:
        """A deactivated user's token is ``User not found or inactive``."""
        alice_id, alice = account()
        _, root = admin()
        set_flags(client, root, alice_id, is_active=False)
        response = client.post("/api/verify-token", json={"token": token_of(alice)})
        assert (401, {"error": "User not found or inactive"}) == (
            response.status_code,
            response.json(),
        )


class TestGetUser:
    """GET /api/users/{user_id} (U4)."""

    def test_other_users_private_fields_are_hidden(
        self, client: TestClient, account: AccountFactory
    ) -> None:
        """Any token holder sees another user, but without the e-mail address, the role
        and the login history: those keys are there, with null."""
        bob_id, bob = account("bob")
        _, alice = account("alice")
        bob_self = me(client, bob)
        assert (False, 1) == (bob_self["is_admin"], bob_self["login_count"])
        assert bob_self["last_login"] is not None
        response = client.get(f"/api/users/{bob_id}", headers=alice)
        hidden = dict.fromkeys(("email", "is_admin", "last_login", "login_count"))
        assert (200, {"user": {**bob_self, **hidden}}) == (response.status_code, response.json())

    def test_own_email_is_shown(self, client: TestClient, account: AccountFactory) -> None:
        """Users see their own e-mail address."""
        alice_id, alice = account()
        response = client.get(f"/api/users/{alice_id}", headers=alice)
        assert (200, "alice@example.com") == (
            response.status_code,
            response.json()["user"]["email"],
        )

    def test_admin_sees_email(
        self, client: TestClient, account: AccountFactory, admin: AccountFactory
    ) -> None:
        """Administrators see every e-mail address."""
        bob_id, _ = account("bob")
        _, root = admin()
        response = client.get(f"/api/users/{bob_id}", headers=root)
        assert (200, "bob@example.com") == (response.status_code, response.json()["user"]["email"])
        user = response.json()["user"]
        assert (False, 1) == (user["is_admin"], user["login_count"])
        assert user["last_login"] is not None

    def test_unknown_user(self, client: TestClient, account: AccountFactory) -> None:
        """An id nobody has is ``User not found``."""
        _, headers = account()
        response = client.get("/api/users/4242", headers=headers)
        assert (404, {"error": "User not found"}) == (response.status_code, response.json())

    @pytest.mark.parametrize("user_id", ["-1", "abc", "1.5"])
    def test_malformed_id(self, client: TestClient, account: AccountFactory, user_id: str) -> None:
        """A path id that is not a non-negative integer gets the framework 404."""
        _, headers = account()
        response = client.get(f"/api/users/{user_id}", headers=headers)
        assert (404, FRAMEWORK_404) == (response.status_code, response.json())

    def test_largest_unknown_id(self, client: TestClient, account: AccountFactory) -> None:
        """The largest id a row can have, when nobody has it, is ``User not found``."""
        _, headers = account()
        response = client.get(f"/api/users/{2**31 - 1}", headers=headers)
        assert (404, {"error": "User not found"}) == (response.status_code, response.json())

    @pytest.mark.parametrize("user_id", [2**31, 2**63, 10**30])
    def test_id_beyond_any_row(
        self, client: TestClient, account: AccountFactory, user_id: int
    ) -> None:
        """An id no database integer can hold is the framework 404, never a 500."""
        _, headers = account()
        response = client.get(f"/api/users/{user_id}", headers=headers)
        assert (404, FRAMEWORK_404) == (response.status_code, response.json())

    def test_needs_a_token(self, client: TestClient, account: AccountFactory) -> None:
        """Without a token the user is not shown."""
        alice_id, _ = account()
        response = client.get(f"/api/users/{alice_id}")
        assert (401, {"error": "Token is missing"}) == (response.status_code, response.json())


class TestMe:
    """GET and PUT /api/users/me (U5, U6)."""

    def test_get_me(self, client: TestClient, account: AccountFactory) -> None:
        """The caller's own account, with the e-mail address."""
        alice_id, headers = account()
        response = client.get("/api/users/me", headers=headers)
        user = response.json()["user"]
        assert 200 == response.status_code
        assert {
            "id": alice_id,
            "username": "alice",
            "email": "alice@example.com",
            "full_name": "Alice",
            "is_active": True,
            "is_admin": False,
            "created_at": user["created_at"],
            "last_login": user["last_login"],
            "login_count": 1,
        } == user

    def test_update_full_name_and_email(self, client: TestClient, account: AccountFactory) -> None:
        """Both fields are applied and the updated user returned."""
        _, headers = account()
        before = me(client, headers)
        response = client.put(
            "/api/users/me",
            headers=headers,
            json={"full_name": "Alice Liddell", "email": "Liddell@Example.com"},
        )
        expected = {**before, "full_name": "Alice Liddell", "email": "liddell@example.com"}
        assert (200, {"message": "Profile updated successfully", "user": expected}) == (
            response.status_code,
            response.json(),
        )
        assert expected == me(client, headers)

    def test_only_given_fields_change(self, client: TestClient, account: AccountFactory) -> None:
        """A field left out keeps its value."""
        _, headers = account()
        response = client.put("/api/users/me", headers=headers, json={"full_name": "Al"})
        assert ("Al", "alice@example.com") == (
            response.json()["user"]["full_name"],
            response.json()["user"]["email"],
        )

    def test_full_name_may_be_cleared(self, client: TestClient, account: AccountFactory) -> None:
        """``full_name: null`` clears the full name."""
        _, headers = account()
        response = client.put("/api/users/me", headers=headers, json={"full_name": None})
        assert (200, None) == (response.status_code, response.json()["user"]["full_name"])

    def test_other_keys_are_ignored(self, client: TestClient, account: AccountFactory) -> None:
        """``username``, ``is_admin``, ``password`` and the like are silently ignored."""
        _, headers = account()
        before = me(client, headers)
        response = client.put(
            "/api/users/me",
            headers=headers,
            json={
                "username": "mallory",
                "is_admin": True,
                "is_active": False,
                "password": "new password!",
                "login_count": 99,
                "id": 77,
            },
        )
        login = client.post("/api/login", json={"username": "alice", "password": PASSWORD})
        assert (200, before) == (response.status_code, response.json()["user"])
        assert (200, False) == (login.status_code, login.json()["user"]["is_admin"])

    def test_email_taken(self, client: TestClient, account: AccountFactory) -> None:
        """Another account's address, in any case, is a 409."""
        account("bob")
        _, headers = account("alice")
        response = client.put("/api/users/me", headers=headers, json={"email": "BOB@example.com"})
        assert (409, {"error": "Email already exists"}) == (response.status_code, response.json())
        assert "alice@example.com" == me(client, headers)["email"]

    def test_own_email_in_another_case(self, client: TestClient, account: AccountFactory) -> None:
        """Re-submitting one's own address is no conflict."""
        _, headers = account()
        response = client.put("/api/users/me", headers=headers, json={"email": "ALICE@example.com"})
        assert (200, "alice@example.com") == (
            response.status_code,
            response.json()["user"]["email"],
        )

    @pytest.mark.parametrize(
        ("body", "error"),
        [
            ({"email": "not-an-email"}, "Invalid email format"),
            ({"email": "@."}, "Invalid email format"),
            ({"email": None}, "email is required"),
            ({"email": ""}, "email is required"),
            ({"email": 42}, "email must be a string"),
            ({"full_name": ["Al"]}, "full_name must be a string"),
            ({"full_name": "f" * 201}, "full_name must be at most 200 characters"),
            ({"full_name": "  "}, "full_name is required"),
        ],
    )
    def test_invalid_values(
        self, client: TestClient, account: AccountFactory, body: dict[str, Any], error: str
    ) -> None:
        """Malformed values are a 400 naming the problem, and nothing changes."""
        _, headers = account()
        before = me(client, headers)
        response = client.put("/api/users/me", headers=headers, json=body)
        assert (400, {"error": error}) == (response.status_code, response.json())
        assert before == me(client, headers)

    def test_empty_object(self, client: TestClient, account: AccountFactory) -> None:
        """``{}`` is ``Invalid JSON payload``."""
        _, headers = account()
        response = client.put("/api/users/me", headers=headers, json={})
        assert (400, {"error": "Invalid JSON payload"}) == (response.status_code, response.json())

    def test_update_needs_a_token(self, client: TestClient) -> None:
        """Updating the profile needs a token, checked before the body."""
        response = client.put("/api/users/me", json={})
        assert (401, {"error": "Token is missing"}) == (response.status_code, response.json())


class TestChangePassword:
    """PUT /api/users/me/password."""

    def test_success(self, client: TestClient, account: AccountFactory) -> None:
        """After a change the old password fails and the new one works."""
        _, headers = account()
        response = client.put(
            "/api/users/me/password",
            headers=headers,
            json={"current_password": PASSWORD, "new_password": "brand new secret"},
        )
        old = client.post("/api/login", json={"username": "alice", "password": PASSWORD})
        new = client.post("/api/login", json={"username": "alice", "password": "brand new secret"})
        assert (200, "Password changed successfully") == (
            response.status_code,
            response.json()["message"],
        )
        fresh = {"Authorization": f"Bearer {response.json()['token']}"}
        assert 200 == client.get("/api/users/me", headers=fresh).status_code
        assert [(401, {"error": "Invalid credentials"}), 200] == [
            (old.status_code, old.json()),
            new.status_code,
        ]

    def test_wrong_current_password(self, client: TestClient, account: AccountFactory) -> None:
        """A wrong current password is a 401 and the password stays."""
        _, headers = account()
        response = client.put(
            "/api/users/me/password",
            headers=headers,
            json={"current_password": "not my password", "new_password": "brand new secret"},
        )
        login = client.post("/api/login", json={"username": "alice", "password": PASSWORD})
        assert (401, {"error": "Current password is incorrect"}) == (
            response.status_code,
            response.json(),
        )
        assert 200 == login.status_code

    def test_new_password_too_short(self, client: TestClient, account: AccountFactory) -> None:
        """A new password under 8 characters is a 400."""
        _, headers = account()
        response = client.put(
            "/api/users/me/password",
            headers=headers,
            json={"current_password": PASSWORD, "new_password": "short"},
        )
        assert (400, {"error": "Password must be at least 8 characters"}) == (
            response.status_code,
            response.json(),
        )

    def test_new_password_missing(self, client: TestClient, account: AccountFactory) -> None:
        """A missing new password is ``new_password is required``."""
        _, headers = account()
        response = client.put(
            "/api/users/me/password", headers=headers, json={"current_password": PASSWORD}
        )
        assert (400, {"error": "new_password is required"}) == (
            response.status_code,
            response.json(),
        )

    def test_wrong_type(self, client: TestClient, account: AccountFactory) -> None:
        """A non-string password is a 400 naming the field."""
        _, headers = account()
        response = client.put(
            "/api/users/me/password",
            headers=headers,
            json={"current_password": PASSWORD, "new_password": 123456789},
        )
        assert (400, {"error": "new_password must be a string"}) == (
            response.status_code,
            response.json(),
        )

    def test_needs_a_token(self, client: TestClient) -> None:
        """Changing the password needs a token."""
        response = client.put(
            "/api/users/me/password",
            json={"current_password": PASSWORD, "new_password": "brand new secret"},
        )
        assert (401, {"error": "Token is missing"}) == (response.status_code, response.json())


class TestAdminListUsers:
    """GET /api/admin/users (U7)."""

    def test_non_admin_is_refused(self, client: TestClient, account: AccountFactory) -> None:
        """An ordinary user gets 403."""
        _, headers = account()
        response = client.get("/api/admin/users", headers=headers)
        assert (403, {"error": "Admin privileges required"}) == (
            response.status_code,
            response.json(),
        )

    def test_needs_a_token(self, client: TestClient) -> None:
        """Without a token the list is 401."""
        response = client.get("/api/admin/users")
        assert (401, {"error": "Token is missing"}) == (response.status_code, response.json())

    def test_lists_all_users_oldest_first(
        self, client: TestClient, account: AccountFactory, admin: AccountFactory
    ) -> None:
        """The admin sees every account, with e-mail addresses, oldest first."""
        _, alice = account("alice")
        _, bob = account("bob")
        _, root = admin()
        response = client.get("/api/admin/users", headers=root)
        assert 200 == response.status_code
        assert {
            "users": [me(client, alice), me(client, bob), me(client, root)],
            "pagination": {"page": 1, "pages": 1, "per_page": 20, "total": 3},
        } == response.json()

    @pytest.mark.parametrize(
        ("query", "names", "pagination"),
        [
            ("page=1&per_page=2", ["u0", "u1"], {"page": 1, "pages": 3, "per_page": 2, "total": 5}),
            ("page=3&per_page=2", ["root1"], {"page": 3, "pages": 3, "per_page": 2, "total": 5}),
            ("page=4&per_page=2", [], {"page": 4, "pages": 3, "per_page": 2, "total": 5}),
            ("per_page=1000", None, {"page": 1, "pages": 1, "per_page": 100, "total": 5}),
            ("per_page=0", None, {"page": 1, "pages": 1, "per_page": 20, "total": 5}),
            ("per_page=-3", None, {"page": 1, "pages": 1, "per_page": 20, "total": 5}),
            (
                "page=-1&per_page=2",
                ["u0", "u1"],
                {"page": 1, "pages": 3, "per_page": 2, "total": 5},
            ),
            ("page=0&per_page=2", ["u0", "u1"], {"page": 1, "pages": 3, "per_page": 2, "total": 5}),
            ("page=abc&per_page=x", None, {"page": 1, "pages": 1, "per_page": 20, "total": 5}),
            (
                "page=2.5&per_page=2",
                ["u0", "u1"],
                {"page": 1, "pages": 3, "per_page": 2, "total": 5},
            ),
        ],
    )
    def test_pagination(
        self,
        client: TestClient,
        account: AccountFactory,
        admin: AccountFactory,
        *,
        query: str,
        names: list[str] | None,
        pagination: dict[str, int],
    ) -> None:
        """``page`` and ``per_page`` are normalised and echoed as used."""
        for n in range(4):
            account(f"u{n}")
        _, root = admin()
        body = client.get(f"/api/admin/users?{query}", headers=root).json()
        expected = names if names is not None else ["u0", "u1", "u2", "u3", "root1"]
        assert (expected, pagination) == (
            [u["username"] for u in body["users"]],
            body["pagination"],
        )


class TestAdminUpdateUser:
    """PUT /api/admin/users/{user_id} (U8)."""

    def test_flags_are_applied(
        self, client: TestClient, account: AccountFactory, admin: AccountFactory
    ) -> None:
        """Booleans set ``is_active`` and ``is_admin``; the updated user is returned."""
        alice_id, alice = account()
        before = me(client, alice)
        _, root = admin()
        status, body = set_flags(client, root, alice_id, is_admin=True, is_active=False)
        expected = {**before, "is_admin": True, "is_active": False}
        assert (200, {"message": "User updated successfully", "user": expected}) == (status, body)

    def test_promoted_user_gets_admin_access(
        self, client: TestClient, account: AccountFactory, admin: AccountFactory
    ) -> None:
        """A grant takes effect on the user's existing token."""
        alice_id, alice = account()
        _, root = admin()
        before = client.get("/api/admin/users", headers=alice).status_code
        set_flags(client, root, alice_id, is_admin=True)
        after = client.get("/api/admin/users", headers=alice).status_code
        assert (403, 200) == (before, after)

    def test_demoted_admin_loses_access_at_once(
        self, client: TestClient, admin: AccountFactory
    ) -> None:
        """A revoked grant takes effect on the existing token."""
        _, first = admin()
        second_id, second = admin()
        set_flags(client, first, second_id, is_admin=False)
        response = client.get("/api/admin/users", headers=second)
        assert (403, {"error": "Admin privileges required"}) == (
            response.status_code,
            response.json(),
        )

    @pytest.mark.parametrize(
        ("body", "error"),
        [
            ({"is_active": "false"}, "is_active must be a boolean"),
            ({"is_admin": "false"}, "is_admin must be a boolean"),
            ({"is_admin": "true"}, "is_admin must be a boolean"),
            ({"is_active": 0}, "is_active must be a boolean"),
            ({"is_admin": 1}, "is_admin must be a boolean"),
            ({"is_active": None}, "is_active must be a boolean"),
        ],
    )
    def test_non_booleans_are_refused(
        self,
        client: TestClient,
        account: AccountFactory,
        admin: AccountFactory,
        *,
        body: dict[str, Any],
        error: str,
    ) -> None:
        """Strings and numbers are never coerced to booleans; nothing changes."""
        alice_id, alice = account()
        before = me(client, alice)
        _, root = admin()
        assert (400, {"error": error}) == set_flags(client, root, alice_id, **body)
        assert before == me(client, alice)

    def test_unknown_user(self, client: TestClient, admin: AccountFactory) -> None:
        """An id nobody has is ``User not found``."""
        _, root = admin()
        assert (404, {"error": "User not found"}) == set_flags(client, root, 4242, is_active=False)

    @pytest.mark.parametrize("user_id", [-1, 2**31, 10**30])
    def test_malformed_id(self, client: TestClient, admin: AccountFactory, user_id: int) -> None:
        """A negative id, or one no database integer can hold, gets the framework 404."""
        _, root = admin()
        assert (404, FRAMEWORK_404) == set_flags(client, root, user_id, is_active=False)

    def test_non_admin_is_refused(self, client: TestClient, account: AccountFactory) -> None:
        """An ordinary user may not change accounts, not even their own."""
        alice_id, alice = account()
        assert (403, {"error": "Admin privileges required"}) == set_flags(
            client, alice, alice_id, is_admin=True
        )
        assert False is me(client, alice)["is_admin"]

    def test_empty_object(self, client: TestClient, admin: AccountFactory) -> None:
        """``{}`` is ``Invalid JSON payload``."""
        root_id, root = admin()
        assert (400, {"error": "Invalid JSON payload"}) == set_flags(client, root, root_id)

    @pytest.mark.parametrize("flags", [{"is_admin": False}, {"is_active": False}])
    def test_last_admin_is_kept(
        self, client: TestClient, admin: AccountFactory, flags: dict[str, bool]
    ) -> None:
        """The only active administrator can neither be demoted nor deactivated."""
        root_id, root = admin()
        before = me(client, root)
        assert (409, {"error": "Cannot remove or deactivate the last active admin"}) == set_flags(
            client, root, root_id, **flags
        )
        assert before == me(client, root)

    def test_inactive_admins_do_not_count(self, client: TestClient, admin: AccountFactory) -> None:
        """With the other administrator deactivated, the last active one is kept."""
        first_id, first = admin()
        second_id, _ = admin()
        assert 200 == set_flags(client, first, second_id, is_active=False)[0]
        assert 409 == set_flags(client, first, first_id, is_admin=False)[0]

    def test_one_of_two_admins_may_step_down(
        self, client: TestClient, admin: AccountFactory
    ) -> None:
        """With another active administrator, an admin may demote themself."""
        first_id, first = admin()
        admin()
        status, body = set_flags(client, first, first_id, is_admin=False)
        assert (200, False) == (status, body["user"]["is_admin"])

    def test_unknown_keys_change_nothing(
        self, client: TestClient, account: AccountFactory, admin: AccountFactory
    ) -> None:
        """Keys other than the two flags are ignored."""
        alice_id, alice = account()
        before = me(client, alice)
        _, root = admin()
        status, body = set_flags(client, root, alice_id, username="mallory", email="m@x.io")
        assert (200, before) == (status, body["user"])


class TestDatabaseDown:
    """Use cases while the database server is unreachable."""

    @pytest.mark.parametrize(
        ("method", "path", "body"),
        [
            ("POST", "/api/register", fields()),
            ("POST", "/api/login", {"username": "alice", "password": PASSWORD}),
            ("POST", "/api/verify-token", {"token": mint(claims_for(1))}),
            ("GET", "/api/users/me", None),
        ],
    )
    def test_unavailable_is_503(
        self,
        unreachable_runtime: Runtime,
        serve: Callable[[Runtime], TestClient],
        method: str,
        path: str,
        body: dict[str, Any] | None,
    ) -> None:
        """A use case that needs the database answers 503 with Retry-After, not 500."""
        client = serve(unreachable_runtime)
        response = client.request(method, path, json=body, headers=bearer(mint(claims_for(1))))
        assert (503, {"error": "Database unavailable"}, "5") == (
            response.status_code,
            response.json(),
            response.headers.get("retry-after"),
        )
