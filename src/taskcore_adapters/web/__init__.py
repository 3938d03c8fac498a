"""Web pages for people, served by the reference Starlette host next to the API.

Server-rendered with jinja2 (autoescaped), working without JavaScript; every page calls
the same use cases as the API. See ``docs/web.md``.
"""

from __future__ import annotations

from pathlib import Path

from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from taskcore_adapters.http.context import HttpContext
from taskcore_adapters.web import account, extras, projects, tasks
from taskcore_adapters.web.session import Web

STATIC = Path(__file__).parent / "static"


def routes(ctx: HttpContext) -> list[BaseRoute]:
    """Every page and the static files (``/static``), bound to ``ctx``."""
    web = Web.of(ctx)
    return [
        *account.routes(web),
        *projects.routes(web),
        *tasks.routes(web),
        *extras.routes(web),
        Mount("/static", app=StaticFiles(directory=STATIC), name="static"),
    ]
