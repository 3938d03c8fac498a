"""Custom fields in the tasks service: definitions by owners, typed values checked in the
core, required fields, renames keeping values, deletion with an event, and filters."""

from __future__ import annotations

import pytest

from taskcore import errors
from taskcore.domain.events import CustomFieldDeleted, TaskUpdated
from taskcore.services.tasks import TaskDraft, TaskFilters
from taskcore.services.users import Principal
from taskcore_adapters.testing import World

Team = tuple[Principal, Principal, int]


@pytest.fixture
def world() -> World:
    return World.create()


@pytest.fixture
def team(world: World) -> Team:
    """An owner, a member and their project."""
    alice, bob = world.user("alice"), world.user("bob")
    project = world.project(alice, members=[bob])
    return alice, bob, project.id


def test_only_owners_define(world: World, team: Team) -> None:
    alice, bob, project = team
    tasks = world.core.tasks
    with pytest.raises(errors.ProjectRoleRequired):
        tasks.define_field(bob, project, key="points", label="Points", field_type="number")
    made = tasks.define_field(alice, project, key="points", label="Points", field_type="number")
    with pytest.raises(errors.Conflict):
        tasks.define_field(alice, project, key="points", label="Again", field_type="text")
    assert [made] == tasks.list_fields(bob, project)


@pytest.mark.parametrize(
    "case",
    [
        ("text", None, "hi", "hi"),
        ("number", None, 3, 3.0),
        ("date", None, "2026-05-01", "2026-05-01"),
        ("boolean", None, True, True),
        ("single_select", ["a", "b"], "b", "b"),
        ("multi_select", ["a", "b", "c"], ["c", "a"], ("a", "c")),
        ("url", None, "https://example.com/x", "https://example.com/x"),
    ],
)
def test_typed_values(
    world: World, team: Team, case: tuple[str, list[str] | None, object, object]
) -> None:
    """Each type takes its values in canonical form and refuses others (400 naming the
    field)."""
    kind, options, value, stored = case
    alice, _, project = team
    tasks = world.core.tasks
    tasks.define_field(alice, project, key="f", label="F", field_type=kind, options=options)
    task = tasks.create_task(alice, project, title="t", custom_fields={"f": value})
    assert {"f": stored} == task.custom_fields
    with pytest.raises(errors.ValidationError) as exc:
        tasks.update_task(alice, task.id, custom_fields={"f": {"no": 1}})
    assert "custom_fields.f" == exc.value.field


def test_user_field_needs_a_member(world: World, team: Team) -> None:
    alice, bob, project = team
    tasks = world.core.tasks
    tasks.define_field(alice, project, key="reviewer", label="Reviewer", field_type="user")
    dave = world.user("dave")
    with pytest.raises(errors.ValidationError):
        tasks.create_task(alice, project, title="t", custom_fields={"reviewer": dave.user_id})
    task = tasks.create_task(alice, project, title="t", custom_fields={"reviewer": bob.user_id})
    assert {"reviewer": bob.user_id} == task.custom_fields


def test_required_and_unknown(world: World, team: Team) -> None:
    alice, _, project = team
    tasks = world.core.tasks
    tasks.define_field(alice, project, key="size", label="Size", field_type="number", required=True)
    for given, field in (({}, "custom_fields.size"), ({"size": 1, "x": 2}, "custom_fields.x")):
        with pytest.raises(errors.ValidationError) as exc:
            tasks.create_task(alice, project, title="t", custom_fields=given)
        assert field == exc.value.field
    task = tasks.create_task(alice, project, title="t", custom_fields={"size": 1})
    with pytest.raises(errors.ValidationError):
        tasks.update_task(alice, task.id, custom_fields={"size": None})
    changed = tasks.update_task(alice, task.id, custom_fields={"size": 2})
    updates = [e for e in world.events() if isinstance(e, TaskUpdated)]
    assert {"old": {"size": 1.0}, "new": {"size": 2.0}} == updates[-1].changes["custom_fields"]
    assert {"size": 2.0} == changed.custom_fields


def test_rename_keeps_values_and_delete_records(world: World, team: Team) -> None:
    alice, _, project = team
    tasks = world.core.tasks
    field = tasks.define_field(
        alice, project, key="stage", label="Stage", field_type="single_select", options=["a"]
    )
    task = tasks.create_task(alice, project, title="t", custom_fields={"stage": "a"})
    tasks.change_field(alice, project, field.ident, key="phase", options=["a", "b"])
    assert {"phase": "a"} == tasks.get_task(alice, task.id).custom_fields
    with pytest.raises(errors.ValidationError):
        tasks.change_field(alice, project, field.ident, options=["b"])
    tasks.delete_field(alice, project, field.ident)
    assert {} == tasks.get_task(alice, task.id).custom_fields
    deleted = [e for e in world.events() if isinstance(e, CustomFieldDeleted)]
    assert [("phase", 1)] == [(e.key, e.values_deleted) for e in deleted]
    with pytest.raises(errors.CustomFieldNotFound):
        tasks.delete_field(alice, project, field.ident)


def test_filters(world: World, team: Team) -> None:
    alice, _, project = team
    tasks = world.core.tasks
    tasks.define_field(alice, project, key="points", label="Points", field_type="number")
    made = [
        tasks.create_task(alice, project, title=str(n), custom_fields={"points": n}).id
        for n in (1, 3, 5)
    ]

    def ids(*custom: tuple[str, str, str]) -> list[int]:
        filters = TaskFilters(custom=custom, sort="created_at", order="asc")
        return [t.id for t in tasks.list_tasks(alice, project, filters=filters).items]

    assert made[1:] == ids(("points", "gte", "3"))
    assert made[:2] == ids(("points", "lte", "3"))
    assert [made[0], made[2]] == ids(("points", "in", "1,5"))
    assert [made[1]] == ids(("points", "gte", "2"), ("points", "lte", "4"))
    with pytest.raises(errors.ValidationError) as exc:
        ids(("points", "eq", "x"))
    assert "cf.points" == exc.value.field


def test_renaming_an_option_keeps_the_values(world: World, team: Team) -> None:
    alice, _, project = team
    tasks = world.core.tasks
    field = tasks.define_field(
        alice, project, key="stage", label="Stage", field_type="single_select", options=["a", "b"]
    )
    task = tasks.create_task(alice, project, title="t", custom_fields={"stage": "a"})
    changed = tasks.change_field(alice, project, field.ident, rename_options={"a": "alpha"})
    assert ("alpha", "b") == changed.options
    assert {"stage": "alpha"} == tasks.get_task(alice, task.id).custom_fields
    for renames in ({"zzz": "q"}, {"alpha": "b"}):
        with pytest.raises(errors.ValidationError) as exc:
            tasks.change_field(alice, project, field.ident, rename_options=renames)
        assert "rename_options" == exc.value.field


def test_sort_by_a_field(world: World, team: Team) -> None:
    """sort=cf.<key> orders by the value; a multi select or "my tasks" cannot."""
    alice, _, project = team
    tasks = world.core.tasks
    tasks.define_field(alice, project, key="due", label="Due", field_type="date")
    tasks.define_field(
        alice, project, key="tags", label="Tags", field_type="multi_select", options=["a"]
    )
    late = tasks.create_task(alice, project, title="late", custom_fields={"due": "2026-09-01"})
    soon = tasks.create_task(alice, project, title="soon", custom_fields={"due": "2026-01-01"})
    found = tasks.list_tasks(alice, project, filters=TaskFilters(sort="cf.due", order="asc"))
    assert [soon.id, late.id] == [t.id for t in found.items]
    for filters in (TaskFilters(sort="cf.tags"), TaskFilters(sort="cf.none")):
        with pytest.raises(errors.ValidationError) as exc:
            tasks.list_tasks(alice, project, filters=filters)
        assert "sort" == exc.value.field
    with pytest.raises(errors.ValidationError):
        tasks.list_my_tasks(alice, filters=TaskFilters(sort="cf.due"))


def test_imports_respect_required_fields(world: World, team: Team) -> None:
    """Imported tasks carry no custom-field values: a required field refuses them."""
    alice, _, project = team
    tasks = world.core.tasks
    assert 1 == len(tasks.import_tasks(alice, project, [TaskDraft(title="before")]))
    tasks.define_field(alice, project, key="size", label="Size", field_type="number", required=True)
    with pytest.raises(errors.ValidationError) as exc:
        tasks.import_tasks(alice, project, [TaskDraft(title="after")])
    assert "items[0].custom_fields.size" == exc.value.field
