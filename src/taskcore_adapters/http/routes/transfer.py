"""Data in and out: a project's export as JSON, CSV or a zip with its attachments' files
(see docs/import-export.md)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import IO, Any, Final

import attrs
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from taskcore.domain.import_mapping import ImportedTask, ImportRun, Preview
from taskcore.errors import TooLarge, ValidationError
from taskcore.services.access import Actor
from taskcore.services.transfer import TransferService
from taskcore_adapters.http import schemas as s
from taskcore_adapters.http.context import HttpContext
from taskcore_adapters.http.endpoint import Endpoint, Param
from taskcore_adapters.http.responses import to_json
from taskcore_adapters.http.routes.common import path_id
from taskcore_adapters.http.wire import JSON
from taskcore_adapters.transfer.reading import (
    MAX_FILE_BYTES,
    Table,
    read_csv,
    read_export,
    read_jira,
    read_trello,
)
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
    service: TransferService = ctx.runtime.core.transfer
    return service


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


IMPORT_SOURCES: Final = ("csv", "taskcore", "jira", "trello")
"""What an import file may be: CSV with a column mapping, a taskcore project export, a
Jira issue export (CSV) or a Trello board export (JSON)."""


@attrs.frozen(kw_only=True)
class ProblemResponse:
    """Why a row is not imported."""

    line: int
    field: str
    reason: str


@attrs.frozen(kw_only=True)
class SampleResponse:
    """One row as it would be imported (people by user id)."""

    line: int
    external_id: str
    title: str
    status: str
    priority: str
    due_date: dt.datetime | None
    estimated_hours: float | None
    assignee_ids: tuple[int, ...]
    labels: tuple[str, ...]
    watchers: tuple[int, ...]
    parent: str | None

    @classmethod
    def of(cls, task: ImportedTask) -> SampleResponse:
        return cls(
            line=task.line,
            external_id=task.external_id,
            title=task.title,
            status=task.status.value,
            priority=task.priority.value,
            due_date=task.due_date,
            estimated_hours=task.estimated_hours,
            assignee_ids=task.assignees,
            labels=task.labels,
            watchers=task.watchers,
            parent=task.parent,
        )


@attrs.frozen(kw_only=True)
class PreviewResponse:
    """A dry run's answer: nothing was changed."""

    dry_run: bool
    total: int
    valid: int
    invalid: int
    mapping: dict[str, str]
    unmapped_columns: tuple[str, ...]
    problem_count: int
    problems: tuple[ProblemResponse, ...]
    sample: tuple[SampleResponse, ...]

    @classmethod
    def of(cls, found: Preview) -> PreviewResponse:
        return cls(
            dry_run=True,
            total=found.total,
            valid=found.valid,
            invalid=found.invalid,
            mapping=dict(found.mapping),
            unmapped_columns=found.unmapped_columns,
            problem_count=found.problem_count,
            problems=tuple(
                ProblemResponse(line=p.line, field=p.field, reason=p.reason) for p in found.problems
            ),
            sample=tuple(SampleResponse.of(t) for t in found.sample),
        )


@attrs.frozen(kw_only=True)
class ImportResponse:
    """An import run and its progress (``done`` of ``total`` rows)."""

    id: int
    project_id: int
    user_id: int
    source: str
    status: str
    total: int
    done: int
    created: int
    updated: int
    skipped: int
    mapping: dict[str, str]
    problems: tuple[ProblemResponse, ...]
    error: str | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @classmethod
    def of(cls, run: ImportRun) -> ImportResponse:
        return cls(
            id=run.key,
            project_id=run.project_id,
            user_id=run.user_id,
            source=run.source,
            status=run.status.value,
            total=run.total,
            done=run.done,
            created=run.created,
            updated=run.updated,
            skipped=run.skipped,
            mapping=dict(run.mapping),
            problems=tuple(
                ProblemResponse(
                    line=int(p.get("line", 0)),  # type: ignore[call-overload]
                    field=str(p.get("field", "")),
                    reason=str(p.get("reason", "")),
                )
                for p in run.problems
            ),
            error=run.error,
            created_at=run.created_at,
            updated_at=run.updated_at,
        )


@attrs.frozen(kw_only=True)
class ImportStarted:
    """The answer to a started import: the run, to follow at ``GET /api/imports/{id}``."""

    message: str
    import_run: ImportResponse


def _flag(value: object) -> bool:
    return isinstance(value, str) and value.strip().lower() in ("1", "true", "yes", "on")


async def _upload(request: Request) -> tuple[bytes, dict[str, Any]]:
    """The file and the other fields of a multipart import request.

    Raises:
        TooLarge: the request is larger than the import limit.
        ValidationError: no ``file`` part, or a ``mapping`` that is not a JSON object.
    """
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_FILE_BYTES + 64 * 1024:
        raise TooLarge(f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB")
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise ValidationError("Send the file as multipart/form-data", field="file")
    form = await request.form(max_files=1, max_fields=10)
    try:
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise ValidationError("file is required", field="file")
        data = await upload.read(MAX_FILE_BYTES + 1)
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
    finally:
        await form.close()
    mapping_text = fields.get("mapping")
    mapping: object = None
    if mapping_text:
        try:
            mapping = json.loads(mapping_text)
        except json.JSONDecodeError:
            mapping = "not JSON"
        if not isinstance(mapping, dict):
            raise ValidationError("mapping must be a JSON object of field: column", field="mapping")
    return data, {**fields, "mapping": mapping}


def read_upload(data: bytes, fields: dict[str, Any]) -> tuple[Table, str]:
    """The rows of an import file and its source name (in the thread pool: it parses the
    whole file)."""
    kind = fields.get("format") or "csv"
    if kind not in IMPORT_SOURCES:
        raise ValidationError(f"format must be one of {list(IMPORT_SOURCES)}", field="format")
    if kind == "taskcore":
        table = read_export(data)
    elif kind == "jira":
        table = read_jira(data)
    elif kind == "trello":
        table = read_trello(data)
    else:
        table = read_csv(data, delimiter=fields.get("delimiter") or ",")
    source = str(fields.get("source") or kind).strip()
    return table, source


async def import_tasks(ctx: HttpContext, request: Request) -> Response:
    actor = await ctx.slow(ctx.principal, request)
    project_id = path_id(request, "project_id")
    data, fields = await _upload(request)
    table, source = await ctx.slow(read_upload, data, fields)
    mapping = fields["mapping"] if fields["mapping"] is not None else table.mapping
    service = service_of(ctx)
    if _flag(fields.get("dry_run")) or _flag(request.query_params.get("dry_run")):
        found = await ctx.slow(
            service.preview_import,
            actor,
            project_id,
            source=source,
            header=table.header,
            rows=table.rows,
            mapping=mapping,
        )
        return JSON(to_json(PreviewResponse.of(found)))
    run = await ctx.slow(
        service.start_import,
        actor,
        project_id,
        source=source,
        header=table.header,
        rows=table.rows,
        mapping=mapping,
    )
    started = ImportStarted(message="Import started", import_run=ImportResponse.of(run))
    return JSON(to_json(started), 202)


async def get_import(ctx: HttpContext, request: Request) -> Response:
    actor = await ctx.slow(ctx.principal, request)
    run = await ctx.slow(service_of(ctx).get_import, actor, path_id(request, "import_id"))
    return JSON({"import_run": to_json(ImportResponse.of(run))})


IMPORT_BODY: s.Schema = {
    "type": "object",
    "required": ["file"],
    "properties": {
        "file": {"type": "string", "format": "binary", "description": "the file (UTF-8)"},
        "format": {
            "type": "string",
            "enum": list(IMPORT_SOURCES),
            "description": "csv (the default), taskcore (a project export's JSON), jira "
            "(an issue export, CSV) or trello (a board export, JSON)",
        },
        "mapping": {
            "type": "string",
            "description": "a JSON object field: column (fields: external_id, title, "
            "description, status, priority, due_date, estimated_hours, assignees, labels, "
            "watchers, parent); guessed from the header when left out",
        },
        "source": {
            "type": "string",
            "description": "names where the rows come from: importing the same source "
            "again updates the tasks it made (by external_id) instead of duplicating them",
        },
        "delimiter": {"type": "string", "enum": [",", ";", "\t", "|"]},
        "dry_run": {
            "type": "string",
            "description": "true: only read, check and preview; nothing changes",
        },
    },
}


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
    Endpoint(
        method="POST",
        path="/api/projects/{project_id:int}/imports",
        handler=import_tasks,
        summary="Import tasks from a CSV file or a taskcore export: a dry run previews, "
        "a real run is a background job (owners and members)",
        tag="transfer",
        params=[
            Param(name="project_id", where="path"),
            Param(
                name="dry_run",
                schema={"type": "string"},
                description="true: only preview (also accepted as a form field)",
            ),
        ],
        body=IMPORT_BODY,
        body_content_type="multipart/form-data",
        responses={
            200: ("The dry run's preview (nothing changed)", s.response_schema(PreviewResponse)),
            202: ("Started; follow it at /api/imports/{id}", s.response_schema(ImportStarted)),
            **s.errors(400, 401, 403, 404, 413),
        },
    ),
    Endpoint(
        method="GET",
        path="/api/imports/{import_id:int}",
        handler=get_import,
        summary="An import's progress: done of total rows, tasks created and updated, "
        "rows skipped with their problems",
        tag="transfer",
        params=[Param(name="import_id", where="path")],
        responses={
            200: (
                "The import",
                {
                    "type": "object",
                    "required": ["import_run"],
                    "properties": {"import_run": s.response_schema(ImportResponse)},
                },
            ),
            **s.errors(401, 404),
        },
    ),
]
"""The data-in-and-out endpoints."""
