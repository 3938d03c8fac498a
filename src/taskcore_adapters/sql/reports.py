"""Reports and their figures in SQL (see ``taskcore.ports.reports``).

Every figure is aggregated by the database: conditional counts (``FILTER``) and ``GROUP
BY`` in a fixed number of statements per call, whatever the number of tasks or projects.
Two expressions depend on the dialect, and both give the same values: the whole seconds
since the epoch of a timestamp (for cycle times) and the UTC day or ISO week of one (for
throughput buckets).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import attrs
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    Date,
    Integer,
    Select,
    and_,
    case,
    cast,
    delete,
    extract,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)

from taskcore.domain.custom_fields import CustomValue, FieldDefinition
from taskcore.domain.report_figures import (
    OVERDUE_LISTED,
    PERCENTILES,
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
    rank,
)
from taskcore.domain.reports import Report, ReportCriteria, ReportStatus, ReportType, ReportView
from taskcore.domain.task_fields import HOURS_MAX
from taskcore.domain.tasks import TaskStatus
from taskcore_adapters.sql.access import has_role
from taskcore_adapters.sql.tables import (
    attachments,
    comments,
    projects,
    reports,
    task_field_values,
    tasks,
    users,
)
from taskcore_adapters.sql.task_structure import custom_value

_OPEN = (TaskStatus.PENDING.value, TaskStatus.IN_PROGRESS.value)


def _report(row: Any) -> Report:
    return Report(
        id=row.id,
        name=row.name,
        type=ReportType(row.report_type),
        parameters=dict(row.parameters or {}),
        status=ReportStatus(row.status),
        data=row.data,
        error=row.error,
        requested_by=row.requested_by,
        created_at=row.created_at,
        completed_at=row.completed_at,
        expires_at=row.expires_at,
    )


def _values(report: Report) -> dict[str, Any]:
    return {
        "name": report.name,
        "report_type": report.type.value,
        "status": report.status.value,
        "parameters": report.parameters,
        "data": report.data,
        "error": report.error,
        "requested_by": report.requested_by,
        "created_at": report.created_at,
        "completed_at": report.completed_at,
        "expires_at": report.expires_at,
    }


def _conditions(criteria: ReportCriteria) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if criteria.requested_by is not None:
        conditions.append(reports.c.requested_by == criteria.requested_by)
    if criteria.type is not None:
        conditions.append(reports.c.report_type == criteria.type.value)
    if criteria.status is not None:
        conditions.append(reports.c.status == criteria.status.value)
    return conditions


class SqlAlchemyReportRepository:
    """Reports in SQL (see ``taskcore.ports.reports.ReportRepository``)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, report: Report) -> Report:
        new_id = self._conn.execute(
            insert(reports).values(**_values(report)).returning(reports.c.id)
        ).scalar_one()
        return attrs.evolve(report, id=new_id)

    def get(self, report_id: int) -> Report | None:
        row = self._conn.execute(select(reports).where(reports.c.id == report_id)).first()
        return _report(row) if row else None

    def update(self, report: Report) -> None:
        self._conn.execute(
            update(reports).where(reports.c.id == report.key).values(**_values(report))
        )

    def delete(self, report_id: int) -> None:
        self._conn.execute(delete(reports).where(reports.c.id == report_id))

    def find(self, criteria: ReportCriteria, *, offset: int, limit: int) -> Sequence[ReportView]:
        rows = self._conn.execute(
            select(reports, users.c.username)
            .select_from(reports.outerjoin(users, users.c.id == reports.c.requested_by))
            .where(*_conditions(criteria))
            .order_by(reports.c.created_at.desc(), reports.c.id.desc())
            .offset(offset)
            .limit(limit)
        )
        return [ReportView(report=_report(row), requested_by_username=row.username) for row in rows]

    def count(self, criteria: ReportCriteria) -> int:
        return int(
            self._conn.execute(
                select(func.count()).select_from(reports).where(*_conditions(criteria))
            ).scalar_one()
        )

    def delete_expired(self, now: dt.datetime) -> int:
        result = self._conn.execute(delete(reports).where(reports.c.expires_at < now))
        return int(result.rowcount)


def _status_columns() -> list[ColumnElement[Any]]:
    """One conditional count per task status, labelled with the status."""
    return [
        func.count().filter(tasks.c.status == status.value).label(status.value)
        for status in TaskStatus
    ]


def _status_counts(row: Any) -> StatusCounts:
    return StatusCounts.of({status.value: int(row._mapping[status.value]) for status in TaskStatus})


def _float(value: Any) -> float:
    return float(value) if value is not None else 0.0


def _hours_sum(column: Any) -> Any:
    """``SUM`` of hours, each clamped to 0..``HOURS_MAX`` as
    :func:`taskcore.domain.report_figures.summable_hours` does: rows stored before the bound was
    checked cannot make the total overflow (PostgreSQL fails on it, SQLite gives infinity)."""
    bounded = case(
        (column > float(HOURS_MAX), literal(float(HOURS_MAX))),
        (column < 0.0, literal(0.0)),
        else_=column,
    )
    return func.sum(bounded)


def status_counts_query(project_id: int) -> Select[Any]:
    """A project's task counts per status: one index-only range of
    ``ix_tasks_project_id_status_position`` on PostgreSQL."""
    return (
        select(tasks.c.status, func.count().label("n"))
        .where(tasks.c.project_id == project_id)
        .group_by(tasks.c.status)
    )


def _whole_seconds(column: ColumnElement[Any]) -> ColumnElement[str]:
    """A SQLite timestamp without its fraction: SQLite's date functions work in whole
    milliseconds and would round ``23:59:59.9995`` up into the next day."""
    return func.substr(column, 1, 19)


class SqlAlchemyReportQueries:
    """Figures aggregated by the database (see ``taskcore.ports.reports.ReportQueries``)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    @property
    def _postgres(self) -> bool:
        return self._conn.dialect.name == "postgresql"

    def _epoch_seconds(self, column: ColumnElement[Any]) -> ColumnElement[int]:
        """Whole seconds since the epoch, truncated."""
        if self._postgres:
            return cast(func.floor(extract("epoch", column)), BigInteger)
        return cast(func.strftime("%s", _whole_seconds(column)), Integer)

    def _bucket(self, column: ColumnElement[Any], period: Period) -> ColumnElement[Any]:
        """The first day of the UTC day or ISO week holding ``column``."""
        if self._postgres:
            return cast(func.date_trunc(period.value, func.timezone("UTC", column)), Date)
        if period is Period.DAY:
            return func.date(_whole_seconds(column))
        return func.date(_whole_seconds(column), "weekday 0", "-6 days")

    def dashboard(self, user_id: int, now: dt.datetime) -> DashboardFigures:
        project_row = self._conn.execute(
            select(
                func.count().label("total"),
                func.count().filter(projects.c.status == "active").label("active"),
            )
            .select_from(projects)
            .where(has_role(projects.c.id, user_id))
        ).one()
        mine = has_role(tasks.c.project_id, user_id)
        overdue = and_(
            tasks.c.status.in_(_OPEN), tasks.c.due_date.is_not(None), tasks.c.due_date < now
        )
        task_row = self._conn.execute(
            select(*_status_columns(), func.count().filter(overdue).label("overdue"))
            .select_from(tasks)
            .where(tasks.c.assignee_id == user_id, mine)
        ).one()
        listed = self._conn.execute(
            select(tasks.c.id, tasks.c.title, tasks.c.due_date, tasks.c.project_id)
            .select_from(tasks)
            .where(tasks.c.assignee_id == user_id, mine, overdue)
            .order_by(tasks.c.due_date, tasks.c.id)
            .limit(OVERDUE_LISTED)
        )
        return DashboardFigures(
            projects_total=int(project_row.total),
            projects_active=int(project_row.active),
            tasks=_status_counts(task_row),
            overdue=int(task_row.overdue),
            overdue_tasks=[
                OverdueTask(id=r.id, title=r.title, due_date=r.due_date, project_id=r.project_id)
                for r in listed
            ],
        )

    def status_counts(self, project_id: int) -> StatusCounts:
        rows = self._conn.execute(status_counts_query(project_id))
        return StatusCounts.of({row.status: int(row.n) for row in rows})

    def hour_totals(self, project_id: int) -> HourTotals:
        row = self._conn.execute(
            select(
                _hours_sum(tasks.c.estimated_hours).label("estimated"),
                _hours_sum(tasks.c.actual_hours).label("spent"),
            ).where(tasks.c.project_id == project_id)
        ).one()
        return HourTotals(estimated=_float(row.estimated), spent=_float(row.spent))

    def field_values(self, field: FieldDefinition) -> dict[int, CustomValue]:
        v = task_field_values.c
        rows = self._conn.execute(
            select(v.task_id, v.value_text, v.value_number, v.value_bool, v.value_json).where(
                v.field_id == field.ident
            )
        )
        return {
            row.task_id: custom_value(
                field.type, row.value_text, row.value_number, row.value_bool, row.value_json
            )
            for row in rows
        }

    def project_figures(self, project_id: int) -> ProjectFigures:
        in_project = tasks.c.project_id == project_id
        totals = self._conn.execute(
            select(
                *_status_columns(),
                _hours_sum(tasks.c.estimated_hours).label("estimated"),
                _hours_sum(tasks.c.actual_hours).label("actual"),
            ).where(in_project)
        ).one()
        priorities = self._conn.execute(
            select(tasks.c.priority, func.count().label("n"))
            .where(in_project)
            .group_by(tasks.c.priority)
        )
        lines = self._conn.execute(
            select(
                tasks.c.id,
                tasks.c.title,
                tasks.c.status,
                tasks.c.priority,
                tasks.c.assignee_id,
                tasks.c.due_date,
                tasks.c.completed_at,
                tasks.c.estimated_hours,
                tasks.c.actual_hours,
                tasks.c.created_at,
            )
            .where(in_project)
            .order_by(tasks.c.id)
        )
        task_lines = [
            TaskLine(
                id=r.id,
                title=r.title,
                status=r.status,
                priority=r.priority,
                assignee_id=r.assignee_id,
                due_date=r.due_date,
                completed_at=r.completed_at,
                estimated_hours=r.estimated_hours,
                actual_hours=r.actual_hours,
                created_at=r.created_at,
            )
            for r in lines
        ]
        per_task_comments = self._conn.execute(
            select(comments.c.task_id, func.count().label("n"))
            .select_from(comments.join(tasks, tasks.c.id == comments.c.task_id))
            .where(in_project)
            .group_by(comments.c.task_id)
        )
        task_comments = {r.task_id: int(r.n) for r in per_task_comments}
        per_task_attachments = self._conn.execute(
            select(attachments.c.task_id, func.count().label("n"))
            .select_from(attachments.join(tasks, tasks.c.id == attachments.c.task_id))
            .where(in_project)
            .group_by(attachments.c.task_id)
        )
        return ProjectFigures(
            tasks=_status_counts(totals),
            priority_breakdown={r.priority: int(r.n) for r in priorities},
            total_estimated_hours=_float(totals.estimated),
            total_actual_hours=_float(totals.actual),
            task_lines=task_lines,
            task_comments=task_comments,
            task_attachments={r.task_id: int(r.n) for r in per_task_attachments},
        )

    def workload(self, project_id: int) -> Sequence[WorkloadLine]:
        rows = self._conn.execute(
            select(
                tasks.c.assignee_id,
                users.c.username,
                func.count().label("n"),
                _hours_sum(tasks.c.estimated_hours).label("estimated"),
            )
            .select_from(tasks.outerjoin(users, users.c.id == tasks.c.assignee_id))
            .where(tasks.c.project_id == project_id, tasks.c.status.in_(_OPEN))
            .group_by(tasks.c.assignee_id, users.c.username)
        )
        return [
            WorkloadLine(
                assignee_id=r.assignee_id,
                username=r.username,
                open_tasks=int(r.n),
                estimated_hours=_float(r.estimated),
            )
            for r in rows
        ]

    def throughput(
        self, project_id: int, *, period: Period, start: dt.datetime, end: dt.datetime
    ) -> Sequence[ThroughputBucket]:
        bucket = self._bucket(tasks.c.completed_at, period).label("bucket")
        rows = self._conn.execute(
            select(bucket, func.count().label("n"))
            .where(
                tasks.c.project_id == project_id,
                tasks.c.status == TaskStatus.COMPLETED.value,
                tasks.c.completed_at >= start,
                tasks.c.completed_at < end,
            )
            .group_by(bucket)
        )
        return [
            ThroughputBucket(
                period_start=r.bucket
                if isinstance(r.bucket, dt.date)
                else dt.date.fromisoformat(r.bucket),
                completed=int(r.n),
            )
            for r in rows
        ]

    def cycle_time(self, project_id: int, *, since: dt.datetime | None) -> CycleTime:
        seconds = (
            self._epoch_seconds(tasks.c.completed_at) - self._epoch_seconds(tasks.c.created_at)
        ).label("seconds")
        conditions = [
            tasks.c.project_id == project_id,
            tasks.c.status == TaskStatus.COMPLETED.value,
            tasks.c.completed_at.is_not(None),
        ]
        if since is not None:
            conditions.append(tasks.c.completed_at >= since)
        ranked = (
            select(
                seconds,
                func.row_number().over(order_by=seconds).label("rn"),
                func.count().over().label("n"),
                func.sum(seconds).over().label("total"),
            )
            .where(*conditions)
            .subquery()
        )
        n = ranked.c.n
        wanted = [ranked.c.rn == 1, ranked.c.rn == n]
        wanted.extend(ranked.c.rn == (p * n + 99) // 100 for p in PERCENTILES)
        rows = self._conn.execute(
            select(ranked.c.rn, ranked.c.seconds, ranked.c.n, ranked.c.total).where(or_(*wanted))
        ).all()
        if not rows:
            return CycleTime(
                count=0, total_seconds=0, min_seconds=None, max_seconds=None, percentiles={}
            )
        at = {int(r.rn): int(r.seconds) for r in rows}
        count = int(rows[0].n)
        return CycleTime(
            count=count,
            total_seconds=int(rows[0].total),
            min_seconds=at[1],
            max_seconds=at[count],
            percentiles={p: at[rank(p, count)] for p in PERCENTILES},
        )

    def system(self) -> SystemFigures:
        people = self._conn.execute(
            select(
                func.count().label("total"),
                func.count().filter(users.c.is_active.is_(True)).label("active"),
                func.count().filter(users.c.is_admin.is_(True)).label("admins"),
            ).select_from(users)
        ).one()
        by_status = self._conn.execute(
            select(projects.c.status, func.count().label("n")).group_by(projects.c.status)
        )
        project_counts = {r.status: int(r.n) for r in by_status}
        task_row = self._conn.execute(select(*_status_columns()).select_from(tasks)).one()
        files = self._conn.execute(
            select(
                func.count().label("n"), func.coalesce(func.sum(attachments.c.file_size), 0)
            ).select_from(attachments)
        ).one()
        return SystemFigures(
            users_total=int(people.total),
            users_active=int(people.active),
            admins=int(people.admins),
            projects=project_counts,
            tasks=_status_counts(task_row),
            attachments=int(files[0]),
            attachment_bytes=int(files[1]),
        )
