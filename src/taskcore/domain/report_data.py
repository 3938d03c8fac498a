"""Report data: figures turned into the JSON a report stores, and its export rows.

Every adapter's figures (:mod:`taskcore.domain.report_figures`) become the same JSON here;
:func:`flatten` turns that JSON into the ``(field, value)`` rows of an export.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from taskcore.domain.projects import Project, ProjectView
from taskcore.domain.report_figures import (
    PERCENTILES,
    CycleTime,
    DashboardFigures,
    HourTotals,
    Period,
    ProjectFigures,
    StatusCounts,
    SystemFigures,
    TaskLine,
    ThroughputBucket,
    WorkloadLine,
    hours,
    sort_workload,
    total_hours,
)


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


def quick_metrics(counts: StatusCounts, totals: HourTotals) -> dict[str, Any]:
    """The project summary's ``quick_metrics``: task counts, and estimated against spent
    hours."""
    return {
        "estimated_hours": hours(totals.estimated),
        "spent_hours": hours(totals.spent),
        "total_tasks": counts.total,
        "completed_tasks": counts.completed,
        "completion_rate": counts.completion_rate,
        "pending_tasks": counts.pending,
        "in_progress_tasks": counts.in_progress,
    }


def field_groups(
    group_by: str, figures: ProjectFigures, values: Mapping[int, object]
) -> dict[str, Any]:
    """A project report's tasks grouped by a custom field's value (``values``: by task id):
    per value, how many tasks, how many completed, and their estimated and actual hours.
    A multi-select puts a task in the group of each of its options; tasks without a value
    are the group ``null``. Groups come largest first, then by value."""
    groups: dict[object, list[TaskLine]] = {}
    for line in figures.task_lines:
        value = values.get(line.id)
        for key in value if isinstance(value, tuple | list) else (value,):
            groups.setdefault(key, []).append(line)
    rows: list[dict[str, Any]] = [
        {
            "value": value,
            "tasks": len(lines),
            "completed_tasks": sum(1 for t in lines if t.status == "completed"),
            "estimated_hours": hours(total_hours(t.estimated_hours for t in lines)),
            "actual_hours": hours(total_hours(t.actual_hours for t in lines)),
        }
        for value, lines in groups.items()
    ]
    rows.sort(key=lambda r: (-r["tasks"], r["value"] is None, str(r["value"])))
    return {"group_by": group_by, "groups": rows}


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
    :data:`~taskcore.domain.reports.ACTIVITY_DAYS` days and the distinct users behind them."""
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
