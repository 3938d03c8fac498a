"""Use cases of the tasks area, on the in-memory adapters."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest

from taskcore import errors
from taskcore.domain.events import TaskAssigned, TaskStatusChanged, TaskUpdated
from taskcore.domain.pagination import CursorRequest, PageRequest
from taskcore.domain.projects import Priority
from taskcore.domain.tasks import TaskStatus
from taskcore.services.tasks import TaskFilters
from taskcore.services.users import Principal
from taskcore_adapters.testing import World
from taskcore_adapters.wire_fields import due_date, filter_arguments, task_arguments

UTC = dt.UTC
STATUS_ERROR = "Invalid status. Must be one of ['pending', 'in_progress', 'completed', 'cancelled']"
PRIORITY_ERROR = "Invalid priority. Must be one of ['low', 'medium', 'high', 'critical']"
DUE_ERROR = "Invalid due_date format. Use ISO format"


@pytest.fixture
def world() -> World:
    """A fresh in-memory taskcore."""
    return World.create()


@pytest.fixture
def team(world: World) -> tuple[Principal, Principal, Principal, int]:
    """An owner, a member and a viewer of one project, and the project's id."""
    alice, bob, carol = world.user("alice"), world.user("bob"), world.user("carol")
    project = world.project(alice, members=[bob], viewers=[carol])
    return alice, bob, carol, project.id


Team = tuple[Principal, Principal, Principal, int]


class TestCreateTask:
    def test_defaults_and_trimming(self, world: World, team: Team) -> None:
        """A new task is pending, medium, trimmed, unassigned, at the end of its column."""
        alice, _, _, project_id = team
        task = world.core.tasks.create_task(
            alice, project_id, title="  Launch  ", description="  go  "
        )
        assert ("Launch", "go", TaskStatus.PENDING, Priority.MEDIUM) == (
            task.title,
            task.description,
            task.status,
            task.priority,
        )
        assert (None, None, None, (), (), 1.0, 1) == (
            task.assignee_id,
            task.due_date,
            task.completed_at,
            task.labels,
            task.watchers,
            task.position,
            task.version,
        )

    def test_created_completed_gets_completed_at(self, world: World, team: Team) -> None:
        """A task created as completed has completed_at set to now."""
        alice, _, _, project_id = team
        task = world.core.tasks.create_task(
            alice, project_id, title="t", status=TaskStatus.COMPLETED
        )
        assert world.clock.now() == task.completed_at

    def test_all_fields(self, world: World, team: Team) -> None:
        """Every field given on create is kept, hours included, labels normalised."""
        alice, bob, carol, project_id = team
        task = world.core.tasks.create_task(
            alice,
            project_id,
            title="t",
            status=TaskStatus.IN_PROGRESS,
            priority=Priority.CRITICAL,
            due_date=dt.datetime.fromisoformat("2026-03-01T10:00:00+02:00"),
            estimated_hours=Decimal("2.5"),
            actual_hours=1,
            assignee_id=bob.user_id,
            labels=["  Front  End ", "BUG", "bug"],
            watchers=[carol.user_id, bob.user_id, bob.user_id],
            position=7.5,
        )
        assert (TaskStatus.IN_PROGRESS, Priority.CRITICAL) == (task.status, task.priority)
        assert dt.datetime(2026, 3, 1, 8, 0, tzinfo=UTC) == task.due_date
        assert (2.5, 1.0, bob.user_id) == (
            task.estimated_hours,
            task.actual_hours,
            task.assignee_id,
        )
        assert (("bug", "front end"), (bob.user_id, carol.user_id), 7.5) == (
            task.labels,
            task.watchers,
            task.position,
        )

    @pytest.mark.parametrize(
        ("raw", "expected"),
        [
            ("2026-03-01", dt.datetime(2026, 3, 1, tzinfo=UTC)),
            ("2026-03-01T10:00:00Z", dt.datetime(2026, 3, 1, 10, tzinfo=UTC)),
            ("2026-03-01T10:00:00", dt.datetime(2026, 3, 1, 10, tzinfo=UTC)),
            ("2026-03-01T10:00:00-05:30", dt.datetime(2026, 3, 1, 15, 30, tzinfo=UTC)),
            ("", None),
        ],
    )
    def test_due_date_is_stored_in_utc(
        self, world: World, team: Team, raw: str, expected: dt.datetime | None
    ) -> None:
        """ISO 8601 due dates (date alone, Z, offsets) are stored as aware UTC."""
        alice, _, _, project_id = team
        task = world.core.tasks.create_task(alice, project_id, title="t", due_date=due_date(raw))
        assert expected == task.due_date
        assert task.due_date is None or task.due_date.tzinfo is UTC

    @pytest.mark.parametrize(
        ("fields", "message", "field"),
        [
            ({"title": "  ", "assignee_id": 999}, "Task title is required", "title"),
            ({"assignee_id": 999, "due_date": "x"}, "Assignee user not found", "assignee_id"),
            ({"due_date": "next week", "status": "x"}, DUE_ERROR, "due_date"),
            ({"status": "done", "priority": "x"}, STATUS_ERROR, "status"),
            ({"priority": "urgent", "estimated_hours": "x"}, PRIORITY_ERROR, "priority"),
            ({"estimated_hours": "lots"}, "Estimated hours must be a number", "estimated_hours"),
            ({"estimated_hours": -1}, "Estimated hours cannot be negative", "estimated_hours"),
            ({"estimated_hours": "nan"}, "Estimated hours must be a number", "estimated_hours"),
            ({"actual_hours": float("inf")}, "Actual hours must be a number", "actual_hours"),
            ({"actual_hours": -0.5}, "Actual hours cannot be negative", "actual_hours"),
            ({"actual_hours": True}, "Actual hours must be a number", "actual_hours"),
            ({"title": "x" * 201}, "title must be at most 200 characters", "title"),
            ({"labels": ["x" * 51]}, "Labels must be at most 50 characters", "labels"),
            ({"labels": [" "]}, "Labels cannot be empty", "labels"),
            ({"labels": "bug"}, "Labels must be a list of strings", "labels"),
            (
                {"labels": [f"l{i}" for i in range(21)]},
                "A task can have at most 20 labels",
                "labels",
            ),
            ({"position": float("nan")}, "Position must be a number", "position"),
            ({"watchers": [999]}, "Watchers must be members of the project", "watchers"),
        ],
    )
    def test_validation_order_and_texts(
        self, world: World, team: Team, fields: dict[str, Any], message: str, field: str
    ) -> None:
        """Checks run in the original's order, then the new ones; nothing is saved."""
        alice, _, _, project_id = team
        before = world.event_names()
        arguments: dict[str, Any] = {"title": "t", **fields}
        with pytest.raises(errors.ValidationError) as caught:
            world.core.tasks.create_task(alice, project_id, **task_arguments(arguments))
        assert (message, field) == (caught.value.message, caught.value.field)
        assert before == world.event_names()
        assert 0 == world.core.tasks.list_tasks(alice, project_id).total

    def test_assignee_must_be_member(self, world: World, team: Team) -> None:
        """An existing user outside the project cannot be assigned."""
        alice, _, _, project_id = team
        mallory = world.user("mallory")
        with pytest.raises(errors.ValidationError) as caught:
            world.core.tasks.create_task(alice, project_id, title="t", assignee_id=mallory.user_id)
        assert ("Assignee must be a member of the project", "assignee_id") == (
            caught.value.message,
            caught.value.field,
        )

    def test_who_may_create(self, world: World, team: Team) -> None:
        """Owners, members and admins create tasks; viewers are denied; outsiders see 404."""
        alice, bob, carol, project_id = team
        root, mallory = world.user("root", admin=True), world.user("mallory")
        for user in (alice, bob, root):
            world.core.tasks.create_task(user, project_id, title=user.username)
        with pytest.raises(errors.ProjectRoleRequired):
            world.core.tasks.create_task(carol, project_id, title="viewer")
        with pytest.raises(errors.ProjectNotFound) as caught:
            world.core.tasks.create_task(mallory, project_id, title="outsider")
        assert "Project not found" == caught.value.message
        assert 3 == world.core.projects.get_project(alice, project_id).task_count

    def test_new_tasks_go_to_the_end_of_their_column(self, world: World, team: Team) -> None:
        """Positions grow within a status column; another column starts afresh."""
        alice, _, _, project_id = team
        first = world.core.tasks.create_task(alice, project_id, title="a")
        moved = world.core.tasks.create_task(alice, project_id, title="b", position=10.25)
        third = world.core.tasks.create_task(alice, project_id, title="c")
        other = world.core.tasks.create_task(
            alice, project_id, title="d", status=TaskStatus.IN_PROGRESS
        )
        assert [1.0, 10.25, 11.0, 1.0] == [t.position for t in (first, moved, third, other)]

    def test_records_created_and_assigned(self, world: World, team: Team) -> None:
        """Creating an assigned task records TaskCreated then TaskAssigned."""
        alice, bob, _, project_id = team
        task = world.core.tasks.create_task(alice, project_id, title="t", assignee_id=bob.user_id)
        created, assigned = world.events()[-2:]
        assert ("task.created", "task.assigned") == (created.name, assigned.name)
        assert {
            "project_id": project_id,
            "title": "t",
            "status": "pending",
            "priority": "medium",
            "assignee_id": bob.user_id,
        } == created.details
        assert (task.id, None, bob.user_id) == (
            assigned.entity_id,
            assigned.details["old_assignee_id"],
            assigned.details["assignee_id"],
        )


class TestGetTask:
    def test_outsiders_get_not_found(self, world: World, team: Team) -> None:
        """Only members of the task's project (and admins) can read it."""
        alice, _, carol, project_id = team
        task = world.core.tasks.create_task(alice, project_id, title="t")
        mallory, root = world.user("mallory"), world.user("root", admin=True)
        assert task == world.core.tasks.get_task(carol, task.id)
        assert task == world.core.tasks.get_task(root, task.id)
        for task_id in (task.id, 999):
            with pytest.raises(errors.TaskNotFound) as caught:
                world.core.tasks.get_task(mallory, task_id)
            assert "Task not found" == caught.value.message


class TestUpdateTask:
    def test_completion_stamps_and_clears_completed_at(self, world: World, team: Team) -> None:
        """Moving into completed sets completed_at; moving out clears it."""
        alice, _, _, project_id = team
        task = world.core.tasks.create_task(alice, project_id, title="t")
        world.clock.advance(hours=1)
        done = world.core.tasks.update_task(alice, task.id, status=TaskStatus.COMPLETED)
        assert world.clock.now() == done.completed_at
        world.clock.advance(hours=1)
        same = world.core.tasks.update_task(alice, task.id, status=TaskStatus.COMPLETED)
        assert done.completed_at == same.completed_at
        reopened = world.core.tasks.update_task(alice, task.id, status=TaskStatus.IN_PROGRESS)
        assert reopened.completed_at is None

    def test_status_change_moves_to_end_of_new_column(self, world: World, team: Team) -> None:
        """A task changing status goes after the tasks already in its new column."""
        alice, _, _, project_id = team
        world.core.tasks.create_task(alice, project_id, title="a", status=TaskStatus.IN_PROGRESS)
        world.core.tasks.create_task(
            alice, project_id, title="b", status=TaskStatus.IN_PROGRESS, position=4.5
        )
        task = world.core.tasks.create_task(alice, project_id, title="c")
        moved = world.core.tasks.update_task(alice, task.id, status=TaskStatus.IN_PROGRESS)
        placed = world.core.tasks.update_task(
            alice, task.id, status=TaskStatus.PENDING, position=-3
        )
        assert (5.0, -3.0) == (moved.position, placed.position)

    def test_null_clears_optional_fields(self, world: World, team: Team) -> None:
        """None clears the assignee, the hours and the due date; an empty due date too."""
        alice, bob, _, project_id = team
        task = world.core.tasks.create_task(
            alice,
            project_id,
            title="t",
            assignee_id=bob.user_id,
            estimated_hours=3,
            actual_hours=2,
            due_date=dt.date(2026, 5, 1),
        )
        cleared = world.core.tasks.update_task(
            alice, task.id, assignee_id=None, estimated_hours=None, actual_hours=None, due_date=None
        )
        assert (None, None, None, None) == (
            cleared.assignee_id,
            cleared.estimated_hours,
            cleared.actual_hours,
            cleared.due_date,
        )

    @pytest.mark.parametrize(
        ("fields", "message"),
        [
            ({"title": " ", "status": "x"}, "Task title cannot be empty"),
            ({"title": None}, "Task title cannot be empty"),
            ({"status": "x", "priority": "x"}, STATUS_ERROR),
            ({"priority": "x", "assignee_id": 999}, PRIORITY_ERROR),
            ({"assignee_id": 999, "estimated_hours": "x"}, "Assignee user not found"),
            ({"estimated_hours": "x", "actual_hours": "x"}, "Estimated hours must be a number"),
            ({"estimated_hours": -2}, "Estimated hours cannot be negative"),
            ({"actual_hours": "x", "due_date": "x"}, "Actual hours must be a number"),
            ({"actual_hours": float("-inf")}, "Actual hours must be a number"),
            ({"due_date": "x", "title": "y" * 201}, DUE_ERROR),
            ({"title": "y" * 201}, "title must be at most 200 characters"),
            ({"description": "y" * 20_001, "due_date": "x"}, DUE_ERROR),
            ({"description": "y" * 20_001}, "description must be at most 20000 characters"),
            ({"position": float("inf")}, "Position must be a number"),
            ({"position": 1e13}, "Position is out of range"),
        ],
    )
    def test_validation_order_saves_nothing(
        self, world: World, team: Team, fields: dict[str, Any], message: str
    ) -> None:
        """Checks run title, description, status, priority, assignee, hours, due date, then
        the new ones; nothing is saved on failure."""
        alice, _, _, project_id = team
        task = world.core.tasks.create_task(alice, project_id, title="t")
        before = world.event_names()
        with pytest.raises(errors.ValidationError) as caught:
            world.core.tasks.update_task(alice, task.id, **task_arguments(fields))
        assert message == caught.value.message
        assert task == world.core.tasks.get_task(alice, task.id)
        assert before == world.event_names()

    def test_records_update_status_and_assignment(self, world: World, team: Team) -> None:
        """A change of status and assignee records TaskUpdated, TaskStatusChanged and
        TaskAssigned, with JSON-safe changes."""
        alice, bob, _, project_id = team
        task = world.core.tasks.create_task(alice, project_id, title="t")
        world.clock.advance(minutes=5)
        world.core.tasks.update_task(
            bob,
            task.id,
            status=TaskStatus.COMPLETED,
            assignee_id=bob.user_id,
            due_date=dt.datetime.fromisoformat("2026-02-01T00:00:00Z"),
            labels=["X"],
        )
        updated, status, assigned = world.events()[-3:]
        assert isinstance(updated, TaskUpdated)
        assert isinstance(status, TaskStatusChanged)
        assert isinstance(assigned, TaskAssigned)
        now = world.clock.now().isoformat()
        assert {
            "status": {"old": "pending", "new": "completed"},
            "completed_at": {"old": None, "new": now},
            "assignee_id": {"old": None, "new": bob.user_id},
            "assignee_ids": {"old": [], "new": [bob.user_id]},
            "due_date": {"old": None, "new": "2026-02-01T00:00:00+00:00"},
            "labels": {"old": [], "new": ["x"]},
        } == updated.details["changes"]
        assert updated.details == json.loads(json.dumps(updated.details))
        assert ("pending", "completed") == (status.details["old"], status.details["new"])
        assert (None, bob.user_id) == (
            assigned.details["old_assignee_id"],
            assigned.details["assignee_id"],
        )

    def test_viewer_and_outsider(self, world: World, team: Team) -> None:
        """A viewer may not change a task; an outsider is told it does not exist."""
        alice, _, carol, project_id = team
        mallory = world.user("mallory")
        task = world.core.tasks.create_task(alice, project_id, title="t")
        with pytest.raises(errors.ProjectRoleRequired):
            world.core.tasks.update_task(carol, task.id, title="x")
        with pytest.raises(errors.TaskNotFound):
            world.core.tasks.update_task(mallory, task.id, title="x")

    def test_expected_version(self, world: World, team: Team) -> None:
        """A stale expected_version is refused; the current one is accepted."""
        alice, _, _, project_id = team
        task = world.core.tasks.create_task(alice, project_id, title="t")
        world.core.tasks.update_task(alice, task.id, title="u", expected_version=1)
        with pytest.raises(errors.VersionMismatch):
            world.core.tasks.update_task(alice, task.id, title="v", expected_version=1)
        assert 3 == world.core.tasks.update_task(alice, task.id, expected_version=2).version

    def test_watchers_must_be_members(self, world: World, team: Team) -> None:
        """Watchers set on update must all be project members."""
        alice, bob, carol, project_id = team
        mallory = world.user("mallory")
        task = world.core.tasks.create_task(alice, project_id, title="t")
        updated = world.core.tasks.update_task(
            alice, task.id, watchers=[carol.user_id, bob.user_id]
        )
        assert (bob.user_id, carol.user_id) == updated.watchers
        with pytest.raises(errors.ValidationError):
            world.core.tasks.update_task(alice, task.id, watchers=[mallory.user_id])


class TestWatching:
    def test_viewer_may_watch_and_unwatch(self, world: World, team: Team) -> None:
        """Any member, a viewer included, may start and stop watching a task."""
        alice, _, carol, project_id = team
        task = world.core.tasks.create_task(alice, project_id, title="t")
        watched = world.core.tasks.set_watching(carol, task.id, watching=True)
        again = world.core.tasks.set_watching(carol, task.id, watching=True)
        unwatched = world.core.tasks.set_watching(carol, task.id, watching=False)
        assert ((carol.user_id,), 2, ()) == (watched.watchers, again.version, unwatched.watchers)


class TestDeleteTask:
    def test_deletes_comments_and_records_event(self, world: World, team: Team) -> None:
        """Deleting a task deletes its comments and records TaskDeleted."""
        alice, bob, _, project_id = team
        task = world.core.tasks.create_task(alice, project_id, title="t")
        world.core.comments.add_comment(bob, task.id, content="one")
        world.core.comments.add_comment(bob, task.id, content="two")
        world.core.tasks.delete_task(bob, task.id)
        with pytest.raises(errors.TaskNotFound):
            world.core.tasks.get_task(alice, task.id)
        with world.store() as uow:
            assert 0 == uow.comments.count(task.id)
        event = world.events()[-1]
        assert ("task.deleted", task.id) == (event.name, event.entity_id)
        assert {
            "project_id": project_id,
            "title": "t",
            "with_project": False,
            "comments_deleted": 2,
        } == event.details

    def test_who_may_delete(self, world: World, team: Team) -> None:
        """Viewers may not delete; outsiders get 404; a stale version is refused."""
        alice, _, carol, project_id = team
        mallory = world.user("mallory")
        task = world.core.tasks.create_task(alice, project_id, title="t")
        with pytest.raises(errors.ProjectRoleRequired):
            world.core.tasks.delete_task(carol, task.id)
        with pytest.raises(errors.TaskNotFound):
            world.core.tasks.delete_task(mallory, task.id)
        with pytest.raises(errors.VersionMismatch):
            world.core.tasks.delete_task(alice, task.id, expected_version=7)


class TestListTasks:
    @pytest.fixture
    def tasks(self, world: World, team: Team) -> dict[str, int]:
        """Six tasks with varied fields, created a minute apart, by title."""
        alice, bob, _, project_id = team
        specs: list[dict[str, Any]] = [
            {"title": "Alpha", "priority": "low", "due_date": "2026-01-01"},
            {"title": "Beta", "priority": "critical", "assignee_id": bob.user_id},
            {"title": "Gamma", "priority": "high", "status": "completed", "due_date": "2025-12-01"},
            {"title": "Delta", "description": "fix the 100% BUG", "labels": ["bug"]},
            {"title": "Epsilon", "status": "in_progress", "due_date": "2025-12-15"},
            {
                "title": "Zeta",
                "priority": "high",
                "labels": ["Bug", "ui"],
                "due_date": "2026-02-01",
            },
        ]
        ids = {}
        for spec in specs:
            world.clock.advance(minutes=1)
            ids[spec["title"]] = world.core.tasks.create_task(
                alice, project_id, **task_arguments(spec)
            ).id
        return ids

    def titles(self, world: World, user: Principal, project_id: int, **filters: Any) -> list[str]:
        page = world.core.tasks.list_tasks(
            user, project_id, filters=TaskFilters(**filter_arguments(filters))
        )
        return [t.title for t in page.items]

    def test_default_is_newest_first(self, world: World, team: Team, tasks: dict[str, int]) -> None:
        """Without filters, every task is listed, newest first."""
        _, _, carol, project_id = team
        expected = ["Zeta", "Epsilon", "Delta", "Gamma", "Beta", "Alpha"]
        assert expected == self.titles(world, carol, project_id)

    @pytest.mark.parametrize(
        ("filters", "expected"),
        [
            ({"status": "completed"}, ["Gamma"]),
            ({"priority": "high"}, ["Zeta", "Gamma"]),
            ({"label": " BUG "}, ["Zeta", "Delta"]),
            ({"search": "bug"}, ["Delta"]),
            ({"search": "ET"}, ["Zeta", "Beta"]),
            ({"search": "100%"}, ["Delta"]),
            ({"search": "_"}, []),
            ({"due_before": "2026-01-01"}, ["Epsilon", "Gamma"]),
            ({"due_after": "2026-01-01T00:00:00Z"}, ["Zeta", "Alpha"]),
            ({"overdue": True}, ["Epsilon", "Alpha"]),
            ({"overdue": False}, ["Zeta", "Delta", "Gamma", "Beta"]),
            ({"priority": "high", "label": "ui"}, ["Zeta"]),
        ],
    )
    def test_filters(
        self,
        world: World,
        team: Team,
        tasks: dict[str, int],
        filters: dict[str, Any],
        expected: list[str],
    ) -> None:
        """Each filter keeps exactly the matching tasks (overdue judged at the clock's now)."""
        alice, _, _, project_id = team
        world.clock.advance(days=20)  # now is 2026-01-21
        assert expected == self.titles(world, alice, project_id, **filters)

    def test_assignee_filter(self, world: World, team: Team, tasks: dict[str, int]) -> None:
        """The assignee filter keeps the tasks assigned to that user."""
        alice, bob, _, project_id = team
        assert ["Beta"] == self.titles(world, alice, project_id, assignee_id=bob.user_id)

    @pytest.mark.parametrize(
        ("sort", "order", "expected"),
        [
            ("priority", "desc", ["Beta", "Zeta", "Gamma", "Epsilon", "Delta", "Alpha"]),
            ("priority", "asc", ["Alpha", "Delta", "Epsilon", "Gamma", "Zeta", "Beta"]),
            ("due_date", "asc", ["Gamma", "Epsilon", "Alpha", "Zeta", "Beta", "Delta"]),
            ("due_date", "desc", ["Zeta", "Alpha", "Epsilon", "Gamma", "Delta", "Beta"]),
            ("created_at", "asc", ["Alpha", "Beta", "Gamma", "Delta", "Epsilon", "Zeta"]),
            ("updated_at", "desc", ["Zeta", "Epsilon", "Delta", "Gamma", "Beta", "Alpha"]),
            ("position", "asc", ["Alpha", "Gamma", "Epsilon", "Beta", "Delta", "Zeta"]),
        ],
    )
    def test_sorting(
        self,
        world: World,
        team: Team,
        tasks: dict[str, int],
        *,
        sort: str,
        order: str,
        expected: list[str],
    ) -> None:
        """Priority sorts by rank, missing due dates come last, ties go by id."""
        alice, _, _, project_id = team
        assert expected == self.titles(world, alice, project_id, sort=sort, order=order)

    @pytest.mark.parametrize(
        "sort", ["created_at", "updated_at", "due_date", "priority", "position"]
    )
    @pytest.mark.parametrize("order", ["asc", "desc"])
    def test_cursor_pages_match_numbered_pages(
        self, world: World, team: Team, tasks: dict[str, int], sort: str, order: str
    ) -> None:
        """Walking the cursor pages yields the same sequence as one big numbered page."""
        alice, _, _, project_id = team
        filters = TaskFilters(sort=sort, order=order)
        whole = world.core.tasks.list_tasks(
            alice, project_id, filters=filters, page=PageRequest(per_page=100)
        )
        seen: list[int] = []
        cursor: str | None = None
        for _ in range(10):
            page = world.core.tasks.list_tasks(
                alice, project_id, filters=filters, page=CursorRequest(after=cursor, per_page=4)
            )
            seen.extend(t.id for t in page.items)
            cursor = page.next_cursor
            if cursor is None:
                break
        assert [t.id for t in whole.items] == seen

    @pytest.mark.parametrize(
        ("filters", "field"),
        [
            ({"sort": "title"}, "sort"),
            ({"order": "up"}, "order"),
            ({"status": "open"}, "status"),
            ({"priority": "p1"}, "priority"),
            ({"due_before": "soon"}, "due_before"),
            ({"due_after": "later"}, "due_after"),
            ({"search": "x" * 201}, "search"),
        ],
    )
    def test_bad_filters(
        self, world: World, team: Team, filters: dict[str, Any], field: str
    ) -> None:
        """A bad filter is a validation error naming it."""
        alice, _, _, project_id = team
        with pytest.raises(errors.ValidationError) as caught:
            world.core.tasks.list_tasks(
                alice, project_id, filters=TaskFilters(**filter_arguments(filters))
            )
        assert field == caught.value.field

    def test_cursor_for_another_order_is_refused(
        self, world: World, team: Team, tasks: dict[str, int]
    ) -> None:
        """A cursor made for one sort cannot be used with another."""
        alice, _, _, project_id = team
        page = world.core.tasks.list_tasks(alice, project_id, page=CursorRequest(per_page=2))
        assert page.next_cursor is not None
        with pytest.raises(errors.ValidationError) as caught:
            world.core.tasks.list_tasks(
                alice,
                project_id,
                filters=TaskFilters(sort="priority"),
                page=CursorRequest(after=page.next_cursor),
            )
        assert "cursor" == caught.value.field

    def test_outsider_gets_not_found(self, world: World, team: Team) -> None:
        """A non-member cannot list a project's tasks."""
        _, _, _, project_id = team
        with pytest.raises(errors.ProjectNotFound):
            world.core.tasks.list_tasks(world.user("mallory"), project_id)


class TestMyTasks:
    def test_assigned_tasks_across_visible_projects(self, world: World) -> None:
        """My tasks are those assigned to me in every project I still belong to."""
        alice, bob = world.user("alice"), world.user("bob")
        first = world.project(alice, members=[bob], name="first")
        second = world.project(alice, members=[bob], name="second")
        mine = world.core.tasks.create_task(
            alice, first.id, title="mine", assignee_id=bob.user_id, priority=Priority.LOW
        )
        world.clock.advance(minutes=1)
        also = world.core.tasks.create_task(
            alice, second.id, title="also", assignee_id=bob.user_id, priority=Priority.HIGH
        )
        world.core.tasks.create_task(alice, first.id, title="theirs", assignee_id=alice.user_id)
        page = world.core.tasks.list_my_tasks(bob)
        assert [also.id, mine.id] == [t.id for t in page.items]
        high = world.core.tasks.list_my_tasks(bob, filters=TaskFilters(priority=Priority.HIGH))
        assert [also.id] == [t.id for t in high.items]
        world.core.projects.remove_member(alice, second.id, bob.user_id)
        assert [mine.id] == [t.id for t in world.core.tasks.list_my_tasks(bob).items]

    def test_assignee_filter_is_the_caller(self, world: World) -> None:
        """Asking for another user's tasks still returns only the caller's."""
        alice, bob = world.user("alice"), world.user("bob")
        project = world.project(alice, members=[bob])
        world.core.tasks.create_task(alice, project.id, title="t", assignee_id=alice.user_id)
        page = world.core.tasks.list_my_tasks(
            bob, filters=TaskFilters(assignee_id=alice.user_id), page=CursorRequest()
        )
        assert ([], None) == (list(page.items), page.next_cursor)
