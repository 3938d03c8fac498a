"""Search from the header across the caller's projects, grouped by project."""

from __future__ import annotations

import re

from taskcore_adapters.web.testing import Browser


def groups(html: str) -> dict[str, list[str]]:
    """Project name → task titles found."""
    found = {}
    for section in html.split('class="card search-group"')[1:]:
        name = re.search(r'<h2 id="sg-\d+"><a href="/projects/\d+">([^<]*)</a>', section)
        assert name is not None
        found[name.group(1)] = re.findall(r'<li><a href="/tasks/\d+">([^<]*)</a>', section)
    return found


def test_search_groups_hits_by_project_and_hides_others(
    browser: Browser, other_browser: Browser
) -> None:
    """Title and description matches of my projects, grouped; another person's project
    with a matching task never shows."""
    other_browser.register("mallory")
    other_browser.get("/projects")
    other_browser.post("/projects", {"name": "Hidden"})
    other_browser.post("/projects/1/tasks", {"title": "Rocket secret"})
    browser.register("alice")
    browser.get("/projects")
    browser.post("/projects", {"name": "Apollo"})
    browser.post("/projects/2/tasks", {"title": "Paint the rocket"})
    browser.post("/projects/2/tasks", {"title": "Fuel", "description": "for the ROCKET"})
    browser.post("/projects/2/tasks", {"title": "Unrelated"})
    browser.post("/projects", {"name": "Gemini"})
    browser.post("/projects/3/tasks", {"title": "Rocket test"})
    page = browser.get("/search?q=rocket")
    assert 200 == page.status_code
    found = groups(page.text)
    assert {"Apollo": ["Fuel", "Paint the rocket"], "Gemini": ["Rocket test"]} == {
        k: sorted(v) for k, v in found.items()
    }
    assert "Rocket secret" not in page.text
    assert 'id="top-q" name="q" type="search"' in page.text
    assert 'value="rocket"' in page.text


def test_search_without_hits_or_words(browser: Browser) -> None:
    """No words: just the form; no hits: says so; too long: 400 naming q."""
    browser.register("alice")
    assert "No task or comment matches" not in browser.get("/search").text
    assert "No task or comment matches “zebra”" in browser.get("/search?q=zebra").text
    response = browser.get("/search?q=" + "x" * 201)
    assert (400, True) == (response.status_code, "q must be at most 200" in response.text)


def test_search_needs_login(browser: Browser) -> None:
    """Anonymous visitors are sent to the login page."""
    response = browser.client.get("/search?q=x", follow_redirects=False)
    assert 303 == response.status_code


def comment_hits(html: str) -> dict[str, list[tuple[str, str]]]:
    """Project name → (task title, excerpt) of each comment found."""
    found = {}
    for section in html.split('class="card search-group"')[1:]:
        name = re.search(r'<h2 id="sg-\d+"><a href="/projects/\d+">([^<]*)</a>', section)
        assert name is not None
        found[name.group(1)] = re.findall(
            r'<li class="comment-hit"><a href="/tasks/\d+#comment-\d+">([^<]*)</a>.*?'
            r'<p class="excerpt">(.*?)</p>',
            section,
            re.S,
        )
    return found


def test_search_finds_comments_of_my_projects_only(
    browser: Browser, other_browser: Browser
) -> None:
    """A comment holding the words shows under its project with its task, the words
    marked and the rest escaped; a project with only comment hits is listed; comments
    in someone else's project never show."""
    other_browser.register("mallory")
    other_browser.get("/projects")
    other_browser.post("/projects", {"name": "Hidden"})
    other_browser.post("/projects/1/tasks", {"title": "Secret"})
    other_browser.get("/tasks/1")
    other_browser.post("/tasks/1/comments", {"content": "the launch code is zebra"})
    browser.register("alice")
    browser.get("/projects")
    browser.post("/projects", {"name": "Apollo"})
    browser.post("/projects/2/tasks", {"title": "Zebra crossing"})
    browser.post("/projects/2/tasks", {"title": "Paint"})
    browser.get("/tasks/3")
    browser.post("/tasks/3/comments", {"content": "<b>Stripes</b> like a ZEBRA, please"})
    browser.post("/projects", {"name": "Gemini"})
    browser.post("/projects/3/tasks", {"title": "Zoo"})
    browser.get("/tasks/4")
    browser.post("/tasks/4/comments", {"content": "no animals here"})
    page = browser.get("/search?q=zebra")
    assert 200 == page.status_code
    assert {"Apollo": ["Zebra crossing"]} == groups(page.text)
    assert {
        "Apollo": [("Paint", "&lt;b&gt;Stripes&lt;/b&gt; like a <mark>ZEBRA</mark>, please")]
    } == comment_hits(page.text)
    assert "launch code" not in page.text
    assert "Secret" not in page.text
    only_comments = browser.get("/search?q=animals")
    assert {"Gemini": [("Zoo", "no <mark>animals</mark> here")]} == comment_hits(only_comments.text)
    assert "(0 tasks, 1 comment)" in only_comments.text
    assert "Hidden" not in browser.get("/search?q=launch").text
