"""The reference Starlette host: the JSON API (``taskcore_adapters.http``) and the pages
(``taskcore_adapters.web``) in one application.

The pages build on the API's context and error answers; the API knows nothing of the
pages. This module is the one place that joins them.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware

from taskcore.errors import TaskcoreError
from taskcore_adapters import web
from taskcore_adapters.bootstrap import Runtime
from taskcore_adapters.http import app as http_app
from taskcore_adapters.http import errors
from taskcore_adapters.http.headers import SecurityHeaders
from taskcore_adapters.http.observability import AccessLog, RequestId, metrics_routes
from taskcore_adapters.http.origin import RequestOrigin


def create_app(runtime: Runtime, *, close_on_shutdown: bool = False) -> Starlette:
    """The reference HTTP application for ``runtime``: the API and the pages.

    Args:
        runtime: The taskcore instance to serve.
        close_on_shutdown: Release the runtime's resources when the app shuts down.
    """
    settings = runtime.settings
    ctx = http_app.context(runtime)
    api = http_app.api(ctx)
    # The pages for people (not API operations: they are not in the OpenAPI document).
    routes = [*api.routes, *metrics_routes(runtime), *web.routes(ctx)]

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
            *_tracing(runtime),
            # The request id first: every log line of the request carries it. The access
            # log sees every answer (a refused Host too) and, as the scope is shared, the
            # route the router chose and the client and scheme RequestOrigin settled.
            Middleware(RequestId),
            Middleware(AccessLog),
            # Before SecurityHeaders: a trusted proxy's X-Forwarded-Proto: https makes the
            # scheme https, and so the response carries HSTS.
            Middleware(RequestOrigin, trusted_proxies=settings.trusted_proxies),
            Middleware(SecurityHeaders),
            # A Host outside TASKCORE_ALLOWED_HOSTS is refused before routing: the
            # framework's redirects (a trailing slash) are built from the Host header.
            Middleware(
                TrustedHostMiddleware, allowed_hosts=settings.allowed_hosts, www_redirect=False
            ),
        ],
    )
    app.state.runtime = runtime
    app.state.openapi = api.openapi
    return app


def _tracing(runtime: Runtime) -> list[Middleware]:
    """A server span per request when the runtime traces (outermost, so it times all)."""
    if runtime.tracer_provider is None:
        return []
    from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware

    return [Middleware(OpenTelemetryMiddleware, tracer_provider=runtime.tracer_provider)]
