"""The time pages: a task's timer, entries and recurrence; my time and its timesheet;
the month calendar and the feed URL. Plain forms, no script of their own."""

from __future__ import annotations

import datetime as dt
import re

from taskcore_adapters.bootstrap import Runtime
from taskcore_adapters.web.testing import PASSWORD, Browser

SHORTCUTS = '<script src="/static/shortcuts.js" defer>'
"""The one script of every logged-in page (keyboard shortcuts); the time pages need none."""


def setup(browser: Browser, runtime: Runtime) -> int:
    """alice registered and logged in on ``browser``, with a project and a task due on
    the 15th of next month at midnight UTC; the task's id."""
    browser.register("alice")
    users = runtime.core.users
    alice = users.authenticate(users.login(username="alice", password=PASSWORD).token)
    project = runtime.core.projects.create_project(alice, name="Apollo")
    today = dt.datetime.now(dt.UTC).date()
    due = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=15)
    task = runtime.core.tasks.create_task(
        alice,
        project.id,
        title="Weekly review",
        due_date=due,
        assignee_id=alice.user_id,
    )
    return task.id


def test_timer_entries_and_recurrence(browser: Browser, runtime: Runtime) -> None:
    """Start and stop a timer, log and delete time, make the task weekly, complete it
    and follow the link to the next occurrence."""
    task_id = setup(browser, runtime)
    page = browser.get(f"/tasks/{task_id}")
    assert f"/tasks/{task_id}/time" in page.text
    page = browser.get(f"/tasks/{task_id}/time")
    assert 200 == page.status_code
    assert [SHORTCUTS] == re.findall(r"<script[^>]*>", page.text)  # nothing of its own
    assert "Start timer" in page.text

    started = browser.post(f"/tasks/{task_id}/timer", {"note": "review"})
    assert "Timer started." in started.text
    assert "Stop timer" in started.text
    stopped = browser.post("/timer/stop", {"next": f"/tasks/{task_id}/time"})
    assert "Timer stopped: 1 min logged." in stopped.text

    logged = browser.post(
        f"/tasks/{task_id}/time",
        {"minutes": "90", "work_date": dt.datetime.now(dt.UTC).date().isoformat(), "note": "notes"},
    )
    assert "Time logged." in logged.text
    refused = browser.post(f"/tasks/{task_id}/time", {"minutes": "0", "work_date": "2026-01-01"})
    assert "minutes must be from 1 to 1440" in refused.text
    entries = runtime.core.time.list_entries(
        runtime.core.users.authenticate(
            runtime.core.users.login(username="alice", password=PASSWORD).token
        ),
        task_id=task_id,
    )
    assert [90, 1] == [e.minutes for e in entries.items]
    deleted = browser.post(f"/time-entries/{entries.items[1].id}/delete")
    assert "Time entry deleted." in deleted.text

    reminded = browser.post(f"/tasks/{task_id}/reminders", {"before_minutes": "30"})
    assert "Reminder added." in reminded.text
    assert "30 min before the due date" in reminded.text
    refused_reminder = browser.post(f"/tasks/{task_id}/reminders", {"before_minutes": "-5"})
    assert "before_minutes must be" in refused_reminder.text

    bad = browser.post(f"/tasks/{task_id}/recurrence", {"preset": "custom", "rule": "FREQ=NEVER"})
    assert "FREQ" in bad.text
    weekly = browser.post(f"/tasks/{task_id}/recurrence", {"preset": "weekly", "mode": "due_date"})
    assert "The task now recurs." in weekly.text
    assert "FREQ=WEEKLY" in weekly.text

    page = browser.get(f"/tasks/{task_id}")
    due = page.text.split('name="due_date" type="date" value="')[1].split('"')[0]
    done = browser.post(
        f"/tasks/{task_id}",
        {
            "title": "Weekly review",
            "status": "completed",
            "priority": "medium",
            "due_date": due,
            # The form sends the hours it shows: the sum of the entries.
            "actual_hours": "1.5",
            "version": "",
        },
    )
    assert "Task saved." in done.text, done.text[:500]
    page = browser.get(f"/tasks/{task_id}/time")
    assert "Next occurrence" in page.text


def test_my_time_and_calendar(browser: Browser, runtime: Runtime) -> None:
    """My time shows the timesheet and exports it; the calendar shows the task on its
    day and makes a feed URL that serves it."""
    task_id = setup(browser, runtime)
    today = dt.datetime.now(dt.UTC).date().isoformat()
    browser.get(f"/tasks/{task_id}/time")
    browser.post(f"/tasks/{task_id}/time", {"minutes": "45", "work_date": today})
    page = browser.get("/time")
    assert 200 == page.status_code
    assert "Apollo" in page.text
    assert "Weekly review" in page.text
    exported = browser.get("/time/timesheet.csv")
    assert exported.headers["content-type"].startswith("text/csv")
    assert "Apollo" in exported.text
    refused = browser.get("/time?from=2026-02-01&to=2026-01-01")
    assert 400 == refused.status_code

    task = runtime.core.tasks.get_task(
        runtime.core.users.authenticate(
            runtime.core.users.login(username="alice", password=PASSWORD).token
        ),
        task_id,
    )
    assert task.due_date is not None
    month = browser.get(f"/calendar?month={task.due_date:%Y-%m}")
    assert 200 == month.status_code
    assert [SHORTCUTS] == re.findall(r"<script[^>]*>", month.text)
    assert f'href="/tasks/{task_id}"' in month.text
    made = browser.post("/calendar/feed")
    assert "Copy it now" in made.text
    url = made.text.split('id="feed-url" type="text" readonly value="')[1].split('"')[0]
    feed = browser.client.get(url.removeprefix("http://testserver"))
    assert 200 == feed.status_code
    assert b"Weekly review" in feed.content
    gone = browser.post("/calendar/feed/delete")
    assert "Calendar feed deleted." in gone.text
