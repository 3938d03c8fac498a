"""Reports: generated reports, their types, statuses and parameters.

A generated report is requested, computed later by a background job under the identity of
the user who asked for it, stored as JSON data, and kept until it expires. Reports never
hold credentials: the job re-reads the requester and re-checks their access when it runs.

What a report is computed from lives in :mod:`taskcore.domain.report_figures`, and how
figures become report data in :mod:`taskcore.domain.report_data`; the names the report
service reads from those two are importable from here too.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from typing import Any

import attrs

from taskcore.domain.report_data import (
    cycle_time_data,
    dashboard_data,
    field_groups,
    flatten,
    iso,
    project_data,
    project_report_data,
    quick_metrics,
    system_report_data,
    throughput_data,
    workload_data,
)
from taskcore.domain.report_figures import Period, midnight, throughput_window
from taskcore.errors import ValidationError

__all__ = [
    "ACTIVITY_DAYS",
    "ADMIN_TYPES",
    "ID_MAX",
    "NAME_MAX",
    "PERIODS_MAX",
    "REPORT_RETENTION",
    "SYSTEM_REPORT_RETENTION",
    "Period",
    "Report",
    "ReportCriteria",
    "ReportStatus",
    "ReportType",
    "ReportView",
    "check_name",
    "check_parameters",
    "check_type",
    "cycle_time_data",
    "dashboard_data",
    "field_groups",
    "flatten",
    "iso",
    "midnight",
    "project_data",
    "project_report_data",
    "quick_metrics",
    "system_report_data",
    "throughput_data",
    "throughput_window",
    "workload_data",
]

NAME_MAX = 200
REPORT_RETENTION = dt.timedelta(days=7)
"""How long a report is kept (from its request, then from its completion)."""
SYSTEM_REPORT_RETENTION = dt.timedelta(hours=6)
"""How long a completed system report is kept."""
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
    ``days`` (only tasks completed in the last so many days); ``project`` takes
    ``group_by``, ``cf.<key>`` of one of the project's custom fields (checked when the
    report is requested). Unknown keys are dropped.

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
    elif report_type is ReportType.PROJECT and raw.get("group_by") is not None:
        group_by = raw["group_by"]
        if not isinstance(group_by, str) or not group_by.startswith("cf.") or len(group_by) > 67:
            raise ValidationError(
                "parameters.group_by must be cf.<key> of a custom field",
                field="parameters.group_by",
            )
        params["group_by"] = group_by
    return params
