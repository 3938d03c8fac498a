"""The teams endpoints over HTTP, on the selected SQL backend: teams and their members,
teams' roles in projects, and the access those roles give."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from starlette.testclient import TestClient

Account = tuple[int, dict[str, str]]
AccountFactory = Callable[..., Account]


def _ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert status == response.status_code, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture
def people(account: AccountFactory) -> dict[str, Account]:
    return {name: account(name) for name in ("alice", "bob", "carol")}


@pytest.fixture
def setup(client: TestClient, people: dict[str, Account]) -> dict[str, int]:
    """alice owns Apollo (with one task) and admins team Core, whose member is bob."""
    alice = people["alice"][1]
    project = _ok(client.post("/api/projects", headers=alice, json={"name": "Apollo"}), 201)
    pid = project["project"]["id"]
    task = _ok(
        client.post(f"/api/projects/{pid}/tasks", headers=alice, json={"title": "Plan"}), 201
    )
    team = _ok(client.post("/api/teams", headers=alice, json={"name": "Core"}), 201)["team"]
    assert (team["role"], team["member_count"]) == ("admin", 1)
    added = client.post(f"/api/teams/{team['id']}/members", headers=alice, json={"username": "bob"})
    assert _ok(added, 201)["member"]["role"] == "member"
    return {"project": pid, "task": task["task"]["id"], "team": team["id"]}


def _grant(client: TestClient, headers: dict[str, str], ids: dict[str, int], role: str) -> Any:
    return client.post(
        f"/api/projects/{ids['project']}/teams",
        headers=headers,
        json={"team_id": ids["team"], "role": role},
    )


class TestTeams:
    def test_list_get_update_delete(
        self, client: TestClient, people: dict[str, Account], setup: dict[str, int]
    ) -> None:
        alice, bob, carol = (people[n][1] for n in ("alice", "bob", "carol"))
        team = f"/api/teams/{setup['team']}"
        listed = _ok(client.get("/api/teams", headers=bob))
        assert [t["name"] for t in listed["teams"]] == ["Core"]
        assert listed["pagination"]["total"] == 1
        assert _ok(client.get("/api/teams", headers=carol))["teams"] == []
        assert client.get(team, headers=carol).status_code == 404
        assert client.get("/api/teams/9999", headers=alice).status_code == 404
        assert client.put(team, headers=bob, json={"name": "Mine"}).status_code == 403
        renamed = _ok(client.put(team, headers=alice, json={"description": "devs"}))
        assert (renamed["team"]["name"], renamed["team"]["description"]) == ("Core", "devs")
        members = _ok(client.get(f"{team}/members?per_page=1", headers=bob))
        assert [m["username"] for m in members["members"]] == ["alice"]
        assert members["pagination"] == {"page": 1, "pages": 2, "per_page": 1, "total": 2}
        assert client.delete(team, headers=bob).status_code == 403
        _ok(client.delete(team, headers=alice))
        assert client.get(team, headers=alice).status_code == 404

    def test_bad_input_names_the_field(
        self, client: TestClient, people: dict[str, Account], setup: dict[str, int]
    ) -> None:
        alice = people["alice"][1]
        cases = [
            ("/api/teams", {"name": ""}, "name"),
            ("/api/teams", {"name": 5}, "name"),
            ("/api/teams", {"name": "x", "colour": "red"}, "colour"),
            (f"/api/teams/{setup['team']}/members", {"role": "member"}, "username"),
            (f"/api/teams/{setup['team']}/members", {"username": "carol", "role": "boss"}, "role"),
            (f"/api/projects/{setup['project']}/teams", {"role": "member"}, "team_id"),
            (f"/api/projects/{setup['project']}/teams", {"team_id": "x"}, "team_id"),
        ]
        for path, body, field in cases:
            response = client.post(path, headers=alice, json=body)
            assert response.status_code == 400, (path, body, response.text)
            assert field in response.text, (path, body, response.text)
        duplicate = client.post("/api/teams", headers=alice, json={"name": "core"})
        assert duplicate.status_code == 409

    def test_last_admin_stays(
        self, client: TestClient, people: dict[str, Account], setup: dict[str, int]
    ) -> None:
        alice_id, alice = people["alice"]
        path = f"/api/teams/{setup['team']}/members/{alice_id}"
        assert client.delete(path, headers=alice).status_code == 409
        assert client.put(path, headers=alice, json={"role": "member"}).status_code == 409


class TestProjectTeams:
    def test_grant_gives_access_and_removal_ends_it_at_once(
        self, client: TestClient, people: dict[str, Account], setup: dict[str, int]
    ) -> None:
        alice, bob = people["alice"][1], people["bob"][1]
        bob_id = people["bob"][0]
        task = f"/api/tasks/{setup['task']}"
        assert client.get(task, headers=bob).status_code == 404
        granted = _ok(_grant(client, alice, setup, "viewer"), 201)["team"]
        assert (granted["team_name"], granted["role"], granted["member_count"]) == (
            "Core",
            "viewer",
            2,
        )
        assert _ok(client.get(task, headers=bob))["task"]["title"] == "Plan"
        projects = _ok(client.get("/api/projects", headers=bob))["projects"]
        assert [(p["id"], p["role"]) for p in projects] == [(setup["project"], "viewer")]
        assigned = client.put(task, headers=alice, json={"assignee_id": people["bob"][0]})
        assert assigned.status_code == 200, assigned.text
        found = _ok(client.get("/api/tasks?search=plan", headers=bob))
        assert [t["id"] for t in found["tasks"]] == [setup["task"]]
        teams = _ok(client.get(f"/api/projects/{setup['project']}/teams", headers=bob))
        assert [t["team_id"] for t in teams["teams"]] == [setup["team"]]
        client.delete(f"/api/teams/{setup['team']}/members/{bob_id}", headers=alice)
        assert client.get(task, headers=bob).status_code == 404
        assert _ok(client.get("/api/projects", headers=bob))["projects"] == []

    def test_highest_role_wins(
        self, client: TestClient, people: dict[str, Account], setup: dict[str, int]
    ) -> None:
        alice, bob = people["alice"][1], people["bob"][1]
        _ok(_grant(client, alice, setup, "viewer"), 201)
        tasks = f"/api/projects/{setup['project']}/tasks"
        assert client.post(tasks, headers=bob, json={"title": "x"}).status_code == 403
        grant = f"/api/projects/{setup['project']}/teams/{setup['team']}"
        _ok(client.put(grant, headers=alice, json={"role": "member"}))
        assert client.post(tasks, headers=bob, json={"title": "x"}).status_code == 201
        project = _ok(client.get(f"/api/projects/{setup['project']}", headers=bob))
        assert project["project"]["role"] == "member"
        _ok(client.delete(grant, headers=alice))
        assert client.post(tasks, headers=bob, json={"title": "y"}).status_code == 404

    def test_refusals(
        self, client: TestClient, people: dict[str, Account], setup: dict[str, int]
    ) -> None:
        alice, bob, carol = (people[n][1] for n in ("alice", "bob", "carol"))
        _ok(_grant(client, alice, setup, "member"), 201)
        grant = f"/api/projects/{setup['project']}/teams/{setup['team']}"
        # bob works in the project through the team but does not own it.
        assert client.put(grant, headers=bob, json={"role": "owner"}).status_code == 403
        assert client.delete(grant, headers=bob).status_code == 403
        assert _grant(client, alice, setup, "viewer").status_code == 409
        # carol sees neither the project nor the team.
        assert (
            client.get(f"/api/projects/{setup['project']}/teams", headers=carol).status_code == 404
        )
        other = _ok(client.post("/api/teams", headers=carol, json={"name": "Ops"}), 201)["team"]
        unknown = client.post(
            f"/api/projects/{setup['project']}/teams", headers=alice, json={"team_id": other["id"]}
        )
        assert unknown.status_code == 404
        missing = client.post(
            f"/api/projects/{setup['project']}/teams", headers=alice, json={"team_id": 9999}
        )
        assert missing.status_code == 404
        gone = f"/api/projects/{setup['project']}/teams/9999"
        assert client.put(gone, headers=alice, json={"role": "member"}).status_code == 404
        assert client.put(grant, headers=alice, json={"colour": "red"}).status_code == 400
