"""The wire format: how JSON goes out and how request bodies are read."""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from taskcore_adapters.http.wire import JSON, MAX_JSON_BODY

Account = tuple[int, dict[str, str]]
JSON_HEADERS = {"Content-Type": "application/json"}
REGISTRATION = {
    "username": "alice",
    "email": "alice@example.com",
    "password": "correct horse battery",
    "full_name": "Alice Liddell",
}


def post_raw(client: TestClient, body: bytes, path: str = "/api/register") -> tuple[int, Any]:
    """POST ``body`` as it is; returns the status and the JSON answer."""
    response = client.post(path, content=body, headers=JSON_HEADERS)
    return response.status_code, response.json()


def padded(size: int) -> bytes:
    """A valid registration body of exactly ``size`` bytes (padded with spaces)."""
    raw = json.dumps(REGISTRATION).encode()
    assert len(raw) <= size
    return raw + b" " * (size - len(raw))


class TestJsonOutput:
    """Responses are written as the original's ``jsonify`` wrote them."""

    def test_compact_sorted_utf8(self, client: TestClient) -> None:
        """Bodies are compact, key-sorted UTF-8 JSON with the JSON content type."""
        response = client.post("/api/register", json={**REGISTRATION, "full_name": "Zoë 漢字"})
        expected = json.dumps(
            response.json(), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ).encode()
        assert (201, "application/json", expected) == (
            response.status_code,
            response.headers["content-type"],
            response.content,
        )
        assert "Zoë 漢字".encode() in response.content

    def test_errors_are_compact_too(self, client: TestClient) -> None:
        """Error envelopes use the same format."""
        response = client.post("/api/register", json={})
        assert b'{"error":"Invalid JSON payload"}' == response.content

    def test_datetimes_are_naive_utc_iso(
        self, client: TestClient, account: Callable[..., Account]
    ) -> None:
        """Datetimes are ISO 8601 in UTC with no zone suffix."""
        _, headers = account()
        user = client.get("/api/users/me", headers=headers).json()["user"]
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        for key in ("created_at", "last_login"):
            value = dt.datetime.fromisoformat(user[key])
            assert (None, False, False) == (
                value.tzinfo,
                user[key].endswith("Z"),
                "+" in user[key],
            )
            assert now - dt.timedelta(minutes=1) <= value <= now + dt.timedelta(seconds=1)

    def test_absent_values_are_null(self, client: TestClient) -> None:
        """An absent optional value is written as ``null``."""
        response = client.post("/api/register", json=REGISTRATION)
        assert b'"last_login":null' in response.content


class TestFrameworkErrors:
    """Errors raised by routing, in the original's JSON shape."""

    def test_unknown_path(self, client: TestClient) -> None:
        """An unknown path is the framework 404 JSON."""
        response = client.get("/api/nothing/here")
        assert (
            404,
            {
                "error": "Not Found",
                "message": "404 Not Found: The requested URL was not found on the server. If "
                "you entered the URL manually please check your spelling and try again.",
            },
        ) == (response.status_code, response.json())

    @pytest.mark.parametrize(
        ("method", "path", "allow"),
        [
            ("DELETE", "/api/register", "POST"),
            ("GET", "/api/login", "POST"),
            ("POST", "/health", "GET, HEAD"),
            ("PATCH", "/api/admin/users/1", "PUT"),
        ],
    )
    def test_wrong_method_is_json(
        self, client: TestClient, method: str, path: str, allow: str
    ) -> None:
        """A wrong method is a JSON 405 with an ``Allow`` header (the original sent HTML)."""
        response = client.request(method, path)
        assert (
            405,
            "application/json",
            set(allow.split(", ")),
            {
                "error": "Method Not Allowed",
                "message": "The method is not allowed for the requested URL.",
            },
        ) == (
            response.status_code,
            response.headers["content-type"],
            set(response.headers["allow"].split(", ")),
            response.json(),
        )


class TestRequestBodies:
    """Reading JSON request bodies (the original answered most of these with a 500)."""

    @pytest.mark.parametrize(
        "body",
        [
            b'{"username": NaN}',
            b'{"username": Infinity}',
            b'{"username": -Infinity}',
            b"NaN",
            b"[Infinity]",
        ],
    )
    def test_nan_and_infinity_literals(self, client: TestClient, body: bytes) -> None:
        """``NaN`` and ``Infinity`` are not JSON and are refused."""
        assert (400, {"error": "Request body must be valid JSON"}) == post_raw(client, body)

    @pytest.mark.parametrize(
        "body",
        [
            b"username=alice",
            b'{"username": "alice",}',
            b"{'username': 'alice'}",
            b'{"username": "al\xffice"}',
            b'{"password": ' + b"1" * 5000 + b"}",
            b"[" * 100_000 + b"]" * 100_000,
            b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
        ],
        ids=[
            "form",
            "trailing-comma",
            "single-quotes",
            "bad-utf8",
            "huge-integer",
            "deep-array",
            "deep-object",
        ],
    )
    def test_not_json(self, client: TestClient, body: bytes) -> None:
        """A body that does not parse as JSON is a 400, never a 500."""
        assert (400, {"error": "Request body must be valid JSON"}) == post_raw(client, body)

    @pytest.mark.parametrize("body", [b"{}", b"[]", b"null", b"0", b'""', b"false", b"", b"  "])
    def test_falsy_bodies(self, client: TestClient, body: bytes) -> None:
        """A body that parses to a falsy value (or is empty) is ``Invalid JSON payload``."""
        assert (400, {"error": "Invalid JSON payload"}) == post_raw(client, body)

    @pytest.mark.parametrize("body", [b"[1]", b"1", b'"alice"', b"true", b'[{"username": "a"}]'])
    def test_non_object_bodies(self, client: TestClient, body: bytes) -> None:
        """A truthy body that is not an object is a 400."""
        assert (400, {"error": "Request body must be a JSON object"}) == post_raw(client, body)

    def test_nested_value_for_a_string(self, client: TestClient) -> None:
        """An object where a string belongs is a 400 naming the field."""
        body = json.dumps({**REGISTRATION, "full_name": {"first": "Alice"}}).encode()
        assert (400, {"error": "full_name must be a string"}) == post_raw(client, body)

    def test_overflowing_number_for_a_string(self, client: TestClient) -> None:
        """A number too large for a float where a string belongs is a 400 naming the field."""
        body = json.dumps({**REGISTRATION, "password": 0}).replace("0", "1e400").encode()
        assert (400, {"error": "password must be a string"}) == post_raw(client, body)

    def test_largest_body_is_accepted(self, client: TestClient) -> None:
        """A body of exactly the limit is read."""
        assert 201 == post_raw(client, padded(MAX_JSON_BODY))[0]

    def test_declared_oversize_body(self, client: TestClient) -> None:
        """A body over the limit is a 413."""
        assert (413, {"error": "Request body too large"}) == post_raw(
            client, padded(MAX_JSON_BODY + 1)
        )

    @pytest.mark.parametrize("path", ["/api/login", "/api/verify-token"])
    def test_oversize_body_on_other_endpoints(self, client: TestClient, path: str) -> None:
        """Every JSON endpoint applies the limit."""
        assert (413, {"error": "Request body too large"}) == post_raw(
            client, padded(MAX_JSON_BODY + 1), path
        )

    def test_streamed_oversize_body(self, client: TestClient) -> None:
        """A chunked body with no Content-Length is cut off at the limit."""

        def chunks() -> Iterator[bytes]:
            yield b'{"username": "'
            for _ in range(MAX_JSON_BODY // 65536 + 1):
                yield b"a" * 65536
            yield b'"}'

        response = client.post("/api/register", content=chunks(), headers=JSON_HEADERS)
        assert (413, {"error": "Request body too large"}) == (
            response.status_code,
            response.json(),
        )


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


def stdlib(content: Any) -> bytes:
    """``content`` as the standard library wrote bodies before."""
    return json.dumps(
        content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode()


class TestRenderer:
    """``JSON`` writes with orjson what parses to the values the standard library wrote."""

    @settings(max_examples=50, deadline=None)
    @given(content=JSON_VALUES)
    def test_same_values_as_the_standard_library(self, content: Any) -> None:
        body = bytes(JSON(content).body)
        assert json.loads(stdlib(content)) == json.loads(body)
        assert body == bytes(JSON(content).body)

    def test_sorted_compact_and_unescaped(self) -> None:
        content = {"b": [1, 2.5, None], "a": {"z": "Zoë 漢字", "y": True}}
        assert stdlib(content) == bytes(JSON(content).body)

    @pytest.mark.parametrize("number", [2**64, -(2**63) - 1, 10**40])
    def test_integers_beyond_64_bits_fall_back(self, number: int) -> None:
        content = {"n": number, "m": [number]}
        assert stdlib(content) == bytes(JSON(content).body)

    def test_keys_that_are_not_strings_fall_back(self) -> None:
        content = {1: "a", 10: "b", 2: "c"}
        assert b'{"1":"a","2":"c","10":"b"}' == bytes(JSON(content).body)

    def test_tuples_are_lists(self) -> None:
        assert b'{"a":[1,[2,3]]}' == JSON({"a": (1, (2, 3))}).body

    def test_what_neither_writes_is_refused(self) -> None:
        with pytest.raises(TypeError):
            JSON({"a": object()})

    @pytest.mark.parametrize("number", [math.nan, math.inf, -math.inf])
    def test_nan_and_infinity_are_null(self, number: float) -> None:
        assert b'{"a":null}' == bytes(JSON({"a": number}).body)
