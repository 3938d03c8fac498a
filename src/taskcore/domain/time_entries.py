"""Time spent on tasks: time entries, the running timer of a person, and timesheets.

A time entry records that a person worked ``minutes`` on a task on a ``work_date`` (a
calendar day, in the person's own time zone). A person has at most one running timer;
stopping it turns the time since it started into an entry, capped at one day.

A task's ``actual_hours`` is the sum of its entries once it has any (see
:func:`hours_of`); while it has none, ``actual_hours`` is whatever was set directly.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence

import attrs

from taskcore.domain import validation
from taskcore.domain.task_fields import HOURS_DECIMALS, HOURS_MAX
from taskcore.errors import ValidationError

MINUTES_MAX = 24 * 60
"""The longest entry: one day."""
NOTE_MAX = 2000
TIMER_CAP = dt.timedelta(hours=24)
"""A timer stopped more than this after it started yields an entry of this length,
flagged as capped."""
TIMESHEET_DAYS_MAX = 366
"""The longest period one timesheet covers."""


@attrs.define(kw_only=True)
class TimeEntry:
    """Time a person spent on a task on one day.

    ``capped``: the entry comes from a timer left running over :data:`TIMER_CAP`, so its
    length is a cap, not a measurement.
    """

    id: int | None = None
    task_id: int
    user_id: int
    work_date: dt.date
    minutes: int
    note: str = ""
    billable: bool = False
    capped: bool = False
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int = 1

    @property
    def key(self) -> int:
        """The id of a stored entry.

        Raises:
            ValueError: the entry has not been stored yet.
        """
        if self.id is None:
            raise ValueError("time entry has no id yet")
        return self.id


@attrs.frozen(kw_only=True)
class TimeEntryView:
    """A time entry as callers see it: with its task's project and title and the
    person's username."""

    id: int
    task_id: int
    project_id: int
    task_title: str
    user_id: int
    username: str
    work_date: dt.date
    minutes: int
    note: str
    billable: bool
    capped: bool
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int

    def entry(self) -> TimeEntry:
        """The aggregate behind this view, for changing it."""
        return TimeEntry(
            id=self.id,
            task_id=self.task_id,
            user_id=self.user_id,
            work_date=self.work_date,
            minutes=self.minutes,
            note=self.note,
            billable=self.billable,
            capped=self.capped,
            created_at=self.created_at,
            updated_at=self.updated_at,
            version=self.version,
        )


@attrs.frozen(kw_only=True)
class TimeEntryCriteria:
    """Which entries a list holds: all of them match every given filter."""

    task_id: int | None = None
    project_id: int | None = None
    user_id: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    """Inclusive."""
    member_id: int | None = None
    """Only entries in projects this user is a member of (what a caller may see)."""


@attrs.frozen(kw_only=True)
class RunningTimer:
    """A person's running timer: on which task, since when."""

    user_id: int
    task_id: int
    started_at: dt.datetime
    note: str = ""


@attrs.frozen(kw_only=True)
class TimerView:
    """A running timer as callers see it."""

    user_id: int
    task_id: int
    project_id: int
    task_title: str
    started_at: dt.datetime
    note: str


@attrs.frozen(kw_only=True)
class TimedSpan:
    """How long a stopped timer ran, as an entry's minutes."""

    minutes: int
    capped: bool


def timer_span(started_at: dt.datetime, stopped_at: dt.datetime) -> TimedSpan:
    """The minutes a timer ran, rounded to the nearest minute and at least one; over
    :data:`TIMER_CAP` the cap, flagged."""
    elapsed = stopped_at - started_at
    if elapsed > TIMER_CAP:
        return TimedSpan(minutes=MINUTES_MAX, capped=True)
    minutes = math.floor(elapsed.total_seconds() / 60 + 0.5)
    return TimedSpan(minutes=max(1, minutes), capped=False)


def hours_of(minutes: int) -> float:
    """A task's ``actual_hours`` for entries summing to ``minutes``: hours to the
    hundredth, at most ``HOURS_MAX``."""
    return min(round(minutes / 60, HOURS_DECIMALS), float(HOURS_MAX))


# -- checks --------------------------------------------------------------------------------


def check_minutes(value: object) -> int:
    """An entry's length.

    Raises:
        ValidationError: not a whole number from 1 to 1440 (field ``minutes``).
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError("minutes is required and must be a whole number", field="minutes")
    if not 1 <= value <= MINUTES_MAX:
        raise ValidationError(f"minutes must be from 1 to {MINUTES_MAX}", field="minutes")
    return value


def check_note(value: str | None) -> str:
    """An entry's note, stripped (``None`` is empty).

    Raises:
        ValidationError: longer than 2,000 characters or with control characters.
    """
    text = (value or "").strip()
    validation.max_length(text, "note", NOTE_MAX)
    validation.no_control_characters(text.replace("\n", " ").replace("\t", " "), "note")
    return text


def check_date(value: str | dt.date | None, field: str) -> dt.date:
    """A calendar day given as ``YYYY-MM-DD``.

    Raises:
        ValidationError: missing, or not a valid date (naming ``field``).
    """
    if value is None or value == "":
        raise ValidationError(f"{field} is required (YYYY-MM-DD)", field=field)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if not isinstance(value, str) or len(value) != 10:
        raise ValidationError(f"{field} must be a date (YYYY-MM-DD)", field=field)
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationError(f"{field} must be a date (YYYY-MM-DD)", field=field) from None


def optional_date(value: str | dt.date | None, field: str) -> dt.date | None:
    """Like :func:`check_date`, but missing or empty is no date."""
    return None if value is None or value == "" else check_date(value, field)


def check_work_date(value: str | dt.date | None, today: dt.date) -> dt.date:
    """The day an entry's work was done: not more than a day after ``today`` (time zones
    differ) and not before the year 2000.

    Raises:
        ValidationError: missing, malformed or out of range (field ``work_date``).
    """
    day = check_date(value, "work_date")
    if day > today + dt.timedelta(days=1):
        raise ValidationError("work_date cannot be in the future", field="work_date")
    if day.year < 2000:
        raise ValidationError("work_date must be in the year 2000 or later", field="work_date")
    return day


def check_period(date_from: dt.date, date_to: dt.date) -> None:
    """Raise unless ``date_from`` .. ``date_to`` is a period a timesheet may cover.

    Raises:
        ValidationError: ``to`` before ``from``, or more than 366 days (field ``to``).
    """
    if date_to < date_from:
        raise ValidationError("to must not be before from", field="to")
    if (date_to - date_from).days + 1 > TIMESHEET_DAYS_MAX:
        raise ValidationError(f"a timesheet covers at most {TIMESHEET_DAYS_MAX} days", field="to")


# -- timesheets ----------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class DailyMinutes:
    """The minutes one person logged on one project's tasks on one day (a storage
    aggregate the timesheet is folded from)."""

    user_id: int
    username: str
    project_id: int
    project_name: str
    work_date: dt.date
    minutes: int
    billable_minutes: int
    entries: int


@attrs.frozen(kw_only=True)
class TimesheetRow:
    """One person's time on one project in one week (``week_start`` is its Monday)."""

    user_id: int
    username: str
    project_id: int
    project_name: str
    week_start: dt.date
    minutes: int
    billable_minutes: int
    entries: int

    @property
    def hours(self) -> float:
        """The minutes as hours, to the hundredth."""
        return round(self.minutes / 60, HOURS_DECIMALS)


@attrs.frozen(kw_only=True)
class Timesheet:
    """Time per person, project and week over a period, with the totals."""

    date_from: dt.date
    date_to: dt.date
    rows: Sequence[TimesheetRow]
    total_minutes: int
    billable_minutes: int


def week_start(day: dt.date) -> dt.date:
    """The Monday of ``day``'s ISO week."""
    return day - dt.timedelta(days=day.weekday())


def fold_weeks(days: Iterable[DailyMinutes]) -> list[TimesheetRow]:
    """Daily sums folded into weeks, ordered by week, username, project name (then ids)."""
    weeks: dict[tuple[int, int, dt.date], TimesheetRow] = {}
    for day in days:
        monday = week_start(day.work_date)
        key = (day.user_id, day.project_id, monday)
        found = weeks.get(key)
        if found is None:
            weeks[key] = TimesheetRow(
                user_id=day.user_id,
                username=day.username,
                project_id=day.project_id,
                project_name=day.project_name,
                week_start=monday,
                minutes=day.minutes,
                billable_minutes=day.billable_minutes,
                entries=day.entries,
            )
        else:
            weeks[key] = attrs.evolve(
                found,
                minutes=found.minutes + day.minutes,
                billable_minutes=found.billable_minutes + day.billable_minutes,
                entries=found.entries + day.entries,
            )
    return sorted(
        weeks.values(),
        key=lambda r: (
            r.week_start,
            r.username.lower(),
            r.project_name.lower(),
            r.user_id,
            r.project_id,
        ),
    )
