"""Reports and their figures in memory (see ``taskcore.ports.reports``).

The figures are computed in Python over the in-memory tables, with the same rules the SQL
read model applies in the database.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Sequence

import attrs

from taskcore.domain.custom_fields import CustomValue, FieldDefinition
from taskcore.domain.report_figures import (
    OVERDUE_LISTED,
    CycleTime,
    DashboardFigures,
    HourTotals,
    OverdueTask,
    Period,
    ProjectFigures,
    StatusCounts,
    SystemFigures,
    TaskLine,
    ThroughputBucket,
    WorkloadLine,
    cycle_time_of,
    total_hours,
)
from taskcore.domain.reports import Report, ReportCriteria, ReportView
from taskcore.domain.tasks import Task, TaskStatus
from taskcore_adapters.memory.access import project_ids_of
from taskcore_adapters.memory.tables import Tables

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _seconds(moment: dt.datetime) -> int:
    """Whole seconds since the epoch, truncated (as the SQL read model computes them)."""
    return (moment - _EPOCH) // dt.timedelta(seconds=1)


class InMemoryReportRepository:
    """Reports in memory (see ``taskcore.ports.reports.ReportRepository``)."""

    def __init__(self, tables: Tables) -> None:
        self._t = tables

    def add(self, report: Report) -> Report:
        stored = attrs.evolve(report, id=self._t.allocate("reports"))
        self._t.reports[stored.key] = copy.deepcopy(stored)
        return stored

    def get(self, report_id: int) -> Report | None:
        found = self._t.reports.get(report_id)
        return copy.deepcopy(found)

    def update(self, report: Report) -> None:
        if report.key in self._t.reports:
            self._t.reports[report.key] = copy.deepcopy(report)

    def delete(self, report_id: int) -> None:
        self._t.reports.pop(report_id, None)

    def _matching(self, criteria: ReportCriteria) -> list[Report]:
        return [
            r
            for r in self._t.reports.values()
            if (criteria.requested_by is None or r.requested_by == criteria.requested_by)
            and (criteria.type is None or r.type is criteria.type)
            and (criteria.status is None or r.status is criteria.status)
        ]

    def find(self, criteria: ReportCriteria, *, offset: int, limit: int) -> Sequence[ReportView]:
        ordered = sorted(
            self._matching(criteria), key=lambda r: (r.created_at, r.key), reverse=True
        )
        views = []
        for report in ordered[offset : offset + limit]:
            user = self._t.users.get(report.requested_by)
            views.append(
                ReportView(
                    report=copy.deepcopy(report),
                    requested_by_username=None if user is None else user.username,
                )
            )
        return views

    def count(self, criteria: ReportCriteria) -> int:
        return len(self._matching(criteria))

    def delete_expired(self, now: dt.datetime) -> int:
        gone = [key for key, r in self._t.reports.items() if r.expires_at < now]
        for key in gone:
            del self._t.reports[key]
        return len(gone)


def _counts(tasks: Sequence[Task]) -> StatusCounts:
    return StatusCounts.of(Counter(t.status.value for t in tasks))


class InMemoryReportQueries:
    """Figures computed in Python (see ``taskcore.ports.reports.ReportQueries``)."""

    def __init__(self, tables: Tables) -> None:
        self._t = tables

    def _project_tasks(self, project_id: int) -> list[Task]:
        return [t for t in self._t.tasks.values() if t.project_id == project_id]

    def dashboard(self, user_id: int, now: dt.datetime) -> DashboardFigures:
        mine = project_ids_of(self._t, user_id)
        projects = [p for p in self._t.projects.values() if p.key in mine]
        tasks = [
            t for t in self._t.tasks.values() if t.assignee_id == user_id and t.project_id in mine
        ]
        overdue = sorted(
            (t for t in tasks if t.status.is_open and t.due_date is not None and t.due_date < now),
            key=lambda t: (t.due_date, t.key),
        )
        return DashboardFigures(
            projects_total=len(projects),
            projects_active=sum(1 for p in projects if p.status.value == "active"),
            tasks=_counts(tasks),
            overdue=len(overdue),
            overdue_tasks=[
                OverdueTask(id=t.key, title=t.title, due_date=t.due_date, project_id=t.project_id)
                for t in overdue[:OVERDUE_LISTED]
                if t.due_date is not None
            ],
        )

    def status_counts(self, project_id: int) -> StatusCounts:
        return _counts(self._project_tasks(project_id))

    def hour_totals(self, project_id: int) -> HourTotals:
        tasks = self._project_tasks(project_id)
        return HourTotals(
            estimated=total_hours(t.estimated_hours for t in tasks),
            spent=total_hours(t.actual_hours for t in tasks),
        )

    def field_values(self, field: FieldDefinition) -> dict[int, CustomValue]:
        return {
            t.key: t.custom_fields[field.key]
            for t in self._project_tasks(field.project_id)
            if field.key in t.custom_fields
        }

    def project_figures(self, project_id: int) -> ProjectFigures:
        tasks = sorted(self._project_tasks(project_id), key=lambda t: t.key)
        ids = {t.key for t in tasks}
        comments = Counter(c.task_id for c in self._t.comments.values() if c.task_id in ids)
        attachments = Counter(a.task_id for a in self._t.attachments.values() if a.task_id in ids)
        return ProjectFigures(
            tasks=_counts(tasks),
            priority_breakdown=dict(Counter(t.priority.value for t in tasks)),
            total_estimated_hours=total_hours(t.estimated_hours for t in tasks),
            total_actual_hours=total_hours(t.actual_hours for t in tasks),
            task_lines=[
                TaskLine(
                    id=t.key,
                    title=t.title,
                    status=t.status.value,
                    priority=t.priority.value,
                    assignee_id=t.assignee_id,
                    due_date=t.due_date,
                    completed_at=t.completed_at,
                    estimated_hours=t.estimated_hours,
                    actual_hours=t.actual_hours,
                    created_at=t.created_at,
                )
                for t in tasks
            ],
            task_comments=dict(comments),
            task_attachments=dict(attachments),
        )

    def workload(self, project_id: int) -> Sequence[WorkloadLine]:
        groups: dict[int | None, list[Task]] = defaultdict(list)
        for task in self._project_tasks(project_id):
            if task.status.is_open:
                groups[task.assignee_id].append(task)
        lines = []
        for assignee_id, tasks in groups.items():
            user = None if assignee_id is None else self._t.users.get(assignee_id)
            lines.append(
                WorkloadLine(
                    assignee_id=assignee_id,
                    username=None if user is None else user.username,
                    open_tasks=len(tasks),
                    estimated_hours=total_hours(t.estimated_hours for t in tasks),
                )
            )
        return lines

    def throughput(
        self, project_id: int, *, period: Period, start: dt.datetime, end: dt.datetime
    ) -> Sequence[ThroughputBucket]:
        counts: Counter[dt.date] = Counter()
        for task in self._project_tasks(project_id):
            done = task.completed_at
            if task.status is TaskStatus.COMPLETED and done is not None and start <= done < end:
                counts[period.start_of(done.astimezone(dt.UTC).date())] += 1
        return [ThroughputBucket(period_start=day, completed=n) for day, n in counts.items()]

    def cycle_time(self, project_id: int, *, since: dt.datetime | None) -> CycleTime:
        durations = [
            _seconds(t.completed_at) - _seconds(t.created_at)
            for t in self._project_tasks(project_id)
            if t.status is TaskStatus.COMPLETED
            and t.completed_at is not None
            and (since is None or t.completed_at >= since)
        ]
        return cycle_time_of(durations)

    def system(self) -> SystemFigures:
        users = list(self._t.users.values())
        return SystemFigures(
            users_total=len(users),
            users_active=sum(1 for u in users if u.is_active),
            admins=sum(1 for u in users if u.is_admin),
            projects=dict(Counter(p.status.value for p in self._t.projects.values())),
            tasks=_counts(list(self._t.tasks.values())),
            attachments=len(self._t.attachments),
            attachment_bytes=sum(a.file_size for a in self._t.attachments.values()),
        )
