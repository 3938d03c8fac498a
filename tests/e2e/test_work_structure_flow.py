"""Work structure in real headless Chromium against ``taskcore serve``: through the pages
only, a custom field is defined, a task gets a subtask, a blocker and a value of the field,
and its card on the board shows the subtask roll-up, the blocked marker and the badge."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.e2e

PASSWORD = "a long passphrase 3"


def test_subtask_blocker_and_custom_field_show_on_the_board(chromium: Browser, server: str) -> None:
    context = chromium.new_context(base_url=server)
    try:
        _flow(context.new_page())
    finally:
        context.close()  # ends the board's live stream, so the server stops at once


def _flow(page: Page) -> None:
    from playwright.sync_api import expect

    page.goto("/register")
    page.get_by_label("Username").fill("wanda")
    page.get_by_label("E-mail").fill("wanda@example.com")
    page.get_by_label("Full name").fill("Wanda Work")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url("**/dashboard")
    page.goto("/projects")
    page.get_by_label("Name").fill("Structure")
    page.get_by_role("button", name="Create project").click()
    page.wait_for_url(re.compile(r".*/projects/\d+$"))
    board_url = page.url
    for title in ("Launch", "Permit"):
        page.get_by_label("New task in pending").fill(title)
        page.get_by_role("button", name="Add to pending").click()
        page.locator(".task-title", has_text=title).wait_for()
    blocker_id = page.locator(".task-card", has_text="Permit").get_attribute("data-task-id")
    assert blocker_id is not None

    # A project owner defines a number field on the settings page.
    page.get_by_role("link", name="Custom fields").click()
    page.get_by_label("Key", exact=True).fill("points")
    page.get_by_label("Label", exact=True).fill("Story points")
    page.get_by_label("Type", exact=True).select_option("number")
    page.get_by_role("button", name="Add field").click()
    expect(page.get_by_role("status")).to_have_text("Custom field added.")

    # The task page: a subtask, a blocker, then the field's value in its Custom fields section.
    page.goto(board_url)
    page.get_by_role("link", name="Launch").click()
    page.wait_for_url(re.compile(r".*/tasks/\d+$"))
    task_url = page.url
    page.get_by_label("New subtask").fill("Book the venue")
    page.get_by_role("button", name="Add subtask").click()
    expect(page.get_by_role("status")).to_have_text("Subtask added.")
    page.get_by_label("This task").select_option("blocked_by")
    page.get_by_label("task id").fill(blocker_id)
    page.get_by_role("button", name="Add relation").click()
    expect(page.get_by_role("status")).to_have_text("Relation added.")
    expect(page.locator("#relations li").first).to_contain_text("blocked by Permit")
    page.get_by_label("Story points").fill("5")
    page.get_by_role("button", name="Save custom fields").click()
    page.wait_for_url(task_url)
    expect(page.get_by_role("status")).to_have_text("Custom fields saved.")

    page.goto(board_url)
    card = page.locator(".task-card", has_text="Launch")
    expect(card.locator(".badge.blocked")).to_have_text("blocked")
    expect(card.locator(".card-meta")).to_contain_text("0/1 subtasks")
    expect(card.locator(".label.cf")).to_have_text(re.compile(r"^points: 5(\.0)?$"))
    subtask = page.locator(".task-card", has_text="Book the venue")
    expect(subtask.locator(".badge.blocked")).to_have_count(0)
    expect(page.locator(".task-card", has_text="Permit").locator(".label.cf")).to_have_count(0)
