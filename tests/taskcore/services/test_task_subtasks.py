"""Subtasks in the tasks service: parents, roll-ups, cascading deletion and filters."""

from __future__ import annotations

import pytest

from taskcore import errors
from taskcore.domain.events import TaskCreated, TaskDeleted, TaskUpdated
from taskcore.domain.tasks import TaskStatus
from taskcore.services.tasks import TaskFilters
from taskcore.services.users import Principal
from taskcore_adapters.testing import World

Team = tuple[Principal, Principal, int, int]


@pytest.fixture
def world() -> World:
    return World.create()


@pytest.fixture
def team(world: World) -> Team:
    """An owner, a viewer, the project and another project of the owner's."""
    alice, carol = world.user("alice"), world.user("carol")
    project = world.project(alice, viewers=[carol])
    other = world.project(alice, name="Other")
    return alice, carol, project.id, other.id


def _error(exc: pytest.ExceptionInfo[errors.ValidationError]) -> tuple[str, str | None]:
    return str(exc.value), exc.value.field


class TestParent:
    def test_subtask_and_rollup(self, world: World, team: Team) -> None:
        """A subtask names its parent; the parent's roll-up follows its subtasks."""
        alice, _, project, _ = team
        tasks = world.core.tasks
        parent = tasks.create_task(alice, project, title="Parent")
        one = tasks.create_task(alice, project, title="One", parent_id=parent.id, estimated_hours=2)
        tasks.create_task(alice, project, title="Two", parent_id=parent.id, actual_hours=1.25)
        tasks.update_task(alice, one.id, status=TaskStatus.COMPLETED)
        read = tasks.get_task(alice, parent.id)
        assert (one.parent_id, read.parent_id) == (parent.id, None)
        assert (2, 1, 1, 2.0, 1.25, 50) == (
            read.subtasks.total,
            read.subtasks.by_status.completed,
            read.subtasks.by_status.pending,
            read.subtasks.estimated_hours,
            read.subtasks.actual_hours,
            read.subtasks.percent_done,
        )
        created = [e for e in world.events() if isinstance(e, TaskCreated)]
        assert [None, parent.id, parent.id] == [e.parent_id for e in created]

    def test_parent_must_be_in_the_project(self, world: World, team: Team) -> None:
        """A parent in another project, or none at all, is 400 naming parent_id."""
        alice, _, project, other = team
        elsewhere = world.core.tasks.create_task(alice, other, title="Elsewhere")
        for parent_id in (elsewhere.id, 999):
            with pytest.raises(errors.ValidationError) as exc:
                world.core.tasks.create_task(alice, project, title="x", parent_id=parent_id)
            assert ("Parent task not found in this project", "parent_id") == _error(exc)

    def test_no_cycles(self, world: World, team: Team) -> None:
        """A task cannot go under itself or under one of its subtasks."""
        alice, _, project, _ = team
        tasks = world.core.tasks
        top = tasks.create_task(alice, project, title="top")
        mid = tasks.create_task(alice, project, title="mid", parent_id=top.id)
        low = tasks.create_task(alice, project, title="low", parent_id=mid.id)
        for parent_id in (top.id, low.id):
            with pytest.raises(errors.ValidationError) as exc:
                tasks.update_task(alice, top.id, parent_id=parent_id)
            assert "parent_id" == exc.value.field
            assert "own subtasks" in str(exc.value)
        assert None is tasks.get_task(alice, top.id).parent_id

    def test_depth_limit(self, world: World, team: Team) -> None:
        """Five levels are allowed, a sixth is not, nor a subtree that would reach it."""
        alice, _, project, _ = team
        tasks = world.core.tasks
        chain = [tasks.create_task(alice, project, title="1")]
        for level in range(2, 6):
            chain.append(
                tasks.create_task(alice, project, title=str(level), parent_id=chain[-1].id)
            )
        with pytest.raises(errors.ValidationError) as exc:
            tasks.create_task(alice, project, title="6", parent_id=chain[-1].id)
        assert ("Subtasks can be nested at most 5 levels deep", "parent_id") == _error(exc)
        pair = tasks.create_task(alice, project, title="p")
        tasks.create_task(alice, project, title="c", parent_id=pair.id)
        with pytest.raises(errors.ValidationError):
            tasks.update_task(alice, pair.id, parent_id=chain[3].id)
        moved = tasks.update_task(alice, pair.id, parent_id=chain[2].id)
        assert chain[2].id == moved.parent_id

    def test_reparent_records_the_change(self, world: World, team: Team) -> None:
        """Moving under another parent, or back to the top, is an update of parent_id."""
        alice, _, project, _ = team
        tasks = world.core.tasks
        a, b = (
            tasks.create_task(alice, project, title="a"),
            tasks.create_task(alice, project, title="b"),
        )
        child = tasks.create_task(alice, project, title="c", parent_id=a.id)
        tasks.update_task(alice, child.id, parent_id=b.id)
        tasks.update_task(alice, child.id, parent_id=None)
        changes = [e.changes["parent_id"] for e in world.events() if isinstance(e, TaskUpdated)]
        assert [{"old": a.id, "new": b.id}, {"old": b.id, "new": None}] == changes

    def test_no_move_to_another_project(self, world: World, team: Team) -> None:
        """A task in a tree cannot be sent to another project; a lone task's project_id is
        ignored as before."""
        alice, _, project, other = team
        tasks = world.core.tasks
        parent = tasks.create_task(alice, project, title="p")
        child = tasks.create_task(alice, project, title="c", parent_id=parent.id)
        lone = tasks.create_task(alice, project, title="lone")
        for task_id in (parent.id, child.id):
            with pytest.raises(errors.ValidationError) as exc:
                tasks.update_task(alice, task_id, project_id=other, title="x")
            assert "project_id" == exc.value.field
        assert project == tasks.update_task(alice, lone.id, project_id=other).project_id

    def test_viewer_cannot_add_subtasks(self, world: World, team: Team) -> None:
        """Writing rules apply to subtasks as to any task."""
        alice, carol, project, _ = team
        parent = world.core.tasks.create_task(alice, project, title="p")
        with pytest.raises(errors.ProjectRoleRequired):
            world.core.tasks.create_task(carol, project, title="c", parent_id=parent.id)


class TestDeletion:
    def test_refused_with_subtasks(self, world: World, team: Team) -> None:
        """A parent is not deleted without the cascade; nothing changes."""
        alice, _, project, _ = team
        tasks = world.core.tasks
        parent = tasks.create_task(alice, project, title="p")
        tasks.create_task(alice, project, title="c", parent_id=parent.id)
        with pytest.raises(errors.TaskHasSubtasks) as exc:
            tasks.delete_task(alice, parent.id)
        assert "Task has 1 subtask; delete them first or delete with cascade=true" == str(exc.value)
        assert parent.id == tasks.get_task(alice, parent.id).id

    def test_cascade(self, world: World, team: Team) -> None:
        """The cascade deletes the subtree with comments, one event per task, deepest first."""
        alice, _, project, _ = team
        tasks = world.core.tasks
        parent = tasks.create_task(alice, project, title="p")
        child = tasks.create_task(alice, project, title="c", parent_id=parent.id)
        grandchild = tasks.create_task(alice, project, title="g", parent_id=child.id)
        world.core.comments.add_comment(alice, grandchild.id, content="hello")
        tasks.delete_task(alice, parent.id, cascade=True)
        deleted = [e for e in world.events() if isinstance(e, TaskDeleted)]
        assert [(grandchild.id, 1), (child.id, 0), (parent.id, 0)] == [
            (e.entity_id, e.comments_deleted) for e in deleted
        ]
        for task_id in (parent.id, child.id, grandchild.id):
            with pytest.raises(errors.TaskNotFound):
                tasks.get_task(alice, task_id)

    def test_deleting_a_subtask_updates_the_rollup(self, world: World, team: Team) -> None:
        alice, _, project, _ = team
        tasks = world.core.tasks
        parent = tasks.create_task(alice, project, title="p")
        child = tasks.create_task(alice, project, title="c", parent_id=parent.id)
        tasks.delete_task(alice, child.id)
        assert 0 == tasks.get_task(alice, parent.id).subtasks.total


class TestListing:
    def test_filters_and_children(self, world: World, team: Team) -> None:
        """parent_id and top_level filter; list_subtasks lists the children in board order."""
        alice, carol, project, _ = team
        tasks = world.core.tasks
        parent = tasks.create_task(alice, project, title="p")
        first = tasks.create_task(alice, project, title="c1", parent_id=parent.id, position=2)
        second = tasks.create_task(alice, project, title="c2", parent_id=parent.id, position=1)
        tasks.create_task(alice, project, title="grand", parent_id=first.id)

        def ids(**filters: object) -> set[int]:
            page = tasks.list_tasks(alice, project, filters=TaskFilters(**filters))  # type: ignore[arg-type]
            return {t.id for t in page.items}

        assert {first.id, second.id} == ids(parent_id=parent.id)
        assert {parent.id} == ids(top_level=True)
        children = tasks.list_subtasks(carol, parent.id).items
        assert [second.id, first.id] == [t.id for t in children]
        assert 1 == children[1].subtasks.total
        assert TaskStatus.PENDING is children[0].status

    def test_children_of_an_invisible_task(self, world: World, team: Team) -> None:
        alice, _, project, _ = team
        parent = world.core.tasks.create_task(alice, project, title="p")
        dave = world.user("dave")
        with pytest.raises(errors.TaskNotFound):
            world.core.tasks.list_subtasks(dave, parent.id)
