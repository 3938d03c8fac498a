"""Recurring tasks over HTTP: a task's rule, setting, clearing it, skipping an occurrence.

Their endpoints stand in the time area's route table (see
:data:`taskcore_adapters.http.routes.time.ENDPOINTS`), after the timesheets'."""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs
from starlette.requests import Request
from starlette.responses import Response

from taskcore.domain.recurrence import RecurrenceMode
from taskcore.services.time import RecurrenceView, TimeService
from taskcore_adapters.http import schemas as s
from taskcore_adapters.http.context import HttpContext
from taskcore_adapters.http.endpoint import Endpoint, Param
from taskcore_adapters.http.etags import IF_MATCH, etag_header, if_match
from taskcore_adapters.http.responses import doc, of, to_json
from taskcore_adapters.http.routes.common import path_id
from taskcore_adapters.http.wire import JSON

# -- bodies ----------------------------------------------------------------------------------


@attrs.define(kw_only=True)
class RecurrenceBody:
    rule: str | None = None
    mode: str | None = None


# -- answers ---------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class RecurrenceResponse:
    """A recurring task's rule and its place in the series."""

    task_id: int
    rule: str = attrs.field(metadata=doc("RFC 5545 RRULE value, canonical form"))
    mode: RecurrenceMode = attrs.field(
        metadata=doc("the next due date counts from the due date or from completion")
    )
    timezone: str = attrs.field(metadata=doc("the IANA zone the rule is computed in"))
    series_start: dt.datetime
    occurrence: int = attrs.field(metadata=doc("this task's number in the series, from 1"))
    previous_task_id: int | None
    next_task_id: int | None = attrs.field(metadata=doc("set once the next occurrence exists"))
    next_due_date: dt.datetime | None = attrs.field(
        metadata=doc("the due date the next occurrence would get (repeating from the due date)")
    )
    version: int


RECURRENCE = s.response_schema(RecurrenceResponse)


# -- handlers --------------------------------------------------------------------------------


def recurrence_json(view: RecurrenceView) -> dict[str, Any]:
    """A recurrence's JSON object."""
    return to_json(of(RecurrenceResponse, view))


def _recurrence(view: RecurrenceView, **extra: Any) -> Response:
    return JSON(
        {**extra, "recurrence": recurrence_json(view)},
        headers=etag_header(view.task_id, view.version),
    )


async def get_recurrence(ctx: HttpContext, request: Request) -> Response:
    time: TimeService = ctx.runtime.core.time
    actor = await ctx.slow(ctx.principal, request)
    found = await ctx.slow(time.get_recurrence, actor, path_id(request, "task_id"))
    return JSON({"recurrence": None if found is None else recurrence_json(found)})


async def set_recurrence(ctx: HttpContext, request: Request) -> Response:
    time: TimeService = ctx.runtime.core.time
    actor = await ctx.slow(ctx.principal, request)
    task_id = path_id(request, "task_id")
    body = await ctx.body(request, RecurrenceBody)
    precondition = if_match(request, task_id)

    def write() -> RecurrenceView:
        def current() -> int:
            found = time.get_recurrence(actor, task_id)
            return 0 if found is None else found.version

        expected = precondition.expected(current)
        return time.set_recurrence(
            actor, task_id, rule=body.rule, mode=body.mode, expected_version=expected
        )

    view = await ctx.slow(write)
    return _recurrence(view, message="Recurrence set")


async def clear_recurrence(ctx: HttpContext, request: Request) -> Response:
    time: TimeService = ctx.runtime.core.time
    actor = await ctx.slow(ctx.principal, request)
    await ctx.slow(time.clear_recurrence, actor, path_id(request, "task_id"))
    return JSON({"message": "Recurrence removed"})


async def skip_occurrence(ctx: HttpContext, request: Request) -> Response:
    time: TimeService = ctx.runtime.core.time
    actor = await ctx.slow(ctx.principal, request)
    view = await ctx.slow(time.skip_occurrence, actor, path_id(request, "task_id"))
    return _recurrence(view, message="Occurrence skipped")


# -- endpoints -------------------------------------------------------------------------------

_TASK_ID = Param(name="task_id", where="path")

ENDPOINTS: list[Endpoint] = [
    Endpoint(
        method="GET",
        path="/api/tasks/{task_id:int}/recurrence",
        handler=get_recurrence,
        summary="A task's recurrence rule, or null (members and admins)",
        tag="time",
        params=[_TASK_ID],
        responses={
            200: ("The recurrence", s.obj(recurrence={"oneOf": [RECURRENCE, {"type": "null"}]})),
            **s.errors(401, 404),
        },
    ),
    Endpoint(
        method="PUT",
        path="/api/tasks/{task_id:int}/recurrence",
        handler=set_recurrence,
        summary="Make a task recur (an RFC 5545 RRULE; repeat from the due date or from "
        "completion), or change its rule (owners, members and admins)",
        tag="time",
        params=[_TASK_ID, IF_MATCH],
        body=s.body_schema(RecurrenceBody),
        etag=True,
        responses={
            200: ("Set", s.message(recurrence=RECURRENCE)),
            **s.errors(400, 401, 403, 404),
            412: s.STALE_ANSWER,
        },
    ),
    Endpoint(
        method="DELETE",
        path="/api/tasks/{task_id:int}/recurrence",
        handler=clear_recurrence,
        summary="Stop a task recurring (owners, members and admins)",
        tag="time",
        params=[_TASK_ID],
        responses={200: ("Removed", s.message()), **s.errors(401, 403, 404)},
    ),
    Endpoint(
        method="POST",
        path="/api/tasks/{task_id:int}/recurrence/skip",
        handler=skip_occurrence,
        summary="Skip a recurring task's current occurrence: its due date moves to the next",
        tag="time",
        params=[_TASK_ID],
        etag=True,
        responses={
            200: ("Skipped", s.message(recurrence=RECURRENCE)),
            **s.errors(401, 403, 404, 409),
        },
    ),
]
"""A recurring task's endpoints."""
