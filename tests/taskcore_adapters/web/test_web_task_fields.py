"""A task's custom-field values, edited in place on the task page: one input per field
shaped by its type, values saved and cleared, refusals shown on the task page on the field
they name, viewers only read, and the former values page redirects to the section."""

from __future__ import annotations

from taskcore_adapters.bootstrap import Runtime
from taskcore_adapters.web.testing import Browser

CARD = '<section id="custom-fields"'


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


def _card(page: str) -> str:
    """The custom-fields section of a task page."""
    start = page.index(CARD)
    return page[start : page.index("</section>", start)]


def test_values_are_set_shown_and_cleared(browser: Browser, runtime: Runtime) -> None:
    task_id = _project_with_fields(browser, runtime)
    owner = runtime.core.as_user(1)
    page = browser.get(f"/tasks/{task_id}").text
    assert f'href="/tasks/{task_id}/fields"' not in page
    form = _card(page)
    assert CARD in page
    assert f'<form method="post" action="/tasks/{task_id}/fields"' in form
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
    assert str(saved.url).endswith(f"/tasks/{task_id}")
    assert runtime.core.tasks.get_task(owner, task_id).custom_fields == {
        "points": 2.5,
        "size": "M",
        "tags": ("a", "b"),
        "urgent": True,
        "due": "2030-01-31",
        "owner": 1,
        "note": "hello",
    }
    shown = browser.get(f"/tasks/{task_id}").text
    card = _card(shown)
    assert 'name="cf.points" type="number" value="2.5"' in card
    assert '<option value="M" selected>M</option>' in card
    assert 'name="cf.tags" value="b" checked' in card
    # The task's facts name each field by its label, members by name, yes or no.
    for label, text in [("Points", "2.5"), ("Tags", "a, b"), ("Urgent", "yes"), ("Owner", "alice")]:
        assert f"<dt>{label}</dt><dd>{text}</dd>" in shown, label
    assert "<dt>points</dt>" not in shown
    # The task's own edit form keeps its values beside the card's.
    assert 'id="et-title" name="title" type="text" value="Main"' in shown
    board = browser.get("/projects/1").text
    assert "size: M" in board
    assert "tags: a, b" in board

    cleared = browser.post(
        f"/tasks/{task_id}/fields", {"version": "2", "cf.points": "", "cf.size": "S"}
    )
    assert "Custom fields saved." in cleared.text
    assert runtime.core.tasks.get_task(owner, task_id).custom_fields == {"size": "S"}
    assert "<dt>Points</dt>" not in cleared.text.split(CARD)[0]


def test_bad_values_are_shown_on_their_field(browser: Browser, runtime: Runtime) -> None:
    task_id = _project_with_fields(browser, runtime)
    browser.get(f"/tasks/{task_id}")
    for name, text in [("points", "many"), ("due", "tomorrow"), ("size", "XL"), ("owner", "9")]:
        refused = browser.post(f"/tasks/{task_id}/fields", {f"cf.{name}": text})
        assert (400, True, True) == (
            refused.status_code,
            f'id="tf-cf.{name}-error"' in _card(refused.text),
            f"custom_fields.{name} must be" in refused.text,
        ), name
        assert f'value="{text}"' in _card(refused.text) or name in ("size", "owner")
        # The task page's own form shows the stored task, without a refusal.
        assert 'id="et-title" name="title" type="text" value="Main"' in refused.text
        assert '<details class="card" open>' not in refused.text
    stale = browser.post(f"/tasks/{task_id}/fields", {"version": "7", "cf.note": "x"})
    assert (412, True, True) == (
        stale.status_code,
        'class="error" role="alert"' in _card(stale.text),
        'name="cf.note" type="text" value="x"' in _card(stale.text),
    )
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
    page = other_browser.get(f"/tasks/{task_id}")
    assert (200, True, True, False) == (
        page.status_code,
        "<dt>Note</dt><dd>seen</dd>" in _card(page.text),
        "<dt>Points</dt><dd>—</dd>" in _card(page.text),
        f'action="/tasks/{task_id}/fields"' in page.text,
    )
    refused = other_browser.post(f"/tasks/{task_id}/fields", {"cf.note": "mine"})
    assert 403 == refused.status_code
    assert {"note": "seen"} == runtime.core.tasks.get_task(owner, task_id).custom_fields


def test_the_old_values_page_redirects_to_the_card(browser: Browser, runtime: Runtime) -> None:
    task_id = _project_with_fields(browser, runtime)
    moved = browser.client.get(f"/tasks/{task_id}/fields", follow_redirects=False)
    assert (303, f"/tasks/{task_id}#custom-fields") == (
        moved.status_code,
        moved.headers["location"],
    )


def test_a_project_without_fields_points_to_their_page(browser: Browser) -> None:
    browser.register("alice")
    browser.get("/projects")
    browser.post("/projects", {"name": "Apollo"})
    browser.post("/projects/1/tasks", {"title": "Plain"})
    card = _card(browser.get("/tasks/1").text)
    assert (True, False) == (
        'its owners define them on the <a href="/projects/1/fields">' in card,
        'action="/tasks/1/fields"' in card,
    )
