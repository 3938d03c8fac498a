"""The JSON API of the Starlette host: its context, its routes and its OpenAPI document.

``taskcore_adapters.host`` assembles them with the pages into one application."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Any

import attrs
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from taskcore_adapters.bootstrap import Runtime
from taskcore_adapters.http import idempotency
from taskcore_adapters.http.context import HttpContext
from taskcore_adapters.http.endpoint import Endpoint, bind
from taskcore_adapters.http.explorer import docs_mount
from taskcore_adapters.http.mounting import root_path
from taskcore_adapters.http.openapi import document
from taskcore_adapters.http.routes import (
    access_tokens,
    activities,
    attachments,
    calendar,
    comments,
    health,
    live,
    notifications,
    projects,
    reports,
    tasks,
    team_endpoints,
    time,
    transfer,
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


ENDPOINTS: list[Endpoint] = [
    *health.ENDPOINTS,
    *users.ENDPOINTS,
    *access_tokens.ENDPOINTS,
    *projects.ENDPOINTS,
    *team_endpoints.ENDPOINTS,
    *tasks.ENDPOINTS,
    *comments.ENDPOINTS,
    *attachments.ENDPOINTS,
    *reports.ENDPOINTS,
    *activities.ENDPOINTS,
    *webhooks.ENDPOINTS,
    *notifications.ENDPOINTS,
    *time.ENDPOINTS,
    *calendar.ENDPOINTS,
    *live.ENDPOINTS,
    *transfer.ENDPOINTS,
]
"""Every endpoint of the API, in routing order."""


def context(runtime: Runtime) -> HttpContext:
    """The context every route of ``runtime`` shares, with its throttle."""
    settings = runtime.settings
    return HttpContext(
        runtime,
        Throttle(
            ThrottleSettings(
                storage_url=settings.rate_limit_url,
                namespace=settings.queue_name,
                per_address=settings.auth_rate_per_address,
                failed_logins_per_account=settings.failed_login_rate,
                failed_logins_per_account_total=settings.account_failed_login_rate,
                failed_password_changes=settings.password_change_rate,
            )
        ),
    )


@attrs.frozen
class Api:
    """The API's routes (every endpoint, ``/openapi.json`` and the ``/docs/`` explorer)
    and its OpenAPI document."""

    routes: list[BaseRoute]
    openapi: dict[str, Any]


_DOCUMENT: list[dict[str, Any]] = []
"""The OpenAPI document, made once per process: it depends on the endpoints'
declarations only, never on the runtime they are bound to."""


def _documented(endpoints: list[Endpoint]) -> dict[str, Any]:
    if not _DOCUMENT:
        _DOCUMENT.append(document(endpoints, version=_version()))
    return _DOCUMENT[0]


def api(ctx: HttpContext) -> Api:
    """The API bound to ``ctx``."""
    # POSTs that create something accept Idempotency-Key (see http/idempotency.py).
    keys = ctx.runtime.idempotency_keys
    endpoints = [idempotency.with_idempotency(ep, keys) for ep in ENDPOINTS]
    spec = _documented(endpoints)

    async def openapi(request: Request) -> Response:
        # Mounted under a prefix, the operations' paths are relative to it.
        root = root_path(request.scope)
        return JSON({**spec, "servers": [{"url": root}]} if root else spec)

    # Path ids match at most 10 digits: a longer one is a 404, never a conversion error.
    routes: list[BaseRoute] = [
        Route(bounded_path(ep.path), bind(ep.handler, ctx), methods=[ep.method]) for ep in endpoints
    ]
    routes.append(Route("/openapi.json", openapi, methods=["GET"]))
    routes.append(docs_mount())  # Swagger UI on that document, at /docs/
    return Api(routes=routes, openapi=spec)
