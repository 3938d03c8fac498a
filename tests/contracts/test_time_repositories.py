"""The repository contract of time entries and running timers, on every adapter."""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs
import pytest

from taskcore import errors
from taskcore.domain.calendar_feeds import CalendarFeed
from taskcore.domain.projects import Membership, Project, Role
from taskcore.domain.recurrence import RecurrenceMode, TaskRecurrence
from taskcore.domain.reminders import DigestSubscription, TaskReminder
from taskcore.domain.tasks import Task
from taskcore.domain.time_entries import RunningTimer, TimeEntry, TimeEntryCriteria
from taskcore.domain.users import User
from taskcore.ports.uow import UnitOfWorkFactory

NOW = dt.datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=dt.UTC)
DAY = dt.date(2026, 2, 27)

Ids = tuple[list[int], list[int], list[int]]


@pytest.fixture
def ids(uow_factory: UnitOfWorkFactory) -> Ids:
    """Users alice and bob; two projects (alice a member of the first only, bob of
    both); tasks 0 and 1 in the first project, task 2 in the second."""
    with uow_factory() as uow:
        users = [
            uow.users.add(
                User(
                    username=name,
                    email=f"{name}@example.com",
                    password_hash="hash",
                    full_name=None,
                    created_at=NOW,
                )
            ).key
            for name in ("alice", "bob")
        ]
        projects = []
        for name, members in (("Apollo", users), ("Zeus", users[1:])):
            project = uow.projects.add(
                Project(name=name, owner_id=users[1], created_at=NOW, updated_at=NOW)
            )
            for user_id in members:
                uow.projects.add_member(
                    Membership(
                        project_id=project.key, user_id=user_id, role=Role.OWNER, added_at=NOW
                    )
                )
            projects.append(project.key)
        tasks = [
            uow.tasks.add(
                Task(project_id=project_id, title=f"t{i}", created_at=NOW, updated_at=NOW)
            ).key
            for i, project_id in enumerate((projects[0], projects[0], projects[1]))
        ]
        uow.commit()
    return users, projects, tasks


def entry(task_id: int, user_id: int, **changes: Any) -> TimeEntry:
    base = TimeEntry(
        task_id=task_id, user_id=user_id, work_date=DAY, minutes=30, created_at=NOW, updated_at=NOW
    )
    return attrs.evolve(base, **changes)


class TestTimeEntryRepository:
    def test_add_get_update_delete(self, uow_factory: UnitOfWorkFactory, ids: Ids) -> None:
        """An entry round-trips with its view fields; updates bump the version."""
        users, projects, tasks = ids
        with uow_factory() as uow:
            added = uow.time_entries.add(
                entry(tasks[0], users[0], note="n", billable=True, capped=True)
            )
            uow.commit()
        with uow_factory() as uow:
            view = uow.time_entries.get(added.key)
            assert uow.time_entries.get(added.key + 100) is None
        assert view is not None
        assert (projects[0], "t0", "alice", DAY, 30, "n", True, True, 1, NOW) == (
            view.project_id,
            view.task_title,
            view.username,
            view.work_date,
            view.minutes,
            view.note,
            view.billable,
            view.capped,
            view.version,
            view.created_at,
        )
        with uow_factory() as uow:
            changed = view.entry()
            changed.minutes = 45
            assert 2 == uow.time_entries.update(changed).version
            with pytest.raises(errors.VersionMismatch):
                uow.time_entries.update(changed)
            gone = attrs.evolve(changed, id=added.key + 100)
            with pytest.raises(errors.NotFound):
                uow.time_entries.update(gone)
            uow.commit()
        with uow_factory() as uow:
            read = uow.time_entries.get(added.key)
            assert read is not None
            assert (45, 2) == (read.minutes, read.version)
            uow.time_entries.delete(added.key)
            uow.commit()
        with uow_factory() as uow:
            assert uow.time_entries.get(added.key) is None

    def test_add_on_missing_task(self, uow_factory: UnitOfWorkFactory, ids: Ids) -> None:
        """An entry on a task that does not exist is refused."""
        users, _, tasks = ids
        with uow_factory() as uow, pytest.raises(errors.TaskNotFound):
            uow.time_entries.add(entry(max(tasks) + 10, users[0]))

    def test_find_count_and_sums(self, uow_factory: UnitOfWorkFactory, ids: Ids) -> None:
        """Filters, order (latest day first, then newest), sums per task and per day."""
        users, projects, tasks = ids
        alice, bob = users
        with uow_factory() as uow:
            first = uow.time_entries.add(entry(tasks[0], alice, minutes=10))
            second = uow.time_entries.add(entry(tasks[1], bob, minutes=20, billable=True))
            third = uow.time_entries.add(
                entry(tasks[0], bob, minutes=40, work_date=DAY.replace(day=28))
            )
            fourth = uow.time_entries.add(entry(tasks[2], bob, minutes=50))
            uow.commit()
        with uow_factory() as uow:
            repo = uow.time_entries
            everything = repo.find(TimeEntryCriteria(), limit=10)
            assert [third.key, fourth.key, second.key, first.key] == [e.id for e in everything]
            assert [fourth.key, second.key] == [
                e.id for e in repo.find(TimeEntryCriteria(), offset=1, limit=2)
            ]
            assert 2 == repo.count(TimeEntryCriteria(task_id=tasks[0]))
            assert 3 == repo.count(TimeEntryCriteria(project_id=projects[0]))
            assert 3 == repo.count(TimeEntryCriteria(user_id=bob))
            assert 1 == repo.count(TimeEntryCriteria(date_from=DAY.replace(day=28)))
            assert 3 == repo.count(TimeEntryCriteria(date_to=DAY))
            # alice is a member of the first project only.
            assert 2 == repo.count(TimeEntryCriteria(user_id=bob, member_id=alice))
            assert 50 == repo.task_minutes(tasks[0])
            assert repo.task_minutes(max(tasks) + 10) is None
            assert {tasks[0]: 50, tasks[1]: 20} == repo.minutes_by_task(projects[0])
            days = sorted(
                (d.username, d.project_name, d.work_date, d.minutes, d.billable_minutes, d.entries)
                for d in repo.daily_minutes(TimeEntryCriteria(project_id=projects[0]))
            )
            assert [
                ("alice", "Apollo", DAY, 10, 0, 1),
                ("bob", "Apollo", DAY, 20, 20, 1),
                ("bob", "Apollo", DAY.replace(day=28), 40, 0, 1),
            ] == days
            assert 2 == repo.delete_for_tasks([tasks[0]])
            assert 0 == repo.delete_for_tasks([])
            assert 0 == repo.count(TimeEntryCriteria(task_id=tasks[0]))


class TestTimerRepository:
    def test_one_timer_per_person(self, uow_factory: UnitOfWorkFactory, ids: Ids) -> None:
        """A person has at most one timer; stop removes it; a task's timers go with it."""
        users, _, tasks = ids
        with uow_factory() as uow:
            uow.timers.start(
                RunningTimer(user_id=users[0], task_id=tasks[0], started_at=NOW, note="x")
            )
            uow.commit()
        with uow_factory() as uow:
            timer = uow.timers.get(users[0])
            assert timer is not None
            assert (tasks[0], "t0", NOW, "x") == (
                timer.task_id,
                timer.task_title,
                timer.started_at,
                timer.note,
            )
            assert uow.timers.get(users[1]) is None
            with pytest.raises(errors.Conflict):
                uow.timers.start(RunningTimer(user_id=users[0], task_id=tasks[1], started_at=NOW))
        with uow_factory() as uow:
            assert uow.timers.stop(users[0])
            assert not uow.timers.stop(users[0])
            uow.timers.start(RunningTimer(user_id=users[1], task_id=tasks[2], started_at=NOW))
            assert 1 == uow.timers.delete_for_tasks([tasks[2]])
            assert uow.timers.get(users[1]) is None

    def test_start_on_missing_task(self, uow_factory: UnitOfWorkFactory, ids: Ids) -> None:
        """A timer on a task that does not exist is refused."""
        users, _, tasks = ids
        with uow_factory() as uow, pytest.raises(errors.TaskNotFound):
            uow.timers.start(
                RunningTimer(user_id=users[0], task_id=max(tasks) + 10, started_at=NOW)
            )


class TestCalendarFeedRepository:
    def test_feeds_by_user_and_digest(self, uow_factory: UnitOfWorkFactory, ids: Ids) -> None:
        """One feed per user, found by its digest; saving again replaces it."""
        users, _, _ = ids
        with uow_factory() as uow:
            uow.calendar_feeds.save(
                CalendarFeed(user_id=users[0], secret_digest="a" * 64, created_at=NOW)
            )
            uow.commit()
        with uow_factory() as uow:
            feeds = uow.calendar_feeds
            assert CalendarFeed(user_id=users[0], secret_digest="a" * 64, created_at=NOW) == (
                feeds.by_digest("a" * 64)
            )
            feeds.save(CalendarFeed(user_id=users[0], secret_digest="b" * 64, created_at=NOW))
            assert feeds.by_digest("a" * 64) is None
            assert users[0] == feeds.get(users[0]).user_id  # type: ignore[union-attr]
            assert feeds.get(users[1]) is None
            assert feeds.delete(users[0])
            assert not feeds.delete(users[0])

    def test_tasks_for(self, uow_factory: UnitOfWorkFactory, ids: Ids) -> None:
        """Tasks due from the given time, assigned to or watched by the user, in their
        projects, latest due first, with the project name."""
        users, _, tasks = ids
        alice, bob = users
        due = NOW + dt.timedelta(days=1)
        edits: tuple[tuple[int, dict[str, Any]], ...] = (
            (tasks[0], {"assignee_id": alice, "due_date": due}),
            (tasks[1], {"watchers": (alice,), "due_date": due + dt.timedelta(hours=1)}),
            # alice is no member of the second project: never listed for her.
            (tasks[2], {"assignee_id": alice, "due_date": due}),
        )
        with uow_factory() as uow:
            for task_id, changes in edits:
                task = uow.tasks.get(task_id)
                assert task is not None
                uow.tasks.update(attrs.evolve(task, **changes))
            uow.commit()
        with uow_factory() as uow:
            found = uow.calendar_feeds.tasks_for(alice, due_from=NOW, limit=10)
            assert [(tasks[1], "Apollo", "t1"), (tasks[0], "Apollo", "t0")] == [
                (t.id, t.project_name, t.title) for t in found
            ]
            assert [tasks[1]] == [
                t.id for t in uow.calendar_feeds.tasks_for(alice, due_from=NOW, limit=1)
            ]
            assert [] == list(
                uow.calendar_feeds.tasks_for(alice, due_from=due + dt.timedelta(days=1), limit=10)
            )
            assert [] == list(uow.calendar_feeds.tasks_for(bob, due_from=NOW, limit=10))


class TestRecurrenceRepository:
    def test_add_get_update_delete(self, uow_factory: UnitOfWorkFactory, ids: Ids) -> None:
        """One recurrence per task, versioned; deleting a task's recurrence unlinks the
        occurrences before and after it."""
        users, _, tasks = ids
        first = TaskRecurrence(
            task_id=tasks[0],
            rule="FREQ=DAILY",
            mode=RecurrenceMode.COMPLETION,
            timezone="Europe/Paris",
            series_start=NOW,
            created_by=users[0],
            created_at=NOW,
            updated_at=NOW,
        )
        with uow_factory() as uow:
            stored = uow.recurrences.add(first)
            uow.recurrences.add(
                attrs.evolve(first, task_id=tasks[1], occurrence=2, previous_task_id=tasks[0])
            )
            uow.commit()
        with uow_factory() as uow:
            assert stored == uow.recurrences.get(tasks[0])
            assert uow.recurrences.get(tasks[2]) is None
            with pytest.raises(errors.Conflict):
                uow.recurrences.add(first)
        with uow_factory() as uow:
            changed = uow.recurrences.update(attrs.evolve(stored, next_task_id=tasks[1]))
            assert 2 == changed.version
            with pytest.raises(errors.VersionMismatch):
                uow.recurrences.update(stored)
            with pytest.raises(errors.NotFound):
                uow.recurrences.update(attrs.evolve(stored, task_id=tasks[2]))
            uow.commit()
        with uow_factory() as uow:
            read = uow.recurrences.get(tasks[0])
            assert read is not None
            assert (tasks[1], 2) == (read.next_task_id, read.version)
            assert 1 == uow.recurrences.delete_for_tasks([tasks[1]])
            after = uow.recurrences.get(tasks[0])
            assert after is not None
            assert after.next_task_id is None
            assert uow.recurrences.delete(tasks[0])
            assert not uow.recurrences.delete(tasks[0])

    def test_add_on_missing_task(self, uow_factory: UnitOfWorkFactory, ids: Ids) -> None:
        """A recurrence of a task that does not exist is refused."""
        _, _, tasks = ids
        with uow_factory() as uow, pytest.raises(errors.TaskNotFound):
            uow.recurrences.add(
                TaskRecurrence(
                    task_id=max(tasks) + 10,
                    rule="FREQ=DAILY",
                    mode=RecurrenceMode.DUE_DATE,
                    timezone="UTC",
                    series_start=NOW,
                    created_at=NOW,
                    updated_at=NOW,
                )
            )


class TestReminderRepository:
    def test_due_claim_reschedule(self, uow_factory: UnitOfWorkFactory, ids: Ids) -> None:
        """Due reminders by fire time; a claim succeeds once; relative ones follow the due
        date until sent."""
        users, _, tasks = ids
        soon = NOW + dt.timedelta(minutes=5)
        with uow_factory() as uow:
            absolute = uow.reminders.add(
                TaskReminder(
                    task_id=tasks[0],
                    created_by=users[0],
                    remind_at=soon,
                    fire_at=soon,
                    created_at=NOW,
                )
            )
            relative = uow.reminders.add(
                TaskReminder(
                    task_id=tasks[0], created_by=users[0], before_minutes=30, created_at=NOW
                )
            )
            uow.commit()
        with uow_factory() as uow:
            reminders = uow.reminders
            assert [absolute.key, relative.key] == [r.key for r in reminders.for_task(tasks[0])]
            assert 1 == reminders.reschedule(tasks[0], NOW + dt.timedelta(minutes=20))
            assert [relative.key, absolute.key] == list(
                reminders.due(NOW + dt.timedelta(hours=1), 10)
            )
            assert [] == list(reminders.due(NOW - dt.timedelta(hours=1), 10))
            assert reminders.claim(relative.key, NOW, skipped=True)
            assert not reminders.claim(relative.key, NOW, skipped=False)
            assert 0 == reminders.reschedule(tasks[0], None)
            claimed = reminders.get(relative.key)
            assert claimed is not None
            assert (NOW, True) == (claimed.sent_at, claimed.skipped)
            assert [absolute.key] == list(reminders.due(NOW + dt.timedelta(hours=1), 10))
            reminders.delete(absolute.key)
            assert reminders.get(absolute.key) is None
            assert 1 == reminders.delete_for_tasks([tasks[0]])
            uow.commit()


class TestDigestRepository:
    def test_subscriptions_and_daily_claim(self, uow_factory: UnitOfWorkFactory, ids: Ids) -> None:
        """One subscription per person; a day is claimed once, a later day again."""
        users, _, _ = ids
        day = dt.date(2026, 3, 1)
        with uow_factory() as uow:
            uow.digests.save(DigestSubscription(user_id=users[1], hour=8))
            uow.digests.save(DigestSubscription(user_id=users[0], hour=7))
            uow.commit()
        with uow_factory() as uow:
            digests = uow.digests
            assert [users[0], users[1]] == [
                s.user_id for s in digests.all(after_user_id=0, limit=5)
            ]
            assert [users[1]] == [s.user_id for s in digests.all(after_user_id=users[0], limit=5)]
            assert digests.claim(users[0], day)
            assert not digests.claim(users[0], day)
            assert digests.claim(users[0], day + dt.timedelta(days=1))
            assert DigestSubscription(
                user_id=users[0], hour=7, last_sent_on=day + dt.timedelta(days=1)
            ) == digests.get(users[0])
            assert digests.delete(users[1])
            assert not digests.claim(users[1], day)
            assert digests.get(users[1]) is None
