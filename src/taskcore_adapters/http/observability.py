"""Request ids, the access log and ``/metrics``.

:class:`RequestId` (outermost) gives every request an id, the client's ``X-Request-ID``
when it is a plausible one (see :func:`taskcore_adapters.logs.new_request_id`) or a new
one; it is returned in the response's ``X-Request-ID``, attached to every log line written
while the request is served (in the event loop and in the thread pool) and to every job
the request queues on Redis.

:class:`AccessLog` (next, sharing the scope with the router below, which records the
route it chose in it) writes one line per request to the ``taskcore.access`` logger, with
the method, the route's template (``/api/tasks/{task_id}``, ``unmatched`` for none),
the path without its query, the status, the duration in milliseconds and the client
address, and reports the same to :mod:`taskcore_adapters.metrics`.

:func:`metrics_routes` gives ``/metrics`` when a metrics token is configured (nothing
otherwise): Prometheus text, for ``Authorization: Bearer <token>`` only.
"""

from __future__ import annotations

import logging
import re
import time
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from taskcore_adapters import logs, metrics
from taskcore_adapters.bootstrap import Runtime

access_log = logging.getLogger("taskcore.access")

HEADER = "X-Request-ID"
UNMATCHED = "unmatched"
"""The route of a request no route matched (a 404, a bad ``Host``)."""
_PATH_CHARS = 200
"""The longest path logged; longer ones are cut (the route names the endpoint anyway)."""


class RequestId:
    """Binds the request id for the application below and returns it in the response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = logs.new_request_id(Headers(scope=scope).get(HEADER))

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[HEADER] = rid
            await send(message)

        # Left bound when the request fails: the server's error handler, outside this
        # middleware, logs the failure with the id (each request runs in a task of its own).
        token = logs.bind_request_id(rid)
        await self.app(scope, receive, send_with_id)
        logs.unbind_request_id(token)


_CONVERTOR = re.compile(r"\{(\w+):[^}]*\}")


def route_template(scope: Scope) -> str:
    """The path template of the route that served ``scope`` (set by Starlette's router),
    without convertors: ``/api/tasks/{task_id}``."""
    route: Any = scope.get("route")
    path = getattr(route, "path", None)
    return _CONVERTOR.sub(r"{\1}", path) if isinstance(path, str) and path else UNMATCHED


class AccessLog:
    """One access line and the request metrics per HTTP request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500  # unless a response starts: the error handler outside answers 500
        started = time.perf_counter()

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        metrics.REQUESTS_IN_FLIGHT.inc()
        try:
            await self.app(scope, receive, send_and_note)
        finally:
            metrics.REQUESTS_IN_FLIGHT.dec()
            seconds = time.perf_counter() - started
            route = route_template(scope)
            method = str(scope.get("method", ""))
            metrics.observe_request(method, route, status, seconds)
            client = scope.get("client")
            access_log.info(
                "request",
                extra={
                    "method": method,
                    "route": route,
                    "path": str(scope.get("path", ""))[:_PATH_CHARS],
                    "status": status,
                    "duration_ms": round(seconds * 1000, 2),
                    "client": client[0] if client else None,
                },
            )


def metrics_routes(runtime: Runtime) -> list[BaseRoute]:
    """``/metrics`` for ``runtime`` when ``settings.metrics_token`` is set; none otherwise.

    Also starts counting failed logins and the pool's connections (once per runtime)."""
    token = runtime.settings.metrics_token
    if token is None:
        return []
    metrics.count_login_failures()
    engine = runtime.engine
    if engine is not None and not getattr(engine, "_taskcore_metered", False):
        settings = runtime.settings
        metrics.instrument_pool(
            engine, settings.database_pool_size + settings.database_max_overflow
        )
        engine._taskcore_metered = True  # type: ignore[attr-defined]

    async def scrape(request: Request) -> Response:
        if not metrics.authorised(token, request.headers.get("authorization")):
            return Response(
                "metrics need Authorization: Bearer <TASKCORE_METRICS_TOKEN>\n",
                status_code=401,
                media_type="text/plain",
                headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
            )
        body = await run_in_threadpool(metrics.render, engine)  # reads the database
        return Response(body, media_type=metrics.CONTENT_TYPE)

    return [Route("/metrics", scrape, methods=["GET"])]
