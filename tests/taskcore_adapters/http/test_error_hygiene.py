"""Unexpected errors: a generic 500 with an id to find the log entry, nothing internal."""

from __future__ import annotations

import logging
import re

import pytest
from starlette.testclient import TestClient

from taskcore_adapters.bootstrap import Runtime
from taskcore_adapters.host import create_app


def test_unexpected_errors_leak_nothing_and_carry_an_id(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A crash answers only ``Internal Server Error`` with ``X-Error-Id``; the traceback is
    logged under the same id, never sent."""

    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("db at /srv/secret.sqlite exploded")

    monkeypatch.setattr(runtime.core.users, "register", crash)
    client = TestClient(create_app(runtime), raise_server_exceptions=False)
    with caplog.at_level(logging.ERROR):
        response = client.post(
            "/api/register",
            json={"username": "a", "email": "a@example.com", "password": "long enough pw"},
        )
    error_id = response.headers.get("x-error-id", "")
    assert (500, {"error": "Internal Server Error"}) == (response.status_code, response.json())
    assert re.fullmatch(r"[0-9a-f]{16}", error_id)
    assert "secret" not in response.text
    logged = [r for r in caplog.records if getattr(r, "error_id", None) == error_id]
    assert 1 == len(logged)
    assert logged[0].exc_info is not None
