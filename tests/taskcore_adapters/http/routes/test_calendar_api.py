"""The calendar feed over HTTP: the secret URL's life, and the iCalendar document as a
calendar client reads it (parsed back with ``icalendar``), on the selected SQL backend."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from icalendar import Calendar
from starlette.testclient import TestClient

Account = tuple[int, dict[str, str]]

REQUIRED_CALENDAR = ("PRODID", "VERSION")
"""RFC 5545 3.6: a VCALENDAR must have these."""
REQUIRED_EVENT = ("UID", "DTSTAMP", "DTSTART")
"""RFC 5545 3.6.1: a VEVENT must have UID and DTSTAMP, and DTSTART without a METHOD-less
calendar (we always give one)."""


def test_feed_life_and_document(client: TestClient, account: Callable[..., Account]) -> None:
    """Create, fetch (with ETag and If-None-Match), change, regenerate, delete."""
    alice_id, alice = account("alice")
    project = client.post("/api/projects", headers=alice, json={"name": "Apollo"}).json()
    project_id = project["project"]["id"]
    tomorrow = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).date()
    timed = client.post(
        f"/api/projects/{project_id}/tasks",
        headers=alice,
        json={
            "title": "Timed",
            "assignee_id": alice_id,
            "due_date": f"{tomorrow.isoformat()}T14:30:00Z",
        },
    ).json()["task"]
    all_day = client.post(
        f"/api/projects/{project_id}/tasks",
        headers=alice,
        json={"title": "All day", "due_date": tomorrow.isoformat(), "watchers": [alice_id]},
    ).json()["task"]
    client.post(f"/api/projects/{project_id}/tasks", headers=alice, json={"title": "Undated"})

    assert {"feed": None} == client.get("/api/users/me/calendar-feed", headers=alice).json()
    created = client.post("/api/users/me/calendar-feed", headers=alice)
    assert 201 == created.status_code, created.text
    feed = created.json()["feed"]
    assert feed["url"].endswith(f"/api/calendar/{feed['secret']}")
    listed = client.get("/api/users/me/calendar-feed", headers=alice).json()["feed"]
    assert "secret" not in listed
    path = f"/api/calendar/{feed['secret']}"

    # A calendar client: no credentials, the secret URL only.
    first = client.get(path)
    assert 200 == first.status_code, first.text
    assert first.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(first.content)
    for name in REQUIRED_CALENDAR:
        assert name in calendar
    assert "2.0" == str(calendar["VERSION"])
    events = {str(e["SUMMARY"]): e for e in calendar.walk("VEVENT")}
    assert {"Timed", "All day"} == set(events)
    for event in events.values():
        for name in REQUIRED_EVENT:
            assert name in event
    assert dt.datetime(tomorrow.year, tomorrow.month, tomorrow.day, 14, 30, tzinfo=dt.UTC) == (
        events["Timed"].decoded("DTSTART")
    )
    assert tomorrow == events["All day"].decoded("DTSTART")
    assert str(events["Timed"]["URL"]).endswith(f"/tasks/{timed['id']}")
    assert f"task-{all_day['id']}@taskcore" == str(events["All day"]["UID"])

    tag = first.headers["ETag"]
    again = client.get(path, headers={"If-None-Match": tag})
    assert (304, tag) == (again.status_code, again.headers["ETag"])
    client.put(f"/api/tasks/{timed['id']}", headers=alice, json={"title": "Renamed"})
    changed = client.get(path, headers={"If-None-Match": tag})
    assert 200 == changed.status_code
    assert b"Renamed" in changed.content

    regenerated = client.post("/api/users/me/calendar-feed", headers=alice).json()["feed"]
    assert regenerated["regenerated"]
    assert 404 == client.get(path).status_code
    assert 200 == client.delete("/api/users/me/calendar-feed", headers=alice).status_code
    assert 404 == client.get(f"/api/calendar/{regenerated['secret']}").status_code
    assert 404 == client.delete("/api/users/me/calendar-feed", headers=alice).status_code
