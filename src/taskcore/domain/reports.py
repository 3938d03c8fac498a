"""Reports: dashboards, project summaries and generated reports, and the figures they hold.

A generated report is requested, computed later by a background job under the identity of
the user who asked for it, stored as JSON data, and kept until it expires. Reports never
hold credentials: the job re-reads the requester and re-checks their access when it runs.

The figures are read models computed where the data lives (see
:class:`taskcore.ports.reports.ReportQueries`); this module turns them into report data,
so every adapter's figures become the same JSON.
"""

from __future__ import annotations

import datetime as dt
import enum
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

from taskcore.domain.projects import Project, ProjectView
from taskcore.domain.tasks import HOURS_MAX
from taskcore.errors import ValidationError

NAME_MAX = 200
REPORT_RETENTION = dt.timedelta(days=7)
"""How long a report is kept (from its request, then from its completion)."""
SYSTEM_REPORT_RETENTION = dt.timedelta(hours=6)
"""How long a completed system report is kept."""
PERCENTILES = (50, 75, 90, 95)
"""The cycle-time percentiles reported, by nearest rank."""
OVERDUE_LISTED = 5
"""How many overdue tasks the dashboard lists."""
PERIODS_MAX = 366
ACTIVITY_DAYS = 30
"""The activity period of a system report."""
ID_MAX = 2**31 - 1


class ReportType(enum.StrEnum):
    """What a report is about."""

    PROJECT = "project"
    SYSTEM = "system"
    WORKLOAD = "workload"
    THROUGHPUT = "throughput"
    CYCLE_TIME = "cycle_time"

    @property
    def admin_only(self) -> bool:
        """Whether only administrators may request it."""
        return self is ReportType.SYSTEM

    @property
    def retention(self) -> dt.timedelta:
        """How long the report is kept once completed."""
        return SYSTEM_REPORT_RETENTION if self is ReportType.SYSTEM else REPORT_RETENTION


ADMIN_TYPES = frozenset({"system", "admin"})
"""Type names that need an administrator, supported or not (``admin`` is not a type:
asking for it is refused for a non-administrator before it is refused as unsupported)."""


class ReportStatus(enum.StrEnum):
    """Where a report's generation stands."""

    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"

    @property
    def finished(self) -> bool:
        """Whether generation is over (successfully or not)."""
        return self in (ReportStatus.COMPLETED, ReportStatus.FAILED)


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


@attrs.define(kw_only=True)
class Report:
    """A generated report.

    ``parameters`` are what the requester chose (validated JSON values, never a token);
    ``data`` is set when the report completes and ``error`` when it fails.
    """

    id: int | None = None
    name: str
    type: ReportType
    parameters: dict[str, Any] = attrs.field(factory=dict)
    status: ReportStatus = ReportStatus.PENDING
    data: dict[str, Any] | None = None
    error: str | None = None
    requested_by: int
    created_at: dt.datetime
    completed_at: dt.datetime | None = None
    expires_at: dt.datetime

    @property
    def key(self) -> int:
        """The id of a stored report.

        Raises:
            ValueError: the report has not been stored yet.
        """
        if self.id is None:
            raise ValueError("report has no id yet")
        return self.id

    @property
    def project_id(self) -> int | None:
        """The project the report is about, if any."""
        value = self.parameters.get("project_id")
        return value if isinstance(value, int) else None

    def expired(self, now: dt.datetime) -> bool:
        """Whether the report's retention has run out."""
        return self.expires_at < now

    def complete(self, data: dict[str, Any], now: dt.datetime) -> None:
        """Store the report's data; it is kept for its type's retention from now."""
        self.status = ReportStatus.COMPLETED
        self.data = data
        self.error = None
        self.completed_at = now
        self.expires_at = now + self.type.retention

    def fail(self, error: str, now: dt.datetime) -> None:
        """Record why generation failed."""
        self.status = ReportStatus.FAILED
        self.data = None
        self.error = error
        self.completed_at = now


@attrs.frozen(kw_only=True)
class ReportView:
    """A report with its requester's username (``None`` when the account is gone)."""

    report: Report
    requested_by_username: str | None


@attrs.frozen(kw_only=True)
class ReportCriteria:
    """Which reports a listing returns (newest first).

    Attributes:
        requested_by: Only this user's reports; ``None`` for everyone's.
        type: Only reports of this type.
        status: Only reports in this status.
    """

    requested_by: int | None = None
    type: ReportType | None = None
    status: ReportStatus | None = None


# -- figures: what the read model computes -----------------------------------------------


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
    :data:`~taskcore.domain.tasks.HOURS_MAX` (stored before that bound was checked) counts
    as the nearest bound, so a total over any number of tasks is finite."""
    if value is None or math.isnan(value):
        return 0.0
    return min(max(value, 0.0), float(HOURS_MAX))


def total_hours(values: Iterable[float | None]) -> float:
    """The exact total (``math.fsum``) of :func:`summable_hours` of ``values``."""
    return math.fsum(summable_hours(v) for v in values)


# -- parameters -----------------------------------------------------------------------------


def check_name(name: object) -> str:
    """The report's name, trimmed.

    Raises:
        ValidationError: ``name is required`` or ``name must be at most 200 characters``.
    """
    if not isinstance(name, str) or not name.strip():
        raise ValidationError("name is required", field="name")
    clean = name.strip()
    if len(clean) > NAME_MAX:
        raise ValidationError(f"name must be at most {NAME_MAX} characters", field="name")
    return clean


def check_type(report_type: object) -> ReportType:
    """A supported report type.

    Raises:
        ValidationError: ``report_type is required`` or ``Unsupported report type``.
    """
    if not isinstance(report_type, str) or not report_type:
        raise ValidationError("report_type is required", field="report_type")
    try:
        return ReportType(report_type)
    except ValueError:
        raise ValidationError("Unsupported report type", field="report_type") from None


def _int(raw: Mapping[str, Any], key: str, *, low: int, high: int) -> int | None:
    value = raw.get(key)
    if value is None:
        return None
    if type(value) is not int or not low <= value <= high:
        raise ValidationError(
            f"parameters.{key} must be an integer from {low} to {high}", field=f"parameters.{key}"
        )
    return value


def check_parameters(report_type: ReportType, raw: object) -> dict[str, Any]:
    """The parameters a report of ``report_type`` takes, validated, with defaults filled in.

    Every type except ``system`` needs ``project_id``. ``throughput`` takes ``period``
    (``day`` or ``week``) and ``periods`` (how many, up to 366); ``cycle_time`` takes
    ``days`` (only tasks completed in the last so many days). Unknown keys are dropped.

    Raises:
        ValidationError: ``parameters must be an object``, ``parameters.project_id is
            required``, or a parameter out of range (the field names it).
    """
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise ValidationError("parameters must be an object", field="parameters")
    if report_type is ReportType.SYSTEM:
        return {}
    project_id = _int(raw, "project_id", low=1, high=ID_MAX)
    if project_id is None:
        raise ValidationError("parameters.project_id is required", field="parameters.project_id")
    params: dict[str, Any] = {"project_id": project_id}
    if report_type is ReportType.THROUGHPUT:
        period_raw = raw.get("period", Period.DAY.value)
        if period_raw not in (Period.DAY.value, Period.WEEK.value):
            raise ValidationError(
                "parameters.period must be one of ['day', 'week']", field="parameters.period"
            )
        period = Period(period_raw)
        periods = _int(raw, "periods", low=1, high=PERIODS_MAX)
        params["period"] = period.value
        params["periods"] = period.default_periods if periods is None else periods
    elif report_type is ReportType.CYCLE_TIME:
        params["days"] = _int(raw, "days", low=1, high=3650)
    return params


def throughput_window(period: Period, periods: int, now: dt.datetime) -> tuple[dt.date, dt.date]:
    """The first day of the first bucket and the day after the last bucket: ``periods``
    buckets ending with the one holding ``now``."""
    current = period.start_of(now.astimezone(dt.UTC).date())
    first = current - period.step * (periods - 1)
    return first, current + period.step


def midnight(day: dt.date) -> dt.datetime:
    """The start of ``day`` in UTC."""
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


# -- report data: figures as JSON -----------------------------------------------------------


def iso(value: dt.datetime | None) -> str | None:
    """A datetime as the API writes it: naive UTC ISO 8601."""
    if value is None:
        return None
    return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat()


def project_data(project: Project | ProjectView, *, task_count: int) -> dict[str, Any]:
    """The project object stored in reports (11 keys, without ``version`` and ``role``)."""
    return {
        "id": project.key if isinstance(project, Project) else project.id,
        "name": project.name,
        "description": project.description,
        "status": project.status.value,
        "priority": project.priority.value,
        "start_date": None if project.start_date is None else project.start_date.isoformat(),
        "end_date": None if project.end_date is None else project.end_date.isoformat(),
        "created_at": iso(project.created_at),
        "updated_at": iso(project.updated_at),
        "owner_id": project.owner_id,
        "task_count": task_count,
    }


def quick_metrics(counts: StatusCounts) -> dict[str, Any]:
    """The project summary's ``quick_metrics``."""
    return {
        "total_tasks": counts.total,
        "completed_tasks": counts.completed,
        "completion_rate": counts.completion_rate,
        "pending_tasks": counts.pending,
        "in_progress_tasks": counts.in_progress,
    }


def project_report_data(
    project: ProjectView, figures: ProjectFigures, now: dt.datetime
) -> dict[str, Any]:
    """The data of a ``project`` report."""
    counts = figures.tasks
    estimated = hours(figures.total_estimated_hours)
    actual = hours(figures.total_actual_hours)
    ids = [line.id for line in figures.task_lines]
    comments = {str(i): figures.task_comments.get(i, 0) for i in ids}
    attachments = {str(i): figures.task_attachments.get(i, 0) for i in ids}
    return {
        "project": project_data(project, task_count=counts.total),
        "summary": {
            "total_tasks": counts.total,
            "completed_tasks": counts.completed,
            "pending_tasks": counts.pending,
            "in_progress_tasks": counts.in_progress,
            "cancelled_tasks": counts.cancelled,
            "completion_rate": counts.completion_rate,
            "total_estimated_hours": estimated,
            "total_actual_hours": actual,
            "efficiency_ratio": round(actual / estimated * 100, 2) if estimated else 0,
        },
        "priority_breakdown": dict(sorted(figures.priority_breakdown.items())),
        "tasks": [
            {
                "id": line.id,
                "title": line.title,
                "status": line.status,
                "priority": line.priority,
                "assignee_id": line.assignee_id,
                "due_date": iso(line.due_date),
                "completed_at": iso(line.completed_at),
                "estimated_hours": line.estimated_hours,
                "actual_hours": line.actual_hours,
                "created_at": iso(line.created_at),
            }
            for line in figures.task_lines
        ],
        "task_comments": comments,
        "task_attachments": attachments,
        "total_comments": sum(comments.values()),
        "total_attachments": sum(attachments.values()),
        "generated_at": iso(now),
    }


def workload_data(
    project: ProjectView, lines: Sequence[WorkloadLine], now: dt.datetime
) -> dict[str, Any]:
    """The data of a ``workload`` report."""
    ordered = sort_workload(lines)
    return {
        "project": project_data(project, task_count=project.task_count),
        "assignees": [
            {
                "assignee_id": w.assignee_id,
                "username": w.username,
                "open_tasks": w.open_tasks,
                "estimated_hours": hours(w.estimated_hours),
            }
            for w in ordered
        ],
        "total_open_tasks": sum(w.open_tasks for w in ordered),
        "total_estimated_hours": hours(total_hours(hours(w.estimated_hours) for w in ordered)),
        "generated_at": iso(now),
    }


def throughput_data(
    project: ProjectView,
    buckets: Sequence[ThroughputBucket],
    *,
    period: Period,
    first: dt.date,
    end: dt.date,
    now: dt.datetime,
) -> dict[str, Any]:
    """The data of a ``throughput`` report: every bucket of the window, empty ones too."""
    found = {b.period_start: b.completed for b in buckets}
    days = []
    day = first
    while day < end:
        days.append(day)
        day += period.step
    series = [{"period_start": d.isoformat(), "completed": found.get(d, 0)} for d in days]
    total = sum(found.get(d, 0) for d in days)
    return {
        "project": project_data(project, task_count=project.task_count),
        "period": period.value,
        "from": first.isoformat(),
        "to": (end - dt.timedelta(days=1)).isoformat(),
        "buckets": series,
        "total_completed": total,
        "average_per_period": round(total / len(series), 2) if series else 0,
        "generated_at": iso(now),
    }


def _hours_of(seconds: int | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 2)


def cycle_time_data(
    project: ProjectView, figures: CycleTime, *, days: int | None, now: dt.datetime
) -> dict[str, Any]:
    """The data of a ``cycle_time`` report, in hours to 2 decimals."""
    mean = figures.total_seconds / figures.count if figures.count else None
    return {
        "project": project_data(project, task_count=project.task_count),
        "days": days,
        "completed_tasks": figures.count,
        "mean_hours": None if mean is None else round(mean / 3600, 2),
        "min_hours": _hours_of(figures.min_seconds),
        "max_hours": _hours_of(figures.max_seconds),
        "percentiles_hours": {f"p{p}": _hours_of(figures.percentiles.get(p)) for p in PERCENTILES},
        "generated_at": iso(now),
    }


def system_report_data(
    figures: SystemFigures, now: dt.datetime, *, activities: int = 0, active_users: int = 0
) -> dict[str, Any]:
    """The data of a ``system`` report; ``activities`` and
    ``active_users`` count the activity log's entries of the last
    :data:`ACTIVITY_DAYS` days and the distinct users behind them."""
    counts = figures.tasks
    return {
        "users": {
            "total": figures.users_total,
            "active": figures.users_active,
            "admin_count": figures.admins,
        },
        "projects": {
            "total": sum(figures.projects.values()),
            "active": figures.projects.get("active", 0),
            "completed": figures.projects.get("completed", 0),
            "archived": figures.projects.get("archived", 0),
        },
        "tasks": {
            "total": counts.total,
            "completed": counts.completed,
            "pending": counts.pending,
            "in_progress": counts.in_progress,
            "completion_rate": counts.completion_rate,
        },
        "activity": {"total_activities": activities, "unique_users": active_users},
        "attachments": {
            "total_attachments": figures.attachments,
            "total_size_mb": round(figures.attachment_bytes / (1024 * 1024), 2),
        },
        "generated_at": iso(now),
    }


def dashboard_data(
    user_id: int, username: str, figures: DashboardFigures, now: dt.datetime
) -> dict[str, Any]:
    """The quick dashboard."""
    counts = figures.tasks
    return {
        "user_id": user_id,
        "username": username,
        "projects": {"total": figures.projects_total, "active": figures.projects_active},
        "tasks": {
            "total": counts.total,
            "completed": counts.completed,
            "pending": counts.pending,
            "in_progress": counts.in_progress,
            "overdue": figures.overdue,
        },
        "overdue_tasks": [
            {
                "id": t.id,
                "title": t.title,
                "due_date": iso(t.due_date),
                "project_id": t.project_id,
            }
            for t in figures.overdue_tasks
        ],
        "generated_at": iso(now),
    }


# -- export -----------------------------------------------------------------------------------


def flatten(data: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """Report data as ``(field, value)`` rows: nested keys joined with dots, list items by
    index (``tasks.0.title``); empty objects and lists become one row with no value."""
    if isinstance(data, Mapping):
        if not data:
            return [(prefix, None)] if prefix else []
        rows: list[tuple[str, Any]] = []
        for key, value in data.items():
            rows.extend(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return rows
    if isinstance(data, list):
        if not data:
            return [(prefix, None)]
        rows = []
        for index, value in enumerate(data):
            rows.extend(flatten(value, f"{prefix}.{index}" if prefix else str(index)))
        return rows
    return [(prefix, data)]
