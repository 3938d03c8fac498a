"""Importing other trackers' exports over HTTP: a Jira issue CSV and a Trello board JSON,
realistic files made for these tests (tests/fixtures/imports/, shapes described in
docs/import-export.md), on the selected SQL backend."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

Account = tuple[int, dict[str, str]]
FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "imports"


def ok(response: Any, status: int) -> dict[str, Any]:
    assert status == response.status_code, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture
def team(client: TestClient, account: Callable[..., Account]) -> tuple[Account, Account, int]:
    """Alice owns a project Bob is a member of."""
    alice, bob = account("alice"), account("bob")
    project_id = ok(client.post("/api/projects", json={"name": "Moving"}, headers=alice[1]), 201)[
        "project"
    ]["id"]
    invited = ok(
        client.post(
            f"/api/projects/{project_id}/members",
            json={"user_id": bob[0], "role": "member"},
            headers=alice[1],
        ),
        202,
    )
    ok(client.post(f"/api/invitations/{invited['invitation']['id']}/accept", headers=bob[1]), 200)
    return alice, bob, project_id


def send(client: TestClient, who: Account, project_id: int, name: str, **fields: str) -> Any:
    return client.post(
        f"/api/projects/{project_id}/imports",
        files={"file": (name, (FIXTURES / name).read_bytes(), "application/octet-stream")},
        data=fields,
        headers=who[1],
    )


def run_to_end(
    client: TestClient, who: Account, project_id: int, name: str, fmt: str
) -> dict[str, Any]:
    run_id = ok(send(client, who, project_id, name, format=fmt), 202)["import_run"]["id"]
    deadline = time.monotonic() + 30
    while True:
        run: dict[str, Any] = ok(client.get(f"/api/imports/{run_id}", headers=who[1]), 200)[
            "import_run"
        ]
        if run["status"] in ("done", "failed") or time.monotonic() > deadline:
            return run
        time.sleep(0.02)


def tasks(client: TestClient, who: Account, project_id: int) -> dict[str, dict[str, Any]]:
    found = ok(
        client.get(f"/api/projects/{project_id}/tasks", params={"per_page": 100}, headers=who[1]),
        200,
    )["tasks"]
    return {t["title"]: t for t in found}


class TestJira:
    def test_dry_run_reports_what_cannot_map(
        self, client: TestClient, team: tuple[Account, Account, int]
    ) -> None:
        """Jira's statuses, priorities, repeated label and watcher columns, dates and
        estimates map; a workflow status we lack, a person who is not a member and a date
        that is none are problems on their lines (a multi-line description counted)."""
        alice, bob, project_id = team
        preview = ok(
            send(client, alice, project_id, "jira_issues.csv", format="jira", dry_run="true"), 200
        )
        assert (5, 3, 2) == (preview["total"], preview["valid"], preview["invalid"])
        problems = {(p["line"], p["field"]): p["reason"] for p in preview["problems"]}
        assert {(6, "status"), (6, "assignees"), (7, "due_date")} == set(problems)
        assert "In Review" in problems[(6, "status")]
        kitchen, glasses, van = preview["sample"]
        assert ("10001", "pending", "high", [bob[0]], ["fragile", "kitchen"], 4.0) == (
            kitchen["external_id"],
            kitchen["status"],
            kitchen["priority"],
            kitchen["assignee_ids"],
            kitchen["labels"],
            kitchen["estimated_hours"],
        )
        assert sorted([alice[0], bob[0]]) == sorted(kitchen["watchers"])
        assert ("10001", "in_progress") == (glasses["parent"], glasses["status"])
        assert ("completed", "critical", 0.5) == (
            van["status"],
            van["priority"],
            van["estimated_hours"],
        )
        assert "Sprint" in preview["unmapped_columns"]

    def test_run_makes_tasks_and_subtasks(
        self, client: TestClient, team: tuple[Account, Account, int]
    ) -> None:
        """The run creates the good issues, the sub-task under its parent, and skips the
        others with their problems; running it again updates them."""
        alice, _, project_id = team
        run = run_to_end(client, alice, project_id, "jira_issues.csv", "jira")
        assert ("done", 3, 2) == (run["status"], run["created"], run["skipped"])
        made = tasks(client, alice, project_id)
        assert made["Pack the kitchen"]["id"] == made["Wrap the glasses"]["parent_id"]
        again = run_to_end(client, alice, project_id, "jira_issues.csv", "jira")
        assert (0, 3) == (again["created"], again["updated"])
        assert 3 == len(tasks(client, alice, project_id))


class TestTrello:
    def test_board_cards_by_list(
        self, client: TestClient, team: tuple[Account, Account, int]
    ) -> None:
        """Open cards become tasks with their list as status, members by username and
        labels by name (or colour); a list that is no status and a member of the board who
        is not one of the project are problems; archived cards stay out."""
        alice, bob, project_id = team
        preview = ok(
            send(client, alice, project_id, "trello_board.json", format="trello", dry_run="true"),
            200,
        )
        assert (5, 3, 2) == (preview["total"], preview["valid"], preview["invalid"])
        reasons = " ".join(p["reason"] for p in preview["problems"])
        assert "Ideas" in reasons
        assert "carol_trello" in reasons
        run = run_to_end(client, alice, project_id, "trello_board.json", "trello")
        assert (3, 2) == (run["created"], run["skipped"])
        made = tasks(client, alice, project_id)
        books = made["Pack the books"]
        assert ("pending", [bob[0]], ["fragile"]) == (
            books["status"],
            books["assignee_ids"],
            books["labels"],
        )
        assert ["blue"] == made["Measure the new living room"]["labels"]
        assert "completed" == made["Register at the town hall"]["status"]
