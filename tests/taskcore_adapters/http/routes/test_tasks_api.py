"""The task endpoints over HTTP, on the selected SQL backend."""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from taskcore.domain.events import DomainEvent
from taskcore_adapters.bootstrap import Runtime
from taskcore_adapters.sql.events import decode
from taskcore_adapters.sql.tables import outbox

Account = tuple[int, dict[str, str]]
AccountFactory = Callable[..., Account]

TASK_KEYS = {
    "id",
    "title",
    "description",
    "status",
    "priority",
    "due_date",
    "completed_at",
    "estimated_hours",
    "actual_hours",
    "created_at",
    "updated_at",
    "project_id",
    "assignee_id",
}
"""The original's 13 keys."""
NEW_TASK_KEYS = {
    "labels",
    "watchers",
    "position",
    "version",
    "parent_id",
    "subtasks",
    "assignee_ids",
    "blocked",
    "custom_fields",
}
FRAMEWORK_404 = {
    "error": "Not Found",
    "message": "404 Not Found: The requested URL was not found on the server. If you entered "
    "the URL manually please check your spelling and try again.",
}
STATUS_ERROR = "Invalid status. Must be one of ['pending', 'in_progress', 'completed', 'cancelled']"
PRIORITY_ERROR = "Invalid priority. Must be one of ['low', 'medium', 'high', 'critical']"
DUE_ERROR = "Invalid due_date format. Use ISO format"
SORT_ERROR = (
    "Invalid sort. Must be one of ['created_at', 'updated_at', 'due_date', 'priority', 'position']"
)
WRITE_DENIED = "You do not have permission to change tasks in this project"
STALE = {"error": "The resource was modified; reload and retry"}


def now_naive() -> dt.datetime:
    """The current time as naive UTC, the wire's datetime form."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def error_of(response: Any) -> tuple[int, Any]:
    """The status and JSON body of an answer."""
    return response.status_code, response.json()


def new_project(client: TestClient, headers: dict[str, str], name: str = "Apollo") -> int:
    """Create a project; returns its id."""
    response = client.post("/api/projects", headers=headers, json={"name": name})
    assert 201 == response.status_code, response.text
    project_id: int = response.json()["project"]["id"]
    return project_id


def join(
    client: TestClient, owner: dict[str, str], project_id: int, invitee: Account, role: str
) -> None:
    """Make ``invitee`` a member with ``role``: the owner's ``POST /members`` invites them
    (202) and they accept the invitation, asserting success."""
    response = client.post(
        f"/api/projects/{project_id}/members",
        headers=owner,
        json={"user_id": invitee[0], "role": role},
    )
    assert 202 == response.status_code, response.text
    invitation_id = response.json()["invitation"]["id"]
    accepted = client.post(f"/api/invitations/{invitation_id}/accept", headers=invitee[1])
    assert 200 == accepted.status_code, accepted.text


def add(
    client: TestClient, headers: dict[str, str], project_id: int, /, **fields: Any
) -> dict[str, Any]:
    """Create a task (title ``Launch`` unless given); returns the task object."""
    response = client.post(
        f"/api/projects/{project_id}/tasks", headers=headers, json={"title": "Launch", **fields}
    )
    assert 201 == response.status_code, response.text
    task: dict[str, Any] = response.json()["task"]
    return task


def read(client: TestClient, headers: dict[str, str], task_id: int) -> dict[str, Any]:
    """A task as read through the API, asserting success."""
    response = client.get(f"/api/tasks/{task_id}", headers=headers)
    assert 200 == response.status_code, response.text
    task: dict[str, Any] = response.json()["task"]
    return task


def change(
    client: TestClient, headers: dict[str, str], task_id: int, **fields: Any
) -> dict[str, Any]:
    """Update a task, asserting success; returns the task object."""
    response = client.put(f"/api/tasks/{task_id}", headers=headers, json=fields)
    assert 200 == response.status_code, response.text
    task: dict[str, Any] = response.json()["task"]
    return task


def ids(client: TestClient, headers: dict[str, str], url: str) -> list[int]:
    """The ids of the tasks a list URL answers with."""
    response = client.get(url, headers=headers)
    assert 200 == response.status_code, response.text
    return [t["id"] for t in response.json()["tasks"]]


def cursor(order: str, value: Any, item_id: Any) -> str:
    """A cursor forged by hand, in the format the server writes."""
    raw = json.dumps({"o": order, "v": value, "i": item_id}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def events(runtime: Runtime) -> list[DomainEvent]:
    """Every event recorded in the outbox so far (published or not), oldest first."""
    assert runtime.engine is not None
    with runtime.engine.connect() as conn:
        rows = conn.execute(select(outbox.c.name, outbox.c.payload).order_by(outbox.c.id)).all()
    return [decode(row.name, row.payload) for row in rows]


@pytest.fixture
def team(account: AccountFactory) -> dict[str, Account]:
    """Four accounts: the owner alice, the member bob, the viewer carol, the outsider dave."""
    return {name: account(name) for name in ("alice", "bob", "carol", "dave")}


@pytest.fixture
def project(client: TestClient, team: dict[str, Account]) -> int:
    """A project of alice's with bob as member and carol as viewer; returns its id."""
    alice = team["alice"][1]
    project_id = new_project(client, alice)
    join(client, alice, project_id, team["bob"], "member")
    join(client, alice, project_id, team["carol"], "viewer")
    return project_id


class TestCreateTask:
    """POST /api/projects/{id}/tasks (P7)."""

    def test_created_task_shape(
        self, client: TestClient, team: dict[str, Account], project: int
    ) -> None:
        """A creation answers 201 with the message, the 13 original keys and nine more."""
        response = client.post(
            f"/api/projects/{project}/tasks", headers=team["bob"][1], json={"title": "Launch"}
        )
        body = response.json()
        task = body["task"]
        assert 201 == response.status_code
        assert TASK_KEYS | NEW_TASK_KEYS == set(task)
        assert {
            "message": "Task created successfully",
            "task": {
                "id": task["id"],
                "title": "Launch",
                "description": "",
                "status": "pending",
                "priority": "medium",
                "due_date": None,
                "completed_at": None,
                "estimated_hours": None,
                "actual_hours": None,
                "created_at": task["created_at"],
                "updated_at": task["created_at"],
                "project_id": project,
                "assignee_id": None,
                "labels": [],
                "watchers": [],
                "position": 1.0,
                "version": 1,
                "parent_id": None,
                "subtasks": {
                    "total": 0,
                    "by_status": {"pending": 0, "in_progress": 0, "completed": 0, "cancelled": 0},
                    "estimated_hours": 0.0,
                    "actual_hours": 0.0,
                    "percent_done": None,
                },
                "assignee_ids": [],
                "blocked": False,
                "custom_fields": {},
            },
        } == body
        assert f'"{task["id"]}-1"' == response.headers["etag"]

    def test_every_field(self, client: TestClient, team: dict[str, Account], project: int) -> None:
        """All accepted fields are stored, normalised where the model says so."""
        bob_id, _ = team["bob"]
        carol_id, _ = team["carol"]
        task = add(
            client,
            team["alice"][1],
            project,
            title="  Launch  ",
            description="  countdown ",
            status="in_progress",
            priority="critical",
            due_date="2026-07-16T13:32:00Z",
            estimated_hours=8,
            actual_hours="2.5",
            assignee_id=bob_id,
            labels=[" Urgent ", "backend", "URGENT", "big   rocket"],
            watchers=[carol_id, bob_id, carol_id],
            position=7.5,
        )
        expected = {
            "title": "Launch",
            "description": "countdown",
            "status": "in_progress",
            "priority": "critical",
            "due_date": "2026-07-16T13:32:00",
            "estimated_hours": 8.0,
            "actual_hours": 2.5,
            "assignee_id": bob_id,
            "labels": ["backend", "big rocket", "urgent"],
            "watchers": sorted([bob_id, carol_id]),
            "position": 7.5,
        }
        assert expected == {key: task[key] for key in expected}

    @pytest.mark.parametrize(
        ("due_date", "stored"),
        [
            ("2026-07-16", "2026-07-16T00:00:00"),
            ("2026-07-16T10:00:00", "2026-07-16T10:00:00"),
            ("2026-07-16T10:00:00+02:00", "2026-07-16T08:00:00"),
            ("2026-07-16T10:00:00.250000-05:30", "2026-07-16T15:30:00.250000"),
            ("", None),
            (None, None),
        ],
    )
    def test_due_dates(
        self,
        client: TestClient,
        team: dict[str, Account],
        project: int,
        due_date: str | None,
        stored: str | None,
    ) -> None:
        """ISO 8601 due dates are kept in UTC (offsets honoured, not dropped)."""
        task = add(client, team["alice"][1], project, due_date=due_date)
        assert stored == task["due_date"]

    def test_created_as_completed_gets_completed_at(
        self, client: TestClient, team: dict[str, Account], project: int
    ) -> None:
        """A task created as completed is stamped (the original left completed_at null)."""
        before = now_naive()
        task = add(client, team["alice"][1], project, status="completed")
        completed = dt.datetime.fromisoformat(task["completed_at"])
        assert before - dt.timedelta(seconds=1) <= completed <= now_naive()
        assert task["completed_at"] == task["created_at"]

    def test_positions_append_to_the_column(
        self, client: TestClient, team: dict[str, Account], project: int
    ) -> None:
        """Without a position, a task goes to the end of its status column."""
        alice = team["alice"][1]
        positions = [
            add(client, alice, project, status=status)["position"]
            for status in ("pending", "pending", "completed", "pending")
        ]
        assert [1.0, 2.0, 1.0, 3.0] == positions

    @pytest.mark.parametrize("body", [{"description": "x"}, {"title": ""}, {"title": " \t "}])
    def test_title_is_required(
        self, client: TestClient, team: dict[str, Account], project: int, body: dict[str, Any]
    ) -> None:
        """A missing or blank title is ``Task title is required``."""
        response = client.post(
            f"/api/projects/{project}/tasks", headers=team["alice"][1], json=body
        )
        assert (400, {"error": "Task title is required"}) == error_of(response)

    def test_hours_are_bounded_and_kept_to_the_hundredth(
        self, client: TestClient, team: dict[str, Account], project: int
    ) -> None:
        """Hours up to 100,000 are accepted and kept to 2 decimals; the project's summary
        and reports add them without overflowing."""
        alice = team["alice"][1]
        task = add(client, alice, project, estimated_hours=100_000, actual_hours="1.234")
        assert (100_000.0, 1.23) == (task["estimated_hours"], task["actual_hours"])
        refused = client.put(
            f"/api/tasks/{task['id']}", headers=alice, json={"estimated_hours": 1.7e308}
        )
        assert (400, {"error": "Estimated hours must be at most 100000"}) == error_of(refused)
        summary = client.get(f"/api/reports/quick/project-summary/{project}", headers=alice)
        assert 200 == summary.status_code, summary.text

    @pytest.mark.parametrize(
        ("fields", "error"),
        [
            ({"assignee_id": 4242}, "Assignee user not found"),
            ({"assignee_id": 2**31}, "assignee_id must be a valid id"),
            ({"assignee_id": -1}, "assignee_id must be a valid id"),
            ({"due_date": "next week"}, DUE_ERROR),
            ({"due_date": "2026-02-30"}, DUE_ERROR),
            ({"status": "done"}, STATUS_ERROR),
            ({"priority": "urgent"}, PRIORITY_ERROR),
            ({"estimated_hours": "lots"}, "Estimated hours must be a number"),
            ({"estimated_hours": "nan"}, "Estimated hours must be a number"),
            ({"estimated_hours": "1e400"}, "Estimated hours must be a number"),
            ({"estimated_hours": -1}, "Estimated hours cannot be negative"),
            ({"actual_hours": "-0.5"}, "Actual hours cannot be negative"),
            ({"estimated_hours": 1.7e308}, "Estimated hours must be at most 100000"),
            ({"actual_hours": "100000.01"}, "Actual hours must be at most 100000"),
            ({"estimated_hours": True}, "estimated_hours must be a number or a string"),
            ({"estimated_hours": [1]}, "estimated_hours must be a number or a string"),
            ({"title": 7}, "title must be a string"),
            ({"description": "a\x00b"}, "description must be a string without NUL characters"),
            ({"assignee_id": "2"}, "assignee_id must be an integer"),
            ({"assignee_id": 1.5}, "assignee_id must be an integer"),
            ({"title": "t" * 201}, "title must be at most 200 characters"),
            ({"description": "d" * 20_001}, "description must be at most 20000 characters"),
            ({"labels": "urgent"}, "labels must be an array of strings"),
            ({"labels": ["ok", 3]}, "labels must be an array of strings"),
            ({"labels": [" "]}, "Labels cannot be empty"),
            ({"labels": ["x" * 51]}, "Labels must be at most 50 characters"),
            ({"labels": [f"l{n}" for n in range(21)]}, "A task can have at most 20 labels"),
            ({"watchers": [True]}, "watchers must be an array of ids"),
            ({"watchers": [2**40]}, "watchers must be an array of ids"),
            ({"watchers": [4242]}, "Watchers must be members of the project"),
            ({"position": "top"}, "position must be a number"),
            ({"position": 1e13}, "Position is out of range"),
        ],
    )
    def test_invalid_fields(
        self,
        client: TestClient,
        team: dict[str, Account],
        project: int,
        fields: dict[str, Any],
        error: str,
    ) -> None:
        """Each kind of bad input is a 400 naming what is wrong, never a 500."""
        response = client.post(
            f"/api/projects/{project}/tasks",
            headers=team["alice"][1],
            json={"title": "Launch", **fields},
        )
        assert (400, {"error": error}) == error_of(response)

    def test_assignee_must_be_a_member(
        self, client: TestClient, team: dict[str, Account], project: int
    ) -> None:
        """An existing user outside the project cannot be assigned."""
        response = client.post(
            f"/api/projects/{project}/tasks",
            headers=team["alice"][1],
            json={"title": "Launch", "assignee_id": team["dave"][0]},
        )
        assert (400, {"error": "Assignee must be a member of the project"}) == error_of(response)

    def test_checks_run_in_the_original_order(
        self, client: TestClient, team: dict[str, Account], project: int
    ) -> None:
        """Title, assignee, due_date, status, priority, then the rest."""
        url = f"/api/projects/{project}/tasks"
        answers = [
            client.post(url, headers=team["alice"][1], json=body).json()
            for body in (
                {"title": "", "assignee_id": 4242, "due_date": "x", "status": "x"},
                {"title": "A", "assignee_id": 4242, "due_date": "x", "status": "x"},
                {"title": "A", "due_date": "x", "status": "x", "priority": "x"},
                {"title": "A", "status": "x", "priority": "x"},
                {"title": "A", "priority": "x", "estimated_hours": -1},
                {"title": "A", "estimated_hours": -1, "actual_hours": -1},
            )
        ]
        assert [
            {"error": "Task title is required"},
            {"error": "Assignee user not found"},
            {"error": DUE_ERROR},
            {"error": STATUS_ERROR},
            {"error": PRIORITY_ERROR},
            {"error": "Estimated hours cannot be negative"},
        ] == answers

    @pytest.mark.parametrize(
        "raw",
        [
            b'{"title": "A", "estimated_hours": NaN}',
            b'{"title": "A", "actual_hours": Infinity}',
            b'{"title": "A", "position": -Infinity}',
        ],
    )
    def test_nan_and_infinity(
        self, client: TestClient, team: dict[str, Account], project: int, raw: bytes
    ) -> None:
        """NaN and Infinity are not JSON and are refused."""
        response = client.post(
            f"/api/projects/{project}/tasks",
            headers={**team["alice"][1], "Content-Type": "application/json"},
            content=raw,
        )
        assert (400, {"error": "Request body must be valid JSON"}) == error_of(response)

    @pytest.mark.parametrize("raw", [b"{}", b"[]", b"null", b'""'])
    def test_falsy_body_before_the_project(
        self, client: TestClient, account: AccountFactory, raw: bytes
    ) -> None:
        """A falsy body is ``Invalid JSON payload``, checked before the project exists."""
        _, alice = account()
        response = client.post(
            "/api/projects/4242/tasks",
            headers={**alice, "Content-Type": "application/json"},
            content=raw,
        )
        assert (400, {"error": "Invalid JSON payload"}) == error_of(response)

    def test_read_only_keys_are_ignored(
        self, client: TestClient, team: dict[str, Account], project: int
    ) -> None:
        """Read-only keys of the task object change nothing (not even the project)."""
        other = new_project(client, team["alice"][1], "other")
        task = add(
            client, team["alice"][1], project, project_id=other, id=999, completed_at="2000-01-01"
        )
        assert (project, None) == (task["project_id"], task["completed_at"])

    def test_unknown_project(self, client: TestClient, account: AccountFactory) -> None:
        """A task in a project nobody has is ``Project not found``."""
        _, alice = account()
        response = client.post("/api/projects/4242/tasks", headers=alice, json={"title": "x"})
        assert (404, {"error": "Project not found"}) == error_of(response)

    def test_outsider_gets_404(
        self, client: TestClient, team: dict[str, Account], project: int
    ) -> None:
        """A non-member is told the project does not exist, before the body is checked."""
        response = client.post(
            f"/api/projects/{project}/tasks", headers=team["dave"][1], json={"title": ""}
        )
        assert (404, {"error": "Project not found"}) == error_of(response)

    def test_viewer_may_not_create(
        self, client: TestClient, team: dict[str, Account], project: int
    ) -> None:
        """A viewer gets 403."""
        response = client.post(
            f"/api/projects/{project}/tasks", headers=team["carol"][1], json={"title": "x"}
        )
        assert (403, {"error": WRITE_DENIED}) == error_of(response)

    def test_failed_creations_save_nothing(
        self, client: TestClient, team: dict[str, Account], project: int
    ) -> None:
        """Refused creations leave no task behind."""
        alice = team["alice"][1]
        url = f"/api/projects/{project}/tasks"
        for body in (
            {"title": ""},
            {"title": "A", "priority": "x"},
            {"title": "A", "watchers": [team["dave"][0]]},
            {"title": "A", "labels": ["ok"], "position": 1e13},
        ):
            assert 400 == client.post(url, headers=alice, json=body).status_code
        assert [] == ids(client, alice, url)

    def test_creation_is_recorded(
        self, client: TestClient, team: dict[str, Account], project: int, runtime: Runtime
    ) -> None:
        """Creating an assigned task records ``task.created`` and ``task.assigned``."""
        task = add(client, team["alice"][1], project, assignee_id=team["bob"][0])
        recorded = [(e.name, e.entity_id) for e in events(runtime) if e.name.startswith("task.")]
        assert [("task.created", task["id"]), ("task.assigned", task["id"])] == recorded


class TestGetTask:
    """GET /api/tasks/{id} (P8)."""

    @pytest.mark.parametrize("who", ["alice", "bob", "carol"])
    def test_members_read_it(
        self, client: TestClient, team: dict[str, Account], project: int, who: str
    ) -> None:
        """Every member of the project reads the task, tagged with its version."""
        task = add(client, team["alice"][1], project)
        response = client.get(f"/api/tasks/{task['id']}", headers=team[who][1])
        assert (200, {"task": task}, f'"{task["id"]}-1"') == (
            response.status_code,
            response.json(),
            response.headers["etag"],
        )

    def test_outsider_gets_404(
        self, client: TestClient, team: dict[str, Account], project: int
    ) -> None:
        """A non-member is told the task does not exist, even as its assignee earlier."""
        task = add(client, team["alice"][1], project)
        response = client.get(f"/api/tasks/{task['id']}", headers=team["dave"][1])
        assert (404, {"error": "Task not found"}) == error_of(response)

    def test_admin_reads_any_task(
        self, client: TestClient, team: dict[str, Account], project: int, admin: AccountFactory
    ) -> None:
        """An administrator reads tasks of projects they are not in."""
        task = add(client, team["alice"][1], project)
        assert task == read(client, admin()[1], task["id"])

    def test_unknown_task(self, client: TestClient, account: AccountFactory) -> None:
        """An id nobody has is ``Task not found``."""
        _, alice = account()
        response = client.get(f"/api/tasks/{2**31 - 1}", headers=alice)
        assert (404, {"error": "Task not found"}) == error_of(response)

    @pytest.mark.parametrize("task_id", ["-1", "x", str(2**31), str(10**30)])
    def test_malformed_or_huge_id(
        self, client: TestClient, account: AccountFactory, task_id: str
    ) -> None:
        """A path id that is not a storable non-negative integer is the framework 404."""
        _, alice = account()
        response = client.get(f"/api/tasks/{task_id}", headers=alice)
        assert (404, FRAMEWORK_404) == error_of(response)

    def test_needs_a_token(self, client: TestClient) -> None:
        """Without a token no task is shown."""
        assert (401, {"error": "Token is missing"}) == error_of(client.get("/api/tasks/1"))


class TestUpdateTask:
    """PUT /api/tasks/{id} (P9)."""

    def test_update(self, client: TestClient, team: dict[str, Account], project: int) -> None:
        """Given fields change; version, updated_at and the ETag move on."""
        task = add(client, team["alice"][1], project)
        response = client.put(
            f"/api/tasks/{task['id']}",
            headers=team["bob"][1],
            json={"title": " Liftoff ", "priority": "high", "estimated_hours": "3"},
        )
        body = response.json()
        updated = body["task"]
        assert (200, "Task updated successfully") == (response.status_code, body["message"])
        assert {
            **task,
            "title": "Liftoff",
            "priority": "high",
            "estimated_hours": 3.0,
            "updated_at": updated["updated_at"],
            "version": 2,
        } == updated
        assert updated["updated_at"] > task["updated_at"]
        assert f'"{task["id"]}-2"' == response.headers["etag"]

    def test_completed_at_follows_the_status(
        self, client: TestClient, team: dict[str, Account], project: int
    ) -> None:
        """Into completed stamps completed_at; staying keeps it; out of completed clears it."""
        alice = team["alice"][1]
        task = add(client, alice, project)
        done = change(client, alice, task["id"], status="completed")
        again = change(client, alice, task["id"], status="completed", title="still done")
        reopened = change(client, alice, task["id"], status="in_progress")
        assert done["completed_at"] is not None
        assert done["completed_at"] == done["updated_at"]
        assert done["completed_at"] == again["completed_at"]
        assert None is reopened["completed_at"]

    def test_created_completed_then_cancelled(
        self, client: TestClient, team: dict[str, Account], project: int
    ) -> None:
        """A task created as completed loses completed_at when cancelled."""
        alice = team["alice"][1]
        task = add(client, alice, project, status="completed")
        assert None is change(client, alice, task["id"], status="cancelled")["completed_at"]

    def test_status_change_moves_to_the_end_of_the_column(
        self, client: TestClient, team: dict[str, Account], project: int
    ) -> None:
        """A task changing status without a position goes after the new column's tasks."""
        alice = team["alice"][1]
        add(client, alice, project, status="completed")
        task = add(client, alice, project)
        moved = change(client, alice, task["id"], status="completed")
        placed = change(client, alice, task["id"], status="pending", position=0.5)
        assert (2.0, 0.5) == (moved["position"], placed["position"])

    def test_nulls_clear(self, client: TestClient, team: dict[str, Account], project: int) -> None:
        """Null clears the assignee, the hours and the due date; empty clears the due date."""
        alice = team["alice"][1]
        task = add(
            client,
            alice,
            project,
            assignee_id=team["bob"][0],
            estimated_hours=1,
            actual_hours=2,
            due_date="2026-01-01",
            labels=["x"],
        )
        cleared = change(
            client,
            alice,
            task["id"],
            assignee_id=None,
            estimated_hours=None,
            actual_hours=None,
            due_date="",
            labels=None,
            description=None,
        )
        assert (None, None, None, None, [], "") == (
            cleared["assignee_id"],
            cleared["estimated_hours"],
            cleared["actual_hours"],
            cleared["due_date"],
            cleared["labels"],
            cleared["description"],
        )

    def test_only_given_fields_change(
        self, client: TestClient, team: dict[str, Account], project: int
    ) -> None:
        """Absent keys keep their values; the read-only project_id is ignored."""
        alice = team["alice"][1]
        other = new_project(client, alice, "other")
        task = add(client, alice, project, description="keep", labels=["keep"], priority="low")
        updated = change(client, alice, task["id"], title="new", project_id=other)
        assert ("new", "keep", ["keep"], "low", project) == (
            updated["title"],
            updated["description"],
            updated["labels"],
            updated["priority"],
            updated["project_id"],
        )

    @pytest.mark.parametrize("title", ["", "  ", None])
    def test_title_cannot_be_emptied(
        self, client: TestClient, team: dict[str, Account], project: int, title: str | None
    ) -> None:
        """An empty, blank or null title is ``Task title cannot be empty``."""
        task = add(client, team["alice"][1], project)
        response = client.put(
            f"/api/tasks/{task['id']}", headers=team["alice"][1], json={"title": title}
        )
        assert (400, {"error": "Task title cannot be empty"}) == error_of(response)

    def test_checks_run_in_the_original_order(
        self, client: TestClient, team: dict[str, Account], project: int
    ) -> None:
        """Title, status, priority, assignee, estimated, actual, due_date."""
        task = add(client, team["alice"][1], project)
        answers = [
            client.put(f"/api/tasks/{task['id']}", headers=team["alice"][1], json=body).json()
            for body in (
                {"title": "", "status": "x", "priority": "x", "assignee_id": 4242},
                {"status": "x", "priority": "x", "assignee_id": 4242},
                {"priority": "x", "assignee_id": 4242, "estimated_hours": "x"},
                {"assignee_id": 4242, "estimated_hours": "x", "actual_hours": "x"},
                {"estimated_hours": "x", "actual_hours": "x", "due_date": "x"},
                {"actual_hours": -2, "due_date": "x"},
                {"due_date": "x"},
            )
        ]
        assert [
            {"error": "Task title cannot be empty"},
            {"error": STATUS_ERROR},
            {"error": PRIORITY_ERROR},
            {"error": "Assignee user not found"},
            {"error": "Estimated hours must be a number"},
            {"error": "Actual hours cannot be negative"},
            {"error": DUE_ERROR},
        ] == answers

    def test_nothing_is_saved_on_failure(
        self, client: TestClient, team: dict[str, Account], project: int
    ) -> None:
        """A refused update leaves the task exactly as it was."""
        alice = team["alice"][1]
        task = add(client, alice, project)
        for body in (
            {"title": "new", "status": "completed", "priority": "x"},
            {"title": "new", "status": "completed", "due_date": "x"},
            {"title": "new", "assignee_id": team["dave"][0]},
            {"title": "new", "labels": ["a"], "watchers": [4242]},
            {"title": "new", "position": 1e13},
            {"title": "new", "estimated_hours": []},
        ):
            assert (
                400 == client.put(f"/api/tasks/{task['id']}", headers=alice, json=body).status_code
            )
        assert task == read(client, alice, task["id"])

    @pytest.mark.parametrize(
        "raw",
        [b'{"estimated_hours": NaN}', b'{"actual_hours": Infinity}', b'{"position": NaN}'],
    )
    def test_nan_and_infinity(
        self, client: TestClient, team: dict[str, Account], project: int, raw: bytes
    ) -> None:
        """NaN and Infinity are refused on update too (the original stored them)."""
        task = add(client, team["alice"][1], project)
        response = client.put(
            f"/api/tasks/{task['id']}",
            headers={**team["alice"][1], "Content-Type": "application/json"},
            content=raw,
        )
        assert (400, {"error": "Request body must be valid JSON"}) == error_of(response)

    def test_position_cannot_be_null(
        self, client: TestClient, team: dict[str, Account], project: int
    ) -> None:
        """A task always has a position."""
        task = add(client, team["alice"][1], project)
        response = client.put(
            f"/api/tasks/{task['id']}", headers=team["alice"][1], json={"position": None}
        )
        assert (400, {"error": "position must be a number"}) == error_of(response)

    def test_falsy_body_before_existence(self, client: TestClient, account: AccountFactory) -> None:
        """``{}`` is ``Invalid JSON payload`` even for a task that does not exist."""
        _, alice = account()
        response = client.put("/api/tasks/4242", headers=alice, json={})
        assert (400, {"error": "Invalid JSON payload"}) == error_of(response)

    def test_unknown_task(self, client: TestClient, account: AccountFactory) -> None:
        """Updating a task nobody has is ``Task not found``."""
        _, alice = account()
        response = client.put("/api/tasks/4242", headers=alice, json={"title": "x"})
        assert (404, {"error": "Task not found"}) == error_of(response)

    def test_viewer_and_outsider(
        self, client: TestClient, team: dict[str, Account], project: int
    ) -> None:
        """A viewer gets 403 and a non-member 404; the task stays as it was."""
        task = add(client, team["alice"][1], project)
        url = f"/api/tasks/{task['id']}"
        viewer = client.put(url, headers=team["carol"][1], json={"title": "x"})
        outsider = client.put(url, headers=team["dave"][1], json={"title": "x"})
        assert [(403, {"error": WRITE_DENIED}), (404, {"error": "Task not found"})] == [
            error_of(viewer),
            error_of(outsider),
        ]
        assert task == read(client, team["alice"][1], task["id"])

    def test_update_events(
        self, client: TestClient, team: dict[str, Account], project: int, runtime: Runtime
    ) -> None:
        """A status and assignee change records updated, status_changed and assigned."""
        alice = team["alice"][1]
        task = add(client, alice, project)
        change(client, alice, task["id"], status="completed", assignee_id=team["bob"][0])
        names = [
            e.name
            for e in events(runtime)
            if e.name.startswith("task.") and e.entity_id == task["id"]
        ]
        assert ["task.created", "task.updated", "task.status_changed", "task.assigned"] == names


class TestDeleteTask:
    """DELETE /api/tasks/{id} (P10)."""

    def test_delete_removes_the_task_and_its_comments(
        self, client: TestClient, team: dict[str, Account], project: int, runtime: Runtime
    ) -> None:
        """The task and its comments are gone; the deletion is recorded with the count."""
        alice = team["alice"][1]
        task = add(client, alice, project)
        other = add(client, alice, project, title="other")
        comment_ids = [
            client.post(
                f"/api/tasks/{task['id']}/comments", headers=alice, json={"content": text}
            ).json()["comment"]["id"]
            for text in ("one", "two")
        ]
        kept = client.post(
            f"/api/tasks/{other['id']}/comments", headers=alice, json={"content": "kept"}
        ).json()["comment"]
        response = client.delete(f"/api/tasks/{task['id']}", headers=team["bob"][1])
        assert (200, {"message": "Task deleted successfully"}) == error_of(response)
        assert (404, {"error": "Task not found"}) == error_of(
            client.get(f"/api/tasks/{task['id']}", headers=alice)
        )
        assert [(404, {"error": "Comment not found"})] * 2 == [
            error_of(client.get(f"/api/comments/{cid}", headers=alice)) for cid in comment_ids
        ]
        assert kept == client.get(f"/api/comments/{kept['id']}", headers=alice).json()["comment"]
        deleted = [e for e in events(runtime) if e.name == "task.deleted"]
        assert [(task["id"], 2)] == [(e.entity_id, e.details["comments_deleted"]) for e in deleted]

    def test_viewer_and_outsider(
        self, client: TestClient, team: dict[str, Account], project: int
    ) -> None:
        """A viewer gets 403 and a non-member 404; the task stays."""
        task = add(client, team["alice"][1], project)
        url = f"/api/tasks/{task['id']}"
        assert [(403, {"error": WRITE_DENIED}), (404, {"error": "Task not found"})] == [
            error_of(client.delete(url, headers=team["carol"][1])),
            error_of(client.delete(url, headers=team["dave"][1])),
        ]
        assert task == read(client, team["alice"][1], task["id"])

    def test_unknown_task(self, client: TestClient, account: AccountFactory) -> None:
        """Deleting a task nobody has is ``Task not found``."""
        _, alice = account()
        response = client.delete("/api/tasks/4242", headers=alice)
        assert (404, {"error": "Task not found"}) == error_of(response)


class TestListTasks:
    """GET /api/projects/{id}/tasks (P6)."""

    def test_newest_first_with_pagination(
        self, client: TestClient, team: dict[str, Account], project: int
    ) -> None:
        """Tasks come newest first with the pagination block; viewers may list."""
        alice = team["alice"][1]
        made = [add(client, alice, project, title=f"t{n}")["id"] for n in range(3)]
        body = client.get(f"/api/projects/{project}/tasks", headers=team["carol"][1]).json()
        assert list(reversed(made)) == [t["id"] for t in body["tasks"]]
        assert {"page": 1, "pages": 1, "per_page": 20, "total": 3} == body["pagination"]
        assert all(TASK_KEYS | NEW_TASK_KEYS == set(t) for t in body["tasks"])

    def test_numbered_pages(
        self, client: TestClient, team: dict[str, Account], project: int
    ) -> None:
        """``page``/``per_page`` slice the list; the cap is 100."""
        alice = team["alice"][1]
        made = [add(client, alice, project, title=f"t{n}")["id"] for n in range(5)]
        url = f"/api/projects/{project}/tasks"
        second = client.get(f"{url}?per_page=2&page=2", headers=alice).json()
        capped = client.get(f"{url}?per_page=500", headers=alice).json()
        assert [made[2], made[1]] == [t["id"] for t in second["tasks"]]
        assert {"page": 2, "pages": 3, "per_page": 2, "total": 5} == second["pagination"]
        assert 100 == capped["pagination"]["per_page"]

    def test_filters(self, client: TestClient, team: dict[str, Account], project: int) -> None:
        """Each filter keeps exactly the matching tasks."""
        alice = team["alice"][1]
        bob_id = team["bob"][0]
        alice_id = team["alice"][0]
        a = add(
            client,
            alice,
            project,
            title="Fuel the rocket",
            status="in_progress",
            priority="high",
            assignee_id=bob_id,
            labels=["Urgent"],
            due_date="2000-01-01",
        )
        b = add(
            client,
            alice,
            project,
            title="Paint",
            description="the ROCKET red",
            status="completed",
            priority="low",
            assignee_id=alice_id,
            due_date="2000-06-01",
        )
        c = add(client, alice, project, title="Plan", due_date="2999-01-01", labels=["later"])
        d = add(client, alice, project, title="Someday")
        url = f"/api/projects/{project}/tasks"
        cases = {
            "status=in_progress": [a["id"]],
            "priority=low": [b["id"]],
            f"assignee={bob_id}": [a["id"]],
            "assignee=me": [b["id"]],
            "label=%20URGENT%20": [a["id"]],
            "due_before=2000-03-01": [a["id"]],
            "due_after=2000-03-01": [c["id"], b["id"]],
            "due_after=2000-01-01&due_before=2000-06-01": [a["id"]],
            "overdue=true": [a["id"]],
            "overdue=false": [d["id"], c["id"], b["id"]],
            "q=rocket": [b["id"], a["id"]],
            "search=PLAN": [c["id"]],
            "status=pending&label=later": [c["id"]],
            "status=": [d["id"], c["id"], b["id"], a["id"]],
        }
        assert cases == {query: ids(client, alice, f"{url}?{query}") for query in cases}

    @pytest.mark.parametrize(
        ("query", "error"),
        [
            ("status=done", STATUS_ERROR),
            ("priority=urgent", PRIORITY_ERROR),
            ("assignee=bob", "Invalid assignee. Use a user id or 'me'"),
            ("assignee=-1", "Invalid assignee. Use a user id or 'me'"),
            ("overdue=yes", "Invalid overdue. Must be one of ['true', 'false']"),
            ("due_before=soon", "Invalid due_before format. Use ISO format"),
            ("due_after=2026-13-01", "Invalid due_after format. Use ISO format"),
            ("sort=title", SORT_ERROR),
            ("order=up", "Invalid order. Must be one of ['asc', 'desc']"),
            ("q=" + "x" * 201, "search must be at most 200 characters"),
            ("cursor=nonsense", "Invalid cursor"),
            ("q=%00", "q must not contain NUL characters"),
            ("label=a%00", "label must not contain NUL characters"),
            ("assignee=" + "9" * 20, "Invalid assignee. Use a user id or 'me'"),
            (f"assignee={2**31}", "Invalid assignee. Use a user id or 'me'"),
            (
                "cursor=" + cursor("tasks:created_at:desc", "2026-01-01T00:00:00+00:00", 2**31),
                "Invalid cursor",
            ),
            (
                "cursor=" + cursor("tasks:created_at:desc", "2026-01-01T00:00:00+00:00", -1),
                "Invalid cursor",
            ),
            (
                "cursor=" + cursor("tasks:created_at:desc", "0001-01-01T00:00:00+05:00", 1),
                "Invalid cursor",
            ),
            ("sort=priority&cursor=" + cursor("tasks:priority:desc", 10**30, 1), "Invalid cursor"),
            ("sort=priority&cursor=" + cursor("tasks:priority:desc", True, 1), "Invalid cursor"),
            ("sort=due_date&cursor=" + cursor("tasks:due_date:desc", "soon", 1), "Invalid cursor"),
            ("sort=position&cursor=" + cursor("tasks:position:desc", "1", 1), "Invalid cursor"),
        ],
    )
    def test_bad_filters(
        self, client: TestClient, team: dict[str, Account], project: int, query: str, error: str
    ) -> None:
        """A bad filter, sort, order or cursor is a 400 naming it."""
        response = client.get(f"/api/projects/{project}/tasks?{query}", headers=team["bob"][1])
        assert (400, {"error": error}) == error_of(response)

    def test_sorting(self, client: TestClient, team: dict[str, Account], project: int) -> None:
        """Each sort field orders the list, both ways; tasks without a due date come last."""
        alice = team["alice"][1]
        low = add(client, alice, project, priority="low", due_date="2026-03-01", position=3)
        crit = add(client, alice, project, priority="critical", position=1)
        med = add(client, alice, project, priority="medium", due_date="2026-01-01", position=2)
        high = add(client, alice, project, priority="high", due_date="2026-02-01", position=4)
        change(client, alice, low["id"], title="touched")
        url = f"/api/projects/{project}/tasks"
        cases = {
            "sort=priority": [crit, high, med, low],
            "sort=priority&order=asc": [low, med, high, crit],
            "sort=due_date&order=asc": [med, high, low, crit],
            "sort=due_date&order=desc": [low, high, med, crit],
            "sort=position&order=asc": [crit, med, low, high],
            "sort=updated_at": [low, high, med, crit],
            "order=asc": [low, crit, med, high],
        }
        assert {q: [t["id"] for t in order] for q, order in cases.items()} == {
            q: ids(client, alice, f"{url}?{q}") for q in cases
        }

    @pytest.mark.parametrize(
        ("sort", "order"),
        [
            ("created_at", "desc"),
            ("created_at", "asc"),
            ("updated_at", "asc"),
            ("due_date", "asc"),
            ("due_date", "desc"),
            ("priority", "desc"),
            ("position", "asc"),
        ],
    )
    def test_cursor_paging_is_stable_while_tasks_are_added(
        self, client: TestClient, team: dict[str, Account], project: int, sort: str, order: str
    ) -> None:
        """Keyset paging visits every task once, in order, while new tasks arrive."""
        alice = team["alice"][1]
        for n in range(7):
            add(
                client,
                alice,
                project,
                title=f"t{n}",
                priority=["low", "high", "medium"][n % 3],
                due_date=None if n % 3 == 0 else f"2026-0{n % 4 + 1}-01",
                position=float(n % 4),
            )
        url = f"/api/projects/{project}/tasks?sort={sort}&order={order}"
        expected = ids(client, alice, url)
        seen: list[int] = []
        cursor = ""
        while True:
            body = client.get(f"{url}&per_page=3&cursor={cursor}", headers=alice).json()
            assert "pagination" not in body
            seen.extend(t["id"] for t in body["tasks"])
            if body["next_cursor"] is None:
                break
            cursor = body["next_cursor"]
            add(client, alice, project, title="late", priority="critical", position=-1.0)
        assert len(seen) == len(set(seen))
        assert expected == [task_id for task_id in seen if task_id in expected]
        if (sort, order) == ("created_at", "desc"):
            assert expected == seen

    def test_cursor_of_another_order(
        self, client: TestClient, team: dict[str, Account], project: int
    ) -> None:
        """A cursor made for one sort order is refused by another."""
        alice = team["alice"][1]
        for n in range(3):
            add(client, alice, project, title=f"t{n}")
        url = f"/api/projects/{project}/tasks"
        first = client.get(f"{url}?per_page=1&cursor=", headers=alice).json()
        response = client.get(f"{url}?sort=priority&cursor={first['next_cursor']}", headers=alice)
        assert (400, {"error": "Invalid cursor"}) == error_of(response)

    def test_outsider_gets_404(
        self, client: TestClient, team: dict[str, Account], project: int
    ) -> None:
        """A non-member is told the project does not exist."""
        response = client.get(f"/api/projects/{project}/tasks", headers=team["dave"][1])
        assert (404, {"error": "Project not found"}) == error_of(response)


class TestMyTasks:
    """GET /api/tasks?assignee=me: the caller's tasks across projects."""

    def test_assigned_tasks_across_projects(
        self, client: TestClient, team: dict[str, Account], project: int
    ) -> None:
        """The caller's tasks from every project they are in, newest first, filterable."""
        alice = team["alice"][1]
        bob_id, bob = team["bob"]
        other = new_project(client, alice, "other")
        join(client, alice, other, team["bob"], "member")
        first = add(client, alice, project, assignee_id=bob_id)
        add(client, alice, project, assignee_id=team["alice"][0])
        add(client, alice, project)
        second = add(client, alice, other, assignee_id=bob_id, status="completed")
        body = client.get("/api/tasks?assignee=me", headers=bob).json()
        assert [second["id"], first["id"]] == [t["id"] for t in body["tasks"]]
        assert 2 == body["pagination"]["total"]
        assert [second["id"], first["id"]] == ids(client, bob, "/api/tasks")
        assert [second["id"]] == ids(client, bob, "/api/tasks?status=completed")
        assert [first["id"]] == ids(client, bob, "/api/tasks?per_page=1&page=2")

    def test_only_me(self, client: TestClient, team: dict[str, Account]) -> None:
        """Another assignee is refused here."""
        response = client.get(f"/api/tasks?assignee={team['bob'][0]}", headers=team["alice"][1])
        assert 400 == response.status_code

    def test_needs_a_token(self, client: TestClient) -> None:
        """Without a token nothing is listed."""
        assert (401, {"error": "Token is missing"}) == error_of(client.get("/api/tasks"))


class TestWatching:
    """PUT and DELETE /api/tasks/{id}/watch."""

    def test_watch_and_unwatch(
        self, client: TestClient, team: dict[str, Account], project: int
    ) -> None:
        """Any member, viewers included, watches and stops watching; both are idempotent."""
        carol_id, carol = team["carol"]
        task = add(client, team["alice"][1], project)
        url = f"/api/tasks/{task['id']}/watch"
        watching = client.put(url, headers=carol)
        again = client.put(url, headers=carol)
        stopped = client.delete(url, headers=carol)
        assert [
            (200, "You are now watching this task", [carol_id], f'"{task["id"]}-2"'),
            (200, "You are now watching this task", [carol_id], f'"{task["id"]}-2"'),
            (200, "You are no longer watching this task", [], f'"{task["id"]}-3"'),
        ] == [
            (r.status_code, r.json()["message"], r.json()["task"]["watchers"], r.headers["etag"])
            for r in (watching, again, stopped)
        ]

    def test_outsiders_cannot_watch(
        self, client: TestClient, team: dict[str, Account], project: int, admin: AccountFactory
    ) -> None:
        """A non-member gets 404; an administrator outside the project cannot watch."""
        task = add(client, team["alice"][1], project)
        url = f"/api/tasks/{task['id']}/watch"
        assert [
            (404, {"error": "Task not found"}),
            (400, {"error": "Watchers must be members of the project"}),
        ] == [
            error_of(client.put(url, headers=team["dave"][1])),
            error_of(client.put(url, headers=admin()[1])),
        ]


class TestVerifyAccess:
    """POST /api/tasks/{id}/verify (P11), now for administrators only."""

    def test_needs_an_admin(
        self, client: TestClient, team: dict[str, Account], project: int
    ) -> None:
        """Anonymous callers get 401 and ordinary users 403 (the original was public)."""
        task = add(client, team["alice"][1], project)
        body = {"task_id": task["id"], "user_id": team["alice"][0]}
        url = f"/api/tasks/{task['id']}/verify"
        assert [
            (401, {"error": "Token is missing"}),
            (403, {"error": "Admin privileges required"}),
        ] == [
            error_of(client.post(url, json=body)),
            error_of(client.post(url, headers=team["alice"][1], json=body)),
        ]

    def test_answers(
        self, client: TestClient, team: dict[str, Account], project: int, admin: AccountFactory
    ) -> None:
        """Members have access and get the task; others, unknown ids, and inactive users do not."""
        _, root = admin()
        task = add(client, team["alice"][1], project)
        client.put(f"/api/admin/users/{team['bob'][0]}", headers=root, json={"is_active": False})

        def verify(task_id: int, user_id: int) -> Any:
            response = client.post(
                "/api/tasks/4242/verify",
                headers=root,
                json={"task_id": task_id, "user_id": user_id},
            )
            assert 200 == response.status_code
            return response.json()

        denied = {"has_access": False, "task": None}
        assert [{"has_access": True, "task": task}, denied, denied, denied, denied] == [
            verify(task["id"], team["carol"][0]),
            verify(task["id"], team["dave"][0]),
            verify(task["id"], team["bob"][0]),
            verify(4242, team["alice"][0]),
            verify(task["id"], 4242),
        ]

    @pytest.mark.parametrize(
        "body",
        [
            {},
            {"task_id": 1},
            {"user_id": 1},
            {"task_id": 0, "user_id": 1},
            {"task_id": None, "user_id": 1},
        ],
    )
    def test_both_ids_required(
        self, client: TestClient, admin: AccountFactory, body: dict[str, Any]
    ) -> None:
        """A missing or zero id is ``task_id and user_id required``."""
        response = client.post("/api/tasks/1/verify", headers=admin()[1], json=body)
        assert (400, {"error": "task_id and user_id required"}) == error_of(response)

    @pytest.mark.parametrize(
        ("body", "error"),
        [
            ({"task_id": "1", "user_id": 1}, "task_id must be an integer"),
            ({"task_id": 1, "user_id": 2**40}, "user_id must be a valid id"),
        ],
    )
    def test_wrong_types(
        self, client: TestClient, admin: AccountFactory, body: dict[str, Any], error: str
    ) -> None:
        """Ids must be JSON integers a table can hold."""
        response = client.post("/api/tasks/1/verify", headers=admin()[1], json=body)
        assert (400, {"error": error}) == error_of(response)


class TestTaskPreconditions:
    """ETag and If-Match on tasks."""

    def test_stale_if_match_is_412_and_changes_nothing(
        self, client: TestClient, team: dict[str, Account], project: int
    ) -> None:
        """An update or delete with an outdated ETag changes nothing."""
        alice = team["alice"][1]
        task = add(client, alice, project)
        stale = f'"{task["id"]}-1"'
        current = change(client, alice, task["id"], title="B")
        url = f"/api/tasks/{task['id']}"
        put = client.put(url, headers={**alice, "If-Match": stale}, json={"title": "C"})
        delete = client.delete(url, headers={**alice, "If-Match": stale})
        assert [(412, STALE), (412, STALE)] == [error_of(put), error_of(delete)]
        assert current == read(client, alice, task["id"])

    def test_matching_if_match(
        self, client: TestClient, team: dict[str, Account], project: int
    ) -> None:
        """The current ETag lets an update and then a delete through."""
        alice = team["alice"][1]
        task = add(client, alice, project)
        url = f"/api/tasks/{task['id']}"
        put = client.put(
            url, headers={**alice, "If-Match": f'"{task["id"]}-1"'}, json={"title": "C"}
        )
        delete = client.delete(url, headers={**alice, "If-Match": put.headers["etag"]})
        assert [200, 200] == [put.status_code, delete.status_code]

    def test_malformed_if_match(
        self, client: TestClient, team: dict[str, Account], project: int
    ) -> None:
        """An If-Match that names no version of this task is 412."""
        alice = team["alice"][1]
        task = add(client, alice, project)
        response = client.put(
            f"/api/tasks/{task['id']}", headers={**alice, "If-Match": "v1"}, json={"title": "C"}
        )
        assert (412, {"error": "If-Match does not match the current version"}) == error_of(response)

    def test_concurrent_updates_with_one_etag(
        self, client: TestClient, team: dict[str, Account], project: int
    ) -> None:
        """Fifty simultaneous updates with the same If-Match: exactly one wins."""
        alice = team["alice"][1]
        task = add(client, alice, project)
        tag = f'"{task["id"]}-1"'

        def attempt(n: int) -> tuple[int, Any]:
            response = client.put(
                f"/api/tasks/{task['id']}",
                headers={**alice, "If-Match": tag},
                json={"title": f"writer {n}"},
            )
            return response.status_code, response.json()

        with ThreadPoolExecutor(max_workers=50) as pool:
            results = list(pool.map(attempt, range(50)))
        statuses = sorted(status for status, _ in results)
        assert [200] + [412] * 49 == statuses
        assert [STALE] * 49 == [body for status, body in results if status == 412]
        winner = next(body["task"] for status, body in results if status == 200)
        final = read(client, alice, task["id"])
        assert (2, winner["title"]) == (final["version"], final["title"])

    def test_concurrent_updates_without_etag_all_apply(
        self, client: TestClient, team: dict[str, Account], project: int
    ) -> None:
        """Simultaneous unconditional updates all succeed: the last write wins."""
        alice = team["alice"][1]
        task = add(client, alice, project)

        def attempt(n: int) -> int:
            response = client.put(
                f"/api/tasks/{task['id']}", headers=alice, json={"title": f"writer {n}"}
            )
            return response.status_code

        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(attempt, range(8)))
        assert [200] * 8 == statuses
        assert 9 == read(client, alice, task["id"])["version"]
