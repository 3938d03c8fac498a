"""The time area over HTTP: time entries, the running timer and the caller's time zone.

The area's other endpoints stand in its route table (:data:`ENDPOINTS`) between the
timer's and the time zone's, as they always have: timesheets and a project's estimates
against time spent (:mod:`~taskcore_adapters.http.routes.timesheets`), recurring tasks
(:mod:`~taskcore_adapters.http.routes.recurrences`), reminders and the daily digest
(:mod:`~taskcore_adapters.http.routes.reminders`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs
from starlette.requests import Request
from starlette.responses import Response

from taskcore.domain.pagination import Page
from taskcore.domain.time_entries import TimeEntryView, TimerView
from taskcore.domain.values import UNSET, Unset
from taskcore.services.time import TimeService
from taskcore_adapters.http import schemas as s
from taskcore_adapters.http.context import HttpContext
from taskcore_adapters.http.endpoint import Endpoint, Param
from taskcore_adapters.http.etags import IF_MATCH, etag_header, if_match, last_write_wins
from taskcore_adapters.http.responses import doc, of, to_json
from taskcore_adapters.http.routes import recurrences, reminders, timesheets
from taskcore_adapters.http.routes.common import PAGE_PARAMS, page_request, pagination, path_id
from taskcore_adapters.http.routes.paging import text_query
from taskcore_adapters.http.routes.timesheets import BY_PROJECT, BY_USER, FROM, TO, id_query
from taskcore_adapters.http.wire import JSON

# -- bodies ----------------------------------------------------------------------------------


@attrs.define(kw_only=True)
class EntryBody:
    minutes: int | None = None
    work_date: str | None = None
    note: str | None = None
    billable: bool = False


@attrs.define(kw_only=True)
class EntryPatch:
    minutes: int | Unset = UNSET
    work_date: str | Unset = UNSET
    note: str | Unset | None = UNSET
    billable: bool | Unset = UNSET


@attrs.define(kw_only=True)
class TimerBody:
    note: str | None = None


@attrs.define(kw_only=True)
class TimezoneBody:
    timezone: str | None = None


# -- answers ---------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class TimeEntryResponse:
    """A time entry, with its task's project and title and the person's username."""

    id: int
    task_id: int
    project_id: int
    task_title: str
    user_id: int
    username: str
    work_date: dt.date = attrs.field(metadata=doc("YYYY-MM-DD, in the person's time zone"))
    minutes: int
    note: str
    billable: bool
    capped: bool = attrs.field(
        metadata=doc("logged by a timer left running over 24 hours: the cap, not a measurement")
    )
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int


@attrs.frozen(kw_only=True)
class TimerResponse:
    """A running timer."""

    task_id: int
    project_id: int
    task_title: str
    started_at: dt.datetime
    note: str


ENTRY = s.response_schema(
    TimeEntryResponse, "Time a person spent on a task on one day (`minutes`, 1 to 1440)."
)
TIMER = s.response_schema(TimerResponse)
_NULLABLE_TIMER: dict[str, Any] = {"oneOf": [TIMER, {"type": "null"}]}
_NULLABLE_ENTRY: dict[str, Any] = {"oneOf": [ENTRY, {"type": "null"}]}


def entry_json(entry: TimeEntryView) -> dict[str, Any]:
    """A time entry's JSON object."""
    return to_json(of(TimeEntryResponse, entry))


def timer_json(timer: TimerView | None) -> dict[str, Any] | None:
    """A running timer's JSON object, or ``None``."""
    return None if timer is None else to_json(of(TimerResponse, timer))


def _one(entry: TimeEntryView, status: int = 200, **extra: Any) -> Response:
    return JSON(
        {**extra, "time_entry": entry_json(entry)},
        status,
        headers=etag_header(entry.id, entry.version),
    )


def _listed(found: Page[TimeEntryView]) -> dict[str, Any]:
    return {"time_entries": [entry_json(e) for e in found.items], "pagination": pagination(found)}


# -- handlers --------------------------------------------------------------------------------


async def log_time(ctx: HttpContext, request: Request) -> Response:
    time: TimeService = ctx.runtime.core.time
    actor = await ctx.slow(ctx.principal, request)
    task_id = path_id(request, "task_id")
    body = await ctx.body(request, EntryBody)
    entry = await ctx.slow(
        time.log_time,
        actor,
        task_id,
        minutes=body.minutes,
        work_date=body.work_date,
        note=body.note,
        billable=body.billable,
    )
    return _one(entry, 201, message="Time logged")


async def task_entries(ctx: HttpContext, request: Request) -> Response:
    time: TimeService = ctx.runtime.core.time
    actor = await ctx.slow(ctx.principal, request)
    found = await ctx.slow(
        time.list_entries,
        actor,
        task_id=path_id(request, "task_id"),
        date_from=text_query(request, "from"),
        date_to=text_query(request, "to"),
        page=page_request(request),
    )
    return JSON(_listed(found))


async def list_entries(ctx: HttpContext, request: Request) -> Response:
    time: TimeService = ctx.runtime.core.time
    actor = await ctx.slow(ctx.principal, request)
    found = await ctx.slow(
        time.list_entries,
        actor,
        project_id=id_query(request, "project_id"),
        user_id=id_query(request, "user_id"),
        date_from=text_query(request, "from"),
        date_to=text_query(request, "to"),
        page=page_request(request),
    )
    return JSON(_listed(found))


async def get_entry(ctx: HttpContext, request: Request) -> Response:
    time: TimeService = ctx.runtime.core.time
    actor = await ctx.slow(ctx.principal, request)
    entry = await ctx.slow(time.get_entry, actor, path_id(request, "entry_id"))
    return _one(entry)


async def edit_entry(ctx: HttpContext, request: Request) -> Response:
    time: TimeService = ctx.runtime.core.time
    actor = await ctx.slow(ctx.principal, request)
    entry_id = path_id(request, "entry_id")
    body = await ctx.body(request, EntryPatch)
    precondition = if_match(request, entry_id)

    def write() -> TimeEntryView:
        expected = precondition.expected(lambda: time.get_entry(actor, entry_id).version)
        return last_write_wins(
            lambda: time.edit_entry(
                actor,
                entry_id,
                minutes=body.minutes,
                work_date=body.work_date,
                note=body.note,
                billable=body.billable,
                expected_version=expected,
            ),
            expected,
        )

    entry = await ctx.slow(write)
    return _one(entry, message="Time entry updated")


async def delete_entry(ctx: HttpContext, request: Request) -> Response:
    time: TimeService = ctx.runtime.core.time
    actor = await ctx.slow(ctx.principal, request)
    entry_id = path_id(request, "entry_id")
    precondition = if_match(request, entry_id)

    def remove() -> None:
        expected = precondition.expected(lambda: time.get_entry(actor, entry_id).version)
        time.delete_entry(actor, entry_id, expected_version=expected)

    await ctx.slow(remove)
    return JSON({"message": "Time entry deleted"})


async def current_timer(ctx: HttpContext, request: Request) -> Response:
    time: TimeService = ctx.runtime.core.time
    actor = await ctx.slow(ctx.principal, request)
    timer = await ctx.slow(time.current_timer, actor)
    return JSON({"timer": timer_json(timer)})


async def start_timer(ctx: HttpContext, request: Request) -> Response:
    time: TimeService = ctx.runtime.core.time
    actor = await ctx.slow(ctx.principal, request)
    task_id = path_id(request, "task_id")
    body = await ctx.body(request, TimerBody, allow_empty=True)
    timer, stopped = await ctx.slow(time.start_timer, actor, task_id, note=body.note)
    return JSON(
        {
            "message": "Timer started",
            "timer": timer_json(timer),
            "stopped_entry": None if stopped is None else entry_json(stopped),
        },
        201,
    )


async def stop_timer(ctx: HttpContext, request: Request) -> Response:
    time: TimeService = ctx.runtime.core.time
    actor = await ctx.slow(ctx.principal, request)
    entry = await ctx.slow(time.stop_timer, actor)
    return _one(entry, message="Timer stopped")


async def get_timezone(ctx: HttpContext, request: Request) -> Response:
    time: TimeService = ctx.runtime.core.time
    actor = await ctx.slow(ctx.principal, request)
    return JSON({"timezone": await ctx.slow(time.timezone, actor)})


async def set_timezone(ctx: HttpContext, request: Request) -> Response:
    time: TimeService = ctx.runtime.core.time
    actor = await ctx.slow(ctx.principal, request)
    body = await ctx.body(request, TimezoneBody)
    chosen = await ctx.slow(time.set_timezone, actor, body.timezone)
    return JSON({"message": "Time zone updated", "timezone": chosen})


# -- endpoints -------------------------------------------------------------------------------

_TASK_ID = Param(name="task_id", where="path")
_ENTRY_ID = Param(name="entry_id", where="path")
_ENTRY_LIST = s.obj(time_entries={"type": "array", "items": ENTRY}, pagination=s.ref("Pagination"))

ENDPOINTS: list[Endpoint] = [
    Endpoint(
        method="POST",
        path="/api/tasks/{task_id:int}/time-entries",
        idempotent=True,
        handler=log_time,
        summary="Log the caller's time on a task (owners, members and admins)",
        tag="time",
        params=[_TASK_ID],
        body=s.body_schema(EntryBody),
        etag=True,
        responses={201: ("Logged", s.message(time_entry=ENTRY)), **s.errors(400, 401, 403, 404)},
    ),
    Endpoint(
        method="GET",
        path="/api/tasks/{task_id:int}/time-entries",
        handler=task_entries,
        summary="A task's time entries, latest day first (members and admins)",
        tag="time",
        params=[_TASK_ID, FROM, TO, *PAGE_PARAMS],
        responses={200: ("A page of entries", _ENTRY_LIST), **s.errors(400, 401, 404)},
    ),
    Endpoint(
        method="GET",
        path="/api/time-entries",
        handler=list_entries,
        summary="Time entries: the caller's own, a project's, or a person's",
        tag="time",
        params=[BY_PROJECT, BY_USER, FROM, TO, *PAGE_PARAMS],
        responses={200: ("A page of entries", _ENTRY_LIST), **s.errors(400, 401, 404)},
    ),
    Endpoint(
        method="GET",
        path="/api/time-entries/{entry_id:int}",
        handler=get_entry,
        summary="One time entry (members of its project and admins)",
        tag="time",
        params=[_ENTRY_ID],
        etag=True,
        responses={200: ("The entry", s.obj(time_entry=ENTRY)), **s.errors(401, 404)},
    ),
    Endpoint(
        method="PUT",
        path="/api/time-entries/{entry_id:int}",
        handler=edit_entry,
        summary="Change a time entry (its author while a writer, project owners and admins)",
        tag="time",
        params=[_ENTRY_ID, IF_MATCH],
        body=s.body_schema(EntryPatch),
        etag=True,
        responses={
            200: ("Updated", s.message(time_entry=ENTRY)),
            **s.errors(400, 401, 403, 404),
            412: s.STALE_ANSWER,
        },
    ),
    Endpoint(
        method="DELETE",
        path="/api/time-entries/{entry_id:int}",
        handler=delete_entry,
        summary="Delete a time entry (its author while a writer, project owners and admins)",
        tag="time",
        params=[_ENTRY_ID, IF_MATCH],
        responses={
            200: ("Deleted", s.message()),
            **s.errors(401, 403, 404),
            412: s.STALE_ANSWER,
        },
    ),
    Endpoint(
        method="GET",
        path="/api/timer",
        handler=current_timer,
        summary="The caller's running timer, or null",
        tag="time",
        responses={200: ("The timer", s.obj(timer=_NULLABLE_TIMER)), **s.errors(401)},
    ),
    Endpoint(
        method="POST",
        path="/api/tasks/{task_id:int}/timer",
        handler=start_timer,
        summary="Start the caller's timer on a task; a running one is stopped and logged first",
        tag="time",
        params=[_TASK_ID],
        body=s.body_schema(TimerBody),
        responses={
            201: (
                "Started",
                s.message(timer=TIMER, stopped_entry=_NULLABLE_ENTRY),
            ),
            **s.errors(400, 401, 403, 404, 409),
        },
    ),
    Endpoint(
        method="POST",
        path="/api/timer/stop",
        handler=stop_timer,
        summary="Stop the caller's timer and log its time (over 24 hours: capped)",
        tag="time",
        etag=True,
        responses={
            200: ("Stopped and logged", s.message(time_entry=ENTRY)),
            **s.errors(401, 409),
        },
    ),
    *timesheets.ENDPOINTS,
    *recurrences.ENDPOINTS,
    *reminders.ENDPOINTS,
    Endpoint(
        method="GET",
        path="/api/users/me/timezone",
        handler=get_timezone,
        summary="The caller's time zone (UTC until chosen)",
        tag="time",
        responses={200: ("The zone", s.obj(timezone={"type": "string"})), **s.errors(401)},
    ),
    Endpoint(
        method="PUT",
        path="/api/users/me/timezone",
        handler=set_timezone,
        summary="Choose the caller's time zone (an IANA name such as Europe/Paris)",
        tag="time",
        body=s.body_schema(TimezoneBody),
        responses={
            200: ("Updated", s.message(timezone={"type": "string"})),
            **s.errors(400, 401),
        },
    ),
]
"""The time-area endpoints."""
