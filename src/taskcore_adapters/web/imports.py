"""The pages' import: upload a file and choose its format, see the dry run (the first rows,
a select per column mapping it to a task field for CSV, every problem by line), start the
real run, and follow its progress on a page that refreshes itself.

The same use cases as the API (``transfer.preview_import``, ``start_import`` and
``get_import``) with the API's readers and size limit. Between the preview and the start
nothing is stored: the preview page carries the file back in its form (base64), so the
start needs no second upload and works whichever server process answers.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from typing import Any, Final

from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import Response

from taskcore import errors
from taskcore.domain.import_mapping import ImportField, Preview, RunStatus
from taskcore.services.transfer.importing import ImportRunNotFound
from taskcore_adapters.http.routes.common import path_id
from taskcore_adapters.http.routes.transfer import read_upload, service_of
from taskcore_adapters.transfer.reading import MAX_COLUMNS, MAX_FILE_BYTES, Table
from taskcore_adapters.web.account import ctx_status
from taskcore_adapters.web.routing import PageRoute, page
from taskcore_adapters.web.session import CSRF_FIELD, Visit, Web, field_errors

FORMATS: Final = [
    ("csv", "CSV (choose the columns)"),
    ("jira", "Jira issue export (CSV)"),
    ("trello", "Trello board export (JSON)"),
    ("taskcore", "taskcore project export (JSON)"),
]
"""The choices of the format select (the API's ``format`` values)."""
DELIMITERS: Final = [(",", "comma"), (";", "semicolon"), ("\t", "tab"), ("|", "bar")]
FIELD_LABELS: Final = {
    ImportField.EXTERNAL_ID: "external id",
    ImportField.TITLE: "title",
    ImportField.DESCRIPTION: "description",
    ImportField.STATUS: "status",
    ImportField.PRIORITY: "priority",
    ImportField.DUE_DATE: "due date",
    ImportField.ESTIMATED_HOURS: "estimated hours",
    ImportField.ASSIGNEES: "assignees",
    ImportField.LABELS: "labels",
    ImportField.WATCHERS: "watchers",
    ImportField.PARENT: "parent (external id)",
    ImportField.COMMENTS: "comments (JSON)",
}
FIELD_CHOICES: Final = [(f.value, label) for f, label in FIELD_LABELS.items()]
"""The choices of each column's select (besides "not imported")."""
FIRST_ROWS: Final = 5
"""Rows of the file shown as they are."""
CELL_SHOWN: Final = 80
"""Characters of a cell shown in the first rows."""
CARRIED: Final = "carried"
"""The form field that brings the previewed file back (base64)."""
MAX_CARRIED: Final = (MAX_FILE_BYTES + 2) // 3 * 4
BLANK: Final = {"format": "csv", "source": "", "delimiter": ","}
RUNNING: Final = (RunStatus.QUEUED, RunStatus.RUNNING)


def _render(
    web: Web,
    visit: Visit,
    project_id: int,
    *,
    status: int = 200,
    values: Mapping[str, str] | None = None,
    errors_: Mapping[str, str] | None = None,
    upload: tuple[bytes, Table] | None = None,
    chosen: Mapping[str, str] | None = None,
    found: Preview | None = None,
) -> Response:
    """The import page: the upload form, and after a file was read its first rows, the
    column selects (CSV), the dry run's counts and problems and the start button."""
    project = web.core.projects.get_project(visit.actor, project_id)
    context: dict[str, Any] = {
        "project": project,
        "formats": FORMATS,
        "delimiters": DELIMITERS,
        "field_choices": FIELD_CHOICES,
        "values": {**BLANK, **(values or {})},
        "errors": _placed(errors_ or {}),
        "mapping_errors": [(k, v) for k, v in (errors_ or {}).items() if k.startswith("mapping")],
        "max_mib": MAX_FILE_BYTES // (1024 * 1024),
        "found": found,
        "table": None,
    }
    if upload is not None:
        data, table = upload
        mapping = found.mapping if found is not None else (chosen or table.mapping or {})
        by_column = {column: field for field, column in mapping.items()}
        context.update(
            table=table,
            carried=base64.b64encode(data).decode("ascii"),
            columns=[
                (i, column, by_column.get(column, "")) for i, column in enumerate(table.header)
            ],
            first_rows=[
                [_shown(cells.get(column, "")) for column in table.header]
                for _, cells in table.rows[:FIRST_ROWS]
            ],
            lines=[line for line, _ in table.rows[:FIRST_ROWS]],
        )
    return web.render(
        visit, "import.html", status=status, title=f"{project.name}: import", **context
    )


def _placed(found: Mapping[str, str]) -> dict[str, str]:
    """Errors by the form field that shows them: the upload form's own fields, the
    mapping's (shown above the column selects), and the rest (a required custom field)
    for the whole form."""
    placed: dict[str, str] = {}
    for key, message in found.items():
        shown_on = key if key in ("file", *BLANK) or key.startswith("mapping") else ""
        placed[shown_on] = message
    return placed


def _shown(cell: str) -> str:
    return cell if len(cell) <= CELL_SHOWN else cell[: CELL_SHOWN - 1] + "…"


def import_form(web: Web, visit: Visit, request: Request) -> Response:
    """The upload form (members see it; the core decides who may import)."""
    return _render(web, visit, path_id(request, "project_id"))


async def _read_form(web: Web, visit: Visit, request: Request) -> tuple[dict[str, str], bytes]:
    """The submitted form's text fields and its file (the uploaded one, or else the one
    the preview page carried back), with the form's CSRF token checked.

    Raises:
        TooLarge: the body is larger than a file the API takes (or its base64).
        ValidationError: (``file``) a body that is not a readable form, no file, or a
            carried file that is not base64.
        CsrfRefused: the token is missing or wrong.
    """
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_CARRIED + 64 * 1024:
        raise errors.TooLarge(f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB")
    try:
        form = await request.form(
            max_files=1, max_fields=MAX_COLUMNS + 16, max_part_size=MAX_CARRIED + 1024
        )
    except (MultiPartException, HTTPException) as exc:
        detail = exc.message if isinstance(exc, MultiPartException) else exc.detail
        raise errors.ValidationError(
            f"The form could not be read: {detail}", field="file"
        ) from None
    try:
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        web.check_csrf(visit, fields.get(CSRF_FIELD))
        upload = form.get("file")
        data = await upload.read(MAX_FILE_BYTES + 1) if isinstance(upload, UploadFile) else b""
    finally:
        await form.close()
    return fields, data or _carried(fields)


def _carried(fields: Mapping[str, str]) -> bytes:
    """The file the preview page carried back.

    Raises:
        ValidationError: (``file``) none, or not base64.
    """
    carried = fields.get(CARRIED, "")
    if not carried:
        raise errors.ValidationError("Choose a file to import", field="file")
    try:
        return base64.b64decode(carried, validate=True)
    except (binascii.Error, ValueError):
        raise errors.ValidationError("Choose the file again", field="file") from None


def _chosen(form: Mapping[str, str], table: Table) -> dict[str, str] | None:
    """The mapping the column selects give (``None``: no selects were shown; the format's
    mapping or the guessed one applies).

    Raises:
        ValidationError: (``mapping.<field>``) two columns feed one field, or none the
            title.
    """
    if form.get("mapped") != "1" or table.mapping is not None:
        return None
    mapping: dict[str, str] = {}
    for i, column in enumerate(table.header):
        field = form.get(f"column.{i}", "")
        if not field:
            continue
        if field in mapping:
            raise errors.ValidationError(
                f"mapping.{field}: the columns {mapping[field]!r} and {column!r} both feed "
                f"{field}; choose one",
                field=f"mapping.{field}",
            )
        mapping[field] = column
    if ImportField.TITLE.value not in mapping:
        raise errors.ValidationError(
            "mapping.title: choose the column that feeds the title", field="mapping.title"
        )
    return mapping


async def submit(web: Web, visit: Visit, request: Request) -> Response:
    """Read the file; preview it (the dry run), or start the real run and go to its
    progress page. A bad file or mapping is shown on the page with its status."""
    project_id = path_id(request, "project_id")
    values = dict(BLANK)
    upload: tuple[bytes, Table] | None = None
    chosen: dict[str, str] | None = None
    try:
        form, data = await _read_form(web, visit, request)
        values = {name: form.get(name) or BLANK[name] for name in BLANK}
        table, source = await web.ctx.slow(read_upload, data, values)
        upload = (data, table)
        chosen = _chosen(form, table)
        mapping = chosen if chosen is not None else table.mapping
        service = service_of(web.ctx)
        given = {"source": source, "header": table.header, "rows": table.rows, "mapping": mapping}
        if form.get("action") == "start":
            run = await web.ctx.slow(service.start_import, visit.actor, project_id, **given)
            return web.redirect(
                visit, f"/projects/{project_id}/imports/{run.key}", notice="Import started."
            )
        found = await web.ctx.slow(service.preview_import, visit.actor, project_id, **given)
    except (errors.ValidationError, errors.TooLarge) as exc:
        return _render(
            web,
            visit,
            project_id,
            status=ctx_status(exc),
            values=values,
            errors_=field_errors(exc, {errors.TooLarge: "file"}),
            upload=upload,
            chosen=chosen,
        )
    return _render(web, visit, project_id, values=values, upload=upload, found=found)


async def progress(web: Web, visit: Visit, request: Request) -> Response:
    """A run's progress (its starter and the project's members), refreshing itself every
    two seconds while it is queued or running."""
    project_id = path_id(request, "project_id")
    run_id = path_id(request, "import_id")
    run = await web.ctx.slow(service_of(web.ctx).get_import, visit.actor, run_id)
    if run.project_id != project_id:
        raise ImportRunNotFound(run_id)
    project = web.core.projects.get_project(visit.actor, project_id)
    problems: Sequence[Mapping[str, object]] = run.problems
    return web.render(
        visit,
        "import_run.html",
        title=f"{project.name}: import {run.key}",
        project=project,
        run=run,
        problems=problems,
        running=run.status in RUNNING,
    )


def routes(web: Web) -> list[PageRoute]:
    """The import pages of ``web``."""
    base = "/projects/{project_id:int}"
    return [
        PageRoute(base + "/import", page(web, import_form), methods=["GET"]),
        PageRoute(base + "/import", page(web, submit, csrf="stream"), methods=["POST"]),
        PageRoute(base + "/imports/{import_id:int}", page(web, progress), methods=["GET"]),
    ]
