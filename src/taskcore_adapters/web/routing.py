"""Page routes: authentication, CSRF checks and core errors handled once for every page."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable
from typing import Any, Final, cast

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Match, Route
from starlette.types import Receive, Scope, Send

from taskcore import errors
from taskcore_adapters.http import threads
from taskcore_adapters.http.mounting import prefixed
from taskcore_adapters.http.routes.common import bounded_path
from taskcore_adapters.web.session import (
    CSRF_FIELD,
    CSRF_REFUSED,
    PAGE_HEADERS,
    CsrfRefused,
    LoginRequired,
    Visit,
    Web,
    apply_cookies,
    login_url,
)

MAX_FORM_FIELDS: Final = 64
"""The most fields a page form may have."""

SyncHandler = Callable[[Web, Visit, Request], Response]
AsyncHandler = Callable[[Web, Visit, Request], Awaitable[Response]]
PageHandler = SyncHandler | AsyncHandler
"""A page handler. A plain function (most of them: use cases and templates, no waiting on
the client) runs in the thread pool, as the API's use cases do (safe requests on the read
threads, see ``http.threads``); a coroutine function (reading an upload, streaming, a
call it hands over itself with ``web.ctx.slow``) runs on the event loop."""


class PageRoute(BaseRoute):
    """A route for a page. Not a :class:`starlette.routing.Route`, so the API's OpenAPI
    document, which lists every ``Route``, leaves the pages out; matching (404 and 405
    included) works exactly like a ``Route``'s, with ``{name:int}`` bounded as in the API
    (:func:`~taskcore_adapters.http.routes.common.bounded_path`)."""

    def __init__(
        self, path: str, endpoint: Callable[[Request], Awaitable[Response]], *, methods: list[str]
    ) -> None:
        self.route = Route(bounded_path(path), endpoint, methods=methods)
        self.path = path

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        """Whether this page answers the request (see :meth:`Route.matches`)."""
        return self.route.matches(scope)

    def url_path_for(self, name: str, /, **path_params: Any) -> Any:
        """The URL of this page (see :meth:`Route.url_path_for`)."""
        return self.route.url_path_for(name, **path_params)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the page."""
        await self.route.handle(scope, receive, send)


def page(
    web: Web,
    handler: PageHandler,
    *,
    login: bool = True,
    csrf: str = "form",
) -> Callable[[Request], Awaitable[Response]]:
    """Wrap a page handler.

    The wrapper finds who is asking (redirecting to the login page when ``login`` is
    needed and nobody is logged in; repeating the request when another tab renewed the
    session's tokens a moment ago, see :meth:`Web.retry`), checks a ``POST``'s CSRF
    token in the form (unless ``csrf`` is ``"stream"``: a streamed upload checks it
    itself, from the field sent before the file, before it stores anything) and shows core
    errors that escape the handler as an error page with their status.
    """

    in_thread = not inspect.iscoroutinefunction(handler)

    @functools.wraps(handler)
    async def endpoint(request: Request) -> Response:
        visit = await web.visit(request)
        retry = web.retry(visit)
        if retry is not None:
            return retry
        try:
            if login:
                visit.actor  # noqa: B018 - raises LoginRequired
            if request.method == "POST" and csrf != "stream":
                visit.form = await _form(request)
                value = visit.form.get(CSRF_FIELD)
                web.check_csrf(visit, value if isinstance(value, str) else None)
            if in_thread:
                return await web.ctx.slow(cast(SyncHandler, handler), web, visit, request)
            return await cast(AsyncHandler, handler)(web, visit, request)
        except LoginRequired:
            if request.method == "GET":
                response: Response = RedirectResponse(
                    login_url(request), status_code=303, headers=PAGE_HEADERS
                )
            else:
                response = RedirectResponse(
                    prefixed(request.scope, "/login"), status_code=303, headers=PAGE_HEADERS
                )
            apply_cookies(visit, response)
            return response
        except CsrfRefused:
            return web.render(
                visit, "error.html", status=403, message=CSRF_REFUSED, title="Refused"
            )
        except errors.TaskcoreError as exc:
            return web.problem(visit, exc)

    return threads.bind(endpoint)


async def _form(request: Request) -> FormData:
    """The submitted form; a body that is not a form counts as an empty one."""
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("application/x-www-form-urlencoded"):
        return FormData()
    return await request.form(max_fields=MAX_FORM_FIELDS, max_files=0)
