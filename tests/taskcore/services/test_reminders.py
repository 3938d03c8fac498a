"""Reminders on the in-memory adapters: absolute and relative, sent once, following the
due date, skipped for closed tasks, by the channels each person prefers."""

from __future__ import annotations

import datetime as dt

import pytest

from taskcore import errors
from taskcore.domain.notifications import Notification
from taskcore.domain.tasks import TaskStatus
from taskcore.services.users import Principal
from taskcore_adapters.testing import World

Team = tuple[Principal, Principal, Principal, int]


@pytest.fixture
def world() -> World:
    """A fresh in-memory taskcore."""
    return World.create()


@pytest.fixture
def team(world: World) -> Team:
    """alice (owner), bob (member, the assignee), carol (viewer, a watcher), and a task
    due in two days."""
    alice, bob, carol = world.user("alice"), world.user("bob"), world.user("carol")
    project = world.project(alice, members=[bob], viewers=[carol])
    task = world.core.tasks.create_task(
        alice,
        project.id,
        title="Ship",
        assignee_id=bob.user_id,
        watchers=[carol.user_id],
        due_date=world.clock.now() + dt.timedelta(days=2),
    )
    return alice, bob, carol, task.id


def reminders_sent(world: World) -> list[Notification]:
    """The reminder notifications stored so far."""
    return [
        n
        for n in world.store.snapshot().notifications.values()
        if (n.context_data or {}).get("event") == "task_reminder"
    ]


class TestReminders:
    def test_absolute_reminder_goes_out_once(self, world: World, team: Team) -> None:
        """At its time the assignee and watcher get it in the app and by e-mail, once."""
        alice, bob, carol, task_id = team
        time = world.core.time
        reminder = time.add_reminder(
            alice, task_id, remind_at=(world.clock.now() + dt.timedelta(hours=1)).isoformat()
        )
        assert 0 == time.send_due_reminders()
        world.clock.advance(hours=1)
        assert 1 == time.send_due_reminders()
        assert 0 == time.send_due_reminders()
        sent = reminders_sent(world)
        assert {
            (bob.user_id, "in_app"),
            (bob.user_id, "email"),
            (carol.user_id, "in_app"),
            (carol.user_id, "email"),
        } == {(n.recipient_id, n.notification_type) for n in sent}
        assert 4 == len(sent)
        stored = time.list_reminders(carol, task_id)
        assert [(reminder.key, world.clock.now(), False)] == [
            (r.key, r.sent_at, r.skipped) for r in stored
        ]
        assert "task.reminder_sent" in world.event_names()

    def test_relative_reminder_follows_the_due_date(self, world: World, team: Team) -> None:
        """A reminder an hour before the due date moves when the due date moves."""
        alice, bob, _, task_id = team
        time = world.core.time
        time.add_reminder(alice, task_id, before_minutes=60)
        later = world.clock.now() + dt.timedelta(days=5)
        world.core.tasks.update_task(alice, task_id, due_date=later)
        [reminder] = time.list_reminders(bob, task_id)
        assert later - dt.timedelta(hours=1) == reminder.fire_at
        world.clock.advance(days=2)
        assert 0 == time.send_due_reminders()
        world.clock.advance(days=3)
        assert 1 == time.send_due_reminders()

    def test_closed_tasks_send_nothing(self, world: World, team: Team) -> None:
        """A reminder on a completed task is marked skipped and notifies nobody."""
        alice, bob, _, task_id = team
        time = world.core.time
        time.add_reminder(alice, task_id, before_minutes=0)
        world.core.tasks.update_task(bob, task_id, status=TaskStatus.COMPLETED)
        world.clock.advance(days=3)
        assert 0 == time.send_due_reminders()
        [reminder] = time.list_reminders(alice, task_id)
        assert reminder.skipped
        assert [] == reminders_sent(world)

    def test_preferences_choose_the_channels(self, world: World, team: Team) -> None:
        """Someone who turned e-mail reminders off gets them only in the app."""
        alice, bob, carol, task_id = team
        world.core.notifications.update_preferences(carol, {"task_reminder": {"email": False}})
        world.core.time.add_reminder(alice, task_id, before_minutes=0)
        world.clock.advance(days=2)
        world.core.time.send_due_reminders()
        assert {(bob.user_id, "email"), (bob.user_id, "in_app"), (carol.user_id, "in_app")} == {
            (n.recipient_id, n.notification_type) for n in reminders_sent(world)
        }

    def test_refusals(self, world: World, team: Team) -> None:
        """Neither or both kinds, bad values, viewers: refused; deleting works once."""
        alice, bob, carol, task_id = team
        time = world.core.time
        for kwargs, field in (
            ({}, "remind_at"),
            ({"remind_at": "2026-01-01T00:00:00Z", "before_minutes": 5}, "remind_at"),
            ({"remind_at": "soon"}, "remind_at"),
            ({"before_minutes": -1}, "before_minutes"),
            ({"before_minutes": True}, "before_minutes"),
        ):
            with pytest.raises(errors.ValidationError) as caught:
                time.add_reminder(alice, task_id, **kwargs)
            assert field == caught.value.field
        with pytest.raises(errors.ProjectRoleRequired):
            time.add_reminder(carol, task_id, before_minutes=5)
        reminder = time.add_reminder(bob, task_id, before_minutes=5)
        with pytest.raises(errors.ProjectRoleRequired):
            time.delete_reminder(carol, reminder.key)
        time.delete_reminder(alice, reminder.key)
        assert ["task.reminder_added", "task.reminder_deleted"] == [
            n for n in world.event_names() if n.startswith("task.reminder")
        ]
        with pytest.raises(errors.NotFound):
            time.delete_reminder(alice, reminder.key)


class TestDigests:
    def test_daily_digest_at_the_local_hour_once(self, world: World, team: Team) -> None:
        """At the chosen hour in the person's zone the digest lists today's and overdue
        tasks, once a day; nothing due means no digest; opting out stops it."""
        alice, bob, _, task_id = team
        time = world.core.time
        assert time.digest_subscription(bob) is None
        time.set_timezone(bob, "America/New_York")  # UTC-5 in January
        time.set_digest(bob, enabled=True, hour=9)
        project_id = world.core.tasks.get_task(alice, task_id).project_id
        # The clock starts at 2026-01-01 12:00 UTC, 07:00 in New York.
        world.core.tasks.create_task(
            alice,
            project_id,
            title="Late",
            assignee_id=bob.user_id,
            due_date=dt.datetime.fromisoformat("2025-12-30T12:00:00Z"),
        )
        world.core.tasks.create_task(
            alice,
            project_id,
            title="Today",
            assignee_id=bob.user_id,
            due_date=dt.datetime.fromisoformat("2026-01-01T20:00:00Z"),
        )
        assert 0 == time.send_due_digests()
        world.clock.advance(hours=2)  # 09:00 in New York
        assert 1 == time.send_due_digests()
        assert 0 == time.send_due_digests()
        digests = [
            n
            for n in world.store.snapshot().notifications.values()
            if (n.context_data or {}).get("event") == "daily_digest"
        ]
        assert {("in_app", bob.user_id), ("email", bob.user_id)} == {
            (n.notification_type, n.recipient_id) for n in digests
        }
        assert "Due today: 1. Overdue: 1." in digests[0].body
        sent = [e for e in world.events() if e.name == "user.daily_digest_sent"]
        assert [("2026-01-01", 1, 1)] == [
            (e.details["day"], len(e.details["due_today"]), len(e.details["overdue"])) for e in sent
        ]
        assert time.digest_subscription(bob) is not None
        time.set_digest(bob, enabled=False)
        assert [True, False] == [
            e.details["enabled"] for e in world.events() if e.name == "user.digest_changed"
        ]
        world.clock.advance(days=1)
        assert 0 == time.send_due_digests()

    def test_nothing_due_sends_nothing(self, world: World, team: Team) -> None:
        """A person with no task due today or overdue gets no digest."""
        alice, *_ = team
        dave = world.user("dave")
        world.core.time.set_digest(dave, enabled=True, hour=0)
        assert 0 == world.core.time.send_due_digests()
        for bad, field in (
            ({"enabled": "yes"}, "enabled"),
            ({"enabled": True, "hour": 24}, "hour"),
        ):
            with pytest.raises(errors.ValidationError) as caught:
                world.core.time.set_digest(alice, **bad)
            assert field == caught.value.field
