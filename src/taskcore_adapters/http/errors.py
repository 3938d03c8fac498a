"""One table from the core's error families to HTTP statuses, and the framework errors."""

from __future__ import annotations

import logging
import uuid

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from taskcore import errors
from taskcore_adapters.http.wire import error

log = logging.getLogger(__name__)
security_log = logging.getLogger("taskcore.security")

STATUS: tuple[tuple[type[errors.TaskcoreError], int], ...] = (
    (errors.ReportExpired, 410),
    (errors.NotFound, 404),
    (errors.MalwareDetected, 422),
    (errors.PermissionDenied, 403),
    (errors.ValidationError, 400),
    (errors.VersionMismatch, 412),
    (errors.Conflict, 409),
    (errors.AccountDisabled, 403),
    (errors.AuthenticationFailed, 401),
    (errors.TooLarge, 413),
    (errors.UnsupportedType, 415),
    (errors.RateLimited, 429),
    (errors.Unavailable, 503),
)
"""The first family an error belongs to decides its status (leaves before families)."""

_REASONS = {
    400: (
        "Bad Request",
        "The browser (or proxy) sent a request that this server could not understand.",
    ),
    401: (
        "Unauthorized",
        "The server could not verify that you are authorized to access the URL requested.",
    ),
    403: ("Forbidden", "You don't have the permission to access the requested resource."),
    404: (
        "Not Found",
        "404 Not Found: The requested URL was not found on the server. If you entered the URL "
        "manually please check your spelling and try again.",
    ),
    405: ("Method Not Allowed", "The method is not allowed for the requested URL."),
}


def status_of(exc: errors.TaskcoreError) -> int:
    """The HTTP status for a core error."""
    for family, status in STATUS:
        if isinstance(exc, family):
            return status
    return 500


async def on_taskcore_error(request: Request, exc: Exception) -> Response:
    """Render a core error as ``{"error": ...}`` with its status (and ``code``, the error's
    ``error_code``, when it has one)."""
    if not isinstance(exc, errors.TaskcoreError):  # pragma: no cover - registered for it
        return await on_unexpected(request, exc)
    status = status_of(exc)
    headers: dict[str, str] = {}
    if isinstance(exc, errors.RateLimited | errors.Unavailable):
        headers["Retry-After"] = str(exc.retry_after)
    if status == 503:
        log.warning("dependency unavailable: %s", exc.message)
    elif status in (401, 403, 429):
        security_log.info(
            "request refused",
            extra={
                "event": {401: "unauthenticated", 403: "forbidden", 429: "throttled"}[status],
                "method": request.method,
                "path": request.url.path,
                "client": request.client.host if request.client else None,
            },
        )
    return error(status, exc.message, headers, code=exc.error_code)


async def on_http_exception(request: Request, exc: Exception) -> Response:
    """Framework errors (unknown path, wrong method) in the original's JSON shape."""
    if not isinstance(exc, HTTPException):  # pragma: no cover - registered for it
        return await on_unexpected(request, exc)
    reason, description = _REASONS.get(exc.status_code, (str(exc.detail), str(exc.detail)))
    return error(exc.status_code, reason, dict(exc.headers or {}), detail=description)


async def on_unexpected(request: Request, exc: Exception) -> Response:
    """Anything else: logged with its traceback and an id, answered without details but
    with the id (``X-Error-Id``) to find the log entry."""
    error_id = uuid.uuid4().hex[:16]
    log.error(
        "unhandled error on %s %s",
        request.method,
        request.url.path,
        exc_info=exc,
        extra={"error_id": error_id},
    )
    return error(500, "Internal Server Error", {"X-Error-Id": error_id})
