"""axe-core (from npm, pinned by tests/e2e/axe/package-lock.json) on every page a
logged-in person uses, in the light and the dark scheme: no serious or critical
violation.

axe is installed with ``npm ci`` into a cache folder on first use (or
``TASKCORE_TEST_AXE_DIR``); without Node.js the test skips, and fails when ``CI`` is set.
It is injected into the page by Playwright with the page's CSP bypassed for the test only
(the pages themselves allow no inline script).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.e2e

SOURCES = Path(__file__).parent / "axe"
PASSWORD = "a long passphrase 1"
ADMIN_PASSWORD = "operator passphrase 1"  # the e2e server's administrator, root
PAGES = (
    "/dashboard",
    "/projects",
    "/projects/{project}",
    "/projects/{project}/list",
    "/projects/{project}/members",
    "/projects/{project}/import",
    "/projects/{project}/fields",
    "/tasks/{task}",
    "/tasks/{task}/time",
    "/search?q=Check",
    "/inbox",
    "/invitations",
    "/reports",
    "/time",
    "/calendar",
    "/profile",
    "/teams",
    "/teams/{team}",
)
SEVERE = ("serious", "critical")


def axe_script() -> str:
    """The text of axe.min.js, installed with npm ci when missing."""
    npm = shutil.which("npm")
    if npm is None:
        if os.environ.get("CI"):
            pytest.fail("npm is not installed (CI is set, so the accessibility test must run)")
        pytest.skip("npm is not installed (apt-get install -y nodejs npm)")
    lock = (SOURCES / "package-lock.json").read_bytes()
    default = Path(tempfile.gettempdir()) / f"taskcore-axe-{hashlib.sha256(lock).hexdigest()[:12]}"
    target = Path(os.environ.get("TASKCORE_TEST_AXE_DIR") or default)
    script = target / "node_modules" / "axe-core" / "axe.min.js"
    if not script.exists():
        target.mkdir(parents=True, exist_ok=True)
        for name in ("package.json", "package-lock.json"):
            shutil.copy(SOURCES / name, target / name)
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=target,
            check=True,
            timeout=300,
        )
    return script.read_text(encoding="utf-8")


def _severe(page: Page, axe: str) -> list[str]:
    """The serious and critical violations axe finds on ``page`` as it is now."""
    page.add_script_tag(content=axe)
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['nodes'][0]['target']}"
        for v in result["violations"]
        if v["impact"] in SEVERE
    ]


def test_no_serious_violation_on_any_page(chromium: Browser, server: str) -> None:
    """Every page, light and dark, passes axe without a serious or critical violation."""
    axe = axe_script()
    context = chromium.new_context(base_url=server, bypass_csp=True)
    page = context.new_page()
    page.goto("/register")
    page.get_by_label("Username").fill("ally")
    page.get_by_label("E-mail").fill("ally@example.com")
    page.get_by_label("Full name").fill("Ally")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url("**/dashboard")
    page.goto("/projects")
    page.get_by_label("Name").fill("Checked")
    page.get_by_role("button", name="Create project").click()
    page.wait_for_url(re.compile(r".*/projects/\d+$"))
    project = page.url.rsplit("/", 1)[1]
    page.get_by_label("New task in pending").fill("Check the contrast")
    page.get_by_role("button", name="Add to pending").click()
    link = page.locator(".task-title", has_text="Check the contrast")
    link.wait_for()
    task = (link.get_attribute("href") or "").rsplit("/", 1)[1]
    page.goto("/teams")
    page.get_by_label("Name").fill("Checkers")
    page.get_by_role("button", name="Create team").click()
    page.wait_for_url(re.compile(r".*/teams/\d+$"))
    team = page.url.rsplit("/", 1)[1]

    found: dict[str, list[str]] = {}
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        for template in PAGES:
            url = template.format(project=project, task=task, team=team)
            page.goto(url)
            page.wait_for_load_state("networkidle")
            severe = _severe(page, axe)
            if severe:
                found[f"{scheme} {url}"] = severe
    admin = chromium.new_context(base_url=server, bypass_csp=True).new_page()
    admin.goto("/login")
    admin.get_by_label("Username or e-mail").fill("root")
    admin.get_by_label("Password").fill(ADMIN_PASSWORD)
    admin.get_by_role("button", name="Log in").click()
    admin.wait_for_url("**/dashboard")
    for dark in (False, True):
        admin.emulate_media(color_scheme="dark" if dark else "light")
        for url in ("/admin", "/admin/users/1"):
            admin.goto(url)
            severe = _severe(admin, axe)
            if severe:
                found[f"{'dark' if dark else 'light'} {url}"] = severe
    anonymous = chromium.new_context(base_url=server, bypass_csp=True).new_page()
    for url in ("/login", "/register"):
        anonymous.goto(url)
        severe = _severe(anonymous, axe)
        if severe:
            found[url] = severe
    assert {} == found
