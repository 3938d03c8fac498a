"""Attachments: endpoints A1-A8 of the original, with streamed uploads and downloads.

Uploads stream the multipart file part straight into the file store (nothing is held in
memory whole or spooled to temporary files) and stop reading as soon as the size limit is
passed. Downloads stream from the file store in a worker thread, support single byte
ranges (206, 416) and conditional requests (``ETag`` is the SHA-256 of the content), and
are always served as attachments that browsers must not sniff or render. A quarantined
attachment (not scanned for malware) is never served: its download answers 409 with the
code ``attachment_quarantined``.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
import urllib.parse
from collections.abc import AsyncIterator, Iterator
from typing import Final

import attrs
from starlette.concurrency import iterate_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from taskcore.domain.attachments import (
    AttachmentStats,
    AttachmentStatus,
    AttachmentView,
    size_in_mb,
)
from taskcore.errors import AttachmentQuarantined
from taskcore.services.attachments import PendingUpload
from taskcore_adapters.http import schemas as s
from taskcore_adapters.http.answers import (
    AttachmentAnswer,
    AttachmentCount,
    AttachmentList,
    AttachmentMessage,
    AttachmentsDeleted,
    Message,
    listing,
)
from taskcore_adapters.http.context import HttpContext
from taskcore_adapters.http.endpoint import Endpoint, Param
from taskcore_adapters.http.figures import (
    AttachmentStatsResponse,
    ExtensionCount,
    MediaTypeCount,
)
from taskcore_adapters.http.multipart import MAX_FIELD_BYTES, FilePart, receive_upload
from taskcore_adapters.http.parsing import INTEGER_DIGITS_MAX
from taskcore_adapters.http.responses import (
    AttachmentResponse,
    of,
    to_json,
)
from taskcore_adapters.http.routes.common import path_id
from taskcore_adapters.http.routes.paging import WINDOW_PARAMS, window
from taskcore_adapters.http.wire import JSON, error

UPLOAD_OVERHEAD: Final = 64 * 1024 + MAX_FIELD_BYTES
"""Room for the multipart boundaries, part headers and text fields around the file: the
request body may exceed the file limit by this much."""

NOT_SATISFIABLE: Final = "Requested range not satisfiable"

_RANGE = re.compile(r"bytes=([0-9]*)-([0-9]*)", re.ASCII)

DOWNLOAD_HEADERS: Final = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "private, no-cache",
    "Accept-Ranges": "bytes",
}
"""Sent with every download: never sniffed, never rendered with scripts, revalidated."""

UPLOAD_BODY: s.Schema = {
    "type": "object",
    "required": ["file"],
    "properties": {
        "file": {
            "type": "string",
            "format": "binary",
            "description": "the file; its extension must be allowed and match its content",
        }
    },
}


@attrs.define(kw_only=True)
class BulkDeleteBody:
    task_ids: list[int] | None = None


class RangeNotSatisfiable(Exception):
    """The ``Range`` header asks only for bytes the file does not have."""


def attachment_response(view: AttachmentView) -> AttachmentResponse:
    """The original's attachment object, with ``uploaded_by_username`` (and ``status``
    when the file is quarantined)."""
    return of(AttachmentResponse, view)


def stats_response(stats: AttachmentStats) -> AttachmentStatsResponse:
    """The original's statistics body, plus the same grouped by media type."""
    return of(
        AttachmentStatsResponse,
        stats,
        total_size_mb=size_in_mb(stats.total_size),
        file_types=tuple(of(ExtensionCount, t) for t in stats.by_extension),
        media_types=tuple(of(MediaTypeCount, t) for t in stats.by_media_type),
    )


def content_disposition(filename: str) -> str:
    """``attachment`` with the name twice (RFC 6266): an ASCII ``filename`` for old
    clients, and the exact name as UTF-8 in ``filename*`` (RFC 8187)."""
    fallback = "".join(ch if " " <= ch < "\x7f" else "_" for ch in filename)
    quoted = fallback.replace("\\", "\\\\").replace('"', '\\"')
    encoded = urllib.parse.quote(filename, safe="")
    return f"attachment; filename=\"{quoted}\"; filename*=UTF-8''{encoded}"


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The one byte range ``header`` asks for, as ``(start, end)`` with ``end`` exclusive.

    Returns ``None`` (send the whole file) without a header, for a header that is not a
    single well-formed ``bytes`` range (a server may ignore ``Range``), or for one that
    covers the whole file.

    Raises:
        RangeNotSatisfiable: the range starts at or beyond the end of the file, or asks
            for the last 0 bytes.
    """
    if header is None:
        return None
    found = _RANGE.fullmatch(header.strip())
    if found is None or not (found.group(1) or found.group(2)):
        return None
    first, last = _position(found.group(1)), _position(found.group(2))
    if first is None:
        suffix = last or 0
        if suffix == 0 or size == 0:
            raise RangeNotSatisfiable()
        start, end = max(size - suffix, 0), size
    else:
        start = first
        end = size if last is None else min(last + 1, size)
        if last is not None and last < start:
            return None
        if start >= size:
            raise RangeNotSatisfiable()
    if (start, end) == (0, size):
        return None
    return start, end


_BEYOND_ANY_FILE: Final = 2**64
"""Stands for a range position of more digits than :data:`INTEGER_DIGITS_MAX`: larger than
any file, whatever its exact value."""


def _position(digits: str) -> int | None:
    """A range position (``None`` when absent), never converting more than
    :data:`INTEGER_DIGITS_MAX` digits (RFC 9110 puts no limit on their number)."""
    if not digits:
        return None
    if len(digits) > INTEGER_DIGITS_MAX:
        return _BEYOND_ANY_FILE
    return int(digits)


def _etag_matches(header: str | None, etag: str) -> bool:
    """Whether an ``If-None-Match`` header names ``etag`` (weakly compared) or is ``*``."""
    if header is None:
        return False
    tags = [tag.strip().removeprefix("W/") for tag in header.split(",")]
    return "*" in tags or etag in tags


async def _stream(chunks: Iterator[bytes]) -> AsyncIterator[bytes]:
    """The chunks, each read in a worker thread; the store is released however it ends."""
    try:
        async for chunk in iterate_in_threadpool(chunks):
            yield chunk
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()


async def upload(ctx: HttpContext, request: Request) -> Response:
    attachments = ctx.runtime.core.attachments
    actor = await ctx.slow(ctx.principal, request)
    permit = await ctx.slow(attachments.authorize_upload, actor, path_id(request, "task_id"))

    def open_sink(part: FilePart) -> PendingUpload:
        return attachments.start_upload(
            permit, filename=part.filename, declared_type=part.content_type
        )

    received = await receive_upload(
        request, open_sink, max_bytes=attachments.max_upload_bytes + UPLOAD_OVERHEAD
    )
    view = await ctx.slow(attachments.finish_upload, received.sink)
    uploaded = AttachmentMessage(
        message="File uploaded successfully", attachment=attachment_response(view)
    )
    return JSON(to_json(uploaded), 201)


async def list_for_task(ctx: HttpContext, request: Request) -> Response:
    attachments = ctx.runtime.core.attachments
    actor = await ctx.slow(ctx.principal, request)
    found = await ctx.slow(
        attachments.list_attachments, actor, path_id(request, "task_id"), page=window(request)
    )
    return JSON(to_json(listing(AttachmentList, found, attachment_response)))


async def get_one(ctx: HttpContext, request: Request) -> Response:
    attachments = ctx.runtime.core.attachments
    actor = await ctx.slow(ctx.principal, request)
    view = await ctx.slow(attachments.get_attachment, actor, path_id(request, "attachment_id"))
    return JSON(to_json(AttachmentAnswer(attachment=attachment_response(view))))


async def download(ctx: HttpContext, request: Request) -> Response:
    attachments = ctx.runtime.core.attachments
    actor = await ctx.slow(ctx.principal, request)
    attachment_id = path_id(request, "attachment_id")
    view = await ctx.slow(attachments.get_attachment, actor, attachment_id)
    if view.status is AttachmentStatus.QUARANTINED:
        raise AttachmentQuarantined(attachment_id)
    etag = f'"{view.file_hash}"'
    headers = {
        **DOWNLOAD_HEADERS,
        "ETag": etag,
        "Last-Modified": email.utils.format_datetime(
            view.created_at.astimezone(dt.UTC), usegmt=True
        ),
        "Content-Disposition": content_disposition(view.original_filename),
    }
    if _etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    if_range = request.headers.get("if-range")
    wanted = request.headers.get("range") if if_range in (None, etag) else None
    try:
        span = byte_range(wanted, view.file_size)
    except RangeNotSatisfiable:
        return error(416, NOT_SATISFIABLE, {"Content-Range": f"bytes */{view.file_size}"})
    start, end = span or (0, view.file_size)
    status = 206 if span is not None else 200
    media_type = view.mime_type or "application/octet-stream"
    headers["Content-Length"] = str(end - start)
    if span is not None:
        headers["Content-Range"] = f"bytes {start}-{end - 1}/{view.file_size}"
    if request.method == "HEAD":
        # The headers only: nothing is read, and no download is recorded.
        return Response(status_code=status, headers=headers, media_type=media_type)
    opened = await ctx.slow(attachments.open_download, actor, attachment_id, start=start, end=end)
    return StreamingResponse(
        _stream(opened.chunks), status_code=status, headers=headers, media_type=media_type
    )


async def delete_one(ctx: HttpContext, request: Request) -> Response:
    attachments = ctx.runtime.core.attachments
    actor = await ctx.slow(ctx.principal, request)
    await ctx.slow(attachments.delete_attachment, actor, path_id(request, "attachment_id"))
    return JSON(to_json(Message(message="Attachment deleted successfully")))


async def count(ctx: HttpContext, request: Request) -> Response:
    attachments = ctx.runtime.core.attachments
    actor = await ctx.slow(ctx.principal, request)
    task_id = path_id(request, "task_id")
    total = await ctx.slow(attachments.count_attachments, actor, task_id)
    return JSON(to_json(AttachmentCount(task_id=task_id, attachment_count=total)))


async def bulk_delete(ctx: HttpContext, request: Request) -> Response:
    attachments = ctx.runtime.core.attachments
    actor = await ctx.slow(ctx.principal, request)
    body = await ctx.body(request, BulkDeleteBody, allow_empty=True)
    result = await ctx.slow(attachments.bulk_delete, actor, body.task_ids)
    done = of(
        AttachmentsDeleted,
        result,
        message=f"Successfully deleted {result.deleted_count} attachments",
    )
    return JSON(to_json(done))


async def stats(ctx: HttpContext, request: Request) -> Response:
    attachments = ctx.runtime.core.attachments
    return JSON(to_json(stats_response(attachments.stats(ctx.principal(request)))))


_TASK_ID = Param(name="task_id", where="path")
_ATTACHMENT_ID = Param(name="attachment_id", where="path")
_ONE = s.response_schema(AttachmentAnswer)
_RANGE_HEADER = Param(
    name="Range",
    where="header",
    schema={"type": "string"},
    description="one byte range, `bytes=<first>-<last>`, `bytes=<first>-` or "
    "`bytes=-<suffix length>`; other forms are ignored (the whole file is sent)",
)

ENDPOINTS: list[Endpoint] = [
    Endpoint(
        method="POST",
        path="/api/tasks/{task_id:int}/attachments",
        handler=upload,
        summary="Attach a file to a task (multipart field `file`; owners and members)",
        tag="attachments",
        params=[_TASK_ID],
        body=UPLOAD_BODY,
        body_content_type="multipart/form-data",
        responses={
            201: ("Uploaded", s.response_schema(AttachmentMessage)),
            **s.errors(400, 401, 403, 404),
            413: (
                "The file is larger than the upload limit, or would exceed the "
                "uploader's storage quota (code `quota_exceeded`)",
                s.ref("Error"),
            ),
            415: ("The content does not match the extension", s.ref("Error")),
            422: (
                "The malware scanner found malware (code `malware_detected`)",
                s.ref("Error"),
            ),
        },
    ),
    Endpoint(
        method="GET",
        path="/api/tasks/{task_id:int}/attachments",
        handler=list_for_task,
        summary="A task's attachments, newest first, by page or by cursor",
        tag="attachments",
        params=[_TASK_ID, *WINDOW_PARAMS],
        responses={
            200: ("A page of attachments", s.response_schema(AttachmentList)),
            **s.errors(400, 401, 404),
        },
    ),
    Endpoint(
        method="GET",
        path="/api/attachments/stats",
        handler=stats,
        summary="Storage statistics: counts and sizes by extension and type (admins)",
        tag="attachments",
        responses={
            200: ("The statistics", s.response_schema(AttachmentStatsResponse)),
            401: s.ERROR_ANSWER,
            403: s.ERROR_ANSWER,
        },
    ),
    Endpoint(
        method="GET",
        path="/api/attachments/count/{task_id:int}",
        handler=count,
        summary="How many attachments a task has",
        tag="attachments",
        params=[_TASK_ID],
        responses={
            200: (
                "The count",
                s.response_schema(AttachmentCount),
            ),
            **s.errors(401, 404),
        },
    ),
    Endpoint(
        method="POST",
        path="/api/attachments/bulk-delete",
        handler=bulk_delete,
        summary="Delete every attachment of the given tasks (admins)",
        tag="attachments",
        body=s.body_schema(BulkDeleteBody),
        responses={
            200: (
                "Deleted",
                s.response_schema(AttachmentsDeleted),
            ),
            **s.errors(400, 401, 403),
        },
    ),
    Endpoint(
        method="GET",
        path="/api/attachments/{attachment_id:int}",
        handler=get_one,
        summary="One attachment's metadata",
        tag="attachments",
        params=[_ATTACHMENT_ID],
        responses={200: ("The attachment", _ONE), 401: s.ERROR_ANSWER, 404: s.ERROR_ANSWER},
    ),
    Endpoint(
        method="GET",
        path="/api/attachments/{attachment_id:int}/download",
        handler=download,
        summary="The file, streamed as an attachment; single byte ranges supported",
        tag="attachments",
        params=[_ATTACHMENT_ID, _RANGE_HEADER],
        responses={
            200: ("The whole file", None),
            206: ("The requested byte range", None),
            304: ("Not modified (If-None-Match)", None),
            **s.errors(401, 404),
            409: (
                "The file is quarantined: it was not scanned for malware "
                "(code `attachment_quarantined`)",
                s.ref("Error"),
            ),
            416: ("The range is beyond the end of the file", s.ref("Error")),
        },
    ),
    Endpoint(
        method="DELETE",
        path="/api/attachments/{attachment_id:int}",
        handler=delete_one,
        summary="Delete an attachment and its file (uploader, project owner or admin)",
        tag="attachments",
        params=[_ATTACHMENT_ID],
        responses={
            200: ("Deleted", s.response_schema(Message)),
            401: s.ERROR_ANSWER,
            403: s.ERROR_ANSWER,
            404: s.ERROR_ANSWER,
        },
    ),
]
"""The attachment-area endpoints."""
