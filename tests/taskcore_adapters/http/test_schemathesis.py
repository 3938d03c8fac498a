"""Property-based tests of the whole HTTP API from its own OpenAPI document (schemathesis).

For every operation, generated requests (valid and deliberately invalid) go through the
ASGI application as an administrator. Each response must be documented (status, content
type and body schema), never a server error; invalid data must be refused; and every
operation that needs authentication must refuse a request without it. (Whether every
schema-valid body is *accepted* is not checked: the schemas describe types, while some
rules — password strength, e-mail syntax — live in the core.)

``TASKCORE_FUZZ_EXAMPLES`` sets the examples per operation (default 10; the ``fuzz`` nox
session runs more).
"""

from __future__ import annotations

import os
import re
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.specs.openapi.checks import positive_data_acceptance
from starlette.routing import Route
from starlette.testclient import TestClient

from taskcore_adapters.bootstrap import in_memory
from taskcore_adapters.host import create_app
from taskcore_adapters.http.openapi import openapi_path
from taskcore_adapters.security import Argon2PasswordHasher

EXAMPLES = int(os.environ.get("TASKCORE_FUZZ_EXAMPLES", "10"))
PASSWORD = "correct horse battery"

_runtime = in_memory(password_hasher=Argon2PasswordHasher.cheapest())
_runtime.core.users.create_admin(username="root", email="root@example.com", password=PASSWORD)
APP = create_app(_runtime)
TOKEN = _runtime.core.users.login(username="root", password=PASSWORD).token
SCHEMA = schemathesis.openapi.from_asgi("/openapi.json", APP)
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]  # type: ignore[union-attr]


def test_every_route_is_documented() -> None:
    """The document lists every operation the application routes (nothing left unfuzzed)."""
    routed = {
        (method.lower(), openapi_path(route.path))
        for route in APP.routes
        if isinstance(route, Route) and route.path != "/openapi.json"
        for method in route.methods or ()
        if method != "HEAD"
    }
    assert routed == {(op.method.lower(), op.path) for op in OPERATIONS}


@pytest.mark.parametrize("operation", OPERATIONS, ids=[op.label for op in OPERATIONS])
def test_operation_conforms(operation: Any) -> None:
    """Generated requests get documented, non-5xx answers; bad data and no auth are refused."""

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case: Any) -> None:
        case.call_and_validate(
            headers={"Authorization": f"Bearer {TOKEN}"},
            excluded_checks=[positive_data_acceptance],
        )

    check()


OVERSIZED = st.one_of(
    st.integers(min_value=11, max_value=6000).map(lambda n: "9" * n),
    st.integers(min_value=21, max_value=6000).map(lambda n: "-" + "1" * n),
    st.sampled_from(["²", "\u0661\u0662", "0" * 5000 + "1", "1e999", "9" * 4301]),
)
"""Numbers and identifiers beyond anything the API stores: more digits than an id has, up to
past ``int()``'s 4,300-digit limit, and digits ``int()`` refuses."""


@pytest.mark.parametrize("operation", OPERATIONS, ids=[op.label for op in OPERATIONS])
def test_oversized_numbers_never_fail(operation: Any) -> None:
    """Oversized numbers in every path parameter, integer query parameter and ``Range``
    header of an operation get a 4xx (or, for a query or header, a normal answer), never a
    server error."""
    client = TestClient(APP, raise_server_exceptions=False)
    path = operation.path
    queries = [
        p.name
        for p in operation.iter_parameters()
        if p.location == "query" and p.definition.get("schema", {}).get("type") == "integer"
    ]

    @given(value=OVERSIZED)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(value: str) -> None:
        headers = {"Authorization": f"Bearer {TOKEN}"}
        if value.isascii():
            headers["Range"] = f"bytes={value}-"
        target = re.sub(r"\{\w+\}", value, path)
        response = client.request(operation.method.upper(), target, headers=headers)
        assert response.status_code < 500, (target[:80], response.status_code)
        if "{" in path:
            assert 404 == response.status_code, target[:80]
        concrete = re.sub(r"\{\w+\}", "1", path)
        for name in queries:
            answer = client.request(
                operation.method.upper(), concrete, params={name: value}, headers=headers
            )
            assert answer.status_code < 500, (name, answer.status_code)

    check()
