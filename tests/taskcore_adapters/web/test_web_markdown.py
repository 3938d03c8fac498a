"""Markdown on the task page: descriptions and comments rendered and sanitised, mentions
and references linked, and the preview with and without the page's script."""

from __future__ import annotations

import pytest

from taskcore_adapters.web.testing import Browser

XSS_COMMENT = "<script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>"


@pytest.fixture
def task(browser: Browser, other_browser: Browser) -> int:
    """Mallory owns project 1 with her secret task 1; Alice owns project 2 with task 2
    (described in Markdown) and task 3 "Pick a CMS"."""
    other_browser.register("mallory")
    other_browser.get("/projects")
    other_browser.post("/projects", {"name": "Hidden"})
    other_browser.post("/projects/1/tasks", {"title": "Secret plan"})
    browser.register("alice")
    browser.get("/projects")
    browser.post("/projects", {"name": "Apollo"})
    browser.post(
        "/projects/2/tasks", {"title": "Launch", "description": "**Q1** goals:\n\n- one\n- two"}
    )
    browser.post("/projects/2/tasks", {"title": "Pick a CMS"})
    return 2


def test_description_is_rendered(browser: Browser, task: int) -> None:
    """A description's Markdown shows as HTML (bold, a real list)."""
    html = browser.get(f"/tasks/{task}").text
    assert "<strong>Q1</strong> goals:" in html
    assert "<li>one</li>" in html


def test_comment_links_mentions_and_visible_references(browser: Browser, task: int) -> None:
    """@alice links to her tasks, #3 to the task with its title; #1 (another project's
    task) stays plain text and its title never appears."""
    browser.get(f"/tasks/{task}")
    html = browser.post(
        f"/tasks/{task}/comments", {"content": "@alice see #3 and #1 and #999"}
    ).text
    assert 'href="/projects/2/list?assignee=2" class="mention"' in html
    assert 'href="/tasks/3" class="task-ref" title="Pick a CMS"' in html
    assert 'href="/tasks/1"' not in html
    assert "Secret plan" not in html
    assert "and #1 and #999" in html


def test_xss_in_a_comment_stays_text(browser: Browser, task: int) -> None:
    """Raw HTML is shown as text, a javascript: link is not a link."""
    browser.get(f"/tasks/{task}")
    html = browser.post(f"/tasks/{task}/comments", {"content": XSS_COMMENT}).text
    body = html.split('class="comment-body markdown">', 1)[1].split("</div>", 1)[0]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "<script" not in body
    assert "<img" not in body
    assert 'href="javascript' not in body


def test_preview_without_script_shows_the_form_again(browser: Browser, task: int) -> None:
    """The Preview button (no script) answers the task page with the comment as typed
    and its rendering, and adds no comment."""
    browser.get(f"/tasks/{task}")
    response = browser.post(
        f"/tasks/{task}/preview", {"preview_of": "content", "content": "*soon* #3"}
    )
    assert 200 == response.status_code
    assert ">*soon* #3</textarea>" in response.text
    preview = response.text.split('id="nc-content-preview"', 1)[1].split("</div>", 1)[0]
    assert "<em>soon</em>" in preview
    assert 'href="/tasks/3"' in preview
    assert "Comments (0)" in response.text


def test_preview_of_the_description_keeps_the_edit_form(browser: Browser, task: int) -> None:
    """Previewing the description keeps every typed field and opens the edit form."""
    browser.get(f"/tasks/{task}")
    response = browser.post(
        f"/tasks/{task}/preview",
        {"preview_of": "description", "title": "Renamed", "description": "# Plan"},
    )
    assert 'value="Renamed"' in response.text
    preview = response.text.split('id="et-description-preview"', 1)[1].split("</div>", 1)[0]
    assert "<h1>Plan</h1>" in preview


def test_preview_fragment_for_the_script(browser: Browser, task: int) -> None:
    """With ``X-Preview: fragment`` the answer is only the sanitised rendering."""
    browser.get(f"/tasks/{task}")
    response = browser.post(
        f"/tasks/{task}/preview",
        {"preview_of": "content", "content": XSS_COMMENT},
        headers={"X-Preview": "fragment"},
    )
    assert 200 == response.status_code
    assert response.text.startswith('<div class="markdown"><p>&lt;script&gt;')
    assert "<img" not in response.text


def test_preview_names_a_known_field(browser: Browser, task: int) -> None:
    """An unknown field to preview is refused with a 400 naming it."""
    browser.get(f"/tasks/{task}")
    response = browser.post(f"/tasks/{task}/preview", {"preview_of": "password"})
    assert (400, True) == (response.status_code, "preview_of" in response.text)


def test_preview_of_a_hidden_task_is_not_found(
    browser: Browser, other_browser: Browser, task: int
) -> None:
    """Mallory cannot preview against Alice's task (the core's 404)."""
    other_browser.get("/projects")
    response = other_browser.post(
        f"/tasks/{task}/preview",
        {"preview_of": "content", "content": "#3"},
        headers={"X-Preview": "fragment"},
    )
    assert 404 == response.status_code
