"""Several assignees in the tasks service: members only, assignee_id kept for
compatibility, every assignee notified, "my tasks" includes shared tasks."""

from __future__ import annotations

import pytest

from taskcore import errors
from taskcore.domain.events import TaskAssigned
from taskcore.services.users import Principal
from taskcore_adapters.testing import World

Team = tuple[Principal, Principal, Principal, int]


@pytest.fixture
def world() -> World:
    return World.create()


@pytest.fixture
def team(world: World) -> Team:
    """An owner, two members and their project."""
    alice, bob, carol = world.user("alice"), world.user("bob"), world.user("carol")
    project = world.project(alice, members=[bob, carol])
    return alice, bob, carol, project.id


def test_several_assignees(world: World, team: Team) -> None:
    """assignee_ids keeps the order given without duplicates; assignee_id is the first."""
    alice, bob, carol, project = team
    ids = [carol.user_id, bob.user_id, carol.user_id]
    task = world.core.tasks.create_task(alice, project, title="t", assignee_ids=ids)
    assert ((carol.user_id, bob.user_id), carol.user_id) == (task.assignee_ids, task.assignee_id)
    read = world.core.tasks.get_task(bob, task.id)
    assert (carol.user_id, bob.user_id) == read.assignee_ids


def test_members_only(world: World, team: Team) -> None:
    """Assignees must be existing users and members (400 naming assignee_ids)."""
    alice, bob, _, project = team
    dave = world.user("dave")
    for ids, message in (
        ([bob.user_id, dave.user_id], "Assignees must be members of the project"),
        ([bob.user_id, 9999], "Assignee user not found"),
    ):
        with pytest.raises(errors.ValidationError) as exc:
            world.core.tasks.create_task(alice, project, title="t", assignee_ids=ids)
        assert (message, "assignee_ids") == (str(exc.value), exc.value.field)
    task = world.core.tasks.create_task(alice, project, title="t")
    with pytest.raises(errors.ValidationError) as exc:
        world.core.tasks.update_task(alice, task.id, assignee_ids=[dave.user_id])
    assert "assignee_ids" == exc.value.field


def test_assignee_id_and_list_must_agree(world: World, team: Team) -> None:
    """Both given: assignee_id is the first of the list, or the current one sent back."""
    alice, bob, carol, project = team
    with pytest.raises(errors.ValidationError) as exc:
        world.core.tasks.create_task(
            alice, project, title="t", assignee_id=bob.user_id, assignee_ids=[carol.user_id]
        )
    assert ("assignee_id must be the first of assignee_ids", "assignee_id") == (
        str(exc.value),
        exc.value.field,
    )
    task = world.core.tasks.create_task(alice, project, title="t", assignee_id=bob.user_id)
    echoed = world.core.tasks.update_task(
        alice, task.id, assignee_id=bob.user_id, assignee_ids=[carol.user_id, bob.user_id]
    )
    assert (carol.user_id, bob.user_id) == echoed.assignee_ids
    with pytest.raises(errors.ValidationError):
        world.core.tasks.update_task(
            alice, task.id, assignee_id=alice.user_id, assignee_ids=[bob.user_id]
        )


def test_setting_assignee_id_still_works(world: World, team: Team) -> None:
    """assignee_id replaces the first assignee and keeps the others; null clears all."""
    alice, bob, carol, project = team
    tasks = world.core.tasks
    task = tasks.create_task(alice, project, title="t", assignee_ids=[bob.user_id, carol.user_id])
    moved = tasks.update_task(alice, task.id, assignee_id=alice.user_id)
    assert (alice.user_id, carol.user_id) == moved.assignee_ids
    cleared = tasks.update_task(alice, task.id, assignee_id=None)
    assert ((), None) == (cleared.assignee_ids, cleared.assignee_id)


def test_every_assignee_is_notified(world: World, team: Team) -> None:
    """Each new assignee gets an assignment event and an in-app notification."""
    alice, bob, carol, project = team
    task = world.core.tasks.create_task(
        alice, project, title="t", assignee_ids=[bob.user_id, carol.user_id]
    )
    assigned = [e for e in world.events() if isinstance(e, TaskAssigned)]
    assert [bob.user_id, carol.user_id] == [e.assignee_id for e in assigned]
    assert all(e.entity_id == task.id for e in assigned)
    for user in (bob, carol):
        assert 1 == world.core.notifications.inbox(user).unread_count


def test_my_tasks_include_shared_ones(world: World, team: Team) -> None:
    """assignee=me and the caller's tasks include tasks where they are one of several."""
    alice, bob, carol, project = team
    tasks = world.core.tasks
    shared = tasks.create_task(alice, project, title="s", assignee_ids=[carol.user_id, bob.user_id])
    tasks.create_task(alice, project, title="c", assignee_ids=[carol.user_id])
    mine = tasks.list_my_tasks(bob).items
    assert [shared.id] == [t.id for t in mine]


def test_leaving_member_is_removed_from_the_list(world: World, team: Team) -> None:
    """A member leaving drops out of every assignee list; the next becomes the first."""
    alice, bob, carol, project = team
    task = world.core.tasks.create_task(
        alice, project, title="t", assignee_ids=[bob.user_id, carol.user_id]
    )
    world.core.projects.remove_member(alice, project, bob.user_id)
    read = world.core.tasks.get_task(alice, task.id)
    assert ((carol.user_id,), carol.user_id) == (read.assignee_ids, read.assignee_id)
