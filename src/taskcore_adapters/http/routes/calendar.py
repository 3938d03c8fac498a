"""Calendar feeds over HTTP: the caller's secret feed URL (create or regenerate, read,
delete) and the feed itself, an RFC 5545 iCalendar document rendered with ``icalendar``.

The feed answers with a strong ``ETag`` (the SHA-256 of the document); a client sending
it back in ``If-None-Match`` gets ``304 Not Modified`` while nothing changed. The
document holds no time of its own (``DTSTAMP`` is each task's last change), so the same
tasks always give the same document and the same tag.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import attrs
from icalendar import Calendar, Event, vRecur
from starlette.requests import Request
from starlette.responses import Response

from taskcore.domain.calendar_feeds import CalendarView, FeedTask
from taskcore.domain.recurrence import wall_time, zone
from taskcore.services.time import TimeService
from taskcore_adapters.http import schemas as s
from taskcore_adapters.http.context import HttpContext
from taskcore_adapters.http.endpoint import Endpoint, Param
from taskcore_adapters.http.responses import doc, to_json
from taskcore_adapters.http.wire import JSON

PRODID = "-//taskcore//calendar feed//EN"
MEDIA_TYPE = "text/calendar; charset=utf-8"
CLOSED = ("completed", "cancelled")


@attrs.frozen(kw_only=True)
class CalendarFeedResponse:
    """The caller's calendar feed (its secret is shown only when it is created)."""

    created_at: dt.datetime


@attrs.frozen(kw_only=True)
class NewCalendarFeedResponse:
    """A feed just created or regenerated."""

    url: str = attrs.field(metadata=doc("the feed's address; shown this once"))
    secret: str = attrs.field(metadata=doc("the secret in the address; stored only hashed"))
    created_at: dt.datetime
    regenerated: bool = attrs.field(metadata=doc("an older feed URL was replaced"))


FEED = s.response_schema(CalendarFeedResponse)
NEW_FEED = s.response_schema(NewCalendarFeedResponse)


def feed_url(request: Request, secret: str) -> str:
    """The absolute address of the feed with ``secret``."""
    return f"{str(request.base_url).rstrip('/')}/api/calendar/{secret}"


def render(view: CalendarView, base_url: str) -> bytes:
    """The user's tasks as an iCalendar document: one event per task on its due date,
    all-day when due at midnight in the user's time zone and timed otherwise; open tasks
    repeating from their due date carry their ``RRULE``; each links to its task page."""
    where = zone(view.timezone)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"taskcore: {view.username}")
    calendar.add("x-wr-timezone", view.timezone)
    for task in view.tasks:
        calendar.add_component(_event(task, where, base_url))
    calendar.add_missing_timezones()
    document: bytes = calendar.to_ical()
    return document


def _event(task: FeedTask, where: Any, base_url: str) -> Event:
    event = Event()
    event.add("uid", f"task-{task.id}@taskcore")
    event.add("dtstamp", task.updated_at.astimezone(dt.UTC))
    event.add("last-modified", task.updated_at.astimezone(dt.UTC))
    event.add("summary", task.title)
    if task.description:
        event.add("description", task.description)
    event.add("categories", [task.project_name])
    event.add("url", f"{base_url.rstrip('/')}/tasks/{task.id}")
    event.add("status", "CANCELLED" if task.status == "cancelled" else "CONFIRMED")
    local = task.due_date.astimezone(where)
    if wall_time(task.due_date, where).time() == dt.time(0, 0):
        event.add("dtstart", local.date())
        event.add("dtend", local.date() + dt.timedelta(days=1))
        event.add("transp", "TRANSPARENT")
    else:
        event.add("dtstart", local)
    if task.rule and task.repeats_from_due_date and task.status not in CLOSED:
        event.add("rrule", _remaining(vRecur.from_ical(task.rule), task.occurrence))
    return event


def _remaining(rule: vRecur, occurrence: int) -> vRecur:
    """The rule counted from this occurrence: ``COUNT`` less the occurrences before it."""
    if "COUNT" in rule:
        count = rule["COUNT"][0] if isinstance(rule["COUNT"], list) else rule["COUNT"]
        rule["COUNT"] = [max(int(count) - occurrence + 1, 1)]
    return rule


def entity_tag(body: bytes) -> str:
    """The strong ``ETag`` of a feed document."""
    return f'"{hashlib.sha256(body).hexdigest()[:40]}"'


def not_modified(request: Request, tag: str) -> bool:
    """Whether ``If-None-Match`` names ``tag`` (or is ``*``)."""
    header = request.headers.get("if-none-match")
    if header is None:
        return False
    tags = {part.strip().removeprefix("W/") for part in header.split(",")}
    return "*" in tags or tag in tags


async def serve_feed(ctx: HttpContext, request: Request) -> Response:
    time: TimeService = ctx.runtime.core.time
    view = await ctx.slow(time.calendar, request.path_params["secret"])
    body = render(view, str(request.base_url))
    tag = entity_tag(body)
    headers = {"ETag": tag, "Cache-Control": "private, no-cache", "X-Robots-Tag": "noindex"}
    if not_modified(request, tag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=MEDIA_TYPE, headers=headers)


async def get_feed(ctx: HttpContext, request: Request) -> Response:
    time: TimeService = ctx.runtime.core.time
    actor = await ctx.slow(ctx.principal, request)
    feed = await ctx.slow(time.calendar_feed, actor)
    return JSON(
        {
            "feed": None
            if feed is None
            else to_json(CalendarFeedResponse(created_at=feed.created_at))
        }
    )


async def create_feed(ctx: HttpContext, request: Request) -> Response:
    time: TimeService = ctx.runtime.core.time
    actor = await ctx.slow(ctx.principal, request)
    made = await ctx.slow(time.create_calendar_feed, actor)
    answer = NewCalendarFeedResponse(
        url=feed_url(request, made.secret),
        secret=made.secret,
        created_at=made.feed.created_at,
        regenerated=made.regenerated,
    )
    return JSON(
        {"message": "Calendar feed created", "feed": to_json(answer)},
        201,
        headers={"Cache-Control": "no-store"},
    )


async def delete_feed(ctx: HttpContext, request: Request) -> Response:
    time: TimeService = ctx.runtime.core.time
    actor = await ctx.slow(ctx.principal, request)
    await ctx.slow(time.delete_calendar_feed, actor)
    return JSON({"message": "Calendar feed deleted"})


_SECRET = Param(name="secret", where="path", schema={"type": "string"})
_FEED_PATH = "/api/users/me/calendar-feed"

ENDPOINTS: list[Endpoint] = [
    Endpoint(
        method="GET",
        path=_FEED_PATH,
        handler=get_feed,
        summary="Whether the caller has a calendar feed (its secret is never shown again)",
        tag="time",
        responses={
            200: ("The feed, or null", s.obj(feed={"oneOf": [FEED, {"type": "null"}]})),
            **s.errors(401),
        },
    ),
    Endpoint(
        method="POST",
        path=_FEED_PATH,
        handler=create_feed,
        summary="Create or regenerate the caller's secret calendar feed URL (shown once)",
        tag="time",
        responses={201: ("Created", s.message(feed=NEW_FEED)), **s.errors(401)},
    ),
    Endpoint(
        method="DELETE",
        path=_FEED_PATH,
        handler=delete_feed,
        summary="Delete the caller's calendar feed; its URL stops working",
        tag="time",
        responses={200: ("Deleted", s.message()), **s.errors(401, 404)},
    ),
    Endpoint(
        method="GET",
        path="/api/calendar/{secret}",
        handler=serve_feed,
        summary="A calendar feed (iCalendar): the owner's tasks with due dates",
        tag="time",
        auth=False,
        params=[
            _SECRET,
            Param(
                name="If-None-Match",
                where="header",
                schema={"type": "string"},
                description="the ETag of an earlier answer: 304 while nothing changed",
            ),
        ],
        responses={
            200: ("`text/calendar` (RFC 5545), with an `ETag`", None),
            304: ("Not modified since the ETag given", None),
            **s.errors(404),
        },
    ),
]
"""The calendar-feed endpoints."""
