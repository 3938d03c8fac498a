"""The custom-field settings page: owners add, change and remove definitions, bad input
is shown on its field, members only read."""

from __future__ import annotations

from taskcore.services.users.views import Principal
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


def _apollo_with_size(browser: Browser, runtime: Runtime) -> tuple[Principal, int]:
    """Alice's project 1 with a single select ``size`` (S, M, L); its id."""
    browser.register("alice")
    browser.get("/projects")
    browser.post("/projects", {"name": "Apollo"})
    owner = runtime.core.as_user(1)
    size = runtime.core.tasks.define_field(
        owner, 1, key="size", label="Size", field_type="single_select", options=["S", "M", "L"]
    )
    return owner, size.ident


def test_owners_rename_a_field_and_its_options_keeping_the_values(
    browser: Browser, runtime: Runtime
) -> None:
    owner, field_id = _apollo_with_size(browser, runtime)
    tasks = runtime.core.tasks
    small = tasks.create_task(owner, 1, title="Small", custom_fields={"size": "S"})
    large = tasks.create_task(owner, 1, title="Large", custom_fields={"size": "L"})
    page = browser.get("/projects/1/fields").text
    assert f'action="/projects/1/fields/{field_id}"' in page
    assert '<option value="M">M</option>' in page.split(f'id="ef{field_id}-rename_from"')[1]

    changed = browser.post(
        f"/projects/1/fields/{field_id}",
        {
            "label": "T-shirt size",
            "position": "7",
            "required": "1",
            "rename_from": "S",
            "rename_to": "Small",
            "add_option": "XL",
        },
    )
    assert (200, True) == (changed.status_code, "Custom field updated." in changed.text)
    assert "<td>T-shirt size</td>" in changed.text
    assert "Small, M, L, XL" in changed.text
    (stored,) = tasks.list_fields(owner, 1)
    assert (stored.key, stored.label, stored.required, stored.position, stored.options) == (
        "size",
        "T-shirt size",
        True,
        7,
        ("Small", "M", "L", "XL"),
    )
    assert tasks.get_task(owner, small.id).custom_fields == {"size": "Small"}
    assert tasks.get_task(owner, large.id).custom_fields == {"size": "L"}

    unchecked = browser.post(
        f"/projects/1/fields/{field_id}", {"label": "T-shirt size", "position": "7"}
    )
    assert "Custom field updated." in unchecked.text
    assert tasks.list_fields(owner, 1)[0].required is False


def test_bad_changes_are_shown_on_their_field(browser: Browser, runtime: Runtime) -> None:
    owner, field_id = _apollo_with_size(browser, runtime)
    browser.get("/projects/1/fields")
    base = {"label": "Size", "position": "1"}
    cases = {
        "label": {**base, "label": "  "},
        "position": {**base, "position": "first"},
        "rename_to": {**base, "rename_from": "S", "rename_to": "M"},
        "rename_from": {**base, "rename_to": "Tiny"},
        "add_option": {**base, "add_option": "L"},
    }
    for name, form in cases.items():
        refused = browser.post(f"/projects/1/fields/{field_id}", form)
        form_of_field = refused.text.split(f'action="/projects/1/fields/{field_id}"')[1]
        assert (400, True, True) == (
            refused.status_code,
            f'id="ef{field_id}-{name}-error"' in form_of_field,
            '<details class="card" open>' in refused.text,
        ), name
    other = browser.post(f"/projects/1/fields/{field_id + 1}", base)
    assert 404 == other.status_code
    (stored,) = runtime.core.tasks.list_fields(owner, 1)
    assert (stored.label, stored.position, stored.options) == ("Size", 1, ("S", "M", "L"))


def test_members_who_are_not_owners_cannot_change_a_field(
    browser: Browser, other_browser: Browser, runtime: Runtime
) -> None:
    owner, field_id = _apollo_with_size(browser, runtime)
    other_browser.register("bob")
    admin = runtime.core.users.register(
        username="root",
        email="root@example.com",
        password="long enough",
        full_name="R",
        is_admin=True,
    )
    runtime.core.projects.add_member(runtime.core.as_user(admin.id), 1, user_id=2)
    page = other_browser.get("/projects/1/fields")
    assert f'action="/projects/1/fields/{field_id}"' not in page.text
    refused = other_browser.post(
        f"/projects/1/fields/{field_id}", {"label": "Mine", "rename_from": "S", "rename_to": "X"}
    )
    assert (403, True) == (refused.status_code, "owners" in refused.text)
    (stored,) = runtime.core.tasks.list_fields(owner, 1)
    assert (stored.label, stored.options) == ("Size", ("S", "M", "L"))
