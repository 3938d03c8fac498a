"""The time pages in real headless Chromium against ``taskcore serve``: make a task
weekly, complete it and find the next occurrence; start and stop a timer; see the
timesheet and the calendar."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from typing import TYPE_CHECKING

import pytest
from icalendar import Calendar

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = pytest.mark.e2e

PASSWORD = "a long passphrase 2"


def test_weekly_task_and_timer(chromium: Browser, server: str) -> None:
    """Through the pages only: a weekly task completed brings the next one, due a week
    later; a timer started and stopped logs time that the timesheet shows."""
    from playwright.sync_api import expect

    browser_context = chromium.new_context(base_url=server)
    page = browser_context.new_page()
    page.goto("/register")
    page.get_by_label("Username").fill("tina")
    page.get_by_label("E-mail").fill("tina@example.com")
    page.get_by_label("Full name").fill("Tina Timer")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url("**/dashboard")

    page.goto("/projects")
    page.get_by_label("Name").fill("Routines")
    page.get_by_role("button", name="Create project").click()
    page.wait_for_url(re.compile(r".*/projects/\d+$"))
    page.get_by_text("New task with details").click()
    page.get_by_label("Title").fill("Weekly review")
    page.locator("#nt-assignee_id").select_option(label="tina")
    page.get_by_label("Due date").fill("2030-01-07")
    page.get_by_role("button", name="Add task").click()
    page.wait_for_load_state()
    page.get_by_role("link", name="Weekly review").first.click()
    page.wait_for_url(re.compile(r".*/tasks/\d+$"))
    task_url = page.url

    # Recurrence and the timer live on the task's time page.
    page.get_by_role("link", name="Timer, time entries and recurrence").click()
    page.get_by_label("Every week", exact=True).check()
    page.get_by_role("button", name="Save recurrence").click()
    expect(page.get_by_role("status")).to_have_text("The task now recurs.")
    expect(page.locator("code")).to_have_text("FREQ=WEEKLY")

    page.get_by_label("Note").first.fill("reviewing")
    page.get_by_role("button", name="Start timer").click()
    expect(page.get_by_role("status")).to_have_text("Timer started.")
    page.get_by_role("button", name="Stop timer").click()
    expect(page.get_by_role("status")).to_have_text(re.compile(r"Timer stopped: \d+ min logged"))
    expect(page.get_by_role("cell", name="reviewing")).to_be_visible()

    # Complete it through the task's edit form; the next occurrence is linked.
    page.goto(task_url)
    page.get_by_text("Edit task").click()
    page.locator("#et-status").select_option("completed")
    page.get_by_role("button", name="Save task").click()
    expect(page.get_by_role("status")).to_have_text("Task saved.")
    page.get_by_role("link", name="Timer, time entries and recurrence").click()
    page.get_by_role("link", name="Next occurrence").click()
    page.wait_for_url(re.compile(r".*/tasks/\d+$"))
    assert page.url != task_url
    expect(page.locator("dl.facts")).to_contain_text("2030-01-14")

    page.get_by_role("navigation").get_by_role("link", name="Time").click()
    expect(page.get_by_role("heading", name="Timesheet")).to_be_visible()
    expect(page.get_by_role("cell", name="Routines")).to_be_visible()
    page.goto("/calendar?month=2030-01")
    expect(page.get_by_role("link", name="Weekly review")).to_have_count(2)

    # The calendar feed, fetched as a calendar client does: no cookies, then again with
    # the ETag it got.
    page.get_by_role("button", name="Create feed URL").click()
    url = page.get_by_label("Feed URL").input_value()
    with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 - loopback
        body = answer.read()
        tag = answer.headers["ETag"]
        assert answer.headers["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(body)
    summaries = [str(event["SUMMARY"]) for event in calendar.walk("VEVENT")]
    assert ["Weekly review", "Weekly review"] == summaries
    again = urllib.request.Request(url, headers={"If-None-Match": tag})  # noqa: S310
    with pytest.raises(urllib.error.HTTPError) as unchanged:
        urllib.request.urlopen(again, timeout=10)  # noqa: S310 - loopback
    assert 304 == unchanged.value.code
    unchanged.value.close()  # the error holds the response's socket
    browser_context.close()
