"""Storage of the time area: time entries, running timers, calendar feeds and recurrence
rules, and the engine that computes recurrence rules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Protocol

from taskcore.domain.calendar_feeds import CalendarFeed, FeedTask
from taskcore.domain.recurrence import TaskRecurrence
from taskcore.domain.reminders import DigestSubscription, TaskReminder
from taskcore.domain.time_entries import (
    DailyMinutes,
    RunningTimer,
    TimeEntry,
    TimeEntryCriteria,
    TimeEntryView,
    TimerView,
)


class TimeEntryRepository(Protocol):
    """Stores time entries.

    Read models (:class:`TimeEntryView`) carry the task's project and title and the
    person's username, read in the same query as the entries.
    """

    def add(self, entry: TimeEntry) -> TimeEntry:
        """Store a new entry and return it with its id assigned and version 1.

        Raises:
            TaskNotFound: the task does not exist.
        """
        ...

    def get(self, entry_id: int) -> TimeEntryView | None:
        """The entry with this id, or ``None``."""
        ...

    def update(self, entry: TimeEntry) -> TimeEntry:
        """Save a changed entry; returns it with its version bumped.

        Raises:
            NotFound: no such entry.
            VersionMismatch: the stored version is not ``entry.version``.
        """
        ...

    def delete(self, entry_id: int) -> None:
        """Delete an entry (nothing happens if there is none)."""
        ...

    def find(
        self, criteria: TimeEntryCriteria, *, offset: int = 0, limit: int
    ) -> Sequence[TimeEntryView]:
        """Matching entries, latest work date first, then newest id first."""
        ...

    def count(self, criteria: TimeEntryCriteria) -> int:
        """How many entries match."""
        ...

    def task_minutes(self, task_id: int) -> int | None:
        """The minutes of a task's entries summed, or ``None`` if it has none."""
        ...

    def daily_minutes(self, criteria: TimeEntryCriteria) -> Sequence[DailyMinutes]:
        """Matching entries summed per person, project and day (in no particular
        order)."""
        ...

    def minutes_by_task(self, project_id: int) -> dict[int, int]:
        """The minutes logged on each task of a project that has entries."""
        ...

    def delete_for_tasks(self, task_ids: Sequence[int]) -> int:
        """Delete every entry of these tasks; returns how many."""
        ...


class TimerRepository(Protocol):
    """Stores each person's running timer (at most one per person)."""

    def get(self, user_id: int) -> TimerView | None:
        """The person's running timer, or ``None``."""
        ...

    def start(self, timer: RunningTimer) -> None:
        """Store a running timer for a person who has none.

        Raises:
            Conflict: the person already has a running timer (another transaction
                started one meanwhile).
            TaskNotFound: the task does not exist.
        """
        ...

    def stop(self, user_id: int) -> bool:
        """Remove the person's running timer; whether there was one."""
        ...

    def delete_for_tasks(self, task_ids: Sequence[int]) -> int:
        """Remove every running timer on these tasks; returns how many."""
        ...


class CalendarFeedRepository(Protocol):
    """Stores each user's calendar feed (at most one; only the secret's digest), and reads
    the tasks a feed lists."""

    def get(self, user_id: int) -> CalendarFeed | None:
        """The user's feed, or ``None``."""
        ...

    def by_digest(self, secret_digest: str) -> CalendarFeed | None:
        """The feed whose secret has this digest, or ``None``."""
        ...

    def save(self, feed: CalendarFeed) -> None:
        """Store the user's feed, replacing the one they had."""
        ...

    def delete(self, user_id: int) -> bool:
        """Remove the user's feed; whether there was one."""
        ...

    def tasks_for(self, user_id: int, *, due_from: dt.datetime, limit: int) -> Sequence[FeedTask]:
        """The tasks due at or after ``due_from`` that the user is assigned to or watches,
        in projects they are a member of, latest due date first (then highest id), with
        their project's name and their recurrence rule."""
        ...


class RecurrenceRepository(Protocol):
    """Stores recurring tasks' rules and their places in their series, one per task."""

    def get(self, task_id: int) -> TaskRecurrence | None:
        """The task's recurrence, or ``None`` if it does not recur."""
        ...

    def add(self, recurrence: TaskRecurrence) -> TaskRecurrence:
        """Store a new recurrence (version 1).

        Raises:
            Conflict: the task already has one.
            TaskNotFound: the task does not exist.
        """
        ...

    def update(self, recurrence: TaskRecurrence) -> TaskRecurrence:
        """Save a changed recurrence; returns it with its version bumped.

        Raises:
            NotFound: the task has none.
            VersionMismatch: the stored version is not ``recurrence.version``.
        """
        ...

    def delete(self, task_id: int) -> bool:
        """Remove the task's recurrence; whether it had one."""
        ...

    def delete_for_tasks(self, task_ids: Sequence[int]) -> int:
        """Remove the recurrences of these tasks and unlink them from the occurrences
        before and after them; returns how many were removed."""
        ...


class ReminderRepository(Protocol):
    """Stores reminders on tasks."""

    def add(self, reminder: TaskReminder) -> TaskReminder:
        """Store a new reminder with its id assigned.

        Raises:
            TaskNotFound: the task does not exist.
        """
        ...

    def get(self, reminder_id: int) -> TaskReminder | None:
        """The reminder, or ``None``."""
        ...

    def for_task(self, task_id: int) -> Sequence[TaskReminder]:
        """A task's reminders, by fire time (unscheduled last), then id."""
        ...

    def delete(self, reminder_id: int) -> None:
        """Delete a reminder (nothing happens if there is none)."""
        ...

    def due(self, now: dt.datetime, limit: int) -> Sequence[int]:
        """The ids of unsent reminders due at ``now``, oldest fire time first."""
        ...

    def claim(self, reminder_id: int, now: dt.datetime, *, skipped: bool) -> bool:
        """Mark an unsent reminder handled at ``now``, in one conditional update: whether
        this call did (another transaction that did first makes it ``False``, after
        waiting for that one to end)."""
        ...

    def reschedule(self, task_id: int, due: dt.datetime | None) -> int:
        """Recompute the fire time of the task's unsent relative reminders from its new
        due date; returns how many changed."""
        ...

    def delete_for_tasks(self, task_ids: Sequence[int]) -> int:
        """Delete every reminder of these tasks; returns how many."""
        ...


class DigestRepository(Protocol):
    """Stores who gets a daily digest, at which local hour, and the day it last went out."""

    def get(self, user_id: int) -> DigestSubscription | None:
        """The person's subscription, or ``None``."""
        ...

    def save(self, subscription: DigestSubscription) -> None:
        """Store the person's subscription, replacing theirs."""
        ...

    def delete(self, user_id: int) -> bool:
        """Remove the person's subscription; whether there was one."""
        ...

    def all(self, *, after_user_id: int, limit: int) -> Sequence[DigestSubscription]:
        """Subscriptions by user id, after ``after_user_id``."""
        ...

    def claim(self, user_id: int, day: dt.date) -> bool:
        """Mark the person's digest of ``day`` handled, in one conditional update (only if
        ``last_sent_on`` is before ``day``): whether this call did."""
        ...


class RecurrenceRules(Protocol):
    """Reads and computes RFC 5545 recurrence rules (``RRULE`` values such as
    ``FREQ=WEEKLY;BYDAY=MO,WE``).

    Times handed in and out are aware and in the time zone the rule is computed in, so
    occurrences keep their wall-clock time across daylight-saving changes.
    """

    def check(self, rule: str) -> str:
        """The rule in canonical form (parts upper-case, in a fixed order).

        Raises:
            ValidationError: the rule does not parse, naming the part that is wrong
                (field ``rule``), or it would repeat more often than once an hour.
        """
        ...

    def next_after(
        self, rule: str, *, start: dt.datetime, after: dt.datetime
    ) -> dt.datetime | None:
        """The first occurrence of ``rule`` (a checked rule) counted from ``start`` that
        is later than ``after``; ``None`` when its ``COUNT`` or ``UNTIL`` ended the
        series first."""
        ...
