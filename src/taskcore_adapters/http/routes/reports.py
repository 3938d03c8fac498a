"""Reports: endpoints R1-R6 of the original, and the export of a completed report."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from taskcore.domain.reports import Report, ReportView, flatten
from taskcore.errors import ValidationError
from taskcore.services.reports import ReportService
from taskcore_adapters.http import schemas as s
from taskcore_adapters.http.answers import (
    Message,
    Pagination,
    ReportAccepted,
    ReportAnswer,
    ReportPage,
)
from taskcore_adapters.http.context import HttpContext
from taskcore_adapters.http.endpoint import Endpoint, Param
from taskcore_adapters.http.figures import (
    Dashboard,
    ProjectSummary,
)
from taskcore_adapters.http.responses import (
    ReportListedResponse,
    ReportResponse,
    of,
    to_json,
)
from taskcore_adapters.http.routes.common import PAGE_PARAMS, page_request, path_id
from taskcore_adapters.http.routes.paging import text_query
from taskcore_adapters.http.wire import JSON, read_json

EXPORT_FORMATS = ("csv", "json")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def listed_response(view: ReportView) -> ReportListedResponse:
    """A report in a list: without its data, with the requester's username."""
    username = view.requested_by_username or "Unknown"
    return of(ReportListedResponse, view.report, data=None, generated_by_username=username)


def _cell(value: Any) -> Any:
    """A CSV cell; text a spreadsheet would run as a formula is quoted with ``'``."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value


def export_csv(data: dict[str, Any]) -> str:
    """Report data as CSV: a ``field,value`` header, then one row per value."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["field", "value"])
    for field, value in flatten(data):
        writer.writerow([_cell(field), _cell(value)])
    return out.getvalue()


async def create_report(ctx: HttpContext, request: Request) -> Response:
    reports: ReportService = ctx.runtime.core.reports
    actor = await ctx.slow(ctx.principal, request)
    body = await read_json(request)
    report = await ctx.slow(
        reports.create_report,
        actor,
        name=body.get("name"),
        report_type=body.get("report_type"),
        parameters=body.get("parameters"),
    )
    accepted = ReportAccepted(
        message="Report generation started", report_id=report.key, status=report.status
    )
    return JSON(to_json(accepted), 202)


async def list_reports(ctx: HttpContext, request: Request) -> Response:
    reports: ReportService = ctx.runtime.core.reports
    actor = await ctx.slow(ctx.principal, request)
    found = await ctx.slow(
        reports.list_reports,
        actor,
        report_type=text_query(request, "report_type"),
        status=text_query(request, "status"),
        page=page_request(request),
    )
    reports_page = ReportPage(
        reports=tuple(listed_response(item) for item in found.items),
        pagination=Pagination.of(found),
    )
    return JSON(to_json(reports_page))


async def get_report(ctx: HttpContext, request: Request) -> Response:
    reports: ReportService = ctx.runtime.core.reports
    actor = await ctx.slow(ctx.principal, request)
    report = await ctx.slow(reports.get_report, actor, path_id(request, "report_id"))
    return JSON(to_json(ReportAnswer(report=of(ReportResponse, report))))


async def delete_report(ctx: HttpContext, request: Request) -> Response:
    reports: ReportService = ctx.runtime.core.reports
    actor = await ctx.slow(ctx.principal, request)
    await ctx.slow(reports.delete_report, actor, path_id(request, "report_id"))
    return JSON(to_json(Message(message="Report deleted successfully")))


def export_format(request: Request) -> str:
    """The ``format`` query parameter of an export: ``csv`` or ``json`` (the default).

    Raises:
        ValidationError: any other format (field ``format``).
    """
    fmt = request.query_params.get("format") or "json"
    if fmt not in EXPORT_FORMATS:
        raise ValidationError("Invalid format. Must be one of ['csv', 'json']", field="format")
    return fmt


def export_response(report: Report, fmt: str) -> Response:
    """A completed report's data as a download in ``fmt`` (see :func:`export_format`), as
    both the API and the pages serve it."""
    data = report.data or {}
    if fmt == "csv":
        content = export_csv(data).encode("utf-8")
        media_type = "text/csv; charset=utf-8"
    else:
        content = json.dumps(data, sort_keys=True, ensure_ascii=False, indent=2).encode()
        media_type = "application/json"
    return Response(
        content,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="report-{report.key}.{fmt}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )


async def export_report(ctx: HttpContext, request: Request) -> Response:
    reports: ReportService = ctx.runtime.core.reports
    actor = await ctx.slow(ctx.principal, request)
    report_id = path_id(request, "report_id")
    fmt = export_format(request)
    report = await ctx.slow(reports.export_report, actor, report_id)
    return export_response(report, fmt)


async def project_summary(ctx: HttpContext, request: Request) -> Response:
    reports: ReportService = ctx.runtime.core.reports
    actor = await ctx.slow(ctx.principal, request)
    summary = await ctx.slow(reports.project_summary, actor, path_id(request, "project_id"))
    return JSON(to_json(ProjectSummary.of(summary)))


async def dashboard(ctx: HttpContext, request: Request) -> Response:
    reports: ReportService = ctx.runtime.core.reports
    actor = await ctx.slow(ctx.principal, request)
    return JSON(to_json(Dashboard.of(await ctx.slow(reports.dashboard, actor))))


_REPORT_ID = Param(name="report_id", where="path")

ENDPOINTS: list[Endpoint] = [
    Endpoint(
        method="POST",
        path="/api/reports",
        idempotent=True,
        handler=create_report,
        summary="Request a report (project, workload, throughput, cycle_time; system for "
        "admins); it is generated in the background",
        tag="reports",
        body=s.REPORT_REQUEST,
        responses={
            202: (
                "Accepted; poll the report for its status",
                s.response_schema(ReportAccepted),
            ),
            **s.errors(400, 401, 403, 404),
        },
    ),
    Endpoint(
        method="GET",
        path="/api/reports",
        handler=list_reports,
        summary="The caller's reports (every report for admins), newest first, without "
        "their data; expired reports included",
        tag="reports",
        params=[
            *PAGE_PARAMS,
            Param(
                name="report_type",
                schema={"type": "string", "enum": s.REPORT_TYPES},
                description="only reports of this type",
            ),
            Param(
                name="status",
                schema={"type": "string", "enum": s.REPORT_STATUSES},
                description="only reports in this status",
            ),
        ],
        responses={
            200: ("A page of reports", s.response_schema(ReportPage)),
            **s.errors(400, 401),
        },
    ),
    Endpoint(
        method="GET",
        path="/api/reports/quick/dashboard",
        handler=dashboard,
        summary="The caller's dashboard: their projects and the tasks assigned to them there",
        tag="reports",
        responses={200: ("The dashboard", s.response_schema(Dashboard)), **s.errors(401)},
    ),
    Endpoint(
        method="GET",
        path="/api/reports/quick/project-summary/{project_id:int}",
        handler=project_summary,
        summary="A project's task counts (members and admins)",
        tag="reports",
        params=[Param(name="project_id", where="path")],
        responses={200: ("The summary", s.response_schema(ProjectSummary)), **s.errors(401, 404)},
    ),
    Endpoint(
        method="GET",
        path="/api/reports/{report_id:int}",
        handler=get_report,
        summary="One report with its data (its requester and admins)",
        tag="reports",
        params=[_REPORT_ID],
        responses={
            200: ("The report", s.response_schema(ReportAnswer)),
            **s.errors(401, 404),
            410: ("The report has expired", s.ref("Error")),
        },
    ),
    Endpoint(
        method="GET",
        path="/api/reports/{report_id:int}/export",
        handler=export_report,
        summary="Download a completed report as JSON or CSV (`field,value` rows)",
        tag="reports",
        params=[
            _REPORT_ID,
            Param(
                name="format",
                schema={"type": "string", "enum": list(EXPORT_FORMATS)},
                description="json (default) or csv",
            ),
        ],
        responses={
            200: ("The report's data as a file (`Content-Disposition: attachment`)", None),
            **s.errors(400, 401, 404, 409),
            410: ("The report has expired", s.ref("Error")),
        },
    ),
    Endpoint(
        method="DELETE",
        path="/api/reports/{report_id:int}",
        handler=delete_report,
        summary="Delete a report (its requester and admins)",
        tag="reports",
        params=[_REPORT_ID],
        responses={200: ("Deleted", s.response_schema(Message)), **s.errors(401, 404)},
    ),
]
"""The reporting endpoints."""
