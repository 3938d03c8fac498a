"""Web pages for people, served by the reference Starlette host next to the API.

Server-rendered with jinja2 (autoescaped), working without JavaScript; every page calls
the same use cases as the API. See ``docs/web.md``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Final

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from taskcore import errors
from taskcore_adapters.http import errors as http_errors
from taskcore_adapters.http.context import HttpContext
from taskcore_adapters.http.mounting import route_path
from taskcore_adapters.web import (
    account,
    activity_text,
    extras,
    fields,
    live,
    projects,
    search,
    sso,
    task_list,
    tasks,
    teams,
    transfer,
)
from taskcore_adapters.web import time as time_pages
from taskcore_adapters.web.session import Visit, Web

STATIC = Path(__file__).parent / "static"

API_PREFIXES: Final = ("/api", "/openapi.json", "/health")
"""Paths that belong to the API: each of these and everything under it (``/api/...``,
``/health/...``). Every other path belongs to the pages."""

PAGE_ERRORS: Final = {
    404: ("Page not found", "There is no page at this address. Check it for typing mistakes."),
    405: ("Not allowed", "This page cannot be used that way."),
}
"""Title and message of the error pages for framework errors, by status."""


def routes(ctx: HttpContext) -> list[BaseRoute]:
    """Every page and the static files (``/static``), bound to ``ctx``."""
    web = Web.of(ctx)
    activity_text.install(web.templates, web)
    return [
        *account.routes(web),
        *sso.routes(web),
        *projects.routes(web),
        *teams.routes(web),
        *tasks.routes(web),
        *task_list.routes(web),
        *fields.routes(web),
        *search.routes(web),
        *time_pages.routes(web),
        *extras.routes(web),
        *live.routes(web),
        *transfer.routes(web),
        Mount("/static", app=StaticFiles(directory=STATIC), name="static"),
    ]


def is_page_path(path: str) -> bool:
    """Whether ``path`` belongs to the pages rather than the API (see :data:`API_PREFIXES`).

    Decided by the path alone, never by ``Accept``: an API client always gets JSON errors
    and a browser always gets pages, whatever either sends.
    """
    return not any(path == prefix or path.startswith(prefix + "/") for prefix in API_PREFIXES)


def http_error_handler(ctx: HttpContext) -> Callable[[Request, Exception], Awaitable[Response]]:
    """The handler of framework errors (no route for the path: 404, a route but not for
    this method: 405): an HTML error page in the site's layout, with the pages' headers,
    on page paths; the API's JSON answer on API paths (:func:`is_page_path`)."""
    web = Web.of(ctx)

    async def on_http_exception(request: Request, exc: Exception) -> Response:
        if not isinstance(exc, HTTPException) or not is_page_path(route_path(request.scope)):
            return await http_errors.on_http_exception(request, exc)
        title, message = PAGE_ERRORS.get(exc.status_code, ("Error", str(exc.detail)))
        try:
            visit = await web.visit(request)
            response: Response = web.render(
                visit, "error.html", status=exc.status_code, title=title, message=message
            )
        except errors.TaskcoreError:  # the database is down: show the page anonymously
            anonymous = Visit(request, None, None, "")
            response = web.render(
                anonymous, "error.html", status=exc.status_code, title=title, message=message
            )
        for name, value in (exc.headers or {}).items():
            response.headers[name] = value
        return response

    return on_http_exception
