"""The OpenAPI document: valid, complete, and true to what the API answers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from openapi_schema_validator import OAS31Validator, validate
from openapi_spec_validator import validate as validate_spec
from starlette.routing import Route
from starlette.testclient import TestClient

from taskcore_adapters.bootstrap import Runtime
from taskcore_adapters.http.openapi import openapi_path

Account = tuple[int, dict[str, str]]
PASSWORD = "correct horse battery"
PUBLIC = {
    ("post", "/api/register"),
    ("post", "/api/login"),
    ("post", "/api/verify-token"),
    ("post", "/api/token/refresh"),
    ("get", "/health"),
    ("get", "/livez"),
    ("get", "/readyz"),
    ("get", "/api/calendar/{secret}"),
    *(
        ("get", f"/health/{area}")
        for area in (
            "user",
            "projects",
            "comments",
            "attachments",
            "notifications",
            "activities",
            "reports",
        )
    ),
}


@pytest.fixture
def spec(client: TestClient) -> dict[str, Any]:
    """The document as served."""
    response = client.get("/openapi.json")
    assert 200 == response.status_code
    document: dict[str, Any] = response.json()
    return document


def operations(document: dict[str, Any]) -> set[tuple[str, str]]:
    """Every (method, path) the document describes."""
    return {(method, path) for path, item in document["paths"].items() for method in item}


def documented_schema(document: dict[str, Any], method: str, path: str, status: int) -> Any:
    """The body schema documented for ``status`` of an operation, with the components."""
    response = document["paths"][path][method]["responses"][str(status)]
    return {
        **response["content"]["application/json"]["schema"],
        "components": document["components"],
    }


def conforms(document: dict[str, Any], method: str, path: str, status: int, body: Any) -> None:
    """Validate ``body`` against the schema documented for ``status`` of the operation."""
    validate(body, documented_schema(document, method, path, status), cls=OAS31Validator)


class TestDocument:
    """GET /openapi.json."""

    def test_is_a_valid_openapi_document(self, spec: dict[str, Any]) -> None:
        """The served document passes the OpenAPI 3.1 validator."""
        validate_spec(spec)
        assert ("3.1.0", "taskcore") == (spec["openapi"], spec["info"]["title"])

    def test_served_as_built(self, client: TestClient, spec: dict[str, Any]) -> None:
        """The served document is the one the application was built with."""
        app: Any = client.app
        assert app.state.openapi == spec

    def test_every_route_is_documented_and_vice_versa(
        self, client: TestClient, spec: dict[str, Any]
    ) -> None:
        """Each route and method of the app is an operation of the document, and no more."""
        app: Any = client.app
        routed = {
            (method.lower(), openapi_path(route.path))
            for route in app.routes
            if isinstance(route, Route) and route.path != "/openapi.json"
            for method in route.methods or ()
            if method != "HEAD"
        }
        assert routed == operations(spec)

    def test_operation_ids_are_unique(self, spec: dict[str, Any]) -> None:
        """No two operations share an operationId."""
        ids = [op["operationId"] for item in spec["paths"].values() for op in item.values()]
        assert len(ids) == len(set(ids))

    def test_security_matches_authentication(self, spec: dict[str, Any]) -> None:
        """Exactly the public operations go without the bearer requirement."""
        public = {
            (method, path)
            for method, path in operations(spec)
            if "security" not in spec["paths"][path][method]
        }
        assert PUBLIC == public

    def test_path_parameters_are_declared(self, spec: dict[str, Any]) -> None:
        """Each ``{name}`` in a path is a required integer path parameter."""
        for path, item in spec["paths"].items():
            names = {part[1:-1] for part in path.split("/") if part.startswith("{")}
            for operation in item.values():
                declared = {
                    p["name"]: p for p in operation.get("parameters", []) if p["in"] == "path"
                }
                assert names == set(declared), path
                assert all(p["required"] for p in declared.values()), path

    @pytest.mark.parametrize(
        ("method", "path", "statuses"),
        [
            ("post", "/api/register", {201, 400, 409, 413, 503}),
            ("post", "/api/login", {200, 400, 401, 403, 413, 503}),
            ("post", "/api/logout", {200, 401, 503}),
            ("post", "/api/verify-token", {200, 400, 401, 413, 503}),
            ("get", "/api/users/me", {200, 401, 404, 503}),
            ("put", "/api/users/me", {200, 400, 401, 404, 409, 413, 503}),
            ("put", "/api/users/me/password", {200, 400, 401, 413, 503}),
            ("get", "/api/users/{user_id}", {200, 401, 404, 503}),
            ("get", "/api/admin/users", {200, 401, 403, 503}),
            ("put", "/api/admin/users/{user_id}", {200, 400, 401, 403, 404, 409, 413, 503}),
            ("get", "/health", {200, 503}),
            ("get", "/health/attachments", {200, 503}),
        ],
    )
    def test_observed_statuses_are_documented(
        self, spec: dict[str, Any], method: str, path: str, statuses: set[int]
    ) -> None:
        """The statuses the tests see for each endpoint are all documented for it."""
        documented = {int(code) for code in spec["paths"][path][method]["responses"]}
        assert statuses <= documented

    def test_retry_after_is_documented(self, spec: dict[str, Any]) -> None:
        """Every 503 response documents the Retry-After header."""
        missing = [
            (method, path)
            for path, item in spec["paths"].items()
            for method, operation in item.items()
            if "Retry-After" not in operation["responses"]["503"].get("headers", {})
        ]
        assert [] == missing


class TestResponsesMatchTheDocument:
    """Real answers validate against the documented schemas."""

    def test_user_schema_is_strict(self, spec: dict[str, Any]) -> None:
        """The documented user object refuses missing, extra and mistyped keys."""
        user = {
            "id": 1,
            "username": "alice",
            "email": None,
            "full_name": None,
            "is_active": True,
            "is_admin": False,
            "created_at": "2026-01-01T12:00:00",
            "last_login": None,
            "login_count": 0,
        }
        validator = OAS31Validator(documented_schema(spec, "get", "/api/users/me", 200))
        bad = [{**user, "password_hash": "x"}, {**user, "id": "1"}, {"id": 1}]
        assert [True, False, False, False] == [
            validator.is_valid({"user": u}) for u in [user, *bad]
        ]

    def test_register_login_and_me(self, client: TestClient, spec: dict[str, Any]) -> None:
        """Register, login and users/me answers match their documented schemas."""
        registration = {
            "username": "alice",
            "email": "alice@example.com",
            "password": PASSWORD,
            "full_name": "Alice",
        }
        register = client.post("/api/register", json=registration)
        login = client.post("/api/login", json={"username": "alice", "password": PASSWORD})
        headers = {"Authorization": f"Bearer {login.json()['token']}"}
        me = client.get("/api/users/me", headers=headers)
        conforms(spec, "post", "/api/register", 201, register.json())
        conforms(spec, "post", "/api/login", 200, login.json())
        conforms(spec, "get", "/api/users/me", 200, me.json())

    def test_admin_list_and_update(
        self,
        client: TestClient,
        spec: dict[str, Any],
        account: Callable[..., Account],
        admin: Callable[..., Account],
    ) -> None:
        """The admin list and update answers match their documented schemas."""
        alice_id, _ = account()
        _, root = admin()
        listing = client.get("/api/admin/users", headers=root)
        update = client.put(f"/api/admin/users/{alice_id}", headers=root, json={"is_admin": True})
        conforms(spec, "get", "/api/admin/users", 200, listing.json())
        conforms(spec, "put", "/api/admin/users/{user_id}", 200, update.json())

    def test_other_users_view(
        self, client: TestClient, spec: dict[str, Any], account: Callable[..., Account]
    ) -> None:
        """Another user's view, with its null e-mail, matches the documented schema."""
        bob_id, _ = account("bob")
        _, alice = account("alice")
        response = client.get(f"/api/users/{bob_id}", headers=alice)
        conforms(spec, "get", "/api/users/{user_id}", 200, response.json())

    def test_errors(self, client: TestClient, spec: dict[str, Any]) -> None:
        """Error answers match the documented error envelope."""
        bad = client.post("/api/register", json={})
        denied = client.get("/api/users/me")
        conforms(spec, "post", "/api/register", 400, bad.json())
        conforms(spec, "get", "/api/users/me", 401, denied.json())

    def test_health(
        self,
        client: TestClient,
        spec: dict[str, Any],
        unreachable_runtime: Runtime,
        serve: Callable[[Runtime], TestClient],
    ) -> None:
        """Healthy and unhealthy answers match the documented schemas."""
        down = serve(unreachable_runtime)
        for path in ("/health", "/health/attachments", "/health/reports"):
            conforms(spec, "get", path, 200, client.get(path).json())
            conforms(spec, "get", path, 503, down.get(path).json())
