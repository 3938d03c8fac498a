"""Several assignees over HTTP: assignee_ids, assignee_id for compatibility, and
assignee=me, on the selected SQL backend."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.testclient import TestClient

Account = tuple[int, dict[str, str]]
AccountFactory = Callable[..., Account]


def _team(client: TestClient, account: AccountFactory) -> tuple[Account, Account, Account, int]:
    """alice's project with bob and carol as members (by invitation)."""
    alice, bob, carol = account("alice"), account("bob"), account("carol")
    project = client.post("/api/projects", headers=alice[1], json={"name": "Apollo"})
    project_id: int = project.json()["project"]["id"]
    for user in (bob, carol):
        invited = client.post(
            f"/api/projects/{project_id}/members",
            headers=alice[1],
            json={"user_id": user[0], "role": "member"},
        )
        accepted = client.post(
            f"/api/invitations/{invited.json()['invitation']['id']}/accept", headers=user[1]
        )
        assert 200 == accepted.status_code, accepted.text
    return alice, bob, carol, project_id


def _post(client: TestClient, headers: dict[str, str], project: int, **fields: Any) -> Any:
    return client.post(
        f"/api/projects/{project}/tasks", headers=headers, json={"title": "t", **fields}
    )


def test_assignee_ids_and_assignee_id(client: TestClient, account: AccountFactory) -> None:
    """assignee_ids is stored in order; assignee_id is the first; setting assignee_id
    still works."""
    alice, bob, carol, project = _team(client, account)
    created = _post(client, alice[1], project, assignee_ids=[carol[0], bob[0]])
    task = created.json()["task"]
    assert (201, [carol[0], bob[0]], carol[0]) == (
        created.status_code,
        task["assignee_ids"],
        task["assignee_id"],
    )
    legacy = _post(client, alice[1], project, assignee_id=bob[0]).json()["task"]
    assert [bob[0]] == legacy["assignee_ids"]
    changed = client.put(
        f"/api/tasks/{task['id']}", headers=alice[1], json={"assignee_id": alice[0]}
    ).json()["task"]
    assert ([alice[0], bob[0]], alice[0]) == (changed["assignee_ids"], changed["assignee_id"])
    cleared = client.put(
        f"/api/tasks/{task['id']}", headers=alice[1], json={"assignee_ids": []}
    ).json()["task"]
    assert ([], None) == (cleared["assignee_ids"], cleared["assignee_id"])


def test_bad_assignees(client: TestClient, account: AccountFactory) -> None:
    """Non-members, wrong types and disagreeing assignee_id are 400 naming the field."""
    alice, bob, _, project = _team(client, account)
    dave = account("dave")
    outsider = _post(client, alice[1], project, assignee_ids=[bob[0], dave[0]])
    wrong = _post(client, alice[1], project, assignee_ids=["x"])
    disagree = _post(client, alice[1], project, assignee_id=alice[0], assignee_ids=[bob[0]])
    assert (400, {"error": "Assignees must be members of the project"}) == (
        outsider.status_code,
        outsider.json(),
    )
    assert (400, {"error": "assignee_ids must be an array of ids"}) == (
        wrong.status_code,
        wrong.json(),
    )
    assert (400, {"error": "assignee_id must be the first of assignee_ids"}) == (
        disagree.status_code,
        disagree.json(),
    )


def test_assignee_me_includes_shared_tasks(client: TestClient, account: AccountFactory) -> None:
    """/api/tasks and assignee=me list tasks where the caller is one of several."""
    alice, bob, carol, project = _team(client, account)
    shared = _post(client, alice[1], project, assignee_ids=[carol[0], bob[0]]).json()["task"]
    _post(client, alice[1], project, assignee_ids=[carol[0]])
    mine = client.get("/api/tasks", headers=bob[1]).json()["tasks"]
    filtered = client.get(f"/api/projects/{project}/tasks?assignee=me", headers=bob[1]).json()[
        "tasks"
    ]
    by_id = client.get(f"/api/projects/{project}/tasks?assignee={bob[0]}", headers=alice[1]).json()[
        "tasks"
    ]
    assert [shared["id"]] == [t["id"] for t in mine]
    assert [shared["id"]] == [t["id"] for t in filtered]
    assert [shared["id"]] == [t["id"] for t in by_id]
