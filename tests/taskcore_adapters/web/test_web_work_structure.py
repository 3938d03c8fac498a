"""The work structure on the pages: the board's blocked marker, subtask counts and
custom-field badges; the task page's assignees, subtasks and relations."""

from __future__ import annotations

from taskcore.services.users import Principal
from taskcore_adapters.bootstrap import Runtime
from taskcore_adapters.web.testing import PASSWORD, Browser


def _alice(runtime: Runtime) -> Principal:
    users = runtime.core.users
    principal: Principal = users.authenticate(
        users.login(username="alice", password=PASSWORD).token
    )
    return principal


def test_board_and_task_page(browser: Browser, runtime: Runtime) -> None:
    browser.register("alice")
    browser.get("/projects")
    browser.post("/projects", {"name": "Apollo"})
    alice = _alice(runtime)
    tasks = runtime.core.tasks
    tasks.define_field(alice, 1, key="points", label="Points", field_type="number")
    parent = tasks.create_task(
        alice, 1, title="Parent", custom_fields={"points": 3}, assignee_ids=[alice.user_id]
    )
    tasks.create_task(alice, 1, title="Child", parent_id=parent.id)
    blocker = tasks.create_task(alice, 1, title="Blocker")
    tasks.add_relation(alice, parent.id, kind="blocked_by", other_id=blocker.id)

    board = browser.get("/projects/1").text
    card = board.split(f'id="task-{parent.id}"', 1)[1].split("</li>", 1)[0]
    assert "blocked" in card
    assert "0/1 subtasks" in card
    assert "points: 3.0" in card

    page = browser.get(f"/tasks/{parent.id}").text
    assert 'id="h-subtasks">Subtasks (1)' in page
    assert "Child" in page
    assert "blocked by" in page.replace("_", " ")
    assert "Blocker" in page
    assert "alice" in page.split("<dt>Assignees</dt>", 1)[1].split("</dd>", 1)[0]


def test_add_subtask_and_relations_on_the_task_page(browser: Browser, runtime: Runtime) -> None:
    browser.register("alice")
    browser.get("/projects")
    browser.post("/projects", {"name": "Apollo"})
    alice = _alice(runtime)
    tasks = runtime.core.tasks
    task = tasks.create_task(alice, 1, title="Main")
    other = tasks.create_task(alice, 1, title="Other")
    browser.get(f"/tasks/{task.id}")
    added = browser.post(f"/tasks/{task.id}/subtasks", {"title": "Step one"})
    assert "Subtask added." in added.text
    assert ["Step one"] == [t.title for t in tasks.list_subtasks(alice, task.id).items]
    related = browser.post(
        f"/tasks/{task.id}/relations", {"kind": "blocked_by", "other_id": str(other.id)}
    )
    assert "Relation added." in related.text
    assert tasks.get_task(alice, task.id).blocked
    refused = browser.post(f"/tasks/{task.id}/relations", {"kind": "blocks", "other_id": "x"})
    assert "task_id must be a task id" in refused.text
    [relation] = tasks.list_relations(alice, task.id).items
    removed = browser.post(f"/tasks/{task.id}/relations/{relation.id}/delete", {})
    assert "Relation removed." in removed.text
    assert 0 == tasks.list_relations(alice, task.id).total
