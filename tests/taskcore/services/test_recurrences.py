"""Recurring tasks on the in-memory adapters: rules, the next occurrence on completion,
COUNT and UNTIL, skipping, time zones and daylight saving."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from taskcore import errors
from taskcore.domain.projects import Priority
from taskcore.domain.tasks import TaskStatus
from taskcore.domain.time_events import TaskOccurrenceCreated
from taskcore.services.users import Principal
from taskcore_adapters.testing import World

PARIS = zoneinfo.ZoneInfo("Europe/Paris")

Team = tuple[Principal, Principal, Principal, int]


@pytest.fixture
def world() -> World:
    """A fresh in-memory taskcore."""
    return World.create()


@pytest.fixture
def team(world: World) -> Team:
    """An owner, a member and a viewer of one project, and its id."""
    alice, bob, carol = world.user("alice"), world.user("bob"), world.user("carol")
    project = world.project(alice, members=[bob], viewers=[carol])
    return alice, bob, carol, project.id


def task_due(world: World, team: Team, due: dt.datetime, **fields: object) -> int:
    """A task of the team's project due at ``due``, assigned to bob and watched by carol."""
    alice, bob, carol, project_id = team
    task = world.core.tasks.create_task(
        alice,
        project_id,
        title="Standup",
        description="daily",
        due_date=due,
        assignee_id=bob.user_id,
        labels=["ops"],
        watchers=[carol.user_id],
        **fields,  # type: ignore[arg-type]
    )
    return task.id


def complete(world: World, actor: Principal, task_id: int) -> None:
    world.core.tasks.update_task(actor, task_id, status=TaskStatus.COMPLETED)


class TestSetRecurrence:
    @pytest.mark.parametrize(
        ("rule", "part"),
        [
            ("FREQ=WEEKLY;BYDAY=MO,XX", "BYDAY"),
            ("FREQ=MINUTELY", "FREQ"),
            ("FREQ=HOURLY;BYMINUTE=0,30", "BYMINUTE"),
            ("FREQ=DAILY;COUNT=0", "COUNT"),
            ("FREQ=DAILY;WHEN=NOW", "WHEN"),
            ("BYDAY=MO", "FREQ"),
            ("FREQ=DAILY;UNTIL=tomorrow", "UNTIL"),
        ],
    )
    def test_invalid_rules_name_the_part(
        self, world: World, team: Team, rule: str, part: str
    ) -> None:
        """A bad rule is refused naming the part that is wrong, and nothing is stored."""
        alice, *_ = team
        task_id = task_due(world, team, world.clock.now() + dt.timedelta(days=1))
        with pytest.raises(errors.ValidationError) as caught:
            world.core.time.set_recurrence(alice, task_id, rule=rule)
        assert ("rule", True) == (caught.value.field, part in caught.value.message)
        assert world.core.time.get_recurrence(alice, task_id) is None

    def test_who_and_what_is_needed(self, world: World, team: Team) -> None:
        """Viewers may not set a rule; a task without a due date cannot recur; an unknown
        mode is refused."""
        alice, _, carol, project_id = team
        task_id = task_due(world, team, world.clock.now() + dt.timedelta(days=1))
        with pytest.raises(errors.ProjectRoleRequired):
            world.core.time.set_recurrence(carol, task_id, rule="FREQ=DAILY")
        with pytest.raises(errors.ValidationError) as caught:
            world.core.time.set_recurrence(alice, task_id, rule="FREQ=DAILY", mode="sometimes")
        assert "mode" == caught.value.field
        undated = world.core.tasks.create_task(alice, project_id, title="x")
        with pytest.raises(errors.ValidationError) as caught:
            world.core.time.set_recurrence(alice, undated.id, rule="FREQ=DAILY")
        assert "due_date" == caught.value.field

    def test_canonical_rule_and_next_due_date(self, world: World, team: Team) -> None:
        """The rule is stored in canonical form and the view shows the next due date."""
        alice, *_ = team
        due = dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC)  # a Monday
        task_id = task_due(world, team, due)
        view = world.core.time.set_recurrence(alice, task_id, rule="RRULE:byday=mo,we;freq=weekly")
        assert ("FREQ=WEEKLY;BYDAY=MO,WE", "due_date", "UTC", 1) == (
            view.rule,
            view.mode.value,
            view.timezone,
            view.occurrence,
        )
        assert dt.datetime(2026, 1, 7, 9, tzinfo=dt.UTC) == view.next_due_date
        assert "task.recurrence_set" in world.event_names()
        world.core.time.clear_recurrence(alice, task_id)
        assert world.core.time.get_recurrence(alice, task_id) is None
        with pytest.raises(errors.NotFound):
            world.core.time.clear_recurrence(alice, task_id)


class TestCompletion:
    def test_completing_creates_the_next_occurrence_once(self, world: World, team: Team) -> None:
        """The next occurrence is an open copy, due at the rule's next date, linked both
        ways; re-opening and completing again creates no other."""
        alice, bob, carol, _ = team
        due = dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC)
        task_id = task_due(world, team, due, priority=Priority.HIGH, estimated_hours=1.5)
        world.core.time.set_recurrence(alice, task_id, rule="FREQ=WEEKLY;BYDAY=MO,WE")
        complete(world, bob, task_id)
        created = [e for e in world.events() if isinstance(e, TaskOccurrenceCreated)]
        assert [task_id] == [e.previous_task_id for e in created]
        new_id = created[0].entity_id
        new = world.core.tasks.get_task(alice, new_id)
        old = world.core.tasks.get_task(alice, task_id)
        assert ("completed", "pending") == (old.status.value, new.status.value)
        assert (
            "Standup",
            "daily",
            "high",
            bob.user_id,
            ("ops",),
            (carol.user_id,),
            1.5,
            dt.datetime(2026, 1, 7, 9, tzinfo=dt.UTC),
        ) == (
            new.title,
            new.description,
            new.priority.value,
            new.assignee_id,
            new.labels,
            new.watchers,
            new.estimated_hours,
            new.due_date,
        )
        assert new.completed_at is None
        following = world.core.time.get_recurrence(alice, new_id)
        assert following is not None
        assert (task_id, 2) == (following.previous_task_id, following.occurrence)
        before = world.core.time.get_recurrence(alice, task_id)
        assert before is not None
        assert new_id == before.next_task_id

        world.core.tasks.update_task(bob, task_id, status=TaskStatus.PENDING)
        complete(world, bob, task_id)
        assert 1 == sum(isinstance(e, TaskOccurrenceCreated) for e in world.events())
        assert [new_id] == [
            e.entity_id
            for e in world.events()
            if e.name == "task.created" and e.entity_id != task_id
        ]

    def test_the_copy_keeps_every_assignee(self, world: World, team: Team) -> None:
        """A task with several assignees recurs with all of them."""
        alice, bob, _, project_id = team
        task = world.core.tasks.create_task(
            alice,
            project_id,
            title="Pair review",
            due_date=dt.datetime.fromisoformat("2026-01-05T09:00:00Z"),
            assignee_ids=[bob.user_id, alice.user_id],
        )
        world.core.time.set_recurrence(alice, task.id, rule="FREQ=WEEKLY")
        complete(world, bob, task.id)
        created = next(e for e in world.events() if isinstance(e, TaskOccurrenceCreated))
        new = world.core.tasks.get_task(alice, created.entity_id)
        assert (bob.user_id, alice.user_id) == tuple(new.assignee_ids)

    def test_count_ends_the_series(self, world: World, team: Team) -> None:
        """With COUNT=2, completing the second occurrence creates no third."""
        alice, bob, _, _ = team
        task_id = task_due(world, team, dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC))
        world.core.time.set_recurrence(alice, task_id, rule="FREQ=DAILY;COUNT=2")
        complete(world, bob, task_id)
        second = world.core.time.get_recurrence(alice, task_id)
        assert second is not None
        assert second.next_task_id is not None
        complete(world, bob, second.next_task_id)
        assert 1 == sum(isinstance(e, TaskOccurrenceCreated) for e in world.events())
        assert 1 == world.event_names().count("task.series_ended")

    def test_until_ends_the_series(self, world: World, team: Team) -> None:
        """An occurrence after UNTIL is not created."""
        alice, bob, _, _ = team
        task_id = task_due(world, team, dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC))
        world.core.time.set_recurrence(alice, task_id, rule="FREQ=WEEKLY;UNTIL=20260110")
        complete(world, bob, task_id)
        assert 0 == sum(isinstance(e, TaskOccurrenceCreated) for e in world.events())
        assert "task.series_ended" in world.event_names()

    def test_from_completion(self, world: World, team: Team) -> None:
        """In completion mode the rule restarts at the completion, at the due time."""
        alice, bob, _, _ = team
        task_id = task_due(world, team, dt.datetime(2026, 1, 1, 9, tzinfo=dt.UTC))
        world.core.time.set_recurrence(
            alice, task_id, rule="FREQ=DAILY;INTERVAL=3", mode="completion"
        )
        world.clock.advance(days=5)  # completed on Jan 6, 12:00
        complete(world, bob, task_id)
        created = next(e for e in world.events() if isinstance(e, TaskOccurrenceCreated))
        assert dt.datetime(2026, 1, 9, 9, tzinfo=dt.UTC) == (
            world.core.tasks.get_task(alice, created.entity_id).due_date
        )

    def test_weekly_keeps_local_time_across_daylight_saving(self, world: World, team: Team) -> None:
        """A weekly task at 09:00 in Paris stays at 09:00 there when the clocks change."""
        alice, bob, _, _ = team
        world.core.time.set_timezone(alice, "Europe/Paris")
        due = dt.datetime(2026, 3, 23, 9, tzinfo=PARIS)  # the Monday before the change
        task_id = task_due(world, team, due)
        world.core.time.set_recurrence(alice, task_id, rule="FREQ=WEEKLY")
        complete(world, bob, task_id)
        created = next(e for e in world.events() if isinstance(e, TaskOccurrenceCreated))
        new_due = world.core.tasks.get_task(alice, created.entity_id).due_date
        assert new_due is not None
        assert dt.datetime(2026, 3, 30, 9, tzinfo=PARIS) == new_due.astimezone(PARIS)
        assert dt.timedelta(days=7) - dt.timedelta(hours=1) == new_due - due

    def test_jan_31_monthly_skips_short_months(self, world: World, team: Team) -> None:
        """A monthly task due on Jan 31 comes back on Mar 31 (RFC 5545 skips February)."""
        alice, *_ = team
        task_id = task_due(world, team, dt.datetime(2026, 1, 31, 9, tzinfo=dt.UTC))
        view = world.core.time.set_recurrence(alice, task_id, rule="FREQ=MONTHLY")
        assert dt.datetime(2026, 3, 31, 9, tzinfo=dt.UTC) == view.next_due_date

    def test_deleting_a_task_unlinks_its_series(self, world: World, team: Team) -> None:
        """A deleted occurrence's recurrence goes, and the next forgets it."""
        alice, bob, _, _ = team
        task_id = task_due(world, team, dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC))
        world.core.time.set_recurrence(alice, task_id, rule="FREQ=DAILY")
        complete(world, bob, task_id)
        created = next(e for e in world.events() if isinstance(e, TaskOccurrenceCreated))
        world.core.tasks.delete_task(alice, task_id)
        following = world.core.time.get_recurrence(alice, created.entity_id)
        assert following is not None
        assert following.previous_task_id is None


class TestSkip:
    def test_skip_moves_the_due_date(self, world: World, team: Team) -> None:
        """Skipping moves the due date to the next occurrence and counts it."""
        alice, bob, carol, _ = team
        task_id = task_due(world, team, dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC))
        world.core.time.set_recurrence(alice, task_id, rule="FREQ=WEEKLY;BYDAY=MO,WE;COUNT=3")
        view = world.core.time.skip_occurrence(bob, task_id)
        assert (2, dt.datetime(2026, 1, 12, 9, tzinfo=dt.UTC)) == (
            view.occurrence,
            view.next_due_date,
        )
        assert dt.datetime(2026, 1, 7, 9, tzinfo=dt.UTC) == (
            world.core.tasks.get_task(alice, task_id).due_date
        )
        assert "task.occurrence_skipped" in world.event_names()
        world.core.time.skip_occurrence(bob, task_id)
        with pytest.raises(errors.Conflict):
            world.core.time.skip_occurrence(bob, task_id)
        with pytest.raises(errors.ProjectRoleRequired):
            world.core.time.skip_occurrence(carol, task_id)


class TestTimezone:
    def test_set_and_refuse(self, world: World) -> None:
        """A known zone is kept; an unknown one is refused naming the field."""
        alice = world.user("alice")
        assert "UTC" == world.core.time.timezone(alice)
        assert "America/New_York" == world.core.time.set_timezone(alice, "America/New_York")
        assert "America/New_York" == world.core.time.timezone(alice)
        assert "user.timezone_changed" == world.event_names()[-1]
        for bad in ("Mars/Olympus", "", None, "../../etc/passwd"):
            with pytest.raises(errors.ValidationError) as caught:
                world.core.time.set_timezone(alice, bad)
            assert "timezone" == caught.value.field
