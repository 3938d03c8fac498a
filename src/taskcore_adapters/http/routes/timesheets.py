"""Timesheets over HTTP (JSON, a page of rows, or every row as a CSV download) and a
project's estimates against the time spent on its tasks.

Their endpoints stand in the time area's route table (see
:data:`taskcore_adapters.http.routes.time.ENDPOINTS`), after the timer's."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import attrs
from starlette.requests import Request
from starlette.responses import Response

from taskcore.domain.pagination import Page
from taskcore.domain.time_entries import Timesheet
from taskcore.errors import ValidationError
from taskcore.services.time import ProjectTime, TimeService
from taskcore_adapters.http import schemas as s
from taskcore_adapters.http.context import HttpContext
from taskcore_adapters.http.endpoint import Endpoint, Param
from taskcore_adapters.http.parsing import oversized_integer, whole_number
from taskcore_adapters.http.responses import doc, of, to_json
from taskcore_adapters.http.routes.common import PAGE_PARAMS, page_request, pagination, path_id
from taskcore_adapters.http.routes.paging import text_query
from taskcore_adapters.http.wire import JSON

# -- answers ---------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class TimesheetRowResponse:
    """One person's time on one project in one week."""

    user_id: int
    username: str
    project_id: int
    project_name: str
    week_start: dt.date = attrs.field(metadata=doc("the week's Monday, YYYY-MM-DD"))
    minutes: int
    hours: float
    billable_minutes: int
    entries: int


@attrs.frozen(kw_only=True)
class TaskTimeResponse:
    """One task's estimate against the time spent on it."""

    task_id: int
    title: str
    status: str
    estimated_hours: float | None
    spent_hours: float
    remaining_hours: float | None = attrs.field(
        metadata=doc("estimate minus time spent (negative: over the estimate)")
    )


ROW = s.response_schema(TimesheetRowResponse)
TASK_TIME = s.response_schema(TaskTimeResponse)
_DATE: dict[str, Any] = {"type": "string", "description": "YYYY-MM-DD"}
_NUMBER: dict[str, Any] = {"type": "number"}
_INTEGER: dict[str, Any] = {"type": "integer"}

TIMESHEET: dict[str, Any] = s.obj(
    **{
        "from": _DATE,
        "to": _DATE,
        "rows": {"type": "array", "items": ROW},
        "total_minutes": _INTEGER,
        "total_hours": _NUMBER,
        "billable_minutes": _INTEGER,
        "pagination": s.ref("Pagination"),
    }
)

PROJECT_TIME: dict[str, Any] = s.obj(
    project_id=_INTEGER,
    estimated_hours=_NUMBER,
    spent_hours=_NUMBER,
    tasks={"type": "array", "items": TASK_TIME},
)

CSV_COLUMNS = (
    "week_start",
    "user_id",
    "username",
    "project_id",
    "project_name",
    "minutes",
    "hours",
    "billable_minutes",
    "entries",
)


def id_query(request: Request, name: str) -> int | None:
    """An optional id in the query string.

    Raises:
        ValidationError: a number of thousands of digits, as every integer parameter
            (``<name> is out of range``); otherwise present but not a whole number
            (``<name> must be an id``).
    """
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    if oversized_integer(raw):
        raise ValidationError(f"{name} is out of range", field=name)
    value = whole_number(raw, digits=10)
    if value is None or value > 2**31 - 1:
        raise ValidationError(f"{name} must be an id", field=name)
    return value


def timesheet_csv(sheet: Timesheet) -> str:
    """The timesheet's rows as CSV with a header line (values that a spreadsheet would
    read as a formula are prefixed with ``'``)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in sheet.rows:
        values = [getattr(row, column) for column in CSV_COLUMNS]
        writer.writerow([_cell(value) for value in values])
    return out.getvalue()


def _cell(value: object) -> object:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


async def _timesheet(ctx: HttpContext, request: Request) -> Timesheet:
    time: TimeService = ctx.runtime.core.time
    actor = await ctx.slow(ctx.principal, request)
    return await ctx.slow(
        time.timesheet,
        actor,
        date_from=text_query(request, "from"),
        date_to=text_query(request, "to"),
        project_id=id_query(request, "project_id"),
        user_id=id_query(request, "user_id"),
    )


def timesheet_download(sheet: Timesheet) -> Response:
    """The timesheet as a CSV download (the API's and the pages' export)."""
    name = f"timesheet-{sheet.date_from.isoformat()}-{sheet.date_to.isoformat()}.csv"
    return Response(
        timesheet_csv(sheet).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )


async def export_timesheet(ctx: HttpContext, request: Request) -> Response:
    return timesheet_download(await _timesheet(ctx, request))


async def timesheet(ctx: HttpContext, request: Request) -> Response:
    page = page_request(request, default=50, cap=500)
    sheet = await _timesheet(ctx, request)
    rows = sheet.rows[page.offset : page.offset + page.per_page]
    listed = Page(items=rows, page=page.page, per_page=page.per_page, total=len(sheet.rows))
    return JSON(
        {
            "from": sheet.date_from.isoformat(),
            "to": sheet.date_to.isoformat(),
            "rows": [to_json(of(TimesheetRowResponse, row)) for row in rows],
            "total_minutes": sheet.total_minutes,
            "total_hours": round(sheet.total_minutes / 60, 2),
            "billable_minutes": sheet.billable_minutes,
            "pagination": pagination(listed),
        }
    )


def project_time_json(summary: ProjectTime) -> dict[str, Any]:
    """A project's estimates against time spent as JSON."""
    return {
        "project_id": summary.project_id,
        "estimated_hours": summary.estimated_hours,
        "spent_hours": summary.spent_hours,
        "tasks": [to_json(of(TaskTimeResponse, task)) for task in summary.tasks],
    }


async def project_time(ctx: HttpContext, request: Request) -> Response:
    time: TimeService = ctx.runtime.core.time
    actor = await ctx.slow(ctx.principal, request)
    summary = await ctx.slow(time.project_time, actor, path_id(request, "project_id"))
    return JSON(project_time_json(summary))


# -- endpoints -------------------------------------------------------------------------------

_PROJECT_ID = Param(name="project_id", where="path")
FROM = Param(name="from", schema={"type": "string"}, description="first day, YYYY-MM-DD")
TO = Param(name="to", schema={"type": "string"}, description="last day, YYYY-MM-DD")
BY_PROJECT = Param(name="project_id", description="only this project's entries (members)")
BY_USER = Param(
    name="user_id",
    description="only this person's entries (in projects the caller shares with them)",
)
"""The filters of time entries and timesheets: a period, a project, a person."""

ENDPOINTS: list[Endpoint] = [
    Endpoint(
        method="GET",
        path="/api/timesheet",
        handler=timesheet,
        summary="Time per person, project and week (Monday to Sunday) over a period",
        tag="time",
        params=[FROM, TO, BY_PROJECT, BY_USER, *PAGE_PARAMS],
        responses={200: ("The timesheet", TIMESHEET), **s.errors(400, 401, 404)},
    ),
    Endpoint(
        method="GET",
        path="/api/timesheet/export",
        handler=export_timesheet,
        summary="The timesheet as a CSV download, every row (same filters)",
        tag="time",
        params=[FROM, TO, BY_PROJECT, BY_USER],
        responses={
            200: ("CSV rows (`Content-Disposition: attachment`)", None),
            **s.errors(400, 401, 404),
        },
    ),
    Endpoint(
        method="GET",
        path="/api/projects/{project_id:int}/time",
        handler=project_time,
        summary="A project's estimates against the time spent, per task (members and admins)",
        tag="time",
        params=[_PROJECT_ID],
        responses={200: ("Estimates and time spent", PROJECT_TIME), **s.errors(401, 404)},
    ),
]
"""Timesheets and a project's time."""
