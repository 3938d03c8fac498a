"""Task and project bodies: unknown keys are refused, the read-only keys of the objects
the API answers with are accepted and ignored."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.testclient import TestClient

Account = tuple[int, dict[str, str]]
AccountFactory = Callable[..., Account]


def _project(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    response = client.post("/api/projects", headers=headers, json={"name": "Apollo"})
    assert 201 == response.status_code, response.text
    project: dict[str, Any] = response.json()["project"]
    return project


def test_unknown_task_fields_are_refused(client: TestClient, account: AccountFactory) -> None:
    """A task body with keys the API does not know is 400 naming them, and stores nothing."""
    _, alice = account()
    project = _project(client, alice)
    url = f"/api/projects/{project['id']}/tasks"
    one = client.post(url, headers=alice, json={"title": "t", "colour": "red"})
    two = client.post(url, headers=alice, json={"title": "t", "zeta": 1, "alpha": 2})
    listed = client.get(url, headers=alice).json()["tasks"]
    assert (400, {"error": "Unknown field: colour"}) == (one.status_code, one.json())
    assert (400, {"error": "Unknown fields: alpha, zeta"}) == (two.status_code, two.json())
    assert [] == listed


def test_task_read_back_can_be_put_back(client: TestClient, account: AccountFactory) -> None:
    """A task as read, with every read-only key, may be PUT back with a change."""
    _, alice = account()
    project = _project(client, alice)
    created = client.post(
        f"/api/projects/{project['id']}/tasks", headers=alice, json={"title": "t"}
    ).json()["task"]
    read = client.get(f"/api/tasks/{created['id']}", headers=alice).json()["task"]
    response = client.put(
        f"/api/tasks/{created['id']}", headers=alice, json={**read, "title": "renamed"}
    )
    bad = client.put(f"/api/tasks/{created['id']}", headers=alice, json={"titel": "x"})
    assert (200, "renamed", read["created_at"]) == (
        response.status_code,
        response.json()["task"]["title"],
        response.json()["task"]["created_at"],
    )
    assert (400, {"error": "Unknown field: titel"}) == (bad.status_code, bad.json())


def test_unknown_project_fields_are_refused(client: TestClient, account: AccountFactory) -> None:
    """A project body with unknown keys is 400 naming them; its read-only keys are ignored."""
    _, alice = account()
    refused = client.post("/api/projects", headers=alice, json={"name": "A", "budget": 5})
    project = _project(client, alice)
    put_back = client.put(
        f"/api/projects/{project['id']}", headers=alice, json={**project, "name": "B"}
    )
    bad = client.put(f"/api/projects/{project['id']}", headers=alice, json={"nmae": "B"})
    assert (400, {"error": "Unknown field: budget"}) == (refused.status_code, refused.json())
    assert (200, "B") == (put_back.status_code, put_back.json()["project"]["name"])
    assert (400, {"error": "Unknown field: nmae"}) == (bad.status_code, bad.json())
