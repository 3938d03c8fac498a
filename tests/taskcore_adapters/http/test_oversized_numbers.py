"""Numbers longer than Python's integer-conversion limit (4,300 digits) in a path, a query
parameter or a ``Range`` header: refused before any conversion, never a server error.

A path id matches at most 10 digits (a longer one is a path that names nothing: 404), an
integer query parameter of more than 4,300 digits is a 400 naming the parameter (shorter
ones are clamped or match nothing, as before), and a
``Range`` position of more digits than any file has is treated as larger than the file
(RFC 9110: a start beyond the end is 416, a larger suffix or end is the whole file).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from starlette.testclient import TestClient

from taskcore_adapters.http.routes.attachments import RangeNotSatisfiable, byte_range

Account = tuple[int, dict[str, str]]

HUGE = "9" * 5000
"""More digits than ``int()`` converts."""


def _operations(client: TestClient) -> list[tuple[str, str, dict[str, Any]]]:
    spec: dict[str, Any] = client.app.state.openapi  # type: ignore[attr-defined]
    return [
        (verb, path, operation)
        for path, operations in spec["paths"].items()
        for verb, operation in operations.items()
    ]


def test_every_path_id_of_thousands_of_digits_is_404(
    client: TestClient, admin: Callable[..., Account]
) -> None:
    """Every API operation with an id in its path answers 404 to a 5,000-digit id."""
    _, headers = admin()
    checked = 0
    for verb, path, _ in _operations(client):
        if "{" not in path:
            continue
        target = re.sub(r"\{\w+\}", HUGE, path)
        response = client.request(verb.upper(), target, headers=headers, json={})
        assert 404 == response.status_code, (verb, path, response.text[:200])
        checked += 1
    assert checked > 40


def test_integer_query_parameters_of_thousands_of_digits_are_400(
    client: TestClient, admin: Callable[..., Account]
) -> None:
    """Every integer query parameter of the API refuses a 5,000-digit number with a 400
    naming it (before any conversion), on every operation that has one."""
    _, headers = admin()
    checked = 0
    for verb, path, operation in _operations(client):
        target = re.sub(r"\{\w+\}", "1", path)
        for param in operation.get("parameters", []):
            if param["in"] != "query" or param["schema"].get("type") != "integer":
                continue
            response = client.request(
                verb.upper(), target, params={param["name"]: HUGE}, headers=headers
            )
            assert 400 == response.status_code, (verb, path, param["name"], response.text)
            assert {"error": f"{param['name']} is out of range"} == response.json()
            checked += 1
    assert checked > 20


@pytest.mark.parametrize(
    ("value", "status"),
    [("1" * 31, 200), ("9" * 4300, 200), ("9" * 4301, 400), ("-" + HUGE, 400)],
)
def test_query_bound_is_the_conversion_limit(
    client: TestClient, account: Callable[..., Account], value: str, status: int
) -> None:
    """Up to 4,300 digits a page number is read and clamped as before; more are refused."""
    _, headers = account()
    response = client.get("/api/projects", params={"page": value}, headers=headers)
    assert status == response.status_code, response.text


def test_assignee_of_thousands_of_digits_is_400(
    client: TestClient, account: Callable[..., Account]
) -> None:
    """``assignee`` (an id or ``me``) refuses digits it cannot hold, including ``²``."""
    _, headers = account()
    for value in (HUGE, "²", "\u0661"):
        response = client.get("/api/tasks", params={"assignee": value}, headers=headers)
        assert 400 == response.status_code, value


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (f"bytes=-{HUGE}", None),
        (f"bytes=0-{HUGE}", None),
        (f"bytes=2-{HUGE}", (2, 10)),
        ("bytes=²-", None),
        ("bytes=\u0661-\u0662", None),
    ],
)
def test_range_positions_of_thousands_of_digits(
    header: str, expected: tuple[int, int] | None
) -> None:
    """A suffix or an end beyond any file means up to the end; non-ASCII digits are not a
    range (the whole file)."""
    assert expected == byte_range(header, 10)


def test_range_start_of_thousands_of_digits_is_unsatisfiable() -> None:
    """A start beyond any file cannot be satisfied (416)."""
    with pytest.raises(RangeNotSatisfiable):
        byte_range(f"bytes={HUGE}-", 10)


def test_download_with_range_of_thousands_of_digits(
    client: TestClient, account: Callable[..., Account]
) -> None:
    """Over HTTP: a huge start is 416, a huge end or suffix the whole file."""
    _, headers = account()
    project = client.post("/api/projects", json={"name": "P"}, headers=headers).json()["project"]
    task = client.post(
        f"/api/projects/{project['id']}/tasks", json={"title": "T"}, headers=headers
    ).json()["task"]
    uploaded = client.post(
        f"/api/tasks/{task['id']}/attachments",
        files={"file": ("notes.txt", b"0123456789", "text/plain")},
        headers=headers,
    )
    assert 201 == uploaded.status_code, uploaded.text
    url = f"/api/attachments/{uploaded.json()['attachment']['id']}/download"
    assert 416 == client.get(url, headers={**headers, "Range": f"bytes={HUGE}-"}).status_code
    for header in (f"bytes=0-{HUGE}", f"bytes=-{HUGE}"):
        whole = client.get(url, headers={**headers, "Range": header})
        assert (200, b"0123456789") == (whole.status_code, whole.content)


def test_if_match_with_numbers_of_thousands_of_digits_is_412(
    client: TestClient, account: Callable[..., Account]
) -> None:
    """An ``If-Match`` tag whose id or version has thousands of digits names no version."""
    _, headers = account()
    project = client.post("/api/projects", json={"name": "P"}, headers=headers).json()["project"]
    url = f"/api/projects/{project['id']}"
    for tag in (f'"{project["id"]}-{HUGE}"', f'"{HUGE}-1"'):
        response = client.put(url, json={"name": "Q"}, headers={**headers, "If-Match": tag})
        assert 412 == response.status_code, response.text
