"""The reports page's form: the project is chosen from the caller's projects; the
stylesheet's dark scheme."""

from __future__ import annotations

import re

from taskcore_adapters.web.testing import Browser


def options(html: str) -> list[tuple[str, str]]:
    """The project select's options (value, text)."""
    select = html.split('id="nr-project_id"', 1)[1].split("</select>", 1)[0]
    return re.findall(r'<option value="(\d*)"[^>]*>([^<]*)</option>', select)


def test_project_is_chosen_from_my_projects(browser: Browser, other_browser: Browser) -> None:
    """The select lists only the projects I can see (and "none"); the chosen one is used,
    and a forged id of someone else's project is refused next to the field."""
    other_browser.register("mallory")
    other_browser.get("/projects")
    other_browser.post("/projects", {"name": "Hidden"})
    browser.register("alice")
    browser.get("/projects")
    browser.post("/projects", {"name": "Apollo"})
    page = browser.get("/reports").text
    assert [("", "none (for reports about me or everything)"), ("2", "Apollo")] == options(page)
    assert 'id="nr-project_id" name="project_id"' in page
    made = browser.post(
        "/reports", {"name": "Apollo status", "report_type": "project", "project_id": "2"}
    )
    assert "Apollo status" in made.text
    forged = browser.post("/reports", {"name": "Peek", "report_type": "project", "project_id": "1"})
    assert 404 == forged.status_code
    assert 'id="nr-project_id-error"' in forged.text
    assert "Hidden" not in forged.text


def test_layout_and_dark_scheme_in_the_stylesheet(browser: Browser) -> None:
    """The stylesheet follows the system's dark scheme and the reports layout keeps its
    columns from overlapping (grid items may shrink)."""
    css = browser.client.get("/static/app.css").text
    dark = css.split("@media (prefers-color-scheme: dark)", 1)[1]
    assert "--paper: #1e2026;" in dark
    assert "--ink: #e8e8ec;" in dark
    assert ".report-layout > * { min-width: 0;" in css
    browser.register("alice")
    assert '<div class="report-layout">' in browser.get("/reports").text
