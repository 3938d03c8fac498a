"""Use cases of the time area (entries, timers, timesheets), on the in-memory adapters."""

from __future__ import annotations

import datetime as dt

import pytest

from taskcore import errors
from taskcore.domain.pagination import PageRequest
from taskcore.domain.time_events import TimeEntryLogged, TimerStopped
from taskcore.services.users import Principal
from taskcore_adapters.testing import World

Team = tuple[Principal, Principal, Principal, int]


@pytest.fixture
def world() -> World:
    """A fresh in-memory taskcore."""
    return World.create()


@pytest.fixture
def team(world: World) -> Team:
    """An owner, a member and a viewer of one project, and a task's id in it."""
    alice, bob, carol = world.user("alice"), world.user("bob"), world.user("carol")
    project = world.project(alice, members=[bob], viewers=[carol])
    task = world.core.tasks.create_task(alice, project.id, title="t", estimated_hours=2)
    return alice, bob, carol, task.id


def today(world: World) -> dt.date:
    return world.clock.now().date()


class TestLogTime:
    def test_member_logs_and_actual_hours_follow(self, world: World, team: Team) -> None:
        """A member's entry is stored and the task's actual_hours become the sum."""
        alice, bob, _, task_id = team
        time = world.core.time
        entry = time.log_time(bob, task_id, minutes=90, work_date=today(world), note=" x ")
        time.log_time(alice, task_id, minutes=30, work_date=today(world), billable=True)
        assert (bob.user_id, "bob", 90, "x", False, 1) == (
            entry.user_id,
            entry.username,
            entry.minutes,
            entry.note,
            entry.billable,
            entry.version,
        )
        assert 2.0 == world.core.tasks.get_task(alice, task_id).actual_hours
        logged = [e for e in world.events() if isinstance(e, TimeEntryLogged)]
        assert [90, 30] == [e.minutes for e in logged]
        assert "task.updated" in world.event_names()

    def test_viewer_cannot_log(self, world: World, team: Team) -> None:
        """Viewers may not log time."""
        _, _, carol, task_id = team
        with pytest.raises(errors.ProjectRoleRequired):
            world.core.time.log_time(carol, task_id, minutes=10, work_date=today(world))

    def test_outsider_sees_no_task(self, world: World, team: Team) -> None:
        """A non-member is told the task does not exist."""
        *_, task_id = team
        mallory = world.user("mallory")
        with pytest.raises(errors.TaskNotFound):
            world.core.time.log_time(mallory, task_id, minutes=10, work_date=today(world))

    @pytest.mark.parametrize(
        ("given", "field"),
        [
            ((0, "2026-01-01", None), "minutes"),
            ((1441, "2026-01-01", None), "minutes"),
            ((True, "2026-01-01", None), "minutes"),
            (("10", "2026-01-01", None), "minutes"),
            ((10, "2026-13-01", None), "work_date"),
            ((10, None, None), "work_date"),
            ((10, "1999-12-31", None), "work_date"),
            ((10, "2999-01-01", None), "work_date"),
            ((10, "2026-01-01", "x" * 2001), "note"),
        ],
    )
    def test_bad_input_names_the_field(
        self, world: World, team: Team, given: tuple[object, str | None, str | None], field: str
    ) -> None:
        """Each malformed value is refused naming its field, and nothing is stored."""
        _, bob, _, task_id = team
        minutes, work_date, note = given
        before = world.event_names()
        with pytest.raises(errors.ValidationError) as caught:
            world.core.time.log_time(bob, task_id, minutes=minutes, work_date=work_date, note=note)
        assert field == caught.value.field
        assert before == world.event_names()


class TestEditAndDelete:
    def test_author_edits_own_entry(self, world: World, team: Team) -> None:
        """The author changes minutes and billable; the event lists the changes."""
        alice, bob, _, task_id = team
        time = world.core.time
        entry = time.log_time(bob, task_id, minutes=60, work_date=today(world))
        edited = time.edit_entry(bob, entry.id, minutes=120, billable=True, expected_version=1)
        assert (120, True, 2) == (edited.minutes, edited.billable, edited.version)
        assert 2.0 == world.core.tasks.get_task(alice, task_id).actual_hours
        event = world.events()[-2]
        assert "time_entry.edited" == event.name
        assert {"minutes": {"old": 60, "new": 120}, "billable": {"old": False, "new": True}} == (
            event.details["changes"]
        )

    def test_other_member_may_not_change_but_owner_may(self, world: World, team: Team) -> None:
        """Another member is refused; the project owner edits and deletes anyone's entry."""
        alice, bob, _, task_id = team
        dave = world.user("dave")
        world.join(alice, world.core.tasks.get_task(alice, task_id).project_id, dave)
        time = world.core.time
        entry = time.log_time(bob, task_id, minutes=60, work_date=today(world))
        with pytest.raises(errors.PermissionDenied):
            time.edit_entry(dave, entry.id, minutes=5)
        with pytest.raises(errors.PermissionDenied):
            time.delete_entry(dave, entry.id)
        assert 5 == time.edit_entry(alice, entry.id, minutes=5).minutes
        time.delete_entry(alice, entry.id)
        with pytest.raises(errors.NotFound):
            time.get_entry(bob, entry.id)

    def test_deleting_last_entry_clears_actual_hours(self, world: World, team: Team) -> None:
        """Without entries a task has no actual_hours again, and takes them directly."""
        alice, bob, _, task_id = team
        time = world.core.time
        entry = time.log_time(bob, task_id, minutes=60, work_date=today(world))
        time.delete_entry(bob, entry.id)
        assert world.core.tasks.get_task(alice, task_id).actual_hours is None
        world.core.tasks.update_task(alice, task_id, actual_hours=3)
        assert 3 == world.core.tasks.get_task(alice, task_id).actual_hours

    def test_actual_hours_cannot_be_set_over_entries(self, world: World, team: Team) -> None:
        """Setting actual_hours directly on a task with entries is refused."""
        alice, bob, _, task_id = team
        world.core.time.log_time(bob, task_id, minutes=60, work_date=today(world))
        with pytest.raises(errors.ValidationError) as caught:
            world.core.tasks.update_task(alice, task_id, actual_hours=7)
        assert "actual_hours" == caught.value.field
        assert 1.0 == world.core.tasks.get_task(alice, task_id).actual_hours

    def test_stale_version_is_refused(self, world: World, team: Team) -> None:
        """An edit naming an old version changes nothing."""
        _, bob, _, task_id = team
        entry = world.core.time.log_time(bob, task_id, minutes=60, work_date=today(world))
        with pytest.raises(errors.VersionMismatch):
            world.core.time.edit_entry(bob, entry.id, minutes=5, expected_version=9)

    def test_task_deletion_takes_entries_and_timers(self, world: World, team: Team) -> None:
        """Deleting a task deletes its entries and stops timers on it."""
        alice, bob, _, task_id = team
        time = world.core.time
        entry = time.log_time(bob, task_id, minutes=60, work_date=today(world))
        time.start_timer(bob, task_id)
        world.core.tasks.delete_task(alice, task_id)
        with pytest.raises(errors.NotFound):
            time.get_entry(alice, entry.id)
        assert time.current_timer(bob) is None


class TestListing:
    def test_scopes(self, world: World, team: Team) -> None:
        """Mine by default; a task's for its members; outsiders see nothing of a project."""
        alice, bob, carol, task_id = team
        time = world.core.time
        time.log_time(bob, task_id, minutes=10, work_date="2026-01-01")
        time.log_time(bob, task_id, minutes=20, work_date="2026-01-02")
        time.log_time(alice, task_id, minutes=30, work_date="2026-01-02")
        mine = time.list_entries(bob)
        assert [20, 10] == [e.minutes for e in mine.items]
        assert 3 == time.list_entries(carol, task_id=task_id).total
        assert 1 == time.list_entries(carol, task_id=task_id, date_to="2026-01-01").total
        page = time.list_entries(alice, task_id=task_id, page=PageRequest(page=2, per_page=2))
        assert (3, 1) == (page.total, len(page.items))
        stranger = world.user("mallory")
        assert 0 == time.list_entries(stranger, user_id=bob.user_id).total
        assert 2 == time.list_entries(carol, user_id=bob.user_id).total
        with pytest.raises(errors.ValidationError):
            time.list_entries(bob, date_from="2026-02-01", date_to="2026-01-01")


class TestTimers:
    def test_stop_logs_rounded_minutes_on_start_day(self, world: World, team: Team) -> None:
        """Stopping logs the time since start, to the nearest minute."""
        alice, bob, _, task_id = team
        time = world.core.time
        timer, stopped = time.start_timer(bob, task_id, note="coding")
        assert (task_id, None) == (timer.task_id, stopped)
        world.clock.advance(minutes=44, seconds=31)
        entry = time.stop_timer(bob)
        assert (45, "coding", False, today(world)) == (
            entry.minutes,
            entry.note,
            entry.capped,
            entry.work_date,
        )
        assert time.current_timer(bob) is None
        stopped_event = next(e for e in world.events() if isinstance(e, TimerStopped))
        assert (entry.id, 45) == (stopped_event.time_entry_id, stopped_event.minutes)
        assert 0.75 == world.core.tasks.get_task(alice, task_id).actual_hours

    def test_starting_another_stops_the_first(self, world: World, team: Team) -> None:
        """Starting a timer on another task logs the running one first."""
        alice, bob, _, task_id = team
        other = world.core.tasks.create_task(
            alice, world.core.tasks.get_task(alice, task_id).project_id, title="o"
        )
        time = world.core.time
        time.start_timer(bob, task_id)
        world.clock.advance(minutes=10)
        timer, stopped = time.start_timer(bob, other.id)
        assert stopped is not None
        assert (task_id, 10) == (stopped.task_id, stopped.minutes)
        assert other.id == timer.task_id
        assert other.id == time.current_timer(bob).task_id  # type: ignore[union-attr]

    def test_over_a_day_is_capped_and_flagged(self, world: World, team: Team) -> None:
        """A timer left running for days logs 24 hours, flagged capped."""
        _, bob, _, task_id = team
        time = world.core.time
        time.start_timer(bob, task_id)
        world.clock.advance(days=3)
        entry = time.stop_timer(bob)
        assert (1440, True) == (entry.minutes, entry.capped)
        event = next(e for e in world.events() if isinstance(e, TimerStopped))
        assert event.capped

    def test_stop_without_timer_and_viewer_start(self, world: World, team: Team) -> None:
        """Stopping with no timer is a conflict; viewers cannot start one."""
        _, bob, carol, task_id = team
        with pytest.raises(errors.Conflict):
            world.core.time.stop_timer(bob)
        with pytest.raises(errors.ProjectRoleRequired):
            world.core.time.start_timer(carol, task_id)


class TestTimesheet:
    def test_weeks_per_person_and_project(self, world: World, team: Team) -> None:
        """Entries fold into ISO weeks per person and project, with totals."""
        alice, bob, carol, task_id = team
        time = world.core.time
        # 2025-12-01 is a Monday.
        time.log_time(bob, task_id, minutes=60, work_date="2025-12-01", billable=True)
        time.log_time(bob, task_id, minutes=30, work_date="2025-12-07")
        time.log_time(bob, task_id, minutes=15, work_date="2025-12-08")
        time.log_time(alice, task_id, minutes=45, work_date="2025-12-02")
        project_id = world.core.tasks.get_task(alice, task_id).project_id
        sheet = time.timesheet(
            carol, date_from="2025-11-01", date_to="2025-12-31", project_id=project_id
        )
        assert [
            ("alice", dt.date(2025, 12, 1), 45, 0),
            ("bob", dt.date(2025, 12, 1), 90, 60),
            ("bob", dt.date(2025, 12, 8), 15, 0),
        ] == [(r.username, r.week_start, r.minutes, r.billable_minutes) for r in sheet.rows]
        assert (150, 60) == (sheet.total_minutes, sheet.billable_minutes)
        mine = time.timesheet(bob, date_from="2025-11-01", date_to="2025-12-31")
        assert {"bob"} == {r.username for r in mine.rows}

    def test_period_limits(self, world: World, team: Team) -> None:
        """More than 366 days, or an end before the start, is refused."""
        _, bob, _, _ = team
        for start, end in (("2025-01-01", "2026-01-02"), ("2026-01-02", "2026-01-01")):
            with pytest.raises(errors.ValidationError) as caught:
                world.core.time.timesheet(bob, date_from=start, date_to=end)
            assert "to" == caught.value.field

    def test_project_time_compares_estimates(self, world: World, team: Team) -> None:
        """The project summary lists estimate, spent and remaining hours per task."""
        alice, bob, _, task_id = team
        world.core.time.log_time(bob, task_id, minutes=150, work_date=today(world))
        project_id = world.core.tasks.get_task(alice, task_id).project_id
        summary = world.core.time.project_time(bob, project_id)
        assert (2.0, 2.5) == (summary.estimated_hours, summary.spent_hours)
        assert [(task_id, 2.0, 2.5, -0.5)] == [
            (t.task_id, t.estimated_hours, t.spent_hours, t.remaining_hours) for t in summary.tasks
        ]
