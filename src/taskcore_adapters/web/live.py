"""The pages' live-update streams: the API's streams (:mod:`taskcore_adapters.http.routes.live`)
authenticated by the session cookie, for the board's script (``static/live.js``).

A stream is a ``GET`` that changes nothing, so it needs no CSRF token; another site's page
cannot read it (no CORS). Without a session it answers 401 and the script stops trying.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from taskcore import errors
from taskcore.services.access import Actor
from taskcore_adapters.http.errors import status_of
from taskcore_adapters.http.routes import live
from taskcore_adapters.web.routing import PageRoute
from taskcore_adapters.web.session import ACCESS_COOKIE, PAGE_HEADERS, Visit, Web, apply_cookies


def _authenticator(web: Web, visit: Visit) -> Callable[[], Actor]:
    """Verifies the visit's access token again (the one its answer sets, if renewed)."""
    renewed = visit.cookies.get(ACCESS_COOKIE)
    token = renewed[0] if renewed else visit.request.cookies.get(ACCESS_COOKIE, "")
    users = web.core.users

    def authenticate() -> Actor:
        principal: Actor = users.verify_token(token)[0]
        return principal

    return authenticate


def _refused(visit: Visit | None, exc: errors.TaskcoreError) -> Response:
    status = status_of(exc)
    headers = dict(PAGE_HEADERS)
    if isinstance(exc, errors.RateLimited):
        headers["Retry-After"] = str(exc.retry_after)
    response = PlainTextResponse(exc.message, status_code=status, headers=headers)
    if visit is not None:
        apply_cookies(visit, response)
    return response


def _stream_page(web: Web, *, project: bool) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        visit: Visit | None = None
        try:
            visit = await web.visit(request)
            if visit.principal is None:
                raise errors.TokenMissing()
            authenticate = _authenticator(web, visit)
            if project:
                response = await live.project_events(web.ctx, request, authenticate)
            else:
                response = await live.inbox_events(web.ctx, request, authenticate)
        except errors.TaskcoreError as exc:
            return _refused(visit, exc)
        apply_cookies(visit, response)
        return response

    return endpoint


def routes(web: Web) -> list[PageRoute]:
    """The pages' streams."""
    return [
        PageRoute(
            "/projects/{project_id:int}/live", _stream_page(web, project=True), methods=["GET"]
        ),
        PageRoute("/live/inbox", _stream_page(web, project=False), methods=["GET"]),
    ]
