"""The time endpoints over HTTP (entries, timer, timesheet), on the selected SQL backend."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from taskcore.services.users import Principal
from taskcore_adapters.bootstrap import Runtime
from taskcore_adapters.sql.events import decode
from taskcore_adapters.sql.tables import activity_logs, outbox

Account = tuple[int, dict[str, str]]
Team = dict[str, Account]


@pytest.fixture
def team(account: Callable[..., Account]) -> Team:
    """The owner alice, the member bob and the viewer carol."""
    return {name: account(name) for name in ("alice", "bob", "carol")}


@pytest.fixture
def task(client: TestClient, runtime: Runtime, team: Team) -> tuple[int, int]:
    """A project of alice's (bob a member, carol a viewer) and a task in it, estimated at
    two hours: their ids."""
    alice = team["alice"][1]
    project_id: int = client.post("/api/projects", headers=alice, json={"name": "Apollo"}).json()[
        "project"
    ]["id"]
    setup = Principal(user_id=team["alice"][0], username="alice", is_admin=True)
    runtime.core.projects.add_member(setup, project_id, user_id=team["bob"][0])
    runtime.core.projects.add_member(setup, project_id, user_id=team["carol"][0], role="viewer")
    response = client.post(
        f"/api/projects/{project_id}/tasks",
        headers=alice,
        json={"title": "Launch", "estimated_hours": 2},
    )
    assert 201 == response.status_code, response.text
    return project_id, response.json()["task"]["id"]


def today() -> str:
    return dt.datetime.now(dt.UTC).date().isoformat()


def event_names(runtime: Runtime) -> list[str]:
    assert runtime.engine is not None
    with runtime.engine.connect() as conn:
        rows = conn.execute(select(outbox.c.name, outbox.c.payload).order_by(outbox.c.id)).all()
    return [decode(row.name, row.payload).name for row in rows]


class TestEntries:
    def test_log_read_edit_delete(
        self, client: TestClient, runtime: Runtime, team: Team, task: tuple[int, int]
    ) -> None:
        """An entry goes through its whole life; the task's actual_hours follow it, and
        every write is in the outbox and the activity log."""
        _, task_id = task
        bob = team["bob"][1]
        created = client.post(
            f"/api/tasks/{task_id}/time-entries",
            headers=bob,
            json={"minutes": 90, "work_date": today(), "note": "wiring", "billable": True},
        )
        assert 201 == created.status_code, created.text
        entry = created.json()["time_entry"]
        assert (90, "bob", True, False) == (
            entry["minutes"],
            entry["username"],
            entry["billable"],
            entry["capped"],
        )
        etag = created.headers["ETag"]
        task_json = client.get(f"/api/tasks/{task_id}", headers=bob).json()["task"]
        assert 1.5 == task_json["actual_hours"]

        assert 200 == client.get(f"/api/time-entries/{entry['id']}", headers=bob).status_code
        stale = client.put(
            f"/api/time-entries/{entry['id']}",
            headers={**bob, "If-Match": '"999-9"'},
            json={"minutes": 30},
        )
        assert 412 == stale.status_code
        edited = client.put(
            f"/api/time-entries/{entry['id']}",
            headers={**bob, "If-Match": etag},
            json={"minutes": 30},
        )
        assert (200, 30) == (edited.status_code, edited.json()["time_entry"]["minutes"])
        listed = client.get(f"/api/tasks/{task_id}/time-entries", headers=team["carol"][1])
        assert [30] == [e["minutes"] for e in listed.json()["time_entries"]]
        assert 1 == listed.json()["pagination"]["total"]

        assert 200 == client.delete(f"/api/time-entries/{entry['id']}", headers=bob).status_code
        assert 404 == client.get(f"/api/time-entries/{entry['id']}", headers=bob).status_code
        names = event_names(runtime)
        for name in ("time_entry.logged", "time_entry.edited", "time_entry.deleted"):
            assert name in names
        assert runtime.engine is not None
        with runtime.engine.connect() as conn:
            logged = conn.execute(
                select(activity_logs.c.action).where(activity_logs.c.entity_type == "time_entry")
            ).all()
        assert ["log", "update", "delete"] == [row.action for row in logged]

    def test_refusals(self, client: TestClient, team: Team, task: tuple[int, int]) -> None:
        """Viewers cannot log; bad values are a 400 naming the field; direct actual_hours
        on a task with entries is a 400."""
        _, task_id = task
        url = f"/api/tasks/{task_id}/time-entries"
        viewer = client.post(
            url, headers=team["carol"][1], json={"minutes": 5, "work_date": today()}
        )
        assert 403 == viewer.status_code
        for body, field in (
            ({"minutes": 0, "work_date": today()}, "minutes"),
            ({"minutes": "5", "work_date": today()}, "minutes"),
            ({"minutes": 5, "work_date": "01/02/2026"}, "work_date"),
            ({"minutes": 5, "work_date": today(), "billable": "yes"}, "billable"),
        ):
            answer = client.post(url, headers=team["bob"][1], json=body)
            assert 400 == answer.status_code, body
            assert field in answer.json()["error"]
        client.post(url, headers=team["bob"][1], json={"minutes": 60, "work_date": today()})
        direct = client.put(
            f"/api/tasks/{task_id}", headers=team["alice"][1], json={"actual_hours": 9}
        )
        assert 400 == direct.status_code
        assert "actual_hours" in direct.json()["error"]
        bad_query = client.get("/api/time-entries?project_id=abc", headers=team["bob"][1])
        assert 400 == bad_query.status_code


class TestTimerAndTimesheet:
    def test_timer_timesheet_csv_and_summary(
        self, client: TestClient, team: Team, task: tuple[int, int]
    ) -> None:
        """A timer starts and stops into an entry; the timesheet lists it per week, in
        JSON and CSV; the project summary compares it with the estimate."""
        project_id, task_id = task
        bob = team["bob"][1]
        assert {"timer": None} == client.get("/api/timer", headers=bob).json()
        assert 409 == client.post("/api/timer/stop", headers=bob).status_code
        started = client.post(f"/api/tasks/{task_id}/timer", headers=bob, json={"note": "n"})
        assert 201 == started.status_code, started.text
        assert (task_id, None) == (
            started.json()["timer"]["task_id"],
            started.json()["stopped_entry"],
        )
        again = client.post(f"/api/tasks/{task_id}/timer", headers=bob)
        assert 201 == again.status_code
        assert 1 == again.json()["stopped_entry"]["minutes"]
        stopped = client.post("/api/timer/stop", headers=bob)
        assert 200 == stopped.status_code
        assert "n" != stopped.json()["time_entry"]["note"]
        client.post(
            f"/api/tasks/{task_id}/time-entries",
            headers=team["alice"][1],
            json={"minutes": 120, "work_date": today(), "billable": True},
        )

        sheet = client.get(f"/api/timesheet?project_id={project_id}", headers=bob)
        assert 200 == sheet.status_code, sheet.text
        body = sheet.json()
        assert (122, 120) == (body["total_minutes"], body["billable_minutes"])
        assert {("alice", 120), ("bob", 2)} == {(r["username"], r["minutes"]) for r in body["rows"]}
        exported = client.get(f"/api/timesheet/export?project_id={project_id}", headers=bob)
        assert exported.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(exported.text)))
        assert {("alice", "120", "2.0"), ("bob", "2", "0.03")} == {
            (r["username"], r["minutes"], r["hours"]) for r in rows
        }
        assert (
            400
            == client.get("/api/timesheet?from=2020-01-01&to=2026-01-01", headers=bob).status_code
        )

        summary = client.get(f"/api/projects/{project_id}/time", headers=team["carol"][1]).json()
        assert (2.0, 2.03) == (summary["estimated_hours"], summary["spent_hours"])
        assert [-0.03] == [t["remaining_hours"] for t in summary["tasks"]]
