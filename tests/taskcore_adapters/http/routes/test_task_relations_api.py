"""Relations over HTTP: /api/tasks/{id}/relations, the blocked state and filter, and
the completion guard, on the selected SQL backend."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from taskcore_adapters.bootstrap import Runtime
from taskcore_adapters.sql.tables import activity_logs

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


def _task(client: TestClient, headers: dict[str, str], project: int, title: str) -> Any:
    response = client.post(f"/api/projects/{project}/tasks", headers=headers, json={"title": title})
    assert 201 == response.status_code, response.text
    return response.json()["task"]


def test_add_list_remove(client: TestClient, alice: dict[str, str], project: int) -> None:
    """A relation added from one side is listed from both; removing it answers 200."""
    a, b = _task(client, alice, project, "a"), _task(client, alice, project, "b")
    added = client.post(
        f"/api/tasks/{a['id']}/relations",
        headers=alice,
        json={"kind": "precedes", "task_id": b["id"], "lag_days": 2},
    )
    assert 201 == added.status_code, added.text
    relation = added.json()["relation"]
    assert ("precedes", b["id"], "b", "pending", 2) == (
        relation["kind"],
        relation["task_id"],
        relation["task_title"],
        relation["task_status"],
        relation["lag_days"],
    )
    from_b = client.get(f"/api/tasks/{b['id']}/relations", headers=alice).json()
    assert [("follows", a["id"])] == [(r["kind"], r["task_id"]) for r in from_b["relations"]]
    assert 1 == from_b["pagination"]["total"]
    removed = client.delete(f"/api/tasks/{b['id']}/relations/{relation['id']}", headers=alice)
    again = client.delete(f"/api/tasks/{b['id']}/relations/{relation['id']}", headers=alice)
    assert (200, 404) == (removed.status_code, again.status_code)


def test_bad_bodies(client: TestClient, alice: dict[str, str], project: int) -> None:
    """Unknown kinds and fields, missing or invisible tasks, and cycles are refused."""
    a, b = _task(client, alice, project, "a"), _task(client, alice, project, "b")
    url = f"/api/tasks/{a['id']}/relations"

    def post(body: dict[str, Any]) -> tuple[int, Any]:
        response = client.post(url, headers=alice, json=body)
        return response.status_code, response.json()

    assert (400, "kind") == (post({"kind": "x", "task_id": b["id"]})[0], "kind")
    assert (400, {"error": "Unknown field: note"}) == post(
        {"kind": "relates", "task_id": b["id"], "note": 1}
    )
    assert (400, {"error": "task_id is required"}) == post({"kind": "relates"})
    assert (404, {"error": "Task not found"}) == post({"kind": "relates", "task_id": 99999})
    assert 201 == post({"kind": "blocks", "task_id": b["id"]})[0]
    assert 409 == post({"kind": "blocks", "task_id": b["id"]})[0]
    cycle = client.post(
        f"/api/tasks/{b['id']}/relations",
        headers=alice,
        json={"kind": "blocks", "task_id": a["id"]},
    )
    assert (400, {"error": "This relation would make a dependency cycle"}) == (
        cycle.status_code,
        cycle.json(),
    )


def test_blocked_state_guard_and_override(
    client: TestClient, alice: dict[str, str], project: int, runtime: Runtime
) -> None:
    """A blocked task shows blocked, is found by blocked=true, cannot be completed
    (409 naming the blocker) unless overridden, which the activity log records."""
    blocker, task = _task(client, alice, project, "blocker"), _task(client, alice, project, "t")
    client.post(
        f"/api/tasks/{task['id']}/relations",
        headers=alice,
        json={"kind": "blocked_by", "task_id": blocker["id"]},
    )
    shown = client.get(f"/api/tasks/{task['id']}", headers=alice).json()["task"]
    listed = client.get(f"/api/projects/{project}/tasks?blocked=true", headers=alice).json()
    refused = client.put(f"/api/tasks/{task['id']}", headers=alice, json={"status": "completed"})
    assert (True, [task["id"]]) == (shown["blocked"], [t["id"] for t in listed["tasks"]])
    assert (409, "task_blocked") == (refused.status_code, refused.json()["code"])
    assert f"#{blocker['id']}" in refused.json()["error"]
    done = client.put(
        f"/api/tasks/{task['id']}",
        headers=alice,
        json={"status": "completed", "override_blockers": True},
    )
    assert (200, "completed") == (done.status_code, done.json()["task"]["status"])
    assert runtime.engine is not None
    with runtime.engine.connect() as conn:
        actions = conn.execute(
            select(activity_logs.c.action).where(activity_logs.c.entity_id == task["id"])
        ).scalars()
        assert "override_blockers" in set(actions)
