"""The list view: sorting, filters, and bulk actions run task by task."""

from __future__ import annotations

import re

import pytest

from taskcore.domain.invitations import InvitationView
from taskcore.domain.pagination import PageRequest
from taskcore.services.users import Principal
from taskcore_adapters.bootstrap import Runtime
from taskcore_adapters.web.testing import PASSWORD, Browser


def actor(runtime: Runtime, username: str) -> Principal:
    """The principal of ``username``."""
    users = runtime.core.users
    principal: Principal = users.authenticate(
        users.login(username=username, password=PASSWORD).token
    )
    return principal


def rows(html: str) -> list[str]:
    """The task titles of the table, top to bottom."""
    return re.findall(r'<th scope="row"><a href="/tasks/\d+">([^<]*)</a>', html)


@pytest.fixture
def project(browser: Browser) -> int:
    """Alice's project 1 with Alpha (low, due 2030-03-01), Beta (critical, due
    2030-01-01) and Gamma (medium, no due date)."""
    browser.register("alice")
    browser.get("/projects")
    browser.post("/projects", {"name": "Apollo"})
    for title, priority, due in (
        ("Alpha", "low", "2030-03-01"),
        ("Beta", "critical", "2030-01-01"),
        ("Gamma", "medium", ""),
    ):
        browser.post("/projects/1/tasks", {"title": title, "priority": priority, "due_date": due})
    return 1


def test_list_sorts_by_a_column(browser: Browser, project: int) -> None:
    """Board order by default; priority and due date both ways, the sorted column
    marked for assistive technology."""
    assert ["Alpha", "Beta", "Gamma"] == rows(browser.get("/projects/1/list").text)
    by_priority = browser.get("/projects/1/list?sort=priority&order=desc").text
    assert ["Beta", "Gamma", "Alpha"] == rows(by_priority)
    assert 'aria-sort="descending"><a href="/projects/1/list?sort=priority&amp;order=asc' in (
        by_priority
    )
    assert ["Beta", "Alpha", "Gamma"] == rows(
        browser.get("/projects/1/list?sort=due_date&order=asc").text
    )


def test_list_filters_by_status_and_assignee(browser: Browser, project: int) -> None:
    """The status and assignee filters narrow the table."""
    browser.get("/projects/1")
    browser.post("/tasks/2/move", {"status": "completed"})
    assert ["Beta"] == rows(browser.get("/projects/1/list?status=completed").text)
    browser.post("/projects/1/tasks", {"title": "Mine", "assignee_id": "1"})
    assert ["Mine"] == rows(browser.get("/projects/1/list?assignee=1").text)


def test_bad_sort_and_filter_answer_400(browser: Browser, project: int) -> None:
    """An unknown sort or a non-numeric assignee is refused naming the field."""
    response = browser.get("/projects/1/list?sort=password")
    assert 400 == response.status_code
    response = browser.get("/projects/1/list?assignee=bob")
    assert (400, True) == (response.status_code, "assignee" in response.text)


def test_bulk_status_is_one_change_per_task(
    browser: Browser, project: int, runtime: Runtime
) -> None:
    """Setting the status of two tasks changes both, each with its own history entry."""
    browser.get("/projects/1/list")
    response = browser.post(
        "/projects/1/bulk",
        {"task_id": ["1", "3"], "action": "status", "status": "in_progress"},  # type: ignore[dict-item]
    )
    assert "2 tasks moved to in progress." in response.text
    alice = actor(runtime, "alice")
    core = runtime.core
    assert ["in_progress", "pending", "in_progress"] == [
        core.tasks.get_task(alice, i).status.value for i in (1, 2, 3)
    ]
    for task_id in (1, 3):
        history = core.activity.task_history(alice, task_id, page=PageRequest()).items
        assert 1 == sum(1 for h in history if h.entry.action == "status_change")


def test_bulk_assign_and_delete(browser: Browser, project: int, runtime: Runtime) -> None:
    """Assigning sets the one assignee (or nobody); delete removes the tasks."""
    browser.get("/projects/1/list")
    browser.post(
        "/projects/1/bulk",
        {"task_id": ["1", "2"], "action": "assignee", "assignee_id": "1"},  # type: ignore[dict-item]
    )
    alice = actor(runtime, "alice")
    assert (1,) == runtime.core.tasks.get_task(alice, 2).assignee_ids
    deleted = browser.post(
        "/projects/1/bulk",
        {"task_id": ["1", "2"], "action": "delete"},  # type: ignore[dict-item]
    )
    assert "2 tasks deleted." in deleted.text
    assert ["Gamma"] == rows(deleted.text)


def test_bulk_reports_refusals_per_task(
    browser: Browser, other_browser: Browser, project: int
) -> None:
    """A task the core refuses (another project's, unknown) is listed with its message;
    the others are changed, and the page is no 500."""
    other_browser.register("mallory")
    other_browser.get("/projects")
    other_browser.post("/projects", {"name": "Hidden"})
    other_browser.post("/projects/2/tasks", {"title": "Secret"})
    browser.get("/projects/1/list")
    response = browser.post(
        "/projects/1/bulk",
        {"task_id": ["1", "4", "99"], "action": "status", "status": "completed"},  # type: ignore[dict-item]
    )
    assert 200 == response.status_code
    assert "1 task moved to completed." in response.text
    assert "2 tasks were not changed:" in response.text
    assert re.search(r"<li>Task 4: [^<]+</li>", response.text)
    assert re.search(r"<li>Task 99: [^<]+</li>", response.text)
    assert "Secret" not in response.text


def test_bulk_input_errors_name_the_field(browser: Browser, project: int) -> None:
    """Nothing ticked, a bad id or an unknown action come back as the notice, no 500."""
    browser.get("/projects/1/list")
    for data, words in (
        ({"action": "delete"}, "Select at least one task"),
        ({"task_id": "x", "action": "delete"}, "task_id must be task ids"),
        ({"task_id": "1", "action": "explode"}, "action must be"),
        ({"task_id": "1", "action": "status", "status": "nowhere"}, "Choose a status"),
    ):
        response = browser.post("/projects/1/bulk", data)
        assert (200, True) == (response.status_code, words in response.text), words


def test_viewers_get_no_bulk_form(
    browser: Browser, other_browser: Browser, project: int, runtime: Runtime
) -> None:
    """A viewer sees the table without checkboxes; a forged bulk post is refused per
    task by the core."""
    other_browser.register("victor")
    core = runtime.core
    alice, victor = actor(runtime, "alice"), actor(runtime, "victor")
    invitation = core.projects.add_or_invite(alice, 1, user_id=victor.user_id, role="viewer")
    assert isinstance(invitation, InvitationView)
    core.projects.accept_invitation(victor, invitation.id)
    html = other_browser.get("/projects/1/list").text
    assert ["Alpha", "Beta", "Gamma"] == rows(html)
    assert 'type="checkbox"' not in html
    response = other_browser.post("/projects/1/bulk", {"task_id": "1", "action": "delete"})
    assert 403 == response.status_code
    assert "Task 1:" in response.text


def test_outsiders_get_404(browser: Browser, other_browser: Browser, project: int) -> None:
    """Someone outside the project gets the core's 404 for the list and the bulk form."""
    other_browser.register("eve")
    assert 404 == other_browser.get("/projects/1/list").status_code
    other_browser.get("/projects")
    assert 404 == other_browser.post("/projects/1/bulk", {"task_id": "1"}).status_code


def test_bulk_labels(browser: Browser, project: int, runtime: Runtime) -> None:
    """Labels are set on every ticked task (replacing theirs); none clears them."""
    browser.get("/projects/1/list")
    done = browser.post(
        "/projects/1/bulk",
        {"task_id": ["1", "2"], "action": "labels", "labels": "cms, web"},  # type: ignore[dict-item]
    )
    assert "2 tasks relabelled." in done.text
    alice = actor(runtime, "alice")
    tasks = runtime.core.tasks
    assert [("cms", "web"), ("cms", "web"), ()] == [
        tasks.get_task(alice, i).labels for i in (1, 2, 3)
    ]
    browser.post("/projects/1/bulk", {"task_id": "2", "action": "labels", "labels": ""})
    assert () == tasks.get_task(alice, 2).labels


def test_a_row_is_edited_in_place(browser: Browser, project: int, runtime: Runtime) -> None:
    """Each row's status, priority, assignee and due date belong to its own form, which
    saves them and comes back to the list as it was sorted."""
    page = browser.get("/projects/1/list?sort=priority&order=desc").text
    assert 'id="st-2" name="status" form="edit-2"' in page
    assert '<form id="edit-2" method="post" action="/tasks/2/quick">' in page
    saved = browser.post(
        "/tasks/2/quick",
        {
            "status": "in_progress",
            "priority": "low",
            "assignee_id": "1",
            "due_date": "",
            "version": "1",
            "back": "sort=priority&order=desc&evil=x",
        },
    )
    assert saved.url.path == "/projects/1/list"
    assert saved.url.query == b"sort=priority&order=desc"
    assert "Beta saved." in saved.text
    task = runtime.core.tasks.get_task(actor(runtime, "alice"), 2)
    assert ("in_progress", "low", 1, None) == (
        task.status.value,
        task.priority.value,
        task.assignee_id,
        task.due_date,
    )


def test_a_stale_row_gets_the_core_conflict(browser: Browser, project: int) -> None:
    """A row saved from an old page (its version changed since) is refused with the
    core's message as the notice; a bad due date likewise."""
    browser.get("/projects/1/list")
    browser.post("/tasks/1/move", {"status": "completed"})
    stale = browser.post("/tasks/1/quick", {"status": "pending", "version": "1"})
    assert "Alpha: " in stale.text
    assert "Alpha saved." not in stale.text
    bad = browser.post("/tasks/3/quick", {"due_date": "someday", "version": "1"})
    assert (200, True) == (bad.status_code, "Gamma: " in bad.text)


def destinations(html: str) -> list[str]:
    """The names offered by the bulk form's move-to-project select."""
    found = re.search(r'<select id="b-project" name="project_id">(.*?)</select>', html, re.S)
    return re.findall(r'<option value="\d+">([^<]*)</option>', found.group(1)) if found else []


def test_bulk_move_to_project(browser: Browser, project: int, runtime: Runtime) -> None:
    """The ticked tasks move to the chosen project, one history entry each; only the
    caller's other projects they may add tasks to are offered."""
    browser.get("/projects")
    browser.post("/projects", {"name": "Zeus"})
    assert ["Zeus"] == destinations(browser.get("/projects/1/list").text)
    moved = browser.post(
        "/projects/1/bulk",
        {"task_id": ["1", "3"], "action": "project", "project_id": "2"},  # type: ignore[dict-item]
    )
    assert "2 tasks moved to Zeus." in moved.text
    assert ["Beta"] == rows(moved.text)
    assert ["Alpha", "Gamma"] == rows(browser.get("/projects/2/list").text)
    alice = actor(runtime, "alice")
    for task_id in (1, 3):
        history = runtime.core.activity.task_history(alice, task_id, page=PageRequest()).items
        updates = [h.entry for h in history if h.entry.action == "update"]
        assert [{"old": 1, "new": 2}] == [
            (u.details or {})["changes"]["project_id"] for u in updates
        ]


def test_bulk_move_refusals(
    browser: Browser, other_browser: Browser, project: int, runtime: Runtime
) -> None:
    """A task with subtasks stays, listed with the core's message; a project the caller
    may only view, or cannot see, is neither offered nor accepted."""
    other_browser.register("mallory")
    other_browser.get("/projects")
    other_browser.post("/projects", {"name": "Hidden"})
    other_browser.post("/projects", {"name": "Read only"})
    core = runtime.core
    alice, mallory = actor(runtime, "alice"), actor(runtime, "mallory")
    invitation = core.projects.add_or_invite(mallory, 3, user_id=alice.user_id, role="viewer")
    assert isinstance(invitation, InvitationView)
    core.projects.accept_invitation(alice, invitation.id)
    browser.get("/projects")
    browser.post("/projects", {"name": "Zeus"})
    core.tasks.create_task(alice, 1, title="Alpha's step", parent_id=1)
    page = browser.get("/projects/1/list").text
    assert ["Zeus"] == destinations(page)
    response = browser.post(
        "/projects/1/bulk",
        {"task_id": ["1", "2"], "action": "project", "project_id": "4"},  # type: ignore[dict-item]
    )
    assert 200 == response.status_code
    assert "1 task moved to Zeus." in response.text
    assert (
        "<li>Task 1: A task with a parent or subtasks cannot move to another project</li>"
        in response.text
    )
    assert 1 == core.tasks.get_task(alice, 1).project_id
    for target in ("2", "3", "99", "x"):
        refused = browser.post(
            "/projects/1/bulk", {"task_id": "3", "action": "project", "project_id": target}
        )
        assert "Choose a project to move the tasks to" in refused.text, target
        assert 1 == core.tasks.get_task(alice, 3).project_id
