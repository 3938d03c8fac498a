"""Statistics and quick reports the API answers with, one class per object.

The storage and activity statistics are read from the core's figures; the dashboard and
the project summary come from the core as JSON objects, and reading them into these
classes checks their keys (a key a class does not list fails loudly instead of reaching
a client undocumented).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs

from taskcore_adapters.http.responses import NAIVE_UTC, ActionCountResponse, doc


@attrs.frozen(kw_only=True)
class ExtensionCount:
    """How many attachments have one extension, and their total size."""

    extension: str = attrs.field(metadata=doc(source="value"))
    count: int
    total_size: int


@attrs.frozen(kw_only=True)
class MediaTypeCount:
    """How many attachments have one media type, and their total size."""

    media_type: str = attrs.field(metadata=doc(source="value"))
    count: int
    total_size: int


@attrs.frozen(kw_only=True)
class AttachmentStatsResponse:
    """The original's storage statistics, plus the same grouped by media type."""

    total_attachments: int = attrs.field(metadata=doc(source="total_count"))
    total_size_bytes: int = attrs.field(metadata=doc(source="total_size"))
    total_size_mb: float
    file_types: tuple[ExtensionCount, ...]
    media_types: tuple[MediaTypeCount, ...]


@attrs.frozen(kw_only=True)
class EntityTypeCount:
    """How many entries have one entity type."""

    entity_type: str = attrs.field(metadata=doc(source="name"))
    count: int


@attrs.frozen(kw_only=True)
class DayCountResponse:
    """How many entries one UTC day has."""

    date: dt.date
    count: int


@attrs.frozen(kw_only=True)
class ActivityStatsResponse:
    """The original's statistics answer: totals over the period and the last 7 days."""

    period_days: int
    total_activities: int
    unique_users: int
    top_actions: tuple[ActionCountResponse, ...] = attrs.field(metadata=doc(maxItems=10))
    top_entity_types: tuple[EntityTypeCount, ...] = attrs.field(metadata=doc(maxItems=10))
    daily_activity: tuple[DayCountResponse, ...] = attrs.field(
        metadata=doc("the last 7 UTC days, oldest first", minItems=7, maxItems=7)
    )


@attrs.frozen(kw_only=True)
class ProjectCounts:
    """The caller's projects."""

    total: int
    active: int


@attrs.frozen(kw_only=True)
class TaskCounts:
    """The tasks assigned to the caller, by status."""

    total: int
    completed: int
    pending: int
    in_progress: int
    overdue: int


@attrs.frozen(kw_only=True)
class OverdueTask:
    """A task past its due date."""

    id: int
    title: str
    due_date: str | None = attrs.field(metadata=doc(NAIVE_UTC))
    project_id: int


@attrs.frozen(kw_only=True)
class Dashboard:
    """The caller's dashboard (the core's dashboard object, its keys checked here)."""

    user_id: int
    username: str
    projects: ProjectCounts
    tasks: TaskCounts
    overdue_tasks: tuple[OverdueTask, ...]
    generated_at: str

    @classmethod
    def of(cls, data: dict[str, Any]) -> Dashboard:
        """The dashboard of the core's dashboard object."""
        return cls(
            user_id=data["user_id"],
            username=data["username"],
            projects=ProjectCounts(**data["projects"]),
            tasks=TaskCounts(**data["tasks"]),
            overdue_tasks=tuple(OverdueTask(**t) for t in data["overdue_tasks"]),
            generated_at=data["generated_at"],
        )


@attrs.frozen(kw_only=True)
class QuickMetrics:
    """A project's task counts and completion rate, and its estimated against spent
    hours."""

    total_tasks: int
    completed_tasks: int
    completion_rate: float
    pending_tasks: int
    in_progress_tasks: int
    estimated_hours: float = attrs.field(metadata=doc("the sum of the tasks' estimates"))
    spent_hours: float = attrs.field(
        metadata=doc("the sum of the tasks' `actual_hours` (their time entries, once logged)")
    )


@attrs.frozen(kw_only=True)
class ProjectSummary:
    """A project's quick summary (the core's summary object, its keys checked here)."""

    project: dict[str, Any] = attrs.field(metadata=doc("the original's 11 project keys"))
    quick_metrics: QuickMetrics
    generated_at: str
    cache_duration: str = attrs.field(metadata=doc("always `none`: nothing is cached"))

    @classmethod
    def of(cls, data: dict[str, Any]) -> ProjectSummary:
        """The summary of the core's summary object."""
        return cls(
            project=data["project"],
            quick_metrics=QuickMetrics(**data["quick_metrics"]),
            generated_at=data["generated_at"],
            cache_duration=data["cache_duration"],
        )
