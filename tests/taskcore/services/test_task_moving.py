"""Moving a task to another project: who may, what goes with it, what is refused."""

from __future__ import annotations

import pytest

from taskcore import errors
from taskcore.domain.events import TaskUpdated
from taskcore.domain.tasks import TaskStatus
from taskcore.services.tasks import TaskFilters
from taskcore.services.users import Principal
from taskcore_adapters.testing import World

People = tuple[Principal, Principal, Principal]


@pytest.fixture
def world() -> World:
    return World.create()


@pytest.fixture
def people(world: World) -> People:
    """alice (owner of both projects), bob (member of both), carol (member of the first
    only)."""
    return world.user("alice"), world.user("bob"), world.user("carol")


def _projects(world: World, people: People) -> tuple[int, int]:
    alice, bob, carol = people
    here = world.project(alice, members=[bob, carol], name="Here")
    there = world.project(alice, members=[bob], name="There")
    return here.id, there.id


def _error(exc: pytest.ExceptionInfo[errors.ValidationError]) -> tuple[str, str | None]:
    return exc.value.message, exc.value.field


def test_moves_to_the_end_of_its_column_with_one_event(world: World, people: People) -> None:
    """The task lands last in its status column of the destination, keeps its fields and
    comments, and one task.updated event of the destination records the move."""
    alice, bob, carol = people
    here, there = _projects(world, people)
    tasks = world.core.tasks
    tasks.create_task(alice, there, title="Already there", status=TaskStatus.IN_PROGRESS)
    task = tasks.create_task(
        alice,
        here,
        title="Pick a CMS",
        status=TaskStatus.IN_PROGRESS,
        labels=["web"],
        assignee_id=bob.user_id,
        watchers=[bob.user_id, carol.user_id],
    )
    world.core.comments.add_comment(alice, task.id, content="Hugo or Zola?")
    moved = tasks.move_task(bob, task.id, there)
    assert (there, "in_progress", ("web",), bob.user_id) == (
        moved.project_id,
        moved.status.value,
        tuple(moved.labels),
        moved.assignee_id,
    )
    assert (bob.user_id,) == tuple(moved.watchers)  # carol may not see it there
    column = tasks.list_tasks(
        alice,
        there,
        filters=TaskFilters(status=TaskStatus.IN_PROGRESS, sort="position", order="asc"),
    )
    assert ["Already there", "Pick a CMS"] == [t.title for t in column.items]
    assert [] == tasks.list_tasks(alice, here).items
    assert ["Hugo or Zola?"] == [
        c.content for c in world.core.comments.list_comments(alice, task.id).items
    ]
    updates = [e for e in world.events() if isinstance(e, TaskUpdated) and e.entity_id == task.id]
    assert 1 == len(updates)
    assert (there, {"old": here, "new": there}) == (
        updates[0].project_id,
        updates[0].changes["project_id"],
    )
    assert {"old": [bob.user_id, carol.user_id], "new": [bob.user_id]} == updates[0].changes[
        "watchers"
    ]
    with pytest.raises(errors.TaskNotFound):
        tasks.get_task(carol, task.id)


def test_writers_of_both_projects_only(world: World, people: People) -> None:
    """A viewer of either project is refused; a project the caller cannot see is 404."""
    alice, bob, carol = people
    here = world.project(alice, members=[bob], viewers=[carol], name="Here").id
    viewed = world.project(alice, members=[carol], viewers=[bob], name="Viewed").id
    hidden = world.project(carol, name="Carol's").id
    tasks = world.core.tasks
    task = tasks.create_task(alice, here, title="t")
    with pytest.raises(errors.ProjectRoleRequired):
        tasks.move_task(carol, task.id, viewed)  # a viewer of the task's project
    with pytest.raises(errors.ProjectRoleRequired):
        tasks.move_task(bob, task.id, viewed)  # a viewer of the destination
    with pytest.raises(errors.ProjectNotFound):
        tasks.move_task(bob, task.id, hidden)
    with pytest.raises(errors.ProjectNotFound):
        tasks.move_task(bob, task.id, 999)
    assert here == tasks.get_task(alice, task.id).project_id


def test_refusals_name_the_project_field(world: World, people: People) -> None:
    """A task with a parent or subtasks, one already there, or one assigned to someone
    who is not a member of the destination stays where it is."""
    alice, _, carol = people
    here, there = _projects(world, people)
    tasks = world.core.tasks
    parent = tasks.create_task(alice, here, title="parent")
    child = tasks.create_task(alice, here, title="child", parent_id=parent.id)
    carols = tasks.create_task(alice, here, title="carol's", assignee_id=carol.user_id)
    cases = [
        (parent.id, there, "A task with a parent or subtasks cannot move to another project"),
        (child.id, there, "A task with a parent or subtasks cannot move to another project"),
        (parent.id, here, "The task is already in this project"),
        (carols.id, there, "The task's assignees must be members of the destination project"),
    ]
    for task_id, project_id, message in cases:
        with pytest.raises(errors.ValidationError) as exc:
            tasks.move_task(alice, task_id, project_id)
        assert (message, "project_id") == _error(exc)
    assert {here} == {t.project_id for t in tasks.list_tasks(alice, here).items}
    assert 3 == tasks.list_tasks(alice, here).total


def test_custom_fields_follow_the_destination(world: World, people: People) -> None:
    """Values of keys the destination defines are kept and checked; others are dropped;
    a required field of the destination the task has no value for is refused."""
    alice, _, _ = people
    here, there = _projects(world, people)
    tasks = world.core.tasks
    for project in (here, there):
        tasks.define_field(alice, project, key="points", label="Points", field_type="number")
    tasks.define_field(alice, here, key="team", label="Team", field_type="text")
    task = tasks.create_task(alice, here, title="t", custom_fields={"points": 3, "team": "web"})
    moved = tasks.move_task(alice, task.id, there)
    assert {"points": 3} == dict(moved.custom_fields)
    strict = world.project(alice, name="Strict").id
    tasks.define_field(alice, strict, key="size", label="Size", field_type="number", required=True)
    with pytest.raises(errors.ValidationError) as exc:
        tasks.move_task(alice, task.id, strict)
    assert ("custom_fields.size is required", "custom_fields.size") == _error(exc)


def test_stale_version_is_refused(world: World, people: People) -> None:
    alice, _, _ = people
    here, there = _projects(world, people)
    task = world.core.tasks.create_task(alice, here, title="t")
    with pytest.raises(errors.VersionMismatch):
        world.core.tasks.move_task(alice, task.id, there, expected_version=task.version + 1)
