"""The events of the time area: time entries and timers, recurring tasks, and calendar
feeds. :mod:`taskcore.domain.events` registers them with the others.

Entry, timer and recurrence events carry ``project_id`` like every event of a project, so
the activity log and webhooks route them; calendar-feed events are the user's own
(entity: the user) and never leave the activity log.
"""

from __future__ import annotations

from typing import ClassVar

import attrs

from taskcore.domain.event_base import OMIT_WHEN, UNSET_IF_NONE, Change, DomainEvent

# -- time entries and timers ---------------------------------------------------------------


@attrs.frozen(kw_only=True)
class TimeEntryEvent(DomainEvent):
    """Base of the time-entry events: the entry's project, task, person, day (ISO 8601),
    minutes and billable flag."""

    project_id: int
    task_id: int
    user_id: int
    work_date: str
    minutes: int
    billable: bool


@attrs.frozen(kw_only=True)
class TimeEntryLogged(TimeEntryEvent):
    """Time was logged on a task, by hand or by stopping a timer (``from_timer``;
    ``capped``: the timer ran over a day and the entry is the cap)."""

    name: ClassVar[str] = "time_entry.logged"
    entity_type: ClassVar[str] = "time_entry"
    action: ClassVar[str] = "log"

    from_timer: bool = attrs.field(default=False, metadata={OMIT_WHEN: False})
    capped: bool = attrs.field(default=False, metadata={OMIT_WHEN: False})


@attrs.frozen(kw_only=True)
class TimeEntryEdited(TimeEntryEvent):
    """A time entry was changed (``changes``: old → new per field)."""

    name: ClassVar[str] = "time_entry.edited"
    entity_type: ClassVar[str] = "time_entry"
    action: ClassVar[str] = "update"

    changes: dict[str, Change]


@attrs.frozen(kw_only=True)
class TimeEntryDeleted(TimeEntryEvent):
    """A time entry was deleted."""

    name: ClassVar[str] = "time_entry.deleted"
    entity_type: ClassVar[str] = "time_entry"
    action: ClassVar[str] = "delete"


@attrs.frozen(kw_only=True)
class TimerStarted(DomainEvent):
    """A person started a timer on a task (entity: the task)."""

    name: ClassVar[str] = "timer.started"
    entity_type: ClassVar[str] = "task"
    action: ClassVar[str] = "start_timer"

    project_id: int
    user_id: int
    started_at: str


@attrs.frozen(kw_only=True)
class TimerStopped(DomainEvent):
    """A person's timer on a task stopped (entity: the task), logging ``time_entry_id``;
    ``capped``: it ran over a day."""

    name: ClassVar[str] = "timer.stopped"
    entity_type: ClassVar[str] = "task"
    action: ClassVar[str] = "stop_timer"

    project_id: int
    user_id: int
    time_entry_id: int
    minutes: int
    capped: bool = attrs.field(default=False, metadata={OMIT_WHEN: False})


# -- recurring tasks -----------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class RecurrenceEvent(DomainEvent):
    """Base of the recurrence events (entity: the task): its project and title."""

    project_id: int
    title: str


@attrs.frozen(kw_only=True)
class TaskRecurrenceSet(RecurrenceEvent):
    """A task was made recurring, or its rule changed (``rule``: the RFC 5545 RRULE;
    ``mode``: repeat from the due date or from completion; ``timezone``: where its dates
    are computed)."""

    name: ClassVar[str] = "task.recurrence_set"
    entity_type: ClassVar[str] = "task"
    action: ClassVar[str] = "set_recurrence"

    rule: str
    mode: str
    timezone: str


@attrs.frozen(kw_only=True)
class TaskRecurrenceCleared(RecurrenceEvent):
    """A task stopped recurring."""

    name: ClassVar[str] = "task.recurrence_cleared"
    entity_type: ClassVar[str] = "task"
    action: ClassVar[str] = "clear_recurrence"


@attrs.frozen(kw_only=True)
class TaskOccurrenceCreated(RecurrenceEvent):
    """Completing a recurring task created its next occurrence (entity: the new task;
    ``previous_task_id``: the completed one; ``due_date``: ISO 8601, UTC)."""

    name: ClassVar[str] = "task.occurrence_created"
    entity_type: ClassVar[str] = "task"
    action: ClassVar[str] = "create_occurrence"

    previous_task_id: int
    due_date: str | None = attrs.field(default=None, metadata=UNSET_IF_NONE)


@attrs.frozen(kw_only=True)
class TaskOccurrenceSkipped(RecurrenceEvent):
    """An occurrence of a recurring task was skipped: its due date moved from
    ``skipped`` to the next one (``due_date``), both ISO 8601, UTC."""

    name: ClassVar[str] = "task.occurrence_skipped"
    entity_type: ClassVar[str] = "task"
    action: ClassVar[str] = "skip_occurrence"

    skipped: str
    due_date: str


@attrs.frozen(kw_only=True)
class TaskSeriesEnded(RecurrenceEvent):
    """Completing or skipping an occurrence found no next one: the rule's ``COUNT`` or
    ``UNTIL`` ended the series."""

    name: ClassVar[str] = "task.series_ended"
    entity_type: ClassVar[str] = "task"
    action: ClassVar[str] = "end_series"


@attrs.frozen(kw_only=True)
class TaskReminderAdded(RecurrenceEvent):
    """A reminder was added to the task (entity: the task): at ``remind_at`` (ISO 8601)
    or ``before_minutes`` before its due date."""

    name: ClassVar[str] = "task.reminder_added"
    entity_type: ClassVar[str] = "task"
    action: ClassVar[str] = "add_reminder"

    reminder_id: int
    remind_at: str | None = attrs.field(default=None, metadata=UNSET_IF_NONE)
    before_minutes: int | None = attrs.field(default=None, metadata=UNSET_IF_NONE)


@attrs.frozen(kw_only=True)
class TaskReminderDeleted(RecurrenceEvent):
    """A reminder of the task was deleted (entity: the task)."""

    name: ClassVar[str] = "task.reminder_deleted"
    entity_type: ClassVar[str] = "task"
    action: ClassVar[str] = "delete_reminder"

    reminder_id: int


@attrs.frozen(kw_only=True)
class DigestChanged(DomainEvent):
    """A user turned their daily digest on (at ``hour``, local) or off (entity: the
    user)."""

    name: ClassVar[str] = "user.digest_changed"
    entity_type: ClassVar[str] = "user"
    action: ClassVar[str] = "change_digest"

    enabled: bool
    hour: int | None = attrs.field(default=None, metadata=UNSET_IF_NONE)


@attrs.frozen(kw_only=True)
class TaskReminderSent(RecurrenceEvent):
    """A reminder on the task went out (entity: the task) to ``recipients`` (user ids),
    in the app and by e-mail as each prefers."""

    name: ClassVar[str] = "task.reminder_sent"
    entity_type: ClassVar[str] = "task"
    action: ClassVar[str] = "send_reminder"

    reminder_id: int
    recipients: list[int]


@attrs.frozen(kw_only=True)
class DailyDigestSent(DomainEvent):
    """A person's daily digest went out (entity: the user) for their local ``day``, listing
    ``due_today`` and ``overdue`` task ids."""

    name: ClassVar[str] = "user.daily_digest_sent"
    entity_type: ClassVar[str] = "user"
    action: ClassVar[str] = "send_daily_digest"

    day: str
    due_today: list[int]
    overdue: list[int]


# -- calendar feeds ------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class CalendarFeedCreated(DomainEvent):
    """A user created (or, ``regenerated``, replaced) their secret calendar feed URL
    (entity: the user). The secret itself is never in an event."""

    name: ClassVar[str] = "calendar_feed.created"
    entity_type: ClassVar[str] = "user"
    action: ClassVar[str] = "create_calendar_feed"

    regenerated: bool


@attrs.frozen(kw_only=True)
class CalendarFeedDeleted(DomainEvent):
    """A user deleted their calendar feed URL (entity: the user)."""

    name: ClassVar[str] = "calendar_feed.deleted"
    entity_type: ClassVar[str] = "user"
    action: ClassVar[str] = "delete_calendar_feed"


@attrs.frozen(kw_only=True)
class TimeZoneChanged(DomainEvent):
    """A user chose the time zone their dates are computed in (entity: the user)."""

    name: ClassVar[str] = "user.timezone_changed"
    entity_type: ClassVar[str] = "user"
    action: ClassVar[str] = "change_timezone"

    changes: dict[str, Change]


TIME_EVENT_TYPES: tuple[type[DomainEvent], ...] = (
    TimeEntryLogged,
    TimeEntryEdited,
    TimeEntryDeleted,
    TimerStarted,
    TimerStopped,
    TaskRecurrenceSet,
    TaskRecurrenceCleared,
    TaskOccurrenceCreated,
    TaskOccurrenceSkipped,
    TaskSeriesEnded,
    TaskReminderAdded,
    TaskReminderDeleted,
    TaskReminderSent,
    DigestChanged,
    DailyDigestSent,
    CalendarFeedCreated,
    CalendarFeedDeleted,
    TimeZoneChanged,
)
"""Every concrete event class of the time area."""
