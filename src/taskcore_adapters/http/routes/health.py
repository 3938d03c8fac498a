"""Health checks with the original's body shapes, reporting real dependency state."""

from __future__ import annotations

import functools
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from taskcore.errors import TaskcoreError
from taskcore_adapters.http import schemas as s
from taskcore_adapters.http.context import HttpContext
from taskcore_adapters.http.endpoint import Endpoint
from taskcore_adapters.http.wire import JSON, iso

SERVICES = {
    "user": "user-service",
    "projects": "project-task-service",
    "comments": "comment-service",
    "attachments": "attachment-service",
    "notifications": "notification-service",
    "activities": "activity-log-service",
    "reports": "reporting-service",
}
_USES_REDIS = {"notifications", "activities", "reports"}
_RETRY_AFTER = "5"
"""Seconds a client should wait before asking again after an unhealthy answer."""


async def overall(ctx: HttpContext, request: Request) -> Response:
    """``/health``: every dependency's state."""
    report = await ctx.slow(ctx.runtime.health)  # probes block: keep them off the loop
    body: dict[str, Any] = {
        "status": "healthy" if report.healthy else "unhealthy",
        "timestamp": iso(report.checked_at),
        "services": list(SERVICES.values()),
        "checks": report.checks,
    }
    if report.healthy:
        return JSON(body)
    return JSON(body, status_code=503, headers={"Retry-After": _RETRY_AFTER})


async def _counts(ctx: HttpContext, key: str) -> dict[str, int]:
    """The figures an area's health adds (the original's), read from the database."""
    core = ctx.runtime.core
    if key == "activities":
        log = await ctx.slow(core.activity.health)
        return {"total_logs": log.total_logs, "recent_logs_24h": log.recent_logs_24h}
    if key == "reports":
        total, pending = await ctx.slow(core.reports.health)
        return {"total_reports": total, "pending_reports": pending}
    return {}


async def area(ctx: HttpContext, request: Request, key: str) -> Response:
    """``/health/{key}``: the health of one area in the shape of the original service."""
    report = await ctx.slow(ctx.runtime.health)  # probes block: keep them off the loop
    name = SERVICES[key]
    if not report.healthy:
        failed = ", ".join(k for k, v in report.checks.items() if v == "unavailable")
        return JSON(
            {"status": "unhealthy", "service": name, "error": f"{failed} unavailable"},
            status_code=503,
            headers={"Retry-After": _RETRY_AFTER},
        )
    body: dict[str, Any] = {
        "status": "healthy",
        "service": name,
        "timestamp": iso(report.checked_at),
    }
    if key in _USES_REDIS:
        body["redis"] = report.checks["queue"]
    if key == "attachments":
        body["upload_directory"] = report.storage_location
        body["upload_dir_writable"] = report.storage_writable
    try:
        body.update(await _counts(ctx, key))
    except TaskcoreError:
        return JSON(
            {"status": "unhealthy", "service": name, "error": "database unavailable"},
            status_code=503,
            headers={"Retry-After": _RETRY_AFTER},
        )
    return JSON(body)


_HEALTHY = s.obj(
    ["status", "timestamp"],
    status={"type": "string", "enum": ["healthy", "unhealthy"]},
    timestamp={"type": "string"},
    service={"type": "string"},
    total_logs={"type": "integer", "description": "activity entries (activities only)"},
    recent_logs_24h={
        "type": "integer",
        "description": "activity entries of the last 24 hours (activities only)",
    },
    total_reports={"type": "integer", "description": "reports (reports only)"},
    pending_reports={
        "type": "integer",
        "description": "reports waiting to be generated (reports only)",
    },
)
_UNHEALTHY = s.obj(
    ["status"],
    status={"type": "string"},
    service={"type": "string"},
    error={"type": "string"},
    checks={"type": "object"},
)
_ANSWERS = {200: ("Healthy", _HEALTHY), 503: ("A dependency is down", _UNHEALTHY)}

ENDPOINTS: list[Endpoint] = [
    Endpoint(
        method="GET",
        path="/health",
        handler=overall,
        summary="Overall health with each dependency's state",
        tag="health",
        auth=False,
        responses=_ANSWERS,
    ),
    *(
        Endpoint(
            method="GET",
            path=f"/health/{key}",
            handler=functools.partial(area, key=key),
            summary=f"Health in the shape of the original {name}",
            tag="health",
            auth=False,
            responses=_ANSWERS,
        )
        for key, name in SERVICES.items()
    ),
]
"""``/health`` and ``/health/{area}``."""
