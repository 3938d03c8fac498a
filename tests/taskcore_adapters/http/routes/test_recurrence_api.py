"""Recurring tasks and the time zone over HTTP, on the selected SQL backend."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from starlette.testclient import TestClient

from taskcore_adapters.bootstrap import Runtime
from taskcore_adapters.sql.tables import activity_logs

Account = tuple[int, dict[str, str]]


def test_weekly_task_completes_into_the_next(
    client: TestClient, runtime: Runtime, account: Callable[..., Account]
) -> None:
    """A weekly task in Paris time, completed, is followed by the next one at the same
    local time after the clocks change; bad rules and zones are a 400 naming them;
    re-completing creates nothing; every write is in the activity log."""
    _, alice = account("alice")
    assert {"timezone": "UTC"} == client.get("/api/users/me/timezone", headers=alice).json()
    bad_zone = client.put("/api/users/me/timezone", headers=alice, json={"timezone": "Mars/Base"})
    assert 400 == bad_zone.status_code
    assert "Mars/Base" in bad_zone.json()["error"]
    zone = client.put("/api/users/me/timezone", headers=alice, json={"timezone": "Europe/Paris"})
    assert "Europe/Paris" == zone.json()["timezone"]

    project_id = client.post("/api/projects", headers=alice, json={"name": "Apollo"}).json()[
        "project"
    ]["id"]
    created = client.post(
        f"/api/projects/{project_id}/tasks",
        headers=alice,
        # Monday 23 March 2026, 09:00 in Paris (CET, UTC+1).
        json={"title": "Weekly review", "due_date": "2026-03-23T08:00:00Z", "labels": ["ops"]},
    )
    task_id = created.json()["task"]["id"]
    url = f"/api/tasks/{task_id}/recurrence"
    assert {"recurrence": None} == client.get(url, headers=alice).json()

    invalid = client.put(url, headers=alice, json={"rule": "FREQ=WEEKLY;BYDAY=MO,XX"})
    assert 400 == invalid.status_code
    assert "BYDAY" in invalid.json()["error"]
    too_often = client.put(url, headers=alice, json={"rule": "FREQ=MINUTELY"})
    assert 400 == too_often.status_code

    made = client.put(url, headers=alice, json={"rule": "FREQ=WEEKLY;BYDAY=MO"})
    assert 200 == made.status_code, made.text
    recurrence = made.json()["recurrence"]
    assert ("FREQ=WEEKLY;BYDAY=MO", "due_date", "Europe/Paris") == (
        recurrence["rule"],
        recurrence["mode"],
        recurrence["timezone"],
    )
    # After the change to summer time (29 March): 09:00 in Paris is 07:00 UTC.
    assert "2026-03-30T07:00:00" == recurrence["next_due_date"]
    stale = client.put(url, headers={**alice, "If-Match": '"1-99"'}, json={"rule": "FREQ=WEEKLY"})
    assert 412 == stale.status_code

    done = client.put(f"/api/tasks/{task_id}", headers=alice, json={"status": "completed"})
    assert 200 == done.status_code, done.text
    after = client.get(url, headers=alice).json()["recurrence"]
    next_id = after["next_task_id"]
    assert next_id is not None
    following = client.get(f"/api/tasks/{next_id}", headers=alice).json()["task"]
    assert ("Weekly review", "pending", ["ops"], "2026-03-30T07:00:00") == (
        following["title"],
        following["status"],
        following["labels"],
        following["due_date"],
    )
    client.put(f"/api/tasks/{task_id}", headers=alice, json={"status": "pending"})
    client.put(f"/api/tasks/{task_id}", headers=alice, json={"status": "completed"})
    tasks = client.get(f"/api/projects/{project_id}/tasks", headers=alice).json()["tasks"]
    assert 2 == len(tasks)

    skipped = client.post(f"/api/tasks/{next_id}/recurrence/skip", headers=alice)
    assert 200 == skipped.status_code, skipped.text
    moved = client.get(f"/api/tasks/{next_id}", headers=alice).json()["task"]
    assert "2026-04-06T07:00:00" == moved["due_date"]
    assert 200 == client.delete(f"/api/tasks/{next_id}/recurrence", headers=alice).status_code
    assert 404 == client.delete(f"/api/tasks/{next_id}/recurrence", headers=alice).status_code

    assert runtime.engine is not None
    with runtime.engine.connect() as conn:
        actions = {row.action for row in conn.execute(select(activity_logs.c.action)).all()}
    assert {
        "change_timezone",
        "set_recurrence",
        "create_occurrence",
        "skip_occurrence",
        "clear_recurrence",
    } <= actions


def test_reminders(client: TestClient, runtime: Runtime, account: Callable[..., Account]) -> None:
    """Reminders are added (absolute or relative), listed by when they go out, refused
    with a 400 naming the field, sent once by the job, and deleted."""
    _, alice = account("alice")
    alice_id = client.get("/api/users/me", headers=alice).json()["user"]["id"]
    project_id = client.post("/api/projects", headers=alice, json={"name": "Apollo"}).json()[
        "project"
    ]["id"]
    task_id = client.post(
        f"/api/projects/{project_id}/tasks",
        headers=alice,
        json={"title": "Ship", "due_date": "2020-01-02T10:00:00Z", "assignee_id": alice_id},
    ).json()["task"]["id"]
    url = f"/api/tasks/{task_id}/reminders"
    relative = client.post(url, headers=alice, json={"before_minutes": 60})
    assert 201 == relative.status_code, relative.text
    assert "2020-01-02T09:00:00" == relative.json()["reminder"]["fire_at"]
    absolute = client.post(url, headers=alice, json={"remind_at": "2020-01-01T08:00:00Z"})
    assert 201 == absolute.status_code
    for body, field in (({}, "remind_at"), ({"before_minutes": "5"}, "before_minutes")):
        refused = client.post(url, headers=alice, json=body)
        assert 400 == refused.status_code
        assert field in refused.json()["error"]
    listed = client.get(url, headers=alice).json()["reminders"]
    assert [absolute.json()["reminder"]["id"], relative.json()["reminder"]["id"]] == [
        r["id"] for r in listed
    ]
    assert 2 == runtime.core.time.send_due_reminders()
    assert 0 == runtime.core.time.send_due_reminders()
    sent = client.get(url, headers=alice).json()["reminders"]
    assert all(r["sent_at"] is not None for r in sent)
    off = {"digest": {"enabled": False, "hour": None, "last_sent_on": None}}
    assert off == client.get("/api/users/me/digest", headers=alice).json()
    on = client.put("/api/users/me/digest", headers=alice, json={"enabled": True, "hour": 7})
    assert {"enabled": True, "hour": 7, "last_sent_on": None} == on.json()["digest"]
    bad = client.put("/api/users/me/digest", headers=alice, json={"enabled": True, "hour": 25})
    assert 400 == bad.status_code
    assert "hour" in bad.json()["error"]
    reminder_id = listed[0]["id"]
    assert 200 == client.delete(f"/api/reminders/{reminder_id}", headers=alice).status_code
    assert 404 == client.delete(f"/api/reminders/{reminder_id}", headers=alice).status_code
