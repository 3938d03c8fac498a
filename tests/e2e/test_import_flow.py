"""The import page in real headless Chromium against ``taskcore serve``: a CSV chosen from
the board's Import link, its columns mapped from the first rows, the dry run's problem
read, the import started, and the progress page followed (it refreshes itself without
script) until it links back to the board, where the tasks are."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = pytest.mark.e2e

PASSWORD = "a long passphrase 3"
CSV = (
    "Key,Summary,State,Colour\n"
    "M-1,Pack the boxes,To Do,red\n"
    "M-2,Book the van,Doing,blue\n"
    "M-3,Clean the flat,someday,green\n"
)


def test_import_a_csv_through_the_pages(chromium: Browser, server: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    page = chromium.new_context(base_url=server).new_page()
    page.goto("/register")
    page.get_by_label("Username").fill("ivan")
    page.get_by_label("E-mail").fill("ivan@example.com")
    page.get_by_label("Full name").fill("Ivan Importer")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url("**/dashboard")
    page.goto("/projects")
    page.get_by_label("Name").fill("Moving")
    page.get_by_role("button", name="Create project").click()
    page.wait_for_url(re.compile(r".*/projects/\d+$"))
    board = page.url

    page.get_by_role("link", name="Import", exact=True).click()
    page.wait_for_url(re.compile(r".*/projects/\d+/import$"))
    csv = tmp_path / "moving.csv"
    csv.write_text(CSV)
    page.get_by_label("File").set_input_files(str(csv))
    page.get_by_role("button", name="Preview").click()

    # The first rows and one select per column, the guessed mapping chosen.
    expect(page.get_by_role("cell", name="Book the van")).to_be_visible()
    expect(page.get_by_label("Column “Summary”")).to_have_value("title")
    expect(page.get_by_label("Column “Colour”")).to_have_value("")
    expect(page.locator("#im-counts")).to_contain_text("2 would be imported")
    expect(page.get_by_role("cell", name="unknown status 'someday'")).to_be_visible()

    # Map the colour to the labels and preview again: no second upload.
    page.get_by_label("Column “Colour”").select_option("labels")
    page.get_by_role("button", name="Preview again").click()
    expect(page.get_by_label("Column “Colour”")).to_have_value("labels")
    expect(page.locator("#im-counts")).to_contain_text("2 would be imported")

    page.get_by_role("button", name="Import 2 rows").click()
    page.wait_for_url(re.compile(r".*/projects/\d+/imports/\d+$"))
    # The page refreshes itself every two seconds until the run ends.
    expect(page.get_by_role("link", name="Back to the board")).to_be_visible(timeout=30_000)
    expect(page.locator("#ir-status")).to_have_text("done")
    expect(page.locator("#ir-created")).to_have_text("2")
    expect(page.locator("#ir-skipped")).to_have_text("1")
    expect(page.get_by_role("cell", name="unknown status 'someday'")).to_be_visible()

    page.get_by_role("link", name="Back to the board").click()
    page.wait_for_url(board)
    expect(page.get_by_role("link", name="Pack the boxes")).to_be_visible()
    expect(page.get_by_role("link", name="Book the van")).to_be_visible()
