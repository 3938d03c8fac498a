"""Reminders on tasks and the caller's daily digest over HTTP.

Their endpoints stand in the time area's route table (see
:data:`taskcore_adapters.http.routes.time.ENDPOINTS`), after the recurrences'."""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs
from starlette.requests import Request
from starlette.responses import Response

from taskcore.domain.reminders import DigestSubscription
from taskcore.services.time import TimeService
from taskcore_adapters.http import schemas as s
from taskcore_adapters.http.context import HttpContext
from taskcore_adapters.http.endpoint import Endpoint, Param
from taskcore_adapters.http.responses import doc, of, to_json
from taskcore_adapters.http.routes.common import path_id
from taskcore_adapters.http.wire import JSON

# -- bodies ----------------------------------------------------------------------------------


@attrs.define(kw_only=True)
class ReminderBody:
    remind_at: str | None = None
    before_minutes: int | None = None


@attrs.define(kw_only=True)
class DigestBody:
    enabled: bool | None = None
    hour: int = 8


# -- answers ---------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class ReminderResponse:
    """A reminder on a task: at ``remind_at``, or ``before_minutes`` before its due date."""

    id: int
    task_id: int
    remind_at: dt.datetime | None
    before_minutes: int | None
    fire_at: dt.datetime | None = attrs.field(
        metadata=doc("when it goes out; null: relative, and the task has no due date")
    )
    sent_at: dt.datetime | None
    skipped: bool = attrs.field(metadata=doc("not sent: the task was completed or cancelled"))
    created_at: dt.datetime


REMINDER = s.response_schema(ReminderResponse)
DIGEST: dict[str, Any] = s.obj(
    enabled={"type": "boolean"},
    hour={"type": ["integer", "null"], "description": "local hour, 0-23"},
    last_sent_on={"type": ["string", "null"], "description": "the local day it last went out"},
)


# -- handlers --------------------------------------------------------------------------------


async def list_reminders(ctx: HttpContext, request: Request) -> Response:
    time: TimeService = ctx.runtime.core.time
    actor = await ctx.slow(ctx.principal, request)
    found = await ctx.slow(time.list_reminders, actor, path_id(request, "task_id"))
    return JSON({"reminders": [to_json(of(ReminderResponse, r, id=r.key)) for r in found]})


async def add_reminder(ctx: HttpContext, request: Request) -> Response:
    time: TimeService = ctx.runtime.core.time
    actor = await ctx.slow(ctx.principal, request)
    task_id = path_id(request, "task_id")
    body = await ctx.body(request, ReminderBody, allow_empty=True)
    made = await ctx.slow(
        time.add_reminder,
        actor,
        task_id,
        remind_at=body.remind_at,
        before_minutes=body.before_minutes,
    )
    return JSON(
        {"message": "Reminder added", "reminder": to_json(of(ReminderResponse, made, id=made.key))},
        201,
    )


async def delete_reminder(ctx: HttpContext, request: Request) -> Response:
    time: TimeService = ctx.runtime.core.time
    actor = await ctx.slow(ctx.principal, request)
    await ctx.slow(time.delete_reminder, actor, path_id(request, "reminder_id"))
    return JSON({"message": "Reminder deleted"})


def _digest(found: DigestSubscription | None) -> dict[str, Any]:
    if found is None:
        return {"enabled": False, "hour": None, "last_sent_on": None}
    last = found.last_sent_on
    return {
        "enabled": True,
        "hour": found.hour,
        "last_sent_on": None if last is None else last.isoformat(),
    }


async def get_digest(ctx: HttpContext, request: Request) -> Response:
    time: TimeService = ctx.runtime.core.time
    actor = await ctx.slow(ctx.principal, request)
    return JSON({"digest": _digest(await ctx.slow(time.digest_subscription, actor))})


async def set_digest(ctx: HttpContext, request: Request) -> Response:
    time: TimeService = ctx.runtime.core.time
    actor = await ctx.slow(ctx.principal, request)
    body = await ctx.body(request, DigestBody)
    found = await ctx.slow(time.set_digest, actor, enabled=body.enabled, hour=body.hour)
    return JSON({"message": "Digest updated", "digest": _digest(found)})


# -- endpoints -------------------------------------------------------------------------------

_TASK_ID = Param(name="task_id", where="path")

ENDPOINTS: list[Endpoint] = [
    Endpoint(
        method="GET",
        path="/api/tasks/{task_id:int}/reminders",
        handler=list_reminders,
        summary="A task's reminders, by when they go out (at most 20; members and admins)",
        tag="time",
        params=[_TASK_ID],
        responses={
            200: ("The reminders", s.obj(reminders={"type": "array", "items": REMINDER})),
            **s.errors(401, 404),
        },
    ),
    Endpoint(
        method="POST",
        path="/api/tasks/{task_id:int}/reminders",
        idempotent=True,
        handler=add_reminder,
        summary="Add a reminder at a time (remind_at) or before the due date (before_minutes)",
        tag="time",
        params=[_TASK_ID],
        body=s.body_schema(ReminderBody),
        responses={
            201: ("Added", s.message(reminder=REMINDER)),
            **s.errors(400, 401, 403, 404),
        },
    ),
    Endpoint(
        method="DELETE",
        path="/api/reminders/{reminder_id:int}",
        handler=delete_reminder,
        summary="Delete a reminder (owners, members and admins)",
        tag="time",
        params=[Param(name="reminder_id", where="path")],
        responses={200: ("Deleted", s.message()), **s.errors(401, 403, 404)},
    ),
    Endpoint(
        method="GET",
        path="/api/users/me/digest",
        handler=get_digest,
        summary="The caller's daily digest: off, or the local hour it goes out",
        tag="time",
        responses={200: ("The digest", s.obj(digest=DIGEST)), **s.errors(401)},
    ),
    Endpoint(
        method="PUT",
        path="/api/users/me/digest",
        handler=set_digest,
        summary="Turn the caller's daily digest on at a local hour (0-23), or off",
        tag="time",
        body=s.body_schema(DigestBody),
        responses={200: ("Updated", s.message(digest=DIGEST)), **s.errors(400, 401)},
    ),
]
"""Reminders and the digest."""
