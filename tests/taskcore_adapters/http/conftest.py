"""Fixtures for the HTTP tests: applications on the selected SQL backend, and accounts.

Every application is built by ``from_settings`` on a clean database of the backend chosen
by ``TASKCORE_TEST_DB``, so the same tests exercise SQLite and PostgreSQL.

Every response a test client receives from an API route is checked against the OpenAPI
document: a status code the document does not list for that operation, or a JSON body
that does not match the schema documented for that status, fails the test.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx2
import pytest
from openapi_schema_validator import OAS31Validator
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.testclient import TestClient

from taskcore_adapters.bootstrap import Runtime, from_settings
from taskcore_adapters.config import Settings
from taskcore_adapters.host import create_app
from taskcore_adapters.http.openapi import openapi_path
from taskcore_adapters.security import Argon2PasswordHasher

SECRET_KEY = "x" * 48
"""The signing key of every test application."""

PASSWORD = "correct horse battery"
"""The password of the accounts the fixtures create."""

UNREACHABLE_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:1/x"
"""A database URL where nothing listens: connections are refused at once."""

Account = tuple[int, dict[str, str]]
"""A user id and the ``Authorization`` headers of a fresh login."""


def build_runtime(tmp_path: Path, database_url: str, hasher: Argon2PasswordHasher) -> Runtime:
    """A runtime on ``database_url`` with the test key, the cheap hasher and throttling
    loose enough for tests that log in many times (test_throttle_headers.py tests it)."""
    return from_settings(
        Settings(
            data_dir=tmp_path,
            database_url=database_url,
            secret_key=SECRET_KEY,
            auth_rate_per_address="10000/minute",
            failed_login_rate="10000/minute",
            account_failed_login_rate="10000/minute",
            password_change_rate="10000/minute",
        ),
        password_hasher=hasher,
        migrate=False,
    )


@pytest.fixture
def runtime(tmp_path: Path, database_url: str, hasher: Argon2PasswordHasher) -> Iterator[Runtime]:
    """A runtime on a clean database; closed after the test."""
    built = build_runtime(tmp_path, database_url, hasher)
    try:
        yield built
    finally:
        built.close()


@pytest.fixture
def unreachable_runtime(tmp_path: Path, hasher: Argon2PasswordHasher) -> Iterator[Runtime]:
    """A runtime whose database server is down; closed after the test."""
    built = build_runtime(tmp_path, UNREACHABLE_DATABASE, hasher)
    try:
        yield built
    finally:
        built.close()


_VALIDATORS: dict[tuple[int, int], tuple[Any, OAS31Validator]] = {}
"""Validators by the ids of their schema and components (kept alive with them): the
document is made once per process, and building a validator costs more than using it."""


def _validator(schema: dict[str, Any], components: dict[str, Any]) -> OAS31Validator:
    key = (id(schema), id(components))
    found = _VALIDATORS.get(key)
    if found is None:
        whole = {**schema, "components": components}
        found = _VALIDATORS[key] = ((schema, components), OAS31Validator(whole))
    return found[1]


def _as_documented(app: Starlette) -> Callable[[httpx2.Response], None]:
    """A response hook failing on a status or body the OpenAPI document does not describe."""
    spec: dict[str, Any] = app.state.openapi
    routes = [r for r in app.routes if isinstance(r, Route) and r.path != "/openapi.json"]

    def check(response: httpx2.Response) -> None:
        method = response.request.method
        path = response.request.url.path
        for route in routes:
            if method in (route.methods or ()) and route.path_regex.match(path):
                verb = "get" if method == "HEAD" else method.lower()
                operation = spec["paths"][openapi_path(route.path)][verb]
                documented = operation["responses"]
                status = str(response.status_code)
                assert status in documented, (
                    f"{method} {path} answered {status}, "
                    f"but the OpenAPI document lists only {sorted(documented)}"
                )
                content = documented[status].get("content", {}).get("application/json")
                if content is not None and method != "HEAD":
                    response.read()
                    _validator(content["schema"], spec["components"]).validate(response.json())
                return

    return check


@pytest.fixture
def serve() -> Iterator[Callable[[Runtime], TestClient]]:
    """Start a test client for a runtime's application; stopped after the test."""
    with ExitStack() as stack:

        def start(served: Runtime) -> TestClient:
            app = create_app(served)
            test_client = stack.enter_context(TestClient(app))
            test_client.event_hooks = {"request": [], "response": [_as_documented(app)]}
            return test_client

        yield start


@pytest.fixture
def client(runtime: Runtime, serve: Callable[[Runtime], TestClient]) -> TestClient:
    """A test client of the application serving ``runtime``."""
    return serve(runtime)


def bearer(token: str) -> dict[str, str]:
    """The ``Authorization`` header for ``token``."""
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def login(client: TestClient) -> Callable[..., Account]:
    """Log in through the API; returns the user id and the bearer headers."""

    def log_in(username: str, password: str = PASSWORD) -> Account:
        response = client.post("/api/login", json={"username": username, "password": password})
        assert 200 == response.status_code, response.text
        body: dict[str, Any] = response.json()
        return body["user"]["id"], bearer(body["token"])

    return log_in


@pytest.fixture
def account(client: TestClient, login: Callable[..., Account]) -> Callable[..., Account]:
    """Register and log in a user through the API; returns the user id and bearer headers."""

    def register_and_login(
        username: str = "alice",
        *,
        password: str = PASSWORD,
        email: str | None = None,
        full_name: str | None = None,
    ) -> Account:
        response = client.post(
            "/api/register",
            json={
                "username": username,
                "email": email or f"{username.lower()}@example.com",
                "password": password,
                "full_name": full_name or username.title(),
            },
        )
        assert 201 == response.status_code, response.text
        return login(username, password)

    return register_and_login


@pytest.fixture
def admin(runtime: Runtime, login: Callable[..., Account]) -> Callable[..., Account]:
    """Create an administrator with ``create_admin`` and log in; returns id and headers."""
    counter = itertools.count(1)

    def make_admin(username: str | None = None, *, password: str = PASSWORD) -> Account:
        name = username or f"root{next(counter)}"
        runtime.core.users.create_admin(
            username=name, email=f"{name.lower()}@example.com", password=password
        )
        return login(name, password)

    return make_admin


@pytest.fixture
def strict_runtime(
    tmp_path: Path, database_url: str, hasher: Argon2PasswordHasher
) -> Iterator[Runtime]:
    """A runtime like ``runtime`` but without the refresh-token reuse grace period: every
    replayed refresh token ends its session at once. Closed after the test."""
    built = from_settings(
        Settings(
            data_dir=tmp_path,
            database_url=database_url,
            secret_key=SECRET_KEY,
            auth_rate_per_address="10000/minute",
            failed_login_rate="10000/minute",
            account_failed_login_rate="10000/minute",
            password_change_rate="10000/minute",
            refresh_reuse_grace_seconds=0,
        ),
        password_hasher=hasher,
        migrate=False,
    )
    try:
        yield built
    finally:
        built.close()


@pytest.fixture
def strict_client(strict_runtime: Runtime, serve: Callable[[Runtime], TestClient]) -> TestClient:
    """A test client of the application serving ``strict_runtime``."""
    return serve(strict_runtime)
