"""A task's custom-field values page: one input per field shaped by its type, values saved
and cleared, refusals shown on the field they name, viewers only read."""

from __future__ import annotations

from taskcore_adapters.bootstrap import Runtime
from taskcore_adapters.web.testing import Browser


def _project_with_fields(browser: Browser, runtime: Runtime) -> int:
    """Alice's project 1 with a field of each kind and a task; the task's id."""
    browser.register("alice")
    browser.get("/projects")
    browser.post("/projects", {"name": "Apollo"})
    owner = runtime.core.as_user(1)
    define = runtime.core.tasks.define_field
    define(owner, 1, key="points", label="Points", field_type="number")
    define(owner, 1, key="size", label="Size", field_type="single_select", options=["S", "M"])
    define(owner, 1, key="tags", label="Tags", field_type="multi_select", options=["a", "b"])
    define(owner, 1, key="urgent", label="Urgent", field_type="boolean")
    define(owner, 1, key="due", label="Due", field_type="date")
    define(owner, 1, key="owner", label="Owner", field_type="user")
    define(owner, 1, key="note", label="Note", field_type="text")
    return runtime.core.tasks.create_task(owner, 1, title="Main").id


def test_values_are_set_shown_and_cleared(browser: Browser, runtime: Runtime) -> None:
    task_id = _project_with_fields(browser, runtime)
    owner = runtime.core.as_user(1)
    assert f'href="/tasks/{task_id}/fields"' in browser.get(f"/tasks/{task_id}").text
    form = browser.get(f"/tasks/{task_id}/fields").text
    assert 'id="tf-cf.points" name="cf.points" type="number"' in form
    assert 'type="checkbox" id="tf-cf.tags-2" name="cf.tags" value="b"' in form
    saved = browser.client.post(
        f"/tasks/{task_id}/fields",
        data={
            "csrf_token": browser.csrf,
            "version": "1",
            "cf.points": "2.5",
            "cf.size": "M",
            "cf.tags": ["a", "b"],
            "cf.urgent": "true",
            "cf.due": "2030-01-31",
            "cf.owner": "1",
            "cf.note": "hello",
        },
    )
    assert (200, True) == (saved.status_code, "Custom fields saved." in saved.text)
    assert runtime.core.tasks.get_task(owner, task_id).custom_fields == {
        "points": 2.5,
        "size": "M",
        "tags": ("a", "b"),
        "urgent": True,
        "due": "2030-01-31",
        "owner": 1,
        "note": "hello",
    }
    shown = browser.get(f"/tasks/{task_id}/fields").text
    assert 'name="cf.points" type="number" value="2.5"' in shown
    assert '<option value="M" selected>M</option>' in shown
    assert 'name="cf.tags" value="b" checked' in shown
    board = browser.get("/projects/1").text
    assert "size: M" in board
    assert "tags: a, b" in board

    cleared = browser.post(
        f"/tasks/{task_id}/fields", {"version": "2", "cf.points": "", "cf.size": "S"}
    )
    assert "Custom fields saved." in cleared.text
    assert runtime.core.tasks.get_task(owner, task_id).custom_fields == {"size": "S"}


def test_bad_values_are_shown_on_their_field(browser: Browser, runtime: Runtime) -> None:
    task_id = _project_with_fields(browser, runtime)
    browser.get(f"/tasks/{task_id}/fields")
    for name, text in [("points", "many"), ("due", "tomorrow"), ("size", "XL"), ("owner", "9")]:
        refused = browser.post(f"/tasks/{task_id}/fields", {f"cf.{name}": text})
        assert (400, True, True) == (
            refused.status_code,
            f'id="tf-cf.{name}-error"' in refused.text,
            f"custom_fields.{name} must be" in refused.text,
        ), name
        assert f'value="{text}"' in refused.text or name in ("size", "owner")
    stale = browser.post(f"/tasks/{task_id}/fields", {"version": "7", "cf.note": "x"})
    assert (412, True) == (stale.status_code, 'class="error" role="alert"' in stale.text)
    assert {} == runtime.core.tasks.get_task(runtime.core.as_user(1), task_id).custom_fields


def test_viewers_read_the_values_without_a_form(
    browser: Browser, other_browser: Browser, runtime: Runtime
) -> None:
    task_id = _project_with_fields(browser, runtime)
    owner = runtime.core.as_user(1)
    runtime.core.tasks.update_task(owner, task_id, custom_fields={"note": "seen"})
    other_browser.register("bob")
    admin = runtime.core.users.register(
        username="root",
        email="root@example.com",
        password="long enough",
        full_name="R",
        is_admin=True,
    )
    runtime.core.projects.add_member(runtime.core.as_user(admin.id), 1, user_id=2, role="viewer")
    page = other_browser.get(f"/tasks/{task_id}/fields")
    assert (200, True, False) == (
        page.status_code,
        "<dt>Note</dt><dd>seen</dd>" in page.text,
        f'action="/tasks/{task_id}/fields"' in page.text,
    )
    refused = other_browser.post(f"/tasks/{task_id}/fields", {"cf.note": "mine"})
    assert 403 == refused.status_code
    assert {"note": "seen"} == runtime.core.tasks.get_task(owner, task_id).custom_fields
