"""Reports: the stored reports, and the read model that computes their figures."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Protocol

from taskcore.domain.custom_fields import CustomValue, FieldDefinition
from taskcore.domain.report_figures import (
    CycleTime,
    DashboardFigures,
    HourTotals,
    Period,
    ProjectFigures,
    StatusCounts,
    SystemFigures,
    ThroughputBucket,
    WorkloadLine,
)
from taskcore.domain.reports import Report, ReportCriteria, ReportView


class ReportRepository(Protocol):
    """Stores generated reports (their data as JSON)."""

    def add(self, report: Report) -> Report:
        """Store a new report and return it with its id assigned."""
        ...

    def get(self, report_id: int) -> Report | None:
        """The report with this id, or ``None``."""
        ...

    def update(self, report: Report) -> None:
        """Save a stored report's status, data, error and times (nothing happens if it is
        gone)."""
        ...

    def delete(self, report_id: int) -> None:
        """Delete a report (nothing happens if it is gone)."""
        ...

    def find(self, criteria: ReportCriteria, *, offset: int, limit: int) -> Sequence[ReportView]:
        """Reports meeting ``criteria``, newest first (``created_at``, then id), with their
        requesters' usernames, in one query."""
        ...

    def count(self, criteria: ReportCriteria) -> int:
        """How many reports meet ``criteria``."""
        ...

    def delete_expired(self, now: dt.datetime) -> int:
        """Delete every report that expired before ``now``; returns how many."""
        ...


class ReportQueries(Protocol):
    """The figures of dashboards and reports, computed where the data lives.

    A database implementation aggregates in the database (grouping and conditional
    counts, a fixed number of queries per call whatever the number of tasks or projects);
    every implementation returns the same figures for the same data. Callers check
    access first: these methods do not.
    """

    def dashboard(self, user_id: int, now: dt.datetime) -> DashboardFigures:
        """The projects ``user_id`` is a member of, and the tasks assigned to them in
        those projects; a task is overdue when it is open and due before ``now``."""
        ...

    def status_counts(self, project_id: int) -> StatusCounts:
        """How many of the project's tasks are in each status."""
        ...

    def hour_totals(self, project_id: int) -> HourTotals:
        """The project's estimated and spent hours (each task's hours counted as
        :func:`~taskcore.domain.report_figures.summable_hours` counts them)."""
        ...

    def field_values(self, field: FieldDefinition) -> dict[int, CustomValue]:
        """The value of this custom field on each of its project's tasks that has one,
        by task id (one query)."""
        ...

    def project_figures(self, project_id: int) -> ProjectFigures:
        """Everything a project report holds: counts by status and priority, hours, the
        tasks (by id), and comment and attachment counts per task."""
        ...

    def workload(self, project_id: int) -> Sequence[WorkloadLine]:
        """Open tasks and their estimated hours per assignee (any order)."""
        ...

    def throughput(
        self, project_id: int, *, period: Period, start: dt.datetime, end: dt.datetime
    ) -> Sequence[ThroughputBucket]:
        """Tasks completed in ``[start, end)`` per UTC day or ISO week (weeks start on
        Monday); only non-empty buckets, in any order."""
        ...

    def cycle_time(self, project_id: int, *, since: dt.datetime | None) -> CycleTime:
        """Created-to-completed times of the project's completed tasks (completed at or
        after ``since``, if given); see :class:`~taskcore.domain.report_figures.CycleTime`."""
        ...

    def system(self) -> SystemFigures:
        """Figures over every user, project, task and attachment."""
        ...
