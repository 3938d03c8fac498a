"""Custom fields over HTTP: definitions, values on tasks and cf.<key> filters, on the
selected SQL backend."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from starlette.testclient import TestClient

Account = tuple[int, dict[str, str]]
AccountFactory = Callable[..., Account]


@pytest.fixture
def alice(account: AccountFactory) -> dict[str, str]:
    return account("alice")[1]


@pytest.fixture
def project(client: TestClient, alice: dict[str, str]) -> int:
    response = client.post("/api/projects", headers=alice, json={"name": "Apollo"})
    project_id: int = response.json()["project"]["id"]
    return project_id


def _define(client: TestClient, headers: dict[str, str], project: int, **body: Any) -> Any:
    response = client.post(f"/api/projects/{project}/custom-fields", headers=headers, json=body)
    assert 201 == response.status_code, response.text
    return response.json()["custom_field"]


def test_definitions(client: TestClient, alice: dict[str, str], project: int) -> None:
    """Owners define, list, change and delete fields; bad bodies are 400 naming the field."""
    made = _define(
        client, alice, project, key="stage", label="Stage", type="single_select", options=["a"]
    )
    assert ("stage", "single_select", ["a"], False) == (
        made["key"],
        made["type"],
        made["options"],
        made["required"],
    )
    bad = client.post(
        f"/api/projects/{project}/custom-fields",
        headers=alice,
        json={"key": "Bad Key", "label": "x", "type": "text"},
    )
    assert (400, "key") == (bad.status_code, "key" if "key must" in bad.json()["error"] else "")
    url = f"/api/projects/{project}/custom-fields/{made['id']}"
    task = client.post(
        f"/api/projects/{project}/tasks",
        headers=alice,
        json={"title": "t", "custom_fields": {"stage": "a"}},
    ).json()["task"]
    changed = client.put(
        url,
        headers=alice,
        json={"label": "Phase", "options": ["alpha", "b"], "rename_options": {"a": "alpha"}},
    )
    shown = client.get(f"/api/tasks/{task['id']}", headers=alice).json()["task"]
    assert {"stage": "alpha"} == shown["custom_fields"]
    assert (200, "Phase", ["alpha", "b"]) == (
        changed.status_code,
        changed.json()["custom_field"]["label"],
        changed.json()["custom_field"]["options"],
    )
    listed = client.get(f"/api/projects/{project}/custom-fields", headers=alice).json()
    assert ["stage"] == [f["key"] for f in listed["custom_fields"]]
    assert 200 == client.delete(url, headers=alice).status_code
    assert 404 == client.delete(url, headers=alice).status_code


def test_values_and_filters(client: TestClient, alice: dict[str, str], project: int) -> None:
    """Values come back with the task; cf.<key> filters find them; bad values are 400."""
    _define(client, alice, project, key="points", label="Points", type="number")
    _define(
        client, alice, project, key="tags", label="Tags", type="multi_select", options=["x", "y"]
    )
    url = f"/api/projects/{project}/tasks"
    ids = []
    for points, tags in ((1, ["x"]), (4, ["y"]), (9, ["x", "y"])):
        response = client.post(
            url,
            headers=alice,
            json={"title": "t", "custom_fields": {"points": points, "tags": tags}},
        )
        assert 201 == response.status_code, response.text
        ids.append(response.json()["task"]["id"])
    shown = client.get(f"/api/tasks/{ids[2]}", headers=alice).json()["task"]
    assert {"points": 9.0, "tags": ["x", "y"]} == shown["custom_fields"]

    def found(query: str) -> list[int]:
        response = client.get(f"{url}?sort=created_at&order=asc&{query}", headers=alice)
        assert 200 == response.status_code, response.text
        return [t["id"] for t in response.json()["tasks"]]

    assert ids[1:] == found("cf.points__gte=4")
    assert ids[:2] == found("cf.points__lte=4")
    assert [ids[0], ids[2]] == found("cf.points__in=1,9")
    assert [ids[1], ids[2]] == found("cf.tags=y")
    bad_value = client.put(
        f"/api/tasks/{ids[0]}", headers=alice, json={"custom_fields": {"points": "many"}}
    )
    unknown = client.get(f"{url}?cf.nope=1", headers=alice)
    assert (400, {"error": "custom_fields.points must be a number"}) == (
        bad_value.status_code,
        bad_value.json(),
    )
    assert (400, {"error": "Unknown custom field: nope"}) == (unknown.status_code, unknown.json())


def test_sort_by_a_field_with_cursor(
    client: TestClient, alice: dict[str, str], project: int
) -> None:
    """sort=cf.<key> orders by the value (none last); cursor slices follow it."""
    _define(client, alice, project, key="points", label="Points", type="number")
    url = f"/api/projects/{project}/tasks"
    made = []
    for points in (5, None, 2):
        fields = {} if points is None else {"custom_fields": {"points": points}}
        made.append(client.post(url, headers=alice, json={"title": "t", **fields}).json()["task"])
    first = client.get(f"{url}?sort=cf.points&order=asc&cursor=&per_page=2", headers=alice)
    body = first.json()
    rest = client.get(
        f"{url}?sort=cf.points&order=asc&per_page=2&cursor={body['next_cursor']}", headers=alice
    ).json()
    assert [made[2]["id"], made[0]["id"], made[1]["id"]] == [
        t["id"] for t in body["tasks"] + rest["tasks"]
    ]
    bad = client.get(f"{url}?sort=cf.nope", headers=alice)
    assert (400, {"error": "Unknown custom field: nope"}) == (bad.status_code, bad.json())
