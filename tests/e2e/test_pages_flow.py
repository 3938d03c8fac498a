"""The board, list and task pages in real headless Chromium against ``taskcore serve``:
drag and drop, bulk edit (and no horizontal scroll at phone width, light and dark), and
Markdown that must not run anything."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Dialog, FloatRect, Locator, Page

pytestmark = pytest.mark.e2e

PASSWORD = "a long passphrase 1"
XSS = (
    "<script>alert('script')</script>\n\n"
    "[click me](javascript:alert('link'))\n\n"
    "<img src=x onerror=alert('img')>\n\n"
    "**bold** and a list:\n\n- one\n- two"
)


def start(chromium: Browser, server: str, username: str, project: str, tasks: list[str]) -> Page:
    """A new person with a project holding ``tasks`` (pending, added with the quick-add
    field); their page is left on the board."""
    page = chromium.new_context(base_url=server).new_page()
    page.goto("/register")
    page.get_by_label("Username").fill(username)
    page.get_by_label("E-mail").fill(f"{username}@example.com")
    page.get_by_label("Full name").fill(username.title())
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url("**/dashboard")
    page.goto("/projects")
    page.get_by_label("Name").fill(project)
    page.get_by_role("button", name="Create project").click()
    page.wait_for_url(re.compile(r".*/projects/\d+$"))
    for title in tasks:
        page.get_by_label("New task in pending").fill(title)
        page.get_by_role("button", name="Add to pending").click()
        page.locator(".task-title", has_text=title).wait_for()
    page.wait_for_load_state("networkidle")  # the live board's first refresh is done
    return page


def titles(page: Page, status: str) -> list[str]:
    """The card titles of one column, top to bottom."""
    return page.locator(f'.column[data-status="{status}"] .task-title').all_inner_texts()


def drag(page: Page, source: Locator, target: Locator, *, above: bool = False) -> None:
    """Drag ``source`` with the mouse onto ``target`` (its middle, or its top quarter
    with ``above``), in small steps as a hand would."""
    page.wait_for_load_state("networkidle")  # no live refresh swapping the cards now
    start, end = box(page, source), box(page, target)
    page.mouse.move(start["x"] + 3, start["y"] + 3)
    page.mouse.down()
    page.mouse.move(start["x"] + 20, start["y"] + 20, steps=5)
    y = end["y"] + (end["height"] / 4 if above else end["height"] / 2)
    page.mouse.move(end["x"] + end["width"] / 2, y, steps=10)
    page.mouse.up()


def box(page: Page, element: Locator) -> FloatRect:
    """Where ``element`` is (asked again if the live board just swapped it)."""
    for _ in range(50):
        found = element.bounding_box()
        if found is not None:
            return found
        page.wait_for_timeout(100)
    raise AssertionError(f"{element} never showed")


def no_horizontal_scroll(page: Page) -> bool:
    """Whether the page fits the window's width."""
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_drag_and_drop_moves_and_orders_cards(chromium: Browser, server: str) -> None:
    """Dragging a card to another column moves it there; dropping it on the top half of a
    card puts it before that card; the order survives a reload. Then the keyboard
    shortcuts: the help list, moving from card to card, opening one."""
    from playwright.sync_api import expect

    page = start(chromium, server, "dora", "Drag", ["One", "Two", "Three"])
    assert ["One", "Two", "Three"] == titles(page, "pending")
    drag(
        page,
        page.locator(".task-card", has_text="Two"),
        page.locator('.column[data-status="in_progress"]'),
    )
    expect(page.locator('.column[data-status="in_progress"] .task-card')).to_have_count(1)
    drag(
        page,
        page.locator(".task-card", has_text="Three"),
        page.locator(".task-card", has_text="Two"),
        above=True,
    )
    expect(page.locator('.column[data-status="in_progress"] .task-card')).to_have_count(2)
    page.reload()
    page.wait_for_load_state("networkidle")
    assert ["One"] == titles(page, "pending")
    assert ["Three", "Two"] == titles(page, "in_progress")
    counts = page.locator('.column[data-status="in_progress"] h2 .count').inner_text()
    assert "2" == counts

    # the keyboard: "?" lists the shortcuts, "j" goes from card to card, "o" opens one
    page.keyboard.press("?")
    expect(page.locator("#shortcuts")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#shortcuts")).to_be_hidden()
    page.keyboard.press("j")
    page.keyboard.press("j")
    expect(page.locator(".task-title", has_text="Three")).to_be_focused()
    page.keyboard.press("o")
    page.wait_for_url(re.compile(r".*/tasks/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Three")


def test_bulk_edit_in_the_list(chromium: Browser, server: str) -> None:
    """Ticking two tasks and setting their status changes both; deleting one removes it.
    At 375 px the board, list and task pages fit the width, light and dark."""
    from playwright.sync_api import expect

    page = start(chromium, server, "bulky", "Bulk", ["Alpha", "Beta", "Gamma"])
    page.get_by_role("link", name="List", exact=True).click()
    page.get_by_label("Select Alpha").check()
    page.get_by_label("Select Gamma").check()
    page.get_by_label("New status").select_option("completed")
    page.get_by_role("button", name="Set status").click()
    expect(page.get_by_role("status")).to_have_text("2 tasks moved to completed.")
    statuses = [select.input_value() for select in page.locator("td.status select").all()]
    assert ["completed", "pending", "completed"] == statuses
    page.get_by_label("Select Beta").check()
    page.get_by_role("button", name="Delete").click()
    expect(page.get_by_role("status")).to_have_text("1 task deleted.")
    board_url = page.url.split("/list")[0]
    page.goto(board_url)
    assert ["Alpha", "Gamma"] == titles(page, "completed")
    task_url = page.locator(".task-title", has_text="Alpha").get_attribute("href")
    assert task_url is not None

    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        page.set_viewport_size({"width": 375, "height": 740})
        for url in (board_url, board_url + "/list", task_url):
            page.goto(url)
            assert no_horizontal_scroll(page), (scheme, url)
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(board_url)
    background = page.evaluate("getComputedStyle(document.body.parentElement).backgroundColor")
    assert "rgb(21, 22, 26)" == background  # the dark wash


def test_markdown_runs_no_script(chromium: Browser, server: str) -> None:
    """A comment and its preview holding a script, a javascript: link and an image with
    an onerror handler render as text: no dialog ever opens; the Markdown itself shows."""
    page = start(chromium, server, "mark", "Marks", ["Write"])
    dialogs: list[str] = []

    def on_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.get_by_role("link", name="Write").click()
    page.wait_for_load_state()  # the preview script is loaded
    page.get_by_label("Add a comment").fill(XSS)
    page.locator("#nc-content-preview").wait_for(state="hidden")
    page.get_by_role("button", name="Preview").last.click()
    preview = page.locator("#nc-content-preview")
    preview.get_by_text("bold").wait_for()
    assert preview.locator("strong").inner_text() == "bold"
    assert "/tasks/" in page.url
    assert "preview" not in page.url
    page.get_by_role("button", name="Comment", exact=True).click()
    page.wait_for_load_state()
    body = page.locator(".comment-body")
    assert body.locator("strong").inner_text() == "bold"
    assert body.locator("li").all_inner_texts() == ["one", "two"]
    assert "<script>alert('script')</script>" in body.inner_text()
    assert body.locator("script, img").count() == 0
    assert body.get_by_role("link").count() == 0
    body.get_by_text("[click me]", exact=False).click()
    page.wait_for_timeout(300)
    assert [] == dialogs


def test_keyboard_only_journey(chromium: Browser, server: str) -> None:
    """Without the mouse: "n" and Enter add a task, "j" reaches a card, Tab and Enter open
    its menu and move it to another column, "o" opens a card."""
    from playwright.sync_api import expect

    page = start(chromium, server, "kay", "Keys", ["First"])
    keys = page.keyboard
    keys.press("n")
    expect(page.locator("#qa-pending")).to_be_focused()
    keys.type("Typed")
    keys.press("Enter")
    page.locator(".task-title", has_text="Typed").wait_for()
    page.wait_for_load_state("networkidle")
    assert ["First", "Typed"] == titles(page, "pending")
    keys.press("j")
    expect(page.locator(".task-title", has_text="First")).to_be_focused()
    keys.press("Tab")
    keys.press("Enter")  # the card's menu opens
    keys.press("Tab")
    expect(page.get_by_role("button", name="Move to in progress").first).to_be_focused()
    keys.press("Enter")
    page.locator('.column[data-status="in_progress"] .task-title').wait_for()
    assert ["First"] == titles(page, "in_progress")
    assert ["Typed"] == titles(page, "pending")
    page.wait_for_load_state("networkidle")
    keys.press("j")
    keys.press("o")
    page.wait_for_url(re.compile(r".*/tasks/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Typed")
