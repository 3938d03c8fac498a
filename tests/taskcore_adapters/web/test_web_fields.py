"""The custom-field settings page: owners add and remove definitions, bad input is shown
on its field, members only read."""

from __future__ import annotations

from taskcore_adapters.bootstrap import Runtime
from taskcore_adapters.web.testing import Browser


def test_owners_define_and_remove_fields(browser: Browser, runtime: Runtime) -> None:
    browser.register("alice")
    browser.get("/projects")
    browser.post("/projects", {"name": "Apollo"})
    assert 'href="/projects/1/fields"' in browser.get("/projects/1").text
    browser.get("/projects/1/fields")
    added = browser.post(
        "/projects/1/fields",
        {"key": "size", "label": "Size", "type": "single_select", "options": "S, M, L"},
    )
    assert "Custom field added." in added.text
    assert "<td><code>size</code></td><td>Size</td><td>single select</td>" in added.text
    assert "S, M, L" in added.text
    owner = runtime.core.as_user(1)
    (stored,) = runtime.core.tasks.list_fields(owner, 1)
    assert (stored.key, stored.options) == ("size", ("S", "M", "L"))

    taken = browser.post("/projects/1/fields", {"key": "size", "label": "Again", "type": "text"})
    bad_type = browser.post("/projects/1/fields", {"key": "x", "label": "X", "type": "colour"})
    assert (409, True) == (taken.status_code, 'id="cf-key-error"' in taken.text)
    assert (400, True) == (bad_type.status_code, 'id="cf-type-error"' in bad_type.text)

    removed = browser.post(f"/projects/1/fields/{stored.id}/delete")
    assert "Custom field and its values removed." in removed.text
    assert [] == runtime.core.tasks.list_fields(owner, 1)


def test_members_see_the_fields_without_the_forms(
    browser: Browser, other_browser: Browser, runtime: Runtime
) -> None:
    browser.register("alice")
    browser.get("/projects")
    browser.post("/projects", {"name": "Apollo"})
    other_browser.register("bob")
    admin = runtime.core.users.register(
        username="root",
        email="root@example.com",
        password="long enough",
        full_name="R",
        is_admin=True,
    )
    root = runtime.core.as_user(admin.id)
    runtime.core.projects.add_member(root, 1, user_id=2)
    runtime.core.tasks.define_field(root, 1, key="points", label="Points", field_type="number")
    page = other_browser.get("/projects/1/fields")
    assert (200, True, False) == (
        page.status_code,
        "<code>points</code>" in page.text,
        'action="/projects/1/fields"' in page.text,
    )
