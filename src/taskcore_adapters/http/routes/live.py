"""Live updates: Server-Sent Events streams of a project's events and of the caller's
inbox (see :mod:`taskcore_adapters.live.stream` for the messages).

A client resumes with the ``Last-Event-ID`` header (browsers send it when they
reconnect) or the ``after`` query parameter (the id of the last message it handled).
The pages' streams (``/projects/{id}/live``, ``/live/inbox``) are the same streams
authenticated by the session cookie.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

import attrs
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from taskcore.domain.live import MAX_CURSOR_TEXT, Cursor
from taskcore.services.access import Actor
from taskcore.services.live import LiveService
from taskcore_adapters.http import schemas as s
from taskcore_adapters.http import wire
from taskcore_adapters.http.context import HttpContext, token_from
from taskcore_adapters.http.endpoint import Endpoint, Param
from taskcore_adapters.http.routes.common import path_id
from taskcore_adapters.live.broker import MAX_STREAMS_PER_USER, Broker, broker_for
from taskcore_adapters.live.stream import (
    HEADERS,
    MEDIA_TYPE,
    StreamOptions,
    open_inbox_stream,
    open_project_stream,
)

AFTER: Final = "after"


@attrs.frozen(kw_only=True)
class LiveOptions:
    """How the host serves streams; an application may set its own as
    ``app.state.live_options`` before it starts (tests shorten the timings).

    Attributes:
        interval: Seconds between the broker's reading rounds.
        max_streams_per_user: Open streams per user and server process.
        stream: Each stream's timing.
    """

    interval: float = 0.25
    max_streams_per_user: int = MAX_STREAMS_PER_USER
    stream: StreamOptions = attrs.field(factory=StreamOptions)


def options_of(request: Request) -> LiveOptions:
    """The application's live-update options (the defaults unless it set its own)."""
    found = getattr(request.app.state, "live_options", None)
    return found if isinstance(found, LiveOptions) else LiveOptions()


def service_of(ctx: HttpContext) -> LiveService:
    """The live-update use cases of ``ctx``'s taskcore."""
    return LiveService(transactions=ctx.runtime.core.transactions)


def broker_of(ctx: HttpContext, request: Request) -> Broker:
    """The feed reader serving ``ctx``'s runtime in this event loop."""
    options = options_of(request)
    return broker_for(
        ctx.runtime.core.transactions,
        service_of(ctx),
        interval=options.interval,
        max_streams_per_user=options.max_streams_per_user,
    )


def cursor_of(request: Request) -> Cursor | None:
    """Where the client resumes: ``Last-Event-ID``, else ``after``, else the present.

    Raises:
        ValidationError: naming the header or parameter that is not a stream's id.
    """
    header = request.headers.get("last-event-id")
    if header:
        return Cursor.parse(header, field="Last-Event-ID")
    query = request.query_params.get(AFTER)
    if query:
        return Cursor.parse(query[: MAX_CURSOR_TEXT + 1], field=AFTER)
    return None


NOT_ACCEPTABLE: Final = "This is an event stream: send Accept: text/event-stream"


def accepts_stream(request: Request) -> bool:
    """Whether the client asked for an event stream (``EventSource`` always does): a client
    that did not is answered 406 rather than kept waiting on a response that never ends."""
    return MEDIA_TYPE in request.headers.get("accept", "")


def event_stream(body: object, *, headers: dict[str, str] | None = None) -> Response:
    """The streaming answer of a stream's messages."""
    return StreamingResponse(
        body,  # type: ignore[arg-type]
        media_type=MEDIA_TYPE,
        headers={**HEADERS, **(headers or {})},
    )


async def _bearer(ctx: HttpContext, request: Request) -> Callable[[], Actor]:
    """Check the request's bearer token now, and return what checks it again later.

    Raises:
        TokenMissing, TokenInvalid: no token, or one that does not hold.
    """
    await ctx.slow(ctx.principal, request)
    token = token_from(request)
    users = ctx.runtime.core.users
    address = ctx.client_address(request)

    def authenticate() -> Actor:
        principal: Actor = users.authenticate(token, address=address)
        return principal

    return authenticate


async def project_events(
    ctx: HttpContext,
    request: Request,
    authenticate: Callable[[], Actor] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """A project's stream (the API's, or the page's when ``authenticate`` is given)."""
    project_id = path_id(request, "project_id")
    if authenticate is None:
        authenticate = await _bearer(ctx, request)
    if not accepts_stream(request):
        return wire.error(406, NOT_ACCEPTABLE)
    cursor = cursor_of(request)
    messages = await open_project_stream(
        broker=broker_of(ctx, request),
        service=service_of(ctx),
        authenticate=authenticate,
        project_id=project_id,
        cursor=cursor,
        options=options_of(request).stream,
    )
    return event_stream(messages, headers=headers)


async def inbox_events(
    ctx: HttpContext,
    request: Request,
    authenticate: Callable[[], Actor] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """The caller's inbox stream (the API's, or the page's when ``authenticate`` is
    given)."""
    if authenticate is None:
        authenticate = await _bearer(ctx, request)
    if not accepts_stream(request):
        return wire.error(406, NOT_ACCEPTABLE)
    cursor = cursor_of(request)
    messages = await open_inbox_stream(
        broker=broker_of(ctx, request),
        service=service_of(ctx),
        authenticate=authenticate,
        cursor=cursor,
        options=options_of(request).stream,
    )
    return event_stream(messages, headers=headers)


async def _project_events(ctx: HttpContext, request: Request) -> Response:
    return await project_events(ctx, request)


async def _inbox_events(ctx: HttpContext, request: Request) -> Response:
    return await inbox_events(ctx, request)


_RESUME = [
    Param(
        name="Last-Event-ID",
        where="header",
        schema={"type": "string"},
        description="the id of the last message received: the stream resumes after it",
    ),
    Param(
        name=AFTER,
        schema={"type": "string", "maxLength": MAX_CURSOR_TEXT},
        description="as Last-Event-ID, for clients that cannot set headers",
    ),
]

_STREAM_DOC = (
    "A text/event-stream: `ready` (the cursor), then one message per event named as the "
    "event (`task.created`, `task.status_changed`, ...), `reset` (too far behind: reload), "
    "`closed` (access lost, or the stream's time is up: reconnect), and heartbeat comments"
)

ENDPOINTS: list[Endpoint] = [
    Endpoint(
        method="GET",
        path="/api/projects/{project_id:int}/events",
        handler=_project_events,
        summary="Follow a project's changes live (Server-Sent Events; members and admins)",
        tag="live",
        params=[Param(name="project_id", where="path"), *_RESUME],
        responses={
            200: (_STREAM_DOC, None),
            **s.errors(400, 401, 404, 406, 429),
        },
    ),
    Endpoint(
        method="GET",
        path="/api/notifications/events",
        handler=_inbox_events,
        summary="Follow the caller's new in-app notifications live (Server-Sent Events)",
        tag="live",
        params=_RESUME,
        responses={
            200: (
                "A text/event-stream: `ready`, then `notification` per new in-app "
                "notification (id, subject, body, priority, context_data, created_at)",
                None,
            ),
            **s.errors(400, 401, 406, 429),
        },
    ),
]
"""The live-update endpoints."""
