"""Markdown rendering: CommonMark without raw HTML, sanitised, mentions and task
references linked only when they resolve."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from taskcore_adapters.web.markdown import Renderer

ATTACKS = [
    "<script>alert(1)</script>",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">y</a>',
    "[x](data:text/html;base64,PHNjcmlwdD4=)",
    '<svg onload="alert(1)">',
]


def render(text: str) -> str:
    """``text`` rendered for a project (7) with bob and Maria; only task 5 is visible."""
    renderer = Renderer({1: "bob", 2: "Maria"}, 7, lambda i: "Pick a CMS" if i == 5 else None)
    return str(renderer(text))


class Elements(HTMLParser):
    """The tags and attributes of an HTML fragment."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))


def executable(html: str) -> list[str]:
    """What in ``html`` a browser could run: script-like tags, event handlers, links to
    anything but http(s), mailto or this site."""
    bad = []
    for tag, attrs in Elements(html).found:
        if tag in {"script", "img", "svg", "iframe", "object", "embed", "style"}:
            bad.append(tag)
        bad += [name for name in attrs if name.startswith("on")]
        href = (attrs.get("href") or "").strip().lower()
        if href and not href.startswith(("http://", "https://", "mailto:", "/")):
            bad.append(href)
    return bad


def test_commonmark_is_rendered() -> None:
    """Bold text and lists become HTML."""
    html = render("**Q1**\n\n- a\n- b")
    assert "<strong>Q1</strong>" in html
    assert "<ul>\n<li>a</li>\n<li>b</li>\n</ul>" in html


@pytest.mark.parametrize("attack", ATTACKS)
def test_nothing_executable_comes_out(attack: str) -> None:
    """Raw HTML is text, script links are not links, no event handler survives."""
    assert [] == executable(render(attack))


def test_links_get_rel_noopener_nofollow() -> None:
    """Every link carries rel="noopener nofollow"."""
    assert '<a href="https://example.com" rel="noopener nofollow">site</a>' in render(
        "[site](https://example.com)"
    )


def test_mentions_of_members_are_linked() -> None:
    """@member links to the member's tasks in the project; unknown names stay text; a
    sentence's full stop is not part of the name."""
    html = render("thanks @bob. and @maria, not @nobody")
    assert '<a href="/projects/7/list?assignee=1" class="mention"' in html
    assert ">@bob</a>." in html
    assert ">@maria</a>," in html
    assert "@nobody" in html
    assert "assignee=3" not in html


def test_task_references_only_for_visible_tasks() -> None:
    """#5 (visible) links with its title; #6 (not visible) stays text, no title leaks."""
    html = render("see #5 and #6")
    assert '<a href="/tasks/5" class="task-ref" title="Pick a CMS"' in html
    assert "and #6</p>" in html


def test_code_and_links_are_left_alone() -> None:
    """References inside code spans and existing links are not linked again."""
    html = render("`#5 @bob` [#5](https://example.com)")
    assert "<code>#5 @bob</code>" in html
    assert 'href="/tasks/5"' not in html


def test_references_are_looked_up_once_and_capped() -> None:
    """Each id is looked up once; past the cap the rest stay text."""
    asked: list[int] = []

    def title(task_id: int) -> str | None:
        asked.append(task_id)
        return "T"

    renderer = Renderer({}, 1, title)
    html = str(renderer(" ".join(f"#{i} #{i}" for i in range(1, 30))))
    assert asked == list(range(1, 21))
    assert 'href="/tasks/20"' in html
    assert 'href="/tasks/21"' not in html
