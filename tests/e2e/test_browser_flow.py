"""A person's way through the pages, in real headless Chromium against ``taskcore
serve``: register, log in, create a project, invite a member who accepts, create and move a task,
comment, upload and download a file, see the notification, log out; and a forged form.

The tests also leave screenshots of every page, light and dark, in docs/screenshots/.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Callable

    from playwright.sync_api import Browser, BrowserContext, Locator, Page

    Shoot = Callable[[Page, str], None]

pytestmark = pytest.mark.e2e

PASSWORD = "a long passphrase 1"
PHONE = {"width": 390, "height": 844}


def context(browser: Browser, base: str, **options: object) -> BrowserContext:
    """A fresh browser context (its own cookies) on ``base``."""
    return browser.new_context(base_url=base, accept_downloads=True, **options)  # type: ignore[arg-type]


def register(page: Page, username: str, full_name: str) -> None:
    """Fill in and send the register form."""
    page.goto("/register")
    page.get_by_label("Username").fill(username)
    page.get_by_label("E-mail").fill(f"{username}@example.com")
    page.get_by_label("Full name").fill(full_name)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url("**/dashboard")


def login(page: Page, username: str, password: str = PASSWORD) -> None:
    """Fill in and send the login form."""
    page.goto("/login")
    page.get_by_label("Username or e-mail").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/dashboard")


def logout(page: Page) -> None:
    """Press the log-out button."""
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/login")


def drag(page: Page, source: Locator, target: Locator) -> None:
    """Drag ``source`` by its corner onto the middle of ``target`` with the mouse, in
    small steps as a hand would (HTML drag and drop needs the intermediate moves)."""
    start = source.bounding_box()
    end = target.bounding_box()
    assert start is not None
    assert end is not None
    page.mouse.move(start["x"] + 3, start["y"] + 3)
    page.mouse.down()
    page.mouse.move(start["x"] + 20, start["y"] + 20, steps=5)
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + end["height"] / 2, steps=10)
    page.mouse.up()


def column_titles(page: Page, status: str) -> list[str]:
    """The card titles of one board column, top to bottom."""
    return page.locator(f'.column[data-status="{status}"] .task-title').all_inner_texts()


def test_the_whole_way_through(
    chromium: Browser, server: str, shoot: Shoot, tmp_path: Path
) -> None:
    """Two people collaborate on a project through the pages only (and every page is
    photographed on the way)."""
    from playwright.sync_api import expect

    bob_context = context(chromium, server)
    bob = bob_context.new_page()
    register(bob, "bob", "Bob Builder")
    bob.goto("/profile")
    bob_id = re.search(r"User id\s*(\d+)", bob.locator("dl.facts").inner_text())
    assert bob_id is not None
    logout(bob)

    alice_context = context(chromium, server)
    alice = alice_context.new_page()
    alice.goto("/login")
    shoot(alice, "login")
    alice.goto("/register")
    shoot(alice, "register")
    register(alice, "alice", "Alice Liddell")
    logout(alice)
    login(alice, "alice")

    # a project
    alice.goto("/projects")
    alice.get_by_label("Name").fill("Apollo")
    alice.get_by_label("Description").fill("To the moon and back.")
    alice.get_by_role("button", name="Create project").click()
    alice.wait_for_url(re.compile(r".*/projects/\d+$"))
    board_url = alice.url
    project_id = board_url.rsplit("/", 1)[1]

    # a member: alice invites bob, bob accepts
    alice.get_by_role("link", name="Members").click()
    alice.get_by_label("Username or user id").fill(bob_id.group(1))
    alice.get_by_role("button", name="Send invitation").click()
    assert (
        alice.get_by_role("status").inner_text()
        == "Invitation sent to bob; they join by accepting it."
    )
    shoot(alice, "members")
    login(bob, "bob")
    bob.get_by_role("navigation").get_by_role("link", name="Invitations").click()
    bob.get_by_role("button", name="Accept the invitation to Apollo").click()
    assert bob.get_by_role("status").inner_text() == "Invitation accepted."
    logout(bob)

    # tasks on the board, one assigned to bob
    alice.goto(board_url)
    for title, assignee, due in (
        ("Write the launch plan", "bob", ""),
        ("Order fuel", "alice", "2020-01-31"),
        ("Paint the rocket", None, ""),
    ):
        alice.get_by_text("New task with details").click()
        alice.get_by_label("Title").fill(title)
        if assignee:
            alice.locator("#nt-assignee_id").select_option(label=assignee)
        if due:
            alice.get_by_label("Due date").fill(due)
        alice.get_by_role("button", name="Add task").click()
        alice.wait_for_load_state()
    assert ["Write the launch plan", "Order fuel", "Paint the rocket"] == column_titles(
        alice, "pending"
    )

    # move with the card's menu (no script needed): the launch plan goes to "in progress"
    card = alice.locator(".task-card", has_text="Write the launch plan")
    card.locator("summary").click()
    card.get_by_role("button", name="Move to in progress").click()
    alice.wait_for_load_state()
    assert ["Write the launch plan"] == column_titles(alice, "in_progress")

    # and by drag and drop: "Paint the rocket" onto the completed column
    drag(
        alice,
        alice.locator(".task-card", has_text="Paint the rocket"),
        alice.locator('.column[data-status="completed"]'),
    )
    expect(alice.locator('.column[data-status="completed"] .task-card')).to_have_count(1)
    assert ["Paint the rocket"] == column_titles(alice, "completed")
    assert ["Order fuel"] == column_titles(alice, "pending")
    shoot(alice, "board")

    # the task page: a comment, an attachment uploaded and downloaded
    alice.get_by_role("link", name="Write the launch plan").click()
    task_url = alice.url
    comment = "Draft of the launch plan attached, @bob please review."
    alice.get_by_label("Add a comment").fill(comment)
    alice.get_by_role("button", name="Comment").click()
    assert alice.locator(".comment-body").inner_text() == comment
    plan = tmp_path / "launch-plan.txt"
    plan.write_text("T-minus 10 ... liftoff\n")
    alice.get_by_label("Attach a file").set_input_files(str(plan))
    alice.get_by_role("button", name="Upload").click()
    assert "launch-plan.txt uploaded." == alice.get_by_role("status").inner_text()
    with alice.expect_download() as info:
        alice.get_by_role("link", name="launch-plan.txt").click()
    download = info.value
    assert "launch-plan.txt" == download.suggested_filename
    assert "T-minus 10 ... liftoff\n" == Path(download.path()).read_text()
    shoot(alice, "task")

    alice.goto("/dashboard")
    expect(alice.locator("#h-overdue")).to_have_text("Overdue (1)")
    shoot(alice, "dashboard")
    alice.goto("/projects")
    shoot(alice, "projects")
    alice.goto("/reports")
    shoot(alice, "reports")
    alice.goto("/profile")
    shoot(alice, "profile")
    for name, url in (
        ("list", f"/projects/{project_id}/list"),
        ("fields", f"/projects/{project_id}/fields"),
        ("task-time", f"{task_url}/time"),
        ("search", "/search?q=launch"),
        ("time", "/time"),
        ("calendar", "/calendar"),
        ("invitations", "/invitations"),
        ("teams", "/teams"),
    ):
        alice.goto(url)
        shoot(alice, name)
    alice.get_by_label("Name").fill("Flight crew")
    alice.get_by_role("button", name="Create team").click()
    alice.wait_for_url(re.compile(r".*/teams/\d+$"))
    shoot(alice, "team")
    logout(alice)
    alice.goto(board_url)
    assert "/login" in alice.url

    # bob sees the notification, then logs out
    login(bob, "bob")
    unread = re.search(r"Unread notifications \((\d+)\)", bob.content())
    assert unread is not None
    assert int(unread.group(1)) >= 1  # assigned, commented on, mentioned
    inbox_link = bob.get_by_role("navigation").get_by_role("link", name=re.compile("^Inbox"))
    expect(inbox_link).to_have_text(re.compile(r"Inbox [1-9]"))
    inbox_link.click()
    assert "Write the launch plan" in bob.locator(".notifications").inner_text()
    shoot(bob, "inbox")
    bob.get_by_role("button", name="Mark all read").click()
    assert "0 unread." in bob.content()
    bob.goto(f"/projects/{project_id}")
    assert ["Write the launch plan"] == column_titles(bob, "in_progress")
    logout(bob)

    # the administrator's page, and the board at phone width
    root_context = context(chromium, server)
    root = root_context.new_page()
    login(root, "root", "operator passphrase 1")
    root.goto("/admin")
    shoot(root, "admin")
    root_context.close()
    phone_context = context(chromium, server, viewport=PHONE, is_mobile=True)
    phone = phone_context.new_page()
    login(phone, "alice")
    phone.goto(board_url)
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]
    shoot(phone, "board-phone")
    for item in (phone_context, alice_context, bob_context):
        item.close()


def test_a_form_without_its_csrf_token_is_refused(chromium: Browser, server: str) -> None:
    """A form sent without its token is refused with 403, from the page or from elsewhere."""
    browser = context(chromium, server)
    page = browser.new_page()
    register(page, "carol", "Carol")
    page.goto("/projects")
    page.evaluate("document.querySelectorAll('input[name=csrf_token]').forEach(e => e.remove())")
    page.get_by_label("Name").fill("Forged")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name="Create project").click()
    assert 403 == answer.value.status
    assert "did not come from this site" in page.content()
    # a cross-site style post with the user's cookies but no token
    forged = browser.request.post(
        f"{server}/projects", form={"name": "Forged again"}, max_redirects=0
    )
    assert 403 == forged.status
    page.goto("/projects")
    assert "Forged" not in page.locator("main").inner_text()
    browser.close()
