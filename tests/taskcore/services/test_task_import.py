"""Bulk import of tasks (``TaskService.import_tasks``), on the in-memory adapters."""

from __future__ import annotations

import pytest

from taskcore import errors
from taskcore.domain.events import TaskAssigned, TaskCreated
from taskcore.domain.projects import Priority
from taskcore.domain.tasks import TaskStatus
from taskcore.services.tasks import TaskDraft
from taskcore.services.users import Principal
from taskcore_adapters import wire_fields as wire
from taskcore_adapters.testing import World

Team = tuple[Principal, Principal, Principal, int]


@pytest.fixture
def world() -> World:
    """A fresh in-memory taskcore."""
    return World.create()


@pytest.fixture
def team(world: World) -> Team:
    """An owner, a member and a viewer of one project, and the project's id."""
    alice, bob, carol = world.user("alice"), world.user("bob"), world.user("carol")
    project = world.project(alice, members=[bob], viewers=[carol])
    return alice, bob, carol, project.id


class TestImportTasks:
    def test_creates_in_order_with_fields(self, world: World, team: Team) -> None:
        """Imported tasks come back in the order given, with their fields checked and kept."""
        alice, bob, _, project_id = team
        made = world.core.tasks.import_tasks(
            alice,
            project_id,
            [
                TaskDraft(title=" one ", priority=Priority.HIGH, labels=["B", "a"]),
                TaskDraft(title="two", status=TaskStatus.COMPLETED, assignee_id=bob.user_id),
                TaskDraft(title="three", watchers=[bob.user_id, alice.user_id], position=7.5),
            ],
        )
        assert ["one", "two", "three"] == [t.title for t in made]
        assert [made[0].id + 1, made[0].id + 2] == [made[1].id, made[2].id]
        assert ("high", ("a", "b")) == (made[0].priority.value, made[0].labels)
        assert (TaskStatus.COMPLETED, world.clock.now(), bob.user_id) == (
            made[1].status,
            made[1].completed_at,
            made[1].assignee_id,
        )
        assert ((alice.user_id, bob.user_id), 7.5) == (made[2].watchers, made[2].position)
        assert made[1] == world.core.tasks.get_task(alice, made[1].id)

    def test_positions_follow_each_column(self, world: World, team: Team) -> None:
        """Items without a position go to the end of their column one after the other."""
        alice, _, _, project_id = team
        world.core.tasks.create_task(alice, project_id, title="existing", position=3.2)
        made = world.core.tasks.import_tasks(
            alice,
            project_id,
            [
                TaskDraft(title="a"),
                TaskDraft(title="b", position=10.0),
                TaskDraft(title="c"),
                TaskDraft(title="d", status=TaskStatus.IN_PROGRESS),
            ],
        )
        assert [4.0, 10.0, 11.0, 1.0] == [t.position for t in made]

    def test_events_like_create_task(self, world: World, team: Team) -> None:
        """Each imported task records TaskCreated, and TaskAssigned when it has an assignee."""
        alice, bob, _, project_id = team
        before = len(world.events())
        made = world.core.tasks.import_tasks(
            alice, project_id, [TaskDraft(title="a"), TaskDraft(title="b", assignee_id=bob.user_id)]
        )
        events = world.events()[before:]
        assert [TaskCreated, TaskCreated, TaskAssigned] == [type(e) for e in events]
        assert [made[0].id, made[1].id, made[1].id] == [e.entity_id for e in events]

    def test_empty_import(self, world: World, team: Team) -> None:
        """An empty import stores nothing and records no event."""
        alice, _, _, project_id = team
        before = len(world.events())
        assert [] == world.core.tasks.import_tasks(alice, project_id, [])
        assert before == len(world.events())

    def test_bad_item_stores_nothing(self, world: World, team: Team) -> None:
        """An invalid item fails the whole import, naming the item and its field."""
        alice, _, _, project_id = team
        with pytest.raises(errors.ValidationError) as caught:
            world.core.tasks.import_tasks(
                alice,
                project_id,
                [TaskDraft(title="ok"), TaskDraft(title="x", priority=wire.priority("urgent"))],
            )
        assert "items[1].priority" == caught.value.field
        assert str(caught.value).startswith("Item 1: Invalid priority")
        assert 0 == world.core.tasks.list_tasks(alice, project_id).total

    def test_missing_assignee_account(self, world: World, team: Team) -> None:
        """An assignee without an account is rejected like in create_task."""
        alice, _, _, project_id = team
        with pytest.raises(errors.ValidationError) as caught:
            world.core.tasks.import_tasks(
                alice, project_id, [TaskDraft(title="x", assignee_id=999)]
            )
        assert ("items[0].assignee_id", "Item 0: Assignee user not found") == (
            caught.value.field,
            str(caught.value),
        )

    def test_watcher_outside_project(self, world: World, team: Team) -> None:
        """A watcher who is not a member of the project fails the import."""
        alice, _, _, project_id = team
        dave = world.user("dave")
        with pytest.raises(errors.ValidationError) as caught:
            world.core.tasks.import_tasks(
                alice,
                project_id,
                [TaskDraft(title="a"), TaskDraft(title="b", watchers=[dave.user_id])],
            )
        assert "items[1].watchers" == caught.value.field

    def test_viewer_may_not_import(self, world: World, team: Team) -> None:
        """A viewer cannot import tasks."""
        _, _, carol, project_id = team
        with pytest.raises(errors.ProjectRoleRequired):
            world.core.tasks.import_tasks(carol, project_id, [TaskDraft(title="a")])

    def test_outsider_sees_no_project(self, world: World, team: Team) -> None:
        """Someone outside the project is told it does not exist."""
        _, _, _, project_id = team
        dave = world.user("dave")
        with pytest.raises(errors.ProjectNotFound):
            world.core.tasks.import_tasks(dave, project_id, [TaskDraft(title="a")])
