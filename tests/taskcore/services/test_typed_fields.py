"""The task and project use cases take typed values (enums, dates, numbers): ranges and
rounding stay in the core, text is refused, and a host's ``Unparsed`` is raised where its
field is checked."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from taskcore import errors
from taskcore.domain.projects import Priority, ProjectStatus
from taskcore.domain.tasks import TaskStatus
from taskcore.domain.values import Unparsed
from taskcore.services.tasks import TaskDraft, TaskFilters
from taskcore_adapters.testing import World

UTC = dt.UTC


@pytest.fixture
def world() -> World:
    return World.create()


class TestTasks:
    def test_typed_values_are_stored(self, world: World) -> None:
        """Enums, a date (midnight UTC), an aware and a naive datetime (UTC), and hours as
        a Decimal, an int or a float, kept to the hundredth."""
        alice = world.user("alice")
        project = world.project(alice)
        tasks = world.core.tasks
        first = tasks.create_task(
            alice,
            project.id,
            title="t",
            status=TaskStatus.IN_PROGRESS,
            priority=Priority.CRITICAL,
            due_date=dt.date(2026, 3, 1),
            estimated_hours=Decimal("2.345"),
            actual_hours=3,
        )
        assert (TaskStatus.IN_PROGRESS, Priority.CRITICAL) == (first.status, first.priority)
        assert dt.datetime(2026, 3, 1, tzinfo=UTC) == first.due_date
        assert (2.35, 3.0) == (first.estimated_hours, first.actual_hours)
        offset = dt.timezone(dt.timedelta(hours=2))
        aware = tasks.update_task(
            alice, first.id, due_date=dt.datetime(2026, 3, 1, 10, tzinfo=offset)
        )
        assert dt.datetime(2026, 3, 1, 8, tzinfo=UTC) == aware.due_date
        naive = tasks.update_task(  # a naive datetime is taken as UTC
            alice,
            first.id,
            due_date=dt.datetime(2026, 3, 1, 10),  # noqa: DTZ001
            estimated_hours=1.004,
        )
        assert (dt.datetime(2026, 3, 1, 10, tzinfo=UTC), 1.0) == (
            naive.due_date,
            naive.estimated_hours,
        )

    @pytest.mark.parametrize(
        ("fields", "message"),
        [
            ({"estimated_hours": Decimal("-0.5")}, "Estimated hours cannot be negative"),
            ({"estimated_hours": Decimal("NaN")}, "Estimated hours must be a number"),
            ({"actual_hours": 100_000.01}, "Actual hours must be at most 100000"),
            ({"actual_hours": float("inf")}, "Actual hours must be a number"),
        ],
    )
    def test_typed_hours_are_still_range_checked(
        self, world: World, fields: dict[str, Any], message: str
    ) -> None:
        """A typed number out of range gets the same message as the wire text would."""
        alice = world.user("alice")
        project = world.project(alice)
        with pytest.raises(errors.ValidationError) as caught:
            world.core.tasks.create_task(alice, project.id, title="t", **fields)
        assert message == caught.value.message

    @pytest.mark.parametrize(
        "fields",
        [
            {"status": "completed"},
            {"priority": "high"},
            {"due_date": "2026-03-01"},
            {"estimated_hours": "2.5"},
        ],
    )
    def test_text_is_refused(self, world: World, fields: dict[str, Any]) -> None:
        """Wire text is the hosts' to parse: the use case refuses it as a type error, in
        create, update, import and listing alike, and stores nothing."""
        alice = world.user("alice")
        project = world.project(alice)
        task = world.core.tasks.create_task(alice, project.id, title="t")
        tasks = world.core.tasks
        with pytest.raises(TypeError):
            tasks.create_task(alice, project.id, title="t", **fields)
        with pytest.raises(TypeError):
            tasks.update_task(alice, task.id, **fields)
        with pytest.raises(TypeError):
            tasks.import_tasks(alice, project.id, [TaskDraft(title="t", **fields)])
        assert 1 == tasks.list_tasks(alice, project.id).total
        if "estimated_hours" not in fields:
            with pytest.raises(TypeError):
                tasks.list_tasks(alice, project.id, filters=TaskFilters(**_as_filter(fields)))

    def test_unparsed_raises_at_its_fields_turn(self, world: World) -> None:
        """An ``Unparsed`` field raises its own error, after the checks that come first
        (the project's, then the title), before those that come later."""
        alice, mallory = world.user("alice"), world.user("mallory")
        project = world.project(alice)
        bad = Unparsed(errors.ValidationError("made up", field="status"))
        with pytest.raises(errors.ProjectNotFound):
            world.core.tasks.create_task(mallory, project.id, title="t", status=bad)
        with pytest.raises(errors.ValidationError) as caught:
            world.core.tasks.create_task(alice, project.id, title=" ", status=bad)
        assert "Task title is required" == caught.value.message
        with pytest.raises(errors.ValidationError) as caught:
            world.core.tasks.create_task(
                alice, project.id, title="t", status=bad, estimated_hours=-1
            )
        assert ("made up", "status") == (caught.value.message, caught.value.field)

    def test_none_status_in_a_change_is_refused(self, world: World) -> None:
        """``status=None`` in an update is no status: the usual message."""
        alice = world.user("alice")
        project = world.project(alice)
        task = world.core.tasks.create_task(alice, project.id, title="t")
        with pytest.raises(errors.ValidationError) as caught:
            world.core.tasks.update_task(alice, task.id, status=None)
        assert caught.value.message.startswith("Invalid status. Must be one of")

    def test_typed_filters(self, world: World) -> None:
        """Filters take enums and dates too."""
        alice = world.user("alice")
        project = world.project(alice)
        tasks = world.core.tasks
        tasks.create_task(alice, project.id, title="a", due_date=dt.date(2026, 1, 1))
        tasks.create_task(
            alice, project.id, title="b", priority=Priority.HIGH, status=TaskStatus.COMPLETED
        )
        by_enum = tasks.list_tasks(
            alice,
            project.id,
            filters=TaskFilters(status=TaskStatus.COMPLETED, priority=Priority.HIGH),
        )
        by_date = tasks.list_tasks(
            alice, project.id, filters=TaskFilters(due_before=dt.date(2026, 1, 2))
        )
        assert (["b"], ["a"]) == (
            [t.title for t in by_enum.items],
            [t.title for t in by_date.items],
        )


class TestProjects:
    def test_typed_values_are_stored(self, world: World) -> None:
        """A project takes its status and priority as enums and its dates as dates (a
        datetime's date)."""
        alice = world.user("alice")
        project = world.core.projects.create_project(
            alice,
            name="Apollo",
            status=ProjectStatus.COMPLETED,
            priority=Priority.LOW,
            start_date=dt.date(2026, 1, 1),
            end_date=dt.datetime(2026, 2, 1, 12, tzinfo=UTC),
        )
        assert (ProjectStatus.COMPLETED, Priority.LOW) == (project.status, project.priority)
        assert (dt.date(2026, 1, 1), dt.date(2026, 2, 1)) == (project.start_date, project.end_date)
        changed = world.core.projects.update_project(
            alice, project.id, status=ProjectStatus.ARCHIVED, end_date=None
        )
        assert (ProjectStatus.ARCHIVED, None) == (changed.status, changed.end_date)
        listed = world.core.projects.list_projects(alice, status=ProjectStatus.ARCHIVED)
        assert [project.id] == [p.id for p in listed.items]

    @pytest.mark.parametrize(
        "fields", [{"status": "archived"}, {"priority": "low"}, {"start_date": "2026-01-01"}]
    )
    def test_text_is_refused(self, world: World, fields: dict[str, Any]) -> None:
        """Wire text is refused as a type error; nothing is stored."""
        alice = world.user("alice")
        project = world.project(alice)
        with pytest.raises(TypeError):
            world.core.projects.create_project(alice, name="x", **fields)
        with pytest.raises(TypeError):
            world.core.projects.update_project(alice, project.id, **fields)
        assert 1 == world.core.projects.list_projects(alice).total

    def test_dates_still_in_order(self, world: World) -> None:
        """Typed dates keep the range check."""
        alice = world.user("alice")
        with pytest.raises(errors.ValidationError) as caught:
            world.core.projects.create_project(
                alice, name="x", start_date=dt.date(2026, 2, 1), end_date=dt.date(2026, 1, 1)
            )
        assert "End date cannot be before start date" == caught.value.message


def _as_filter(fields: dict[str, Any]) -> dict[str, Any]:
    """The filter of the same kind as a task field (``due_date`` filters as
    ``due_before``)."""
    return {("due_before" if k == "due_date" else k): v for k, v in fields.items()}
