"""The time area in memory (see ``taskcore.ports.time``): time entries and running
timers."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Sequence
from typing import Any

import attrs

from taskcore.domain.calendar_feeds import CalendarFeed, FeedTask
from taskcore.domain.recurrence import RecurrenceMode, TaskRecurrence
from taskcore.domain.reminders import DigestSubscription, TaskReminder
from taskcore.domain.time_entries import (
    DailyMinutes,
    RunningTimer,
    TimeEntry,
    TimeEntryCriteria,
    TimeEntryView,
    TimerView,
)
from taskcore.errors import Conflict, NotFound, TaskNotFound, VersionMismatch
from taskcore_adapters.memory.access import has_role
from taskcore_adapters.memory.tables import Tables

ENTRY_MISSING = "Time entry not found"


class InMemoryTimeEntryRepository:
    """Time entries in memory (see ``taskcore.ports.time.TimeEntryRepository``)."""

    def __init__(self, tables: Tables) -> None:
        self._t = tables

    def _view(self, entry: TimeEntry) -> TimeEntryView:
        task = self._t.tasks[entry.task_id]
        user = self._t.users.get(entry.user_id)
        return TimeEntryView(
            id=entry.key,
            task_id=entry.task_id,
            project_id=task.project_id,
            task_title=task.title,
            user_id=entry.user_id,
            username=user.username if user else "Unknown",
            work_date=entry.work_date,
            minutes=entry.minutes,
            note=entry.note,
            billable=entry.billable,
            capped=entry.capped,
            created_at=entry.created_at,
            updated_at=entry.updated_at,
            version=entry.version,
        )

    def add(self, entry: TimeEntry) -> TimeEntry:
        if entry.task_id not in self._t.tasks:
            raise TaskNotFound(entry.task_id)
        stored = attrs.evolve(entry, id=self._t.allocate("time_entries"), version=1)
        self._t.time_entries[stored.key] = stored
        return copy.deepcopy(stored)

    def get(self, entry_id: int) -> TimeEntryView | None:
        found = self._t.time_entries.get(entry_id)
        return self._view(found) if found else None

    def update(self, entry: TimeEntry) -> TimeEntry:
        current = self._t.time_entries.get(entry.key)
        if current is None:
            raise NotFound(ENTRY_MISSING)
        if current.version != entry.version:
            raise VersionMismatch()
        stored = attrs.evolve(entry, version=entry.version + 1)
        self._t.time_entries[entry.key] = stored
        return copy.deepcopy(stored)

    def delete(self, entry_id: int) -> None:
        self._t.time_entries.pop(entry_id, None)

    def _matching(self, criteria: TimeEntryCriteria) -> list[TimeEntry]:
        found = []
        for entry in self._t.time_entries.values():
            project_id = self._t.tasks[entry.task_id].project_id
            if (
                (criteria.task_id is None or entry.task_id == criteria.task_id)
                and (criteria.project_id is None or project_id == criteria.project_id)
                and (criteria.user_id is None or entry.user_id == criteria.user_id)
                and (criteria.date_from is None or entry.work_date >= criteria.date_from)
                and (criteria.date_to is None or entry.work_date <= criteria.date_to)
                and (
                    criteria.member_id is None or has_role(self._t, project_id, criteria.member_id)
                )
            ):
                found.append(entry)
        return found

    def find(
        self, criteria: TimeEntryCriteria, *, offset: int = 0, limit: int
    ) -> Sequence[TimeEntryView]:
        ordered = sorted(self._matching(criteria), key=lambda e: (e.work_date, e.key), reverse=True)
        return [self._view(e) for e in ordered[offset : offset + limit]]

    def count(self, criteria: TimeEntryCriteria) -> int:
        return len(self._matching(criteria))

    def task_minutes(self, task_id: int) -> int | None:
        minutes = [e.minutes for e in self._t.time_entries.values() if e.task_id == task_id]
        return sum(minutes) if minutes else None

    def daily_minutes(self, criteria: TimeEntryCriteria) -> Sequence[DailyMinutes]:
        sums: dict[tuple[int, int, object], DailyMinutes] = {}
        for entry in self._matching(criteria):
            project_id = self._t.tasks[entry.task_id].project_id
            key = (entry.user_id, project_id, entry.work_date)
            billable = entry.minutes if entry.billable else 0
            found = sums.get(key)
            if found is None:
                user = self._t.users.get(entry.user_id)
                sums[key] = DailyMinutes(
                    user_id=entry.user_id,
                    username=user.username if user else "Unknown",
                    project_id=project_id,
                    project_name=self._t.projects[project_id].name,
                    work_date=entry.work_date,
                    minutes=entry.minutes,
                    billable_minutes=billable,
                    entries=1,
                )
            else:
                sums[key] = attrs.evolve(
                    found,
                    minutes=found.minutes + entry.minutes,
                    billable_minutes=found.billable_minutes + billable,
                    entries=found.entries + 1,
                )
        return list(sums.values())

    def minutes_by_task(self, project_id: int) -> dict[int, int]:
        totals: dict[int, int] = {}
        for entry in self._t.time_entries.values():
            if self._t.tasks[entry.task_id].project_id == project_id:
                totals[entry.task_id] = totals.get(entry.task_id, 0) + entry.minutes
        return totals

    def delete_for_tasks(self, task_ids: Sequence[int]) -> int:
        wanted = set(task_ids)
        gone = [k for k, e in self._t.time_entries.items() if e.task_id in wanted]
        for key in gone:
            del self._t.time_entries[key]
        return len(gone)


class InMemoryTimerRepository:
    """Running timers in memory (see ``taskcore.ports.time.TimerRepository``)."""

    def __init__(self, tables: Tables) -> None:
        self._t = tables

    def get(self, user_id: int) -> TimerView | None:
        timer = self._t.timers.get(user_id)
        if timer is None:
            return None
        task = self._t.tasks[timer.task_id]
        return TimerView(
            user_id=timer.user_id,
            task_id=timer.task_id,
            project_id=task.project_id,
            task_title=task.title,
            started_at=timer.started_at,
            note=timer.note,
        )

    def start(self, timer: RunningTimer) -> None:
        if timer.task_id not in self._t.tasks:
            raise TaskNotFound(timer.task_id)
        if timer.user_id in self._t.timers:
            raise Conflict("A timer is already running")
        self._t.timers[timer.user_id] = timer

    def stop(self, user_id: int) -> bool:
        return self._t.timers.pop(user_id, None) is not None

    def delete_for_tasks(self, task_ids: Sequence[int]) -> int:
        wanted = set(task_ids)
        gone = [k for k, t in self._t.timers.items() if t.task_id in wanted]
        for key in gone:
            del self._t.timers[key]
        return len(gone)


class InMemoryCalendarFeedRepository:
    """Calendar feeds in memory (see ``taskcore.ports.time.CalendarFeedRepository``)."""

    def __init__(self, tables: Tables) -> None:
        self._t = tables

    def get(self, user_id: int) -> CalendarFeed | None:
        return self._t.calendar_feeds.get(user_id)

    def by_digest(self, secret_digest: str) -> CalendarFeed | None:
        for feed in self._t.calendar_feeds.values():
            if feed.secret_digest == secret_digest:
                return feed
        return None

    def save(self, feed: CalendarFeed) -> None:
        self._t.calendar_feeds[feed.user_id] = feed

    def delete(self, user_id: int) -> bool:
        return self._t.calendar_feeds.pop(user_id, None) is not None

    def tasks_for(self, user_id: int, *, due_from: dt.datetime, limit: int) -> Sequence[FeedTask]:
        found = [
            task
            for task in self._t.tasks.values()
            if task.due_date is not None
            and task.due_date >= due_from
            and (task.assignee_id == user_id or user_id in task.watchers)
            and has_role(self._t, task.project_id, user_id)
        ]
        found.sort(key=lambda t: (t.due_date, t.key), reverse=True)
        return [
            FeedTask(
                id=task.key,
                project_id=task.project_id,
                project_name=self._t.projects[task.project_id].name,
                title=task.title,
                description=task.description,
                status=task.status.value,
                due_date=task.due_date,
                updated_at=task.updated_at,
                **self._recurrence(task.key),
            )
            for task in found[:limit]
            if task.due_date is not None
        ]

    def _recurrence(self, task_id: int) -> dict[str, Any]:
        found = self._t.recurrences.get(task_id)
        if found is None:
            return {}
        return {
            "rule": found.rule,
            "repeats_from_due_date": found.mode is RecurrenceMode.DUE_DATE,
            "occurrence": found.occurrence,
        }


class InMemoryRecurrenceRepository:
    """Recurrences in memory (see ``taskcore.ports.time.RecurrenceRepository``)."""

    def __init__(self, tables: Tables) -> None:
        self._t = tables

    def get(self, task_id: int) -> TaskRecurrence | None:
        found = self._t.recurrences.get(task_id)
        return copy.deepcopy(found)

    def add(self, recurrence: TaskRecurrence) -> TaskRecurrence:
        if recurrence.task_id not in self._t.tasks:
            raise TaskNotFound(recurrence.task_id)
        if recurrence.task_id in self._t.recurrences:
            raise Conflict("The task already recurs")
        stored = attrs.evolve(recurrence, version=1)
        self._t.recurrences[recurrence.task_id] = stored
        return copy.deepcopy(stored)

    def update(self, recurrence: TaskRecurrence) -> TaskRecurrence:
        current = self._t.recurrences.get(recurrence.task_id)
        if current is None:
            raise NotFound("The task does not recur")
        if current.version != recurrence.version:
            raise VersionMismatch()
        stored = attrs.evolve(recurrence, version=recurrence.version + 1)
        self._t.recurrences[recurrence.task_id] = stored
        return copy.deepcopy(stored)

    def delete(self, task_id: int) -> bool:
        return self._t.recurrences.pop(task_id, None) is not None

    def delete_for_tasks(self, task_ids: Sequence[int]) -> int:
        wanted = set(task_ids)
        removed = 0
        for key in list(self._t.recurrences):
            if key in wanted:
                del self._t.recurrences[key]
                removed += 1
        for recurrence in self._t.recurrences.values():
            if recurrence.previous_task_id in wanted:
                recurrence.previous_task_id = None
            if recurrence.next_task_id in wanted:
                recurrence.next_task_id = None
        return removed


class InMemoryReminderRepository:
    """Reminders in memory (see ``taskcore.ports.time.ReminderRepository``)."""

    def __init__(self, tables: Tables) -> None:
        self._t = tables

    def add(self, reminder: TaskReminder) -> TaskReminder:
        if reminder.task_id not in self._t.tasks:
            raise TaskNotFound(reminder.task_id)
        stored = attrs.evolve(reminder, id=self._t.allocate("task_reminders"))
        self._t.reminders[stored.key] = stored
        return copy.deepcopy(stored)

    def get(self, reminder_id: int) -> TaskReminder | None:
        return copy.deepcopy(self._t.reminders.get(reminder_id))

    def for_task(self, task_id: int) -> Sequence[TaskReminder]:
        found = [r for r in self._t.reminders.values() if r.task_id == task_id]
        found.sort(key=lambda r: (r.fire_at is None, r.fire_at or r.created_at, r.key))
        return copy.deepcopy(found)

    def delete(self, reminder_id: int) -> None:
        self._t.reminders.pop(reminder_id, None)

    def due(self, now: dt.datetime, limit: int) -> Sequence[int]:
        found = [
            r
            for r in self._t.reminders.values()
            if r.sent_at is None and r.fire_at is not None and r.fire_at <= now
        ]
        found.sort(key=lambda r: (r.fire_at, r.key))
        return [r.key for r in found[:limit]]

    def claim(self, reminder_id: int, now: dt.datetime, *, skipped: bool) -> bool:
        found = self._t.reminders.get(reminder_id)
        if found is None or found.sent_at is not None:
            return False
        found.sent_at = now
        found.skipped = skipped
        return True

    def reschedule(self, task_id: int, due: dt.datetime | None) -> int:
        changed = 0
        for reminder in self._t.reminders.values():
            if reminder.task_id != task_id or reminder.sent_at is not None:
                continue
            if reminder.before_minutes is None:
                continue
            fire = None if due is None else due - dt.timedelta(minutes=reminder.before_minutes)
            if fire != reminder.fire_at:
                reminder.fire_at = fire
                changed += 1
        return changed

    def delete_for_tasks(self, task_ids: Sequence[int]) -> int:
        wanted = set(task_ids)
        gone = [k for k, r in self._t.reminders.items() if r.task_id in wanted]
        for key in gone:
            del self._t.reminders[key]
        return len(gone)


class InMemoryDigestRepository:
    """Digest subscriptions in memory (see ``taskcore.ports.time.DigestRepository``)."""

    def __init__(self, tables: Tables) -> None:
        self._t = tables

    def get(self, user_id: int) -> DigestSubscription | None:
        return self._t.digests.get(user_id)

    def save(self, subscription: DigestSubscription) -> None:
        self._t.digests[subscription.user_id] = subscription

    def delete(self, user_id: int) -> bool:
        return self._t.digests.pop(user_id, None) is not None

    def all(self, *, after_user_id: int, limit: int) -> Sequence[DigestSubscription]:
        found = sorted(
            (s for s in self._t.digests.values() if s.user_id > after_user_id),
            key=lambda s: s.user_id,
        )
        return found[:limit]

    def claim(self, user_id: int, day: dt.date) -> bool:
        found = self._t.digests.get(user_id)
        if found is None or (found.last_sent_on is not None and found.last_sent_on >= day):
            return False
        self._t.digests[user_id] = attrs.evolve(found, last_sent_on=day)
        return True
