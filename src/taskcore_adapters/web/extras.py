"""The notifications inbox and the reports page (with server-side SVG charts)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import attrs
from starlette.requests import Request
from starlette.responses import Response

from taskcore import errors
from taskcore.domain.pagination import PageRequest
from taskcore.domain.reports import ReportType
from taskcore_adapters.http.routes.common import path_id
from taskcore_adapters.http.routes.reports import export_format, export_response
from taskcore_adapters.web.account import ctx_status, page_number
from taskcore_adapters.web.projects import optional_id
from taskcore_adapters.web.routing import PageRoute, page
from taskcore_adapters.web.session import Visit, Web, field_errors

INBOX_PAGE_SIZE: Final = 20
REPORTS_PAGE_SIZE: Final = 20
PROJECT_CHOICES: Final = 100
"""The most projects the report form offers (the caller's, in the order they are listed)."""

BAR_COLOURS: Final = ("#8a6d00", "#1f5fa8", "#2e7d32", "#b3261e", "#5c5c5c")


@attrs.frozen(kw_only=True)
class Bar:
    """One bar of a chart, with its geometry computed for the SVG."""

    label: str
    value: int
    x: int
    y: int
    width: int
    height: int
    colour: str


@attrs.frozen(kw_only=True)
class Chart:
    """A bar chart drawn as inline SVG (no script, no style attribute)."""

    title: str
    bars: Sequence[Bar]
    width: int
    height: int
    baseline: int


def bar_chart(title: str, values: Sequence[tuple[str, int]], *, height: int = 160) -> Chart:
    """A bar chart of ``values`` (label, count), scaled to the largest value."""
    width_each, gap, top, bottom = 70, 20, 20, 30
    largest = max((v for _, v in values), default=0) or 1
    usable = height - top - bottom
    bars = []
    for index, (label, value) in enumerate(values):
        bar_height = round(usable * value / largest)
        bars.append(
            Bar(
                label=label,
                value=value,
                x=gap + index * (width_each + gap),
                y=top + usable - bar_height,
                width=width_each,
                height=bar_height,
                colour=BAR_COLOURS[index % len(BAR_COLOURS)],
            )
        )
    return Chart(
        title=title,
        bars=bars,
        width=gap + len(values) * (width_each + gap),
        height=height,
        baseline=top + usable,
    )


def inbox(web: Web, visit: Visit, request: Request) -> Response:
    """The caller's in-app notifications, newest first."""
    found = web.core.notifications.inbox(
        visit.actor, page=PageRequest.of(page_number(request), INBOX_PAGE_SIZE)
    )
    return web.render(visit, "inbox.html", title="Inbox", inbox=found)


def mark_read(web: Web, visit: Visit, request: Request) -> Response:
    """Mark one notification read with ``notifications.mark_read``."""
    web.core.notifications.mark_read(visit.actor, path_id(request, "notification_id"))
    return web.redirect(visit, "/inbox")


def mark_all_read(web: Web, visit: Visit, request: Request) -> Response:
    """Mark every notification read with ``notifications.mark_all_read``."""
    count = web.core.notifications.mark_all_read(visit.actor)
    return web.redirect(visit, "/inbox", notice=f"{count} marked read.")


def _reports(
    web: Web,
    visit: Visit,
    request: Request,
    *,
    status: int = 200,
    values: dict[str, str] | None = None,
    errors_: dict[str, str] | None = None,
) -> Response:
    actor = visit.actor
    figures: dict[str, Any] = web.core.reports.dashboard(actor)
    tasks = figures["tasks"]
    charts = [
        bar_chart(
            "My tasks by status",
            [
                ("pending", tasks["pending"]),
                ("in progress", tasks["in_progress"]),
                ("completed", tasks["completed"]),
                ("overdue", tasks["overdue"]),
            ],
        ),
        bar_chart(
            "My projects",
            [("all", figures["projects"]["total"]), ("active", figures["projects"]["active"])],
        ),
    ]
    found = web.core.reports.list_reports(
        actor, page=PageRequest.of(page_number(request), REPORTS_PAGE_SIZE)
    )
    types = [t.value for t in ReportType if actor.is_admin or not t.admin_only]
    visible = web.core.projects.list_projects(actor, page=PageRequest(per_page=PROJECT_CHOICES))
    return web.render(
        visit,
        "reports.html",
        status=status,
        title="Reports",
        figures=figures,
        charts=charts,
        reports=found,
        types=types,
        project_options=[(str(p.id), p.name) for p in visible.items],
        values=values or {"name": "", "report_type": types[0], "project_id": ""},
        errors=errors_ or {},
    )


def reports(web: Web, visit: Visit, request: Request) -> Response:
    """The dashboard figures as charts, the caller's reports and the form to request one."""
    return _reports(web, visit, request)


def create_report(web: Web, visit: Visit, request: Request) -> Response:
    """Request a report with ``reports.create_report``."""
    values = {name: visit.field(name) for name in ("name", "report_type", "project_id")}
    try:
        project_id = optional_id(values["project_id"], "parameters.project_id")
        report = web.core.reports.create_report(
            visit.actor,
            name=values["name"],
            report_type=values["report_type"],
            parameters={} if project_id is None else {"project_id": project_id},
        )
    except (errors.ValidationError, errors.NotFound, errors.PermissionDenied) as exc:
        found = field_errors(exc, {errors.NotFound: "project_id"})
        found = {("project_id" if k.startswith("parameters") else k): v for k, v in found.items()}
        return _reports(web, visit, request, status=ctx_status(exc), values=values, errors_=found)
    return web.redirect(visit, "/reports", notice=f"Report {report.key} requested.")


def export_report(web: Web, visit: Visit, request: Request) -> Response:
    """A completed report as CSV or JSON, as the API's export serves it."""
    report_id = path_id(request, "report_id")
    fmt = export_format(request)
    report = web.core.reports.export_report(visit.actor, report_id)
    return export_response(report, fmt)


def delete_report(web: Web, visit: Visit, request: Request) -> Response:
    """Delete a report with ``reports.delete_report``."""
    web.core.reports.delete_report(visit.actor, path_id(request, "report_id"))
    return web.redirect(visit, "/reports", notice="Report deleted.")


def routes(web: Web) -> list[PageRoute]:
    """The inbox and reports pages."""
    return [
        PageRoute("/inbox", page(web, inbox), methods=["GET"]),
        PageRoute("/inbox/read", page(web, mark_all_read), methods=["POST"]),
        PageRoute("/inbox/{notification_id:int}/read", page(web, mark_read), methods=["POST"]),
        PageRoute("/reports", page(web, reports), methods=["GET"]),
        PageRoute("/reports", page(web, create_report), methods=["POST"]),
        PageRoute("/reports/{report_id:int}/export", page(web, export_report), methods=["GET"]),
        PageRoute("/reports/{report_id:int}/delete", page(web, delete_report), methods=["POST"]),
    ]
