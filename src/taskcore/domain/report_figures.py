"""Report figures: the read models a report is computed from, and the arithmetic on them.

The figures are computed where the data lives (see
:class:`taskcore.ports.reports.ReportQueries`); the helpers here (nearest-rank
percentiles, bounded hour totals, throughput windows) are shared by every adapter, so
each computes the same numbers.
"""

from __future__ import annotations

import datetime as dt
import enum
import math
from collections.abc import Iterable, Mapping, Sequence

import attrs

from taskcore.domain.task_fields import HOURS_MAX

PERCENTILES = (50, 75, 90, 95)
"""The cycle-time percentiles reported, by nearest rank."""
OVERDUE_LISTED = 5
"""How many overdue tasks the dashboard lists."""


class Period(enum.StrEnum):
    """The width of a throughput bucket."""

    DAY = "day"
    WEEK = "week"

    @property
    def default_periods(self) -> int:
        """How many buckets a throughput report has unless told otherwise."""
        return 30 if self is Period.DAY else 12

    def start_of(self, day: dt.date) -> dt.date:
        """The first day of the bucket holding ``day`` (weeks start on Monday)."""
        return day if self is Period.DAY else day - dt.timedelta(days=day.weekday())

    @property
    def step(self) -> dt.timedelta:
        """The width of one bucket."""
        return dt.timedelta(days=1 if self is Period.DAY else 7)


@attrs.frozen(kw_only=True)
class StatusCounts:
    """How many tasks are in each status."""

    pending: int = 0
    in_progress: int = 0
    completed: int = 0
    cancelled: int = 0

    @property
    def total(self) -> int:
        """Every task counted."""
        return self.pending + self.in_progress + self.completed + self.cancelled

    @property
    def completion_rate(self) -> float:
        """Completed tasks as a percentage of all, to 2 decimals (0 without tasks)."""
        return round(self.completed / self.total * 100, 2) if self.total else 0

    @classmethod
    def of(cls, counts: Mapping[str, int]) -> StatusCounts:
        """Counts keyed by status value (missing statuses count 0)."""
        return cls(
            pending=counts.get("pending", 0),
            in_progress=counts.get("in_progress", 0),
            completed=counts.get("completed", 0),
            cancelled=counts.get("cancelled", 0),
        )


@attrs.frozen(kw_only=True)
class HourTotals:
    """A project's estimated hours, and the hours spent on it: its tasks'
    ``actual_hours``, which is the sum of a task's time entries once it has any."""

    estimated: float = 0.0
    spent: float = 0.0


@attrs.frozen(kw_only=True)
class OverdueTask:
    """A task past its due date and still open."""

    id: int
    title: str
    due_date: dt.datetime
    project_id: int


@attrs.frozen(kw_only=True)
class DashboardFigures:
    """A user's figures: projects they belong to, and tasks assigned to them there."""

    projects_total: int
    projects_active: int
    tasks: StatusCounts
    overdue: int
    overdue_tasks: Sequence[OverdueTask]
    """The first :data:`OVERDUE_LISTED` overdue tasks, earliest due first (then by id)."""


@attrs.frozen(kw_only=True)
class TaskLine:
    """One task as a project report lists it."""

    id: int
    title: str
    status: str
    priority: str
    assignee_id: int | None
    due_date: dt.datetime | None
    completed_at: dt.datetime | None
    estimated_hours: float | None
    actual_hours: float | None
    created_at: dt.datetime


@attrs.frozen(kw_only=True)
class ProjectFigures:
    """A project's figures for its full report.

    ``task_comments`` and ``task_attachments`` hold only tasks with at least one.
    """

    tasks: StatusCounts
    priority_breakdown: Mapping[str, int]
    total_estimated_hours: float
    total_actual_hours: float
    task_lines: Sequence[TaskLine]
    task_comments: Mapping[int, int]
    task_attachments: Mapping[int, int]


@attrs.frozen(kw_only=True)
class WorkloadLine:
    """Open tasks (pending or in progress) of one assignee; ``assignee_id`` ``None`` is the
    unassigned tasks."""

    assignee_id: int | None
    username: str | None
    open_tasks: int
    estimated_hours: float


@attrs.frozen(kw_only=True)
class ThroughputBucket:
    """Tasks completed in one period, named by its first day."""

    period_start: dt.date
    completed: int


@attrs.frozen(kw_only=True)
class CycleTime:
    """Created-to-completed times of completed tasks, in whole seconds.

    Each timestamp is truncated to the second before subtracting, so every adapter
    computes the same numbers. ``percentiles`` maps each of :data:`PERCENTILES` to the
    duration at nearest rank (``ceil(p * n / 100)``, 1-based, in ascending order).
    """

    count: int
    total_seconds: int
    min_seconds: int | None
    max_seconds: int | None
    percentiles: Mapping[int, int]


@attrs.frozen(kw_only=True)
class SystemFigures:
    """Figures over the whole system."""

    users_total: int
    users_active: int
    admins: int
    projects: Mapping[str, int]
    """Projects per status value."""
    tasks: StatusCounts
    attachments: int
    attachment_bytes: int


def rank(percentile: int, count: int) -> int:
    """The 1-based nearest rank of ``percentile`` among ``count`` sorted values."""
    return (percentile * count + 99) // 100


def cycle_time_of(durations: Sequence[int]) -> CycleTime:
    """The cycle-time figures of a list of durations in seconds (any order)."""
    ordered = sorted(durations)
    n = len(ordered)
    return CycleTime(
        count=n,
        total_seconds=sum(ordered),
        min_seconds=ordered[0] if ordered else None,
        max_seconds=ordered[-1] if ordered else None,
        percentiles={p: ordered[rank(p, n) - 1] for p in PERCENTILES} if ordered else {},
    )


def sort_workload(lines: Sequence[WorkloadLine]) -> list[WorkloadLine]:
    """Most open tasks first, then by assignee id, unassigned last."""
    return sorted(
        lines,
        key=lambda w: (-w.open_tasks, w.assignee_id is None, w.assignee_id or 0),
    )


def hours(value: float | None) -> float:
    """Hours as reported: 2 decimals (0 for none)."""
    return round(value or 0.0, 2)


def summable_hours(value: float | None) -> float:
    """One task's hours as they count in a total: none is 0, and a value outside 0 to
    :data:`~taskcore.domain.task_fields.HOURS_MAX` (stored before that bound was checked) counts
    as the nearest bound, so a total over any number of tasks is finite."""
    if value is None or math.isnan(value):
        return 0.0
    return min(max(value, 0.0), float(HOURS_MAX))


def total_hours(values: Iterable[float | None]) -> float:
    """The exact total (``math.fsum``) of :func:`summable_hours` of ``values``."""
    return math.fsum(summable_hours(v) for v in values)


# -- throughput windows ---------------------------------------------------------------------


def throughput_window(period: Period, periods: int, now: dt.datetime) -> tuple[dt.date, dt.date]:
    """The first day of the first bucket and the day after the last bucket: ``periods``
    buckets ending with the one holding ``now``."""
    current = period.start_of(now.astimezone(dt.UTC).date())
    first = current - period.step * (periods - 1)
    return first, current + period.step


def midnight(day: dt.date) -> dt.datetime:
    """The start of ``day`` in UTC."""
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
