"""The pages' data in and out: a project's JSON, CSV or zip download under the session
cookie (the API's answer, :func:`taskcore_adapters.http.routes.transfer.export_answer`),
and the import pages (:mod:`taskcore_adapters.web.imports`)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from taskcore_adapters.http.routes.common import path_id
from taskcore_adapters.http.routes.transfer import export_answer, export_format
from taskcore_adapters.web import imports
from taskcore_adapters.web.routing import PageRoute, page
from taskcore_adapters.web.session import Visit, Web


async def export_project(web: Web, visit: Visit, request: Request) -> Response:
    """Download a project's export (members and administrators)."""
    project_id = path_id(request, "project_id")
    fmt = export_format(request)
    return await web.ctx.slow(export_answer, web.ctx, visit.actor, project_id, fmt)


def routes(web: Web) -> list[PageRoute]:
    """The pages' data in and out."""
    return [
        PageRoute("/projects/{project_id:int}/export", page(web, export_project), methods=["GET"]),
        *imports.routes(web),
    ]
