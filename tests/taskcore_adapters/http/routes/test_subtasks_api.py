"""Subtasks over HTTP: parent_id, roll-ups, the children list, filters and cascading
deletion, on the selected SQL backend."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import event, select
from starlette.testclient import TestClient

from taskcore import errors
from taskcore.domain.events import DomainEvent, TaskDeleted
from taskcore_adapters.bootstrap import Runtime
from taskcore_adapters.sql.events import decode
from taskcore_adapters.sql.tables import outbox

Account = tuple[int, dict[str, str]]
AccountFactory = Callable[..., Account]


def add(client: TestClient, headers: dict[str, str], project_id: int, **fields: Any) -> Any:
    """Create a task (title ``t`` unless given); returns the task object."""
    response = client.post(
        f"/api/projects/{project_id}/tasks", headers=headers, json={"title": "t", **fields}
    )
    assert 201 == response.status_code, response.text
    return response.json()["task"]


def read(client: TestClient, headers: dict[str, str], task_id: int) -> Any:
    response = client.get(f"/api/tasks/{task_id}", headers=headers)
    assert 200 == response.status_code, response.text
    return response.json()["task"]


def change(client: TestClient, headers: dict[str, str], task_id: int, **fields: Any) -> Any:
    response = client.put(f"/api/tasks/{task_id}", headers=headers, json=fields)
    assert 200 == response.status_code, response.text
    return response.json()["task"]


def ids(client: TestClient, headers: dict[str, str], url: str) -> list[int]:
    response = client.get(url, headers=headers)
    assert 200 == response.status_code, response.text
    return [t["id"] for t in response.json()["tasks"]]


def events(runtime: Runtime) -> list[DomainEvent]:
    assert runtime.engine is not None
    with runtime.engine.connect() as conn:
        rows = conn.execute(select(outbox.c.name, outbox.c.payload).order_by(outbox.c.id)).all()
    return [decode(row.name, row.payload) for row in rows]


@pytest.fixture
def alice(account: AccountFactory) -> dict[str, str]:
    return account("alice")[1]


@pytest.fixture
def project(client: TestClient, alice: dict[str, str]) -> int:
    response = client.post("/api/projects", headers=alice, json={"name": "Apollo"})
    assert 201 == response.status_code, response.text
    project_id: int = response.json()["project"]["id"]
    return project_id


def test_subtask_shape_and_rollup(client: TestClient, alice: dict[str, str], project: int) -> None:
    """A task shows its parent and the roll-up of its subtasks."""
    parent = add(client, alice, project, title="Parent")
    one = add(client, alice, project, parent_id=parent["id"], estimated_hours=3)
    add(client, alice, project, parent_id=parent["id"], status="completed", actual_hours=2)
    change(client, alice, one["id"], status="cancelled")
    shown = read(client, alice, parent["id"])
    assert (None, parent["id"]) == (shown["parent_id"], one["parent_id"])
    assert {
        "total": 2,
        "by_status": {"pending": 0, "in_progress": 0, "completed": 1, "cancelled": 1},
        "estimated_hours": 3.0,
        "actual_hours": 2.0,
        "percent_done": 100,
    } == shown["subtasks"]
    assert {"total": 0, "percent_done": None} == {
        k: one["subtasks"][k] for k in ("total", "percent_done")
    }


def test_bad_parents_are_400(client: TestClient, alice: dict[str, str], project: int) -> None:
    """A parent elsewhere, a cycle and a sixth level are refused naming parent_id."""
    url = f"/api/projects/{project}/tasks"
    missing = client.post(url, headers=alice, json={"title": "t", "parent_id": 99999})
    chain = [add(client, alice, project)]
    for _ in range(4):
        chain.append(add(client, alice, project, parent_id=chain[-1]["id"]))
    deep = client.post(url, headers=alice, json={"title": "t", "parent_id": chain[-1]["id"]})
    cycle = client.put(
        f"/api/tasks/{chain[0]['id']}", headers=alice, json={"parent_id": chain[2]["id"]}
    )
    wrong_type = client.post(url, headers=alice, json={"title": "t", "parent_id": "1"})
    assert (400, {"error": "Parent task not found in this project"}) == (
        missing.status_code,
        missing.json(),
    )
    assert (400, {"error": "Subtasks can be nested at most 5 levels deep"}) == (
        deep.status_code,
        deep.json(),
    )
    assert (400, {"error": "A task cannot be a subtask of itself or of its own subtasks"}) == (
        cycle.status_code,
        cycle.json(),
    )
    assert (400, {"error": "parent_id must be an integer"}) == (
        wrong_type.status_code,
        wrong_type.json(),
    )


def test_children_list_and_filters(client: TestClient, alice: dict[str, str], project: int) -> None:
    """/subtasks lists direct children in board order; parent_id and top_level filter."""
    parent = add(client, alice, project)
    first = add(client, alice, project, parent_id=parent["id"], position=5)
    second = add(client, alice, project, parent_id=parent["id"], position=1)
    add(client, alice, project, parent_id=first["id"])
    base = f"/api/projects/{project}/tasks"
    assert [second["id"], first["id"]] == ids(client, alice, f"/api/tasks/{parent['id']}/subtasks")
    assert {first["id"], second["id"]} == set(
        ids(client, alice, f"{base}?parent_id={parent['id']}")
    )
    assert [parent["id"]] == ids(client, alice, f"{base}?top_level=true")
    assert 3 == len(ids(client, alice, f"{base}?top_level=false"))
    bad = client.get(f"{base}?parent_id=abc", headers=alice)
    assert (400, {"error": "Invalid parent_id. Use a task id"}) == (bad.status_code, bad.json())


def test_cascade_delete(
    client: TestClient, alice: dict[str, str], project: int, runtime: Runtime
) -> None:
    """Deleting a parent is 409 without cascade=true; with it the subtree goes, one event
    per task."""
    parent = add(client, alice, project)
    child = add(client, alice, project, parent_id=parent["id"])
    grandchild = add(client, alice, project, parent_id=child["id"])
    refused = client.delete(f"/api/tasks/{parent['id']}", headers=alice)
    assert (409, "task_has_subtasks") == (refused.status_code, refused.json()["code"])
    done = client.delete(f"/api/tasks/{parent['id']}?cascade=true", headers=alice)
    assert 200 == done.status_code, done.text
    deleted = [e.entity_id for e in events(runtime) if isinstance(e, TaskDeleted)]
    assert [grandchild["id"], child["id"], parent["id"]] == deleted
    assert 404 == client.get(f"/api/tasks/{child['id']}", headers=alice).status_code


def test_list_statements_stay_constant(
    client: TestClient, alice: dict[str, str], project: int, runtime: Runtime
) -> None:
    """A page of tasks with subtasks, assignees, relations and custom-field values costs
    as many statements as a page of one such task."""
    assert runtime.engine is not None
    url = f"/api/projects/{project}/tasks?top_level=true"
    me = client.get("/api/users/me", headers=alice).json()["user"]["id"]
    field = client.post(
        f"/api/projects/{project}/custom-fields",
        headers=alice,
        json={"key": "points", "label": "Points", "type": "number"},
    )
    assert 201 == field.status_code, field.text

    def statements() -> int:
        seen: list[Any] = []

        def count(*_: Any) -> None:
            seen.append(1)

        event.listen(runtime.engine, "before_cursor_execute", count)
        try:
            assert 200 == client.get(url, headers=alice).status_code
        finally:
            event.remove(runtime.engine, "before_cursor_execute", count)
        return len(seen)

    def furnished() -> None:
        parent = add(client, alice, project, assignee_ids=[me], custom_fields={"points": 2})
        child = add(client, alice, project, parent_id=parent["id"])
        response = client.post(
            f"/api/tasks/{child['id']}/relations",
            headers=alice,
            json={"kind": "blocks", "task_id": parent["id"]},
        )
        assert 201 == response.status_code, response.text

    furnished()
    one = statements()
    for _ in range(3):
        furnished()
    assert one == statements()


def test_concurrent_moves_cannot_close_a_cycle(
    client: TestClient, alice: dict[str, str], project: int, runtime: Runtime
) -> None:
    """Two tasks moved under each other at once: one move wins, the other is refused."""
    first, second = add(client, alice, project), add(client, alice, project)
    me = client.get("/api/users/me", headers=alice).json()["user"]
    actor = runtime.core.users.authenticate(alice["Authorization"].removeprefix("Bearer "))
    assert actor.user_id == me["id"]
    start = threading.Barrier(2)

    def move(task: int, parent: int) -> str:
        start.wait()
        try:
            runtime.core.tasks.update_task(actor, task, parent_id=parent)
        except errors.ValidationError as exc:
            return exc.field or ""
        except errors.Conflict:
            return "conflict"
        return "moved"

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = sorted(
            pool.map(
                lambda pair: move(*pair), [(first["id"], second["id"]), (second["id"], first["id"])]
            )
        )
    assert "moved" in results
    assert results != ["moved", "moved"]
    parents = {read(client, alice, t)["parent_id"] for t in (first["id"], second["id"])}
    assert None in parents
