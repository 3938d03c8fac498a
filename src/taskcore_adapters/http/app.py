"""Assemble the Starlette application from a taskcore runtime."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from taskcore.errors import TaskcoreError
from taskcore_adapters import web
from taskcore_adapters.bootstrap import Runtime
from taskcore_adapters.http import errors, idempotency
from taskcore_adapters.http.context import HttpContext
from taskcore_adapters.http.endpoint import Endpoint
from taskcore_adapters.http.headers import SecurityHeaders
from taskcore_adapters.http.openapi import document
from taskcore_adapters.http.origin import RequestOrigin
from taskcore_adapters.http.routes import (
    activities,
    attachments,
    comments,
    health,
    notifications,
    projects,
    reports,
    tasks,
    users,
    webhooks,
)
from taskcore_adapters.http.routes.common import bounded_path
from taskcore_adapters.http.throttle import Throttle, ThrottleSettings
from taskcore_adapters.http.wire import JSON


def _version() -> str:
    try:
        return version("taskcore")
    except PackageNotFoundError:
        return "0+unknown"


def all_endpoints(ctx: HttpContext) -> list[Endpoint]:
    """Every endpoint of the API, in routing order."""
    return [
        *health.endpoints(ctx),
        *users.endpoints(ctx),
        *projects.endpoints(ctx),
        *tasks.endpoints(ctx),
        *comments.endpoints(ctx),
        *attachments.endpoints(ctx),
        *reports.endpoints(ctx),
        *activities.endpoints(ctx),
        *webhooks.endpoints(ctx),
        *notifications.endpoints(ctx),
    ]


def create_app(runtime: Runtime, *, close_on_shutdown: bool = False) -> Starlette:
    """The reference HTTP application for ``runtime``.

    Args:
        runtime: The taskcore instance to serve.
        close_on_shutdown: Release the runtime's resources when the app shuts down.
    """
    settings = runtime.settings
    ctx = HttpContext(
        runtime,
        Throttle(
            ThrottleSettings(
                storage_url=settings.rate_limit_url,
                per_address=settings.auth_rate_per_address,
                failed_logins_per_account=settings.failed_login_rate,
                failed_logins_per_account_total=settings.account_failed_login_rate,
                failed_password_changes=settings.password_change_rate,
            )
        ),
    )
    endpoints = all_endpoints(ctx)
    # POSTs that create something accept Idempotency-Key (see http/idempotency.py).
    keys = idempotency.store_for(runtime)
    endpoints = [idempotency.with_idempotency(ep, ctx, keys) for ep in endpoints]
    spec = document(endpoints, version=_version())

    async def openapi(request: Request) -> Response:
        return JSON(spec)

    # Path ids match at most 10 digits: a longer one is a 404, never a conversion error.
    routes: list[BaseRoute] = [
        Route(bounded_path(ep.path), ep.handler, methods=[ep.method]) for ep in endpoints
    ]
    routes.append(Route("/openapi.json", openapi, methods=["GET"]))
    # The pages for people (not API operations: they are not in the OpenAPI document).
    routes.extend(web.routes(ctx))

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # Without a job queue this process runs the background rounds (due deliveries,
        # periodic jobs) itself; with a background relay it also relays the outbox.
        stop = threading.Event()
        pump = threading.Thread(
            target=runtime.core.pump, args=(stop,), name="taskcore-relay", daemon=True
        )
        if runtime.job_queue is None or runtime.core.background_relay:
            pump.start()
        try:
            yield
        finally:
            stop.set()
            runtime.core.wake()
            if pump.is_alive():
                pump.join(timeout=10)
            if close_on_shutdown:
                runtime.close()

    # Unknown paths and methods: JSON under /api, /openapi.json and /health, pages elsewhere.
    handlers: dict[Any, Any] = {
        TaskcoreError: errors.on_taskcore_error,
        HTTPException: web.http_error_handler(ctx),
        Exception: errors.on_unexpected,
    }
    app = Starlette(
        routes=routes,
        exception_handlers=handlers,
        lifespan=lifespan,
        middleware=[
            Middleware(SecurityHeaders),
            # A Host outside TASKCORE_ALLOWED_HOSTS is refused before routing: the
            # framework's redirects (a trailing slash) are built from the Host header.
            Middleware(
                TrustedHostMiddleware, allowed_hosts=settings.allowed_hosts, www_redirect=False
            ),
            Middleware(RequestOrigin, trusted_proxies=settings.trusted_proxies),
        ],
    )
    app.state.runtime = runtime
    app.state.openapi = spec
    return app
