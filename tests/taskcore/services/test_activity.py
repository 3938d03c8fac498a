"""The activity log's use cases: entries written with every change, queries, jobs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

import pytest

from taskcore import errors
from taskcore.domain.activity import ActivityEntry, DayCount, NameCount
from taskcore.domain.events import DomainEvent, TaskCreated, TaskUpdated, UserRegistered
from taskcore.domain.origin import Origin, origin_scope
from taskcore.domain.pagination import PageRequest
from taskcore.domain.tasks import TaskStatus
from taskcore.domain.values import UNSET
from taskcore.services import activity as service
from taskcore.services.users import Principal
from taskcore.uow import Work
from taskcore_adapters.testing import World

PASSWORD = "correct horse"  # nosec B105


@pytest.fixture
def world() -> World:
    """A fresh in-memory taskcore."""
    return World.create()


def entries(world: World) -> list[ActivityEntry]:
    """Every entry, oldest first."""
    root = Principal(user_id=0, username="probe", is_admin=True)
    found = world.core.activity.list_activities(root, page=PageRequest(per_page=1000))
    return [v.entry for v in reversed(found.items)]


def add_entry(world: World, when: dt.datetime, **fields: object) -> None:
    """Store an entry created at ``when`` (through the admin use case, at a moved clock)."""
    root = Principal(user_id=0, username="probe", is_admin=True)
    shift = (when - world.clock.now()).total_seconds()
    world.clock.advance(seconds=shift)
    values: dict[str, object] = {"action": "create", "entity_type": "task", "entity_id": 1}
    world.core.activity.log(root, **{**values, **fields})
    world.clock.advance(seconds=-shift)


class TestWrittenWithEveryChange:
    def test_one_entry_per_committed_event(self, world: World) -> None:
        """After a series of writes there is exactly one entry per outbox event, with the
        event's actor, action, entity and time."""
        alice = world.user("alice")
        world.core.users.login(username="alice", password=PASSWORD)
        project = world.project(alice)
        task = world.core.tasks.create_task(alice, project.id, title="Write")
        world.clock.advance(minutes=1)
        world.core.tasks.update_task(
            alice, task.id, title="Write more", status=TaskStatus.IN_PROGRESS
        )
        world.core.comments.add_comment(alice, task.id, content="On it")
        events = world.events()
        assert len(events) >= 6
        assert [
            (e.actor_id, e.action, e.entity_type, e.entity_id, e.occurred_at) for e in events
        ] == [
            (e.user_id, e.action, e.entity_type, e.entity_id, e.created_at) for e in entries(world)
        ]

    def test_rolled_back_change_leaves_no_entry(self, world: World) -> None:
        """When the transaction fails after the entry was written, neither the change nor
        the entry is kept."""

        def refuse(work: Work, events: Sequence[DomainEvent]) -> None:
            raise RuntimeError("refused")

        world.core.transactions.handle_in_transaction((UserRegistered,), refuse)
        with pytest.raises(RuntimeError):
            world.user("alice")
        assert ([], []) == (entries(world), world.events())

    def test_failed_use_case_leaves_no_entry(self, world: World) -> None:
        """A use case that fails validation writes nothing to the log."""
        alice = world.user("alice")
        project = world.project(alice)
        before = len(entries(world))
        with pytest.raises(errors.ValidationError):
            world.core.tasks.create_task(alice, project.id, title="")
        assert before == len(entries(world))

    def test_events_recorded_by_handlers_are_logged(self, world: World) -> None:
        """Events that other in-transaction handlers record are logged too, once each."""

        def follow_up(work: Work, events: Sequence[DomainEvent]) -> None:
            for event in events:
                work.record(
                    TaskUpdated(
                        occurred_at=event.occurred_at,
                        actor_id=None,
                        entity_id=event.entity_id,
                        project_id=1,
                        title="T",
                        changes={},
                    )
                )

        world.core.transactions.handle_in_transaction((TaskCreated,), follow_up)
        alice = world.user("alice")
        task = world.core.tasks.create_task(alice, world.project(alice).id, title="T")
        about_task = [(e.action, e.user_id) for e in entries(world) if e.entity_type == "task"]
        assert [("create", alice.user_id), ("update", None)] == about_task
        assert task.id == entries(world)[-1].entity_id

    def test_origin_is_recorded(self, world: World) -> None:
        """Entries carry the address and user agent of the current origin."""
        with origin_scope(Origin(ip_address="2001:db8::7", user_agent="Agent/" + "x" * 900)):
            world.user("alice")
        entry = entries(world)[0]
        assert ("2001:db8::7", 500, "taskcore") == (
            entry.ip_address,
            len(entry.user_agent or ""),
            entry.service_name,
        )

    def test_password_change_logs_no_password(self, world: World) -> None:
        """Changing a password is logged as an update without any password key."""
        alice = world.user("alice")
        world.core.users.change_password(
            alice, current_password=PASSWORD, new_password="another horse"
        )
        last = entries(world)[-1]
        assert ("update", {}) == (last.action, last.details)


class TestLog:
    def test_admin_submits_an_entry(self, world: World) -> None:
        """An administrator's entry is stored with its fields, secrets dropped, the user
        agent cut and ``unknown`` as service name."""
        root = world.user("root", admin=True)
        stored = world.core.activity.log(
            root,
            action="export",
            entity_type="report",
            entity_id=3,
            user_id=None,
            details={"format": "csv", "token": "t"},
            ip_address="192.0.2.1",
            user_agent="u" * 600,
            session_id="s1",
        )
        assert ("export", {"format": "csv"}, 500, "unknown", None, world.clock.now()) == (
            stored.action,
            stored.details,
            len(stored.user_agent or ""),
            stored.service_name,
            stored.user_id,
            stored.created_at,
        )

    def test_requires_an_admin(self, world: World) -> None:
        """Someone who is not an administrator cannot submit entries, however valid."""
        alice = world.user("alice")
        with pytest.raises(errors.AdminRequired):
            world.core.activity.log(alice, action="x", entity_type="y", entity_id=1)

    @pytest.mark.parametrize(
        ("fields", "message"),
        [
            ({"action": UNSET, "entity_type": UNSET, "entity_id": UNSET}, "action is required"),
            ({"entity_type": UNSET}, "entity_type is required"),
            ({"entity_id": UNSET}, "entity_id is required"),
            ({"entity_id": "7"}, "entity_id must be an integer"),
            ({"entity_id": True}, "entity_id must be an integer"),
            ({"entity_id": None}, "entity_id must be an integer"),
            ({"entity_id": -1}, "entity_id must be a valid id"),
            ({"action": None}, "action must be a string"),
            ({"action": "a" * 51}, "action must be at most 50 characters"),
            ({"entity_type": 5}, "entity_type must be a string"),
            ({"user_id": "1"}, "user_id must be an integer"),
            ({"details": ["x"]}, "details must be an object"),
            ({"ip_address": "1" * 46}, "ip_address must be at most 45 characters"),
            ({"user_agent": 5}, "user_agent must be a string"),
            ({"session_id": "s" * 101}, "session_id must be at most 100 characters"),
            ({"service_name": 1}, "service_name must be a string"),
        ],
    )
    def test_rejects_bad_fields(
        self, world: World, fields: dict[str, object], message: str
    ) -> None:
        """Missing required fields and wrong types are refused, naming the field."""
        root = world.user("root", admin=True)
        values: dict[str, object] = {"action": "x", "entity_type": "y", "entity_id": 1}
        with pytest.raises(errors.ValidationError) as caught:
            world.core.activity.log(root, **{**values, **fields})
        assert message == caught.value.message
        assert message.split(" ", maxsplit=1)[0] == caught.value.field


class TestQueries:
    def test_user_activities_for_self_and_admins_only(self, world: World) -> None:
        """A user reads their own entries; another user is denied; an admin reads any."""
        alice, bob = world.user("alice"), world.user("bob")
        root = world.user("root", admin=True)
        world.project(alice)
        mine = world.core.activity.user_activities(alice, alice.user_id)
        by_admin = world.core.activity.user_activities(root, alice.user_id, action="create")
        with pytest.raises(errors.PermissionDenied, match=r"^Access denied$"):
            world.core.activity.user_activities(bob, alice.user_id)
        assert (2, 2) == (mine.total, by_admin.total)

    def test_lists_need_an_admin(self, world: World) -> None:
        """The full list, entity lists, statistics and summaries are for administrators."""
        alice = world.user("alice")
        calls: list[Callable[[], object]] = [
            lambda: world.core.activity.list_activities(alice),
            lambda: world.core.activity.entity_activities(alice, "user", 1),
            lambda: world.core.activity.stats(alice),
            lambda: world.core.activity.list_summaries(alice),
            lambda: world.core.activity.start_cleanup(alice),
            lambda: world.core.activity.start_summary(alice),
        ]
        for call in calls:
            with pytest.raises(errors.AdminRequired):
                call()

    def test_page_sizes_are_capped(self, world: World) -> None:
        """Pages hold at most 1,000 entries in the full list and 200 in the others."""
        root = world.user("root", admin=True)
        big = PageRequest(per_page=5000)
        assert (1000, 200, 200) == (
            world.core.activity.list_activities(root, page=big).per_page,
            world.core.activity.user_activities(root, root.user_id, page=big).per_page,
            world.core.activity.entity_activities(root, "user", 1, page=big).per_page,
        )

    def test_date_filters(self, world: World) -> None:
        """Dates without a zone are UTC; bounds are inclusive; malformed ones are refused."""
        root = world.user("root", admin=True)
        start = world.clock.now().replace(tzinfo=None).isoformat()
        found = world.core.activity.list_activities(root, start_date=start, end_date=start)
        later = world.core.activity.list_activities(root, start_date="2027-01-01")
        with pytest.raises(errors.ValidationError, match=r"^Invalid end_date format$"):
            world.core.activity.list_activities(root, end_date="yesterday")
        with pytest.raises(errors.ValidationError, match=r"^Invalid start_date format$"):
            world.core.activity.list_activities(root, start_date="0001-01-01T00:00:00+01:00")
        assert (1, 0) == (found.total, later.total)

    def test_stats(self, world: World) -> None:
        """Statistics count the period and list the last seven UTC days oldest first,
        with zeros for quiet days."""
        root = world.user("root", admin=True)  # one entry, now (2026-01-01 12:00)
        now = world.clock.now()
        add_entry(world, now - dt.timedelta(days=2), action="delete", user_id=5)
        add_entry(world, now - dt.timedelta(days=2, hours=1), action="delete")
        add_entry(world, now - dt.timedelta(days=40), action="ancient")
        stats = world.core.activity.stats(root)
        week = world.core.activity.stats(root, days=0)
        short = world.core.activity.stats(root, days=1)
        assert (30, 3, 2) == (stats.period_days, stats.totals.total, stats.totals.unique_users)
        assert [NameCount(name="delete", count=2), NameCount(name="create", count=1)] == (
            stats.totals.top_actions
        )
        assert [
            DayCount(date=dt.date(2025, 12, 26) + dt.timedelta(days=n), count=c)
            for n, c in enumerate([0, 0, 0, 0, 2, 0, 1])
        ] == stats.daily
        assert (30, 1, 1) == (week.period_days, short.period_days, short.totals.total)

    def test_health_counts(self, world: World) -> None:
        """The health counts cover every entry and those of the last 24 hours."""
        world.user("alice")
        add_entry(world, world.clock.now() - dt.timedelta(days=3))
        health = world.core.activity.health()
        assert (2, 1) == (health.total_logs, health.recent_logs_24h)


class TestJobs:
    def test_periodic_jobs_are_registered(self, world: World) -> None:
        """The summary runs daily at 01:00 UTC and the cleanup daily at 02:00 UTC."""
        periodic = {job.spec.name: (job.interval, job.offset) for job in world.core.jobs.periodic}
        day = dt.timedelta(days=1)
        assert (day, dt.timedelta(hours=1)) == periodic["activity.summarize"]
        assert (day, dt.timedelta(hours=2)) == periodic["activity.cleanup"]

    def test_cleanup_deletes_beyond_retention_in_batches(self, world: World) -> None:
        """Entries older than 90 days are deleted, however many batches it takes."""
        root = world.user("root", admin=True)
        old = world.clock.now() - dt.timedelta(days=91)
        with world.core.transactions() as work:
            for n in range(service.DELETE_BATCH + 5):
                work.uow.activity.add(
                    ActivityEntry(
                        user_id=None,
                        action="create",
                        entity_type="task",
                        entity_id=n,
                        created_at=old,
                    )
                )
            work.commit()
        add_entry(world, world.clock.now() - dt.timedelta(days=89))
        job_id = world.core.activity.start_cleanup(root)  # runs inline
        assert 32 == len(job_id)
        assert 2 == len(entries(world))

    def test_summary_of_yesterday_is_idempotent(self, world: World) -> None:
        """The default summary covers yesterday (UTC); running it again updates it."""
        root = world.user("root", admin=True)
        yesterday = world.clock.now() - dt.timedelta(days=1)
        add_entry(world, yesterday, user_id=root.user_id, action="update")
        add_entry(world, yesterday, user_id=7, action="update")
        add_entry(world, yesterday, action="delete")
        world.core.activity.start_summary(root)
        add_entry(world, yesterday, action="delete")
        world.core.activity.start_summary(root)
        summaries = world.core.activity.list_summaries(root)
        assert 1 == len(summaries)
        assert (dt.date(2025, 12, 31), 4, 2) == (
            summaries[0].date,
            summaries[0].total_activities,
            summaries[0].unique_users,
        )
        assert [NameCount(name="delete", count=2), NameCount(name="update", count=2)] == (
            summaries[0].top_actions
        )

    def test_default_summary_backfills_missing_days(self, world: World) -> None:
        """Recent days with entries but no summary are filled in; quiet days get none."""
        root = world.user("root", admin=True)
        now = world.clock.now()
        for days in (1, 3, 5, 20):
            add_entry(world, now - dt.timedelta(days=days))
        world.core.activity.summarize()
        dates = [s.date.day for s in world.core.activity.list_summaries(root)]
        assert [31, 29, 27] == dates

    def test_summary_of_a_range(self, world: World) -> None:
        """A given range is summarised day by day, each day once."""
        root = world.user("root", admin=True)
        now = world.clock.now()
        for days in (1, 2, 20):
            add_entry(world, now - dt.timedelta(days=days))
        world.core.activity.start_summary(root, start_date="2025-12-01", end_date="2025-12-30")
        world.core.activity.start_summary(root, start_date="2025-12-01", end_date="2025-12-30")
        dates = [s.date.isoformat() for s in world.core.activity.list_summaries(root, days=60)]
        assert ["2025-12-30", "2025-12-12"] == dates

    def test_periodic_summary_runs_at_one(self, world: World) -> None:
        """At 01:00 UTC the scheduler runs the summary for the day before."""
        root = world.user("root", admin=True)
        world.core.tick()  # the first round notes the current slots
        world.clock.advance(hours=13)  # 2026-01-02 01:00
        world.core.tick()
        assert [dt.date(2026, 1, 1)] == [s.date for s in world.core.activity.list_summaries(root)]

    @pytest.mark.parametrize(
        ("start", "end", "message"),
        [
            ("2025-13-01", None, "Invalid start_date format"),
            (None, "01/02/2025", "Invalid end_date format"),
            (None, 20251201, "Invalid end_date format"),
            ("2025-12-10", "2025-12-01", "start_date must not be after end_date"),
            (None, "2026-01-02", "end_date must not be in the future"),
            ("2024-01-01", "2025-12-01", "A summary covers at most 366 days"),
        ],
    )
    def test_summary_range_is_checked(
        self, world: World, start: object, end: object, message: str
    ) -> None:
        """Malformed, reversed, future and overlong ranges are refused before enqueuing."""
        root = world.user("root", admin=True)
        with pytest.raises(errors.ValidationError) as caught:
            world.core.activity.start_summary(root, start_date=start, end_date=end)
        assert message == caught.value.message


class TestTaskHistory:
    def test_whoever_sees_the_task_sees_its_history(self, world: World) -> None:
        """Members, viewers and administrators read a task's entries; an outsider or a
        missing task is ``Task not found``."""
        owner, viewer, outsider = world.user("olga"), world.user("vic"), world.user("eve")
        admin = world.user("root", admin=True)
        project = world.project(owner, viewers=[viewer])
        task = world.core.tasks.create_task(owner, project.id, title="Logged")
        world.core.tasks.update_task(owner, task.id, title="Renamed")
        for reader in (owner, viewer, admin):
            history = world.core.activity.task_history(reader, task.id)
            assert ["update", "create"] == [item.entry.action for item in history.items]
        for reader, task_id in ((outsider, task.id), (owner, 999)):
            with pytest.raises(errors.TaskNotFound):
                world.core.activity.task_history(reader, task_id)
