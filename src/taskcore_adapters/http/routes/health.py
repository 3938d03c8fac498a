"""Health checks with the original's body shapes, reporting real dependency state, and
the probes of an orchestrator: ``/livez`` (the process answers) and ``/readyz`` (the
database and the queue answer within :data:`READY_TIMEOUT_SECONDS`)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import anyio
import anyio.to_thread
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import Request
from starlette.responses import Response

from taskcore.errors import TaskcoreError
from taskcore_adapters.bootstrap import Runtime
from taskcore_adapters.http import schemas as s
from taskcore_adapters.http.context import HttpContext
from taskcore_adapters.http.endpoint import Endpoint
from taskcore_adapters.http.rendering import iso
from taskcore_adapters.http.wire import JSON

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

READY_TIMEOUT_SECONDS = 2.0
"""How long ``/readyz`` waits for each dependency before calling it unavailable."""


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


async def live(ctx: HttpContext, request: Request) -> Response:
    """``/livez``: the process runs its event loop. Touches no dependency."""
    return JSON({"status": "alive"})


def _database_ok(runtime: Runtime) -> bool:
    """``SELECT 1`` on a connection of its own (never a pooled one: a busy pool is not
    an unready server)."""
    engine = runtime.probe_engine or runtime.engine
    if engine is None:  # in-memory runtime
        return True
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return False
    return True


def _queue_ok(url: str, timeout: float) -> bool:
    """Redis ``PING`` with ``timeout`` seconds to connect and to answer."""
    import redis  # the queue extra: a queue URL is set

    client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
    try:
        return bool(client.ping())
    except (redis.RedisError, OSError):
        return False
    finally:
        client.close()


async def _within(probe: Callable[[], bool], timeout: float) -> bool:
    """``probe()`` in a worker thread; ``False`` when it has not answered in ``timeout``
    seconds (the thread is left to finish on its own: the driver's timeouts end it)."""
    with anyio.move_on_after(timeout):
        return await anyio.to_thread.run_sync(probe, abandon_on_cancel=True)
    return False


async def readiness(runtime: Runtime, timeout: float | None = None) -> dict[str, str]:
    """The state of the database (``ok``/``unavailable``) and the queue (``connected``,
    ``inline`` without one, ``unavailable``), probed at once, each within ``timeout``."""
    limit = READY_TIMEOUT_SECONDS if timeout is None else timeout
    checks = {"database": "unavailable", "queue": "inline"}
    queue_url = runtime.settings.queue_url

    async def database() -> None:
        if await _within(functools.partial(_database_ok, runtime), limit):
            checks["database"] = "ok"

    async def queue(url: str) -> None:
        ok = await _within(functools.partial(_queue_ok, url, limit), limit)
        checks["queue"] = "connected" if ok else "unavailable"

    async with anyio.create_task_group() as group:
        group.start_soon(database)
        if queue_url:
            group.start_soon(queue, queue_url)
    return checks


async def ready(ctx: HttpContext, request: Request) -> Response:
    """``/readyz``: 200 when the database and the queue answer, else 503."""
    checks = await readiness(ctx.runtime)
    if "unavailable" in checks.values():
        return JSON(
            {"status": "unready", "checks": checks},
            status_code=503,
            headers={"Retry-After": _RETRY_AFTER},
        )
    return JSON({"status": "ready", "checks": checks})


_CHECKS = s.obj(
    ["database", "queue"],
    database={"type": "string", "enum": ["ok", "unavailable"]},
    queue={"type": "string", "enum": ["connected", "inline", "unavailable"]},
)
_PROBES: list[Endpoint] = [
    Endpoint(
        method="GET",
        path="/livez",
        handler=live,
        summary="Liveness: the process answers (no dependency is touched)",
        tag="health",
        auth=False,
        responses={200: ("Alive", s.obj(["status"], status={"type": "string", "enum": ["alive"]}))},
    ),
    Endpoint(
        method="GET",
        path="/readyz",
        handler=ready,
        summary="Readiness: the database and the queue answer within two seconds",
        tag="health",
        auth=False,
        responses={
            200: (
                "Ready",
                s.obj(
                    ["status", "checks"],
                    status={"type": "string", "enum": ["ready"]},
                    checks=_CHECKS,
                ),
            ),
            503: (
                "A dependency is down or slow",
                s.obj(
                    ["status", "checks"],
                    status={"type": "string", "enum": ["unready"]},
                    checks=_CHECKS,
                ),
            ),
        },
    ),
]

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
    *_PROBES,
]
"""``/health``, ``/health/{area}``, ``/livez`` and ``/readyz``."""
