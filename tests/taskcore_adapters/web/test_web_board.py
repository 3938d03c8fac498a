"""The board's compact cards, their menu (moves without script), quick-add and counts."""

from __future__ import annotations

import re

import pytest

from taskcore_adapters.bootstrap import Runtime
from taskcore_adapters.web.projects import initials
from taskcore_adapters.web.testing import PASSWORD, Browser


def card(html: str, task_id: int) -> str:
    """The markup of one card."""
    return html.split(f'id="task-{task_id}"', 1)[1].split("</li>", 1)[0]


def titles(html: str, status: str) -> list[str]:
    """The card titles of one column."""
    section = html.split(f'data-status="{status}"', 1)[1].split("</section>", 1)[0]
    return re.findall(r'class="task-title" href="/tasks/\d+">([^<]*)<', section)


def board_part(html: str) -> str:
    """The board's columns only."""
    return html.split('id="board"', 1)[1].split('id="h-newtask"', 1)[0]


@pytest.fixture
def board(browser: Browser, runtime: Runtime) -> str:
    """Maria's project 1: task 1 "Late" (assigned to her, overdue, labelled, blocked by
    task 2 "Blocker"), task 3 done; the board as she sees it."""
    browser.register("maria.garcia")
    browser.get("/projects")
    browser.post("/projects", {"name": "Website"})
    browser.post(
        "/projects/1/tasks",
        {"title": "Late", "assignee_id": "1", "due_date": "2001-01-01", "labels": "cms, web"},
    )
    browser.post("/projects/1/tasks", {"title": "Blocker"})
    browser.post("/projects/1/tasks", {"title": "Done", "status": "completed"})
    core = runtime.core
    maria = core.users.authenticate(
        core.users.login(username="maria.garcia", password=PASSWORD).token
    )
    core.tasks.add_relation(maria, 1, kind="blocked_by", other_id=2)
    return browser.get("/projects/1").text


def test_initials() -> None:
    """Two letters from a name's first two parts, or its first two letters."""
    assert ("MG", "TO", "AB", "?") == (
        initials("maria.garcia"),
        initials("tom"),
        initials("a b"),
        initials(""),
    )


def test_compact_card_shows_the_essentials(board: str) -> None:
    """Title, priority, assignee initials with the name, overdue due date, labels and the
    blocked marker; no select and no Move button on the card."""
    late = card(board, 1)
    assert 'class="task-title" href="/tasks/1">Late</a>' in late
    assert 'title="maria.garcia"><span aria-hidden="true">MG</span>' in late
    assert 'class="due overdue"' in late
    assert "· overdue" in late
    assert '<span class="label">cms</span><span class="label">web</span>' in late
    assert "blocked</span>" in late
    assert 'class="due"' not in card(board, 2)
    assert "blocked</span>" not in card(board, 2)
    assert "<select" not in board_part(board)


def test_column_counts(board: str) -> None:
    """Each column heading counts its tasks."""
    assert re.search(r'id="col-pending">pending <span class="count"[^>]*>2</span>', board)
    assert re.search(r'id="col-completed">completed <span class="count"[^>]*>1</span>', board)


def test_card_menu_moves_without_script(board: str, browser: Browser) -> None:
    """The card's menu lists the other columns and up/down; its buttons move the card."""
    menu = card(board, 2).split('class="card-menu"', 1)[1]
    assert "Actions for Blocker" in menu
    assert re.findall(r'name="status" value="(\w+)">Move to', menu) == [
        "in_progress",
        "completed",
        "cancelled",
    ]
    moved = browser.post("/tasks/2/move", {"status": "in_progress"}).text
    assert (
        'href="/tasks/2">Blocker'
        in moved.split('data-status="in_progress"', 1)[1].split("</section>", 1)[0]
    )
    up = browser.post("/tasks/3/move", {"status": "completed", "direction": "up"})
    assert 200 == up.status_code


def test_quick_add_puts_the_task_in_its_column(board: str, browser: Browser) -> None:
    """The form at the top of a column creates a task with that status."""
    assert 'id="qa-in_progress"' in board
    html = browser.post("/projects/1/tasks", {"title": "Quick one", "status": "in_progress"}).text
    column = html.split('data-status="in_progress"', 1)[1].split("</section>", 1)[0]
    assert 'href="/tasks/4">Quick one</a>' in column


def test_quick_add_without_title_opens_the_full_form(board: str, browser: Browser) -> None:
    """An empty quick-add is refused with the core's message in the opened full form."""
    response = browser.post("/projects/1/tasks", {"title": "", "status": "pending"})
    assert 400 == response.status_code
    assert '<details class="card" open>\n<summary id="h-newtask">' in response.text


def test_filter_bar_narrows_every_column(board: str, browser: Browser) -> None:
    """Assignee, label, priority and due filters apply to all columns, and the counts
    follow; the form keeps the choice and offers to show everything again."""
    assert 'id="bf-assignee"' in board
    mine = browser.get("/projects/1?assignee=1").text
    assert (["Late"], []) == (titles(mine, "pending"), titles(mine, "completed"))
    assert '<option value="1" selected>maria.garcia</option>' in mine
    assert "Show all tasks</a>" in mine
    assert ["Late"] == titles(browser.get("/projects/1?label=cms").text, "pending")
    assert ["Late"] == titles(browser.get("/projects/1?due=overdue").text, "pending")
    on_time = browser.get("/projects/1?due=on_time").text
    assert (["Blocker"], ["Done"]) == (titles(on_time, "pending"), titles(on_time, "completed"))
    assert [] == titles(browser.get("/projects/1?priority=high").text, "pending")
    assert re.search(
        r'id="col-pending">pending <span class="count"[^>]*>0</span>',
        (browser.get("/projects/1?priority=high").text),
    )


def test_filter_bar_refuses_bad_values(board: str, browser: Browser) -> None:
    """A bad assignee, due choice or priority answers 400 naming the field."""
    for query, field in (("assignee=bob", "assignee"), ("due=soon", "due"), ("priority=x", "")):
        response = browser.get(f"/projects/1?{query}")
        assert 400 == response.status_code, query
        assert field in response.text
