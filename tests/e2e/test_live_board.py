"""The live board in real headless Chromium against ``taskcore serve``: Bob's board shows
a card Alice adds, moves and deletes on hers within a second or two, without a reload."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.e2e

PASSWORD = "a long passphrase 1"
SOON = 5_000
"""Milliseconds a change may take to appear (the stream delivers it within a second)."""


def register(page: Page, username: str) -> None:
    page.goto("/register")
    page.get_by_label("Username").fill(username)
    page.get_by_label("E-mail").fill(f"{username}@example.com")
    page.get_by_label("Full name").fill(username.title())
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url("**/dashboard")


def test_a_card_changed_on_one_board_appears_on_the_other(chromium: Browser, server: str) -> None:
    """Alice adds, moves and deletes a card; Bob's open board follows each change live,
    and is never reloaded."""
    from playwright.sync_api import expect

    bob_context = chromium.new_context(base_url=server)
    bob = bob_context.new_page()
    register(bob, "bobby")
    bob.goto("/profile")
    found = re.search(r"User id\s*(\d+)", bob.locator("dl.facts").inner_text())
    assert found is not None

    alice_context = chromium.new_context(base_url=server)
    alice = alice_context.new_page()
    register(alice, "alicia")
    alice.goto("/projects")
    alice.get_by_label("Name").fill("Live")
    alice.get_by_role("button", name="Create project").click()
    alice.wait_for_url(re.compile(r".*/projects/\d+$"))
    board_url = alice.url
    alice.get_by_role("link", name="Members").click()
    alice.get_by_label("Username or user id").fill(found.group(1))
    alice.get_by_role("button", name="Send invitation").click()
    bob.get_by_role("navigation").get_by_role("link", name="Invitations").click()
    bob.get_by_role("button", name="Accept the invitation to Live").click()

    bob.goto(board_url)
    bob.wait_for_load_state("networkidle")
    bob.evaluate("window.__notReloaded = true")

    alice.goto(board_url)
    alice.get_by_label("New task in pending").fill("Launch the live board")
    alice.get_by_role("button", name="Add to pending").click()
    alice.wait_for_load_state()
    card = bob.locator(
        '.column[data-status="pending"] .task-card', has_text="Launch the live board"
    )
    expect(card).to_be_visible(timeout=SOON)

    alice_card = alice.locator(".task-card", has_text="Launch the live board")
    alice_card.locator("summary").click()
    alice_card.get_by_role("button", name="Move to in progress").click()
    alice.wait_for_load_state()
    moved = bob.locator(
        '.column[data-status="in_progress"] .task-card', has_text="Launch the live board"
    )
    expect(moved).to_be_visible(timeout=SOON)
    expect(card).to_have_count(0)
    assert bob.evaluate("window.__notReloaded") is True

    bob_context.close()
    alice_context.close()
