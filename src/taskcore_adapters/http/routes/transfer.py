"""Data in and out: a project's export as JSON, CSV or a zip with its attachments' files
(see docs/import-export.md)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Final

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from taskcore.errors import ValidationError
from taskcore.services.access import Actor
from taskcore.services.transfer import TransferService
from taskcore_adapters.http import schemas as s
from taskcore_adapters.http.context import HttpContext
from taskcore_adapters.http.endpoint import Endpoint, Param
from taskcore_adapters.http.routes.common import path_id
from taskcore_adapters.transfer.writing import csv_text, json_bytes, write_zip

EXPORT_FORMATS: Final = ("json", "csv", "zip")
MEDIA_TYPES: Final = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "zip": "application/zip",
}
DOWNLOAD_HEADERS: Final = {
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "private, no-store",
}
CHUNK: Final = 64 * 1024


def service_of(ctx: HttpContext) -> TransferService:
    """The data-in-and-out use cases of ``ctx``'s taskcore."""
    core = ctx.runtime.core
    return TransferService(transactions=core.transactions, clock=core.clock)


def export_format(request: Request) -> str:
    """The ``format`` query parameter: ``json`` (the default), ``csv`` or ``zip``.

    Raises:
        ValidationError: any other format (field ``format``).
    """
    fmt = request.query_params.get("format") or "json"
    if fmt not in EXPORT_FORMATS:
        raise ValidationError(
            "Invalid format. Must be one of ['json', 'csv', 'zip']", field="format"
        )
    return fmt


def _read_all(spool: IO[bytes]) -> Iterator[bytes]:
    while chunk := spool.read(CHUNK):
        yield chunk


def export_answer(ctx: HttpContext, actor: Actor, project_id: int, fmt: str) -> Response:
    """A project's export in ``fmt`` as a download (the API's and the pages' answer; call
    it in the thread pool: it reads the whole project, and for a zip every file).

    Raises:
        ProjectNotFound: no such project, or the caller may not see it.
    """
    export = service_of(ctx).export_project(actor, project_id)
    name = f"project-{project_id}.{fmt}"
    headers = {**DOWNLOAD_HEADERS, "Content-Disposition": f'attachment; filename="{name}"'}
    if fmt == "csv":
        body = csv_text(export).encode("utf-8")
        return Response(body, media_type=MEDIA_TYPES[fmt], headers=headers)
    if fmt == "json":
        return Response(json_bytes(export), media_type=MEDIA_TYPES[fmt], headers=headers)
    attachments = ctx.runtime.core.attachments
    spool = write_zip(export, lambda i: attachments.open_download(actor, i).chunks)
    return StreamingResponse(
        _read_all(spool),
        media_type=MEDIA_TYPES[fmt],
        headers=headers,
        background=BackgroundTask(spool.close),
    )


async def export_project(ctx: HttpContext, request: Request) -> Response:
    actor = await ctx.slow(ctx.principal, request)
    project_id = path_id(request, "project_id")
    fmt = export_format(request)
    return await ctx.slow(export_answer, ctx, actor, project_id, fmt)


ENDPOINTS: list[Endpoint] = [
    Endpoint(
        method="GET",
        path="/api/projects/{project_id:int}/export",
        handler=export_project,
        summary="Export a project: JSON (everything), CSV (its tasks) or a zip with the "
        "attachments' files (members and admins)",
        tag="transfer",
        params=[
            Param(name="project_id", where="path"),
            Param(
                name="format",
                schema={"type": "string", "enum": list(EXPORT_FORMATS), "default": "json"},
                description="json: the whole project; csv: its tasks; zip: project.json, "
                "tasks.csv and attachments/<id>/<name>",
            ),
        ],
        responses={
            200: (
                "The export as a download (application/json, text/csv or application/zip; "
                "docs/import-export.md describes the document)",
                None,
            ),
            **s.errors(400, 401, 404),
        },
    ),
]
"""The data-in-and-out endpoints."""
