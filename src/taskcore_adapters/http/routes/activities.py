"""The activity log: endpoints L1-L8 of the original (L9 is ``/health/activities``).

Every endpoint needs a token. Unlike the original, submitting an entry (L1) is for
administrators only, so nobody can forge or flood the log anonymously.
"""

from __future__ import annotations

from typing import Any

import attrs
from starlette.requests import Request
from starlette.responses import Response

from taskcore.domain.activity import ActivityStats, ActivitySummary, ActivityView
from taskcore.domain.pagination import Page
from taskcore.domain.values import UNSET
from taskcore.services.activity import LIST_CAP, USER_LIST_CAP, ActivityService
from taskcore_adapters.http import schemas as s
from taskcore_adapters.http import wire
from taskcore_adapters.http.answers import (
    ActivityLogged,
    ActivityPage,
    JobStarted,
    Pagination,
    Summaries,
    UserActivityPage,
)
from taskcore_adapters.http.context import HttpContext
from taskcore_adapters.http.endpoint import Endpoint, Param
from taskcore_adapters.http.figures import (
    ActivityStatsResponse,
    DayCountResponse,
    EntityTypeCount,
)
from taskcore_adapters.http.parsing import Id
from taskcore_adapters.http.responses import (
    ActionCountResponse,
    ActivityEntryResponse,
    ActivityResponse,
    ActivitySummaryResponse,
    of,
    to_json,
)
from taskcore_adapters.http.routes.common import PAGE_PARAMS, int_query, page_request, path_id
from taskcore_adapters.http.routes.paging import text_query
from taskcore_adapters.http.wire import JSON

DEFAULT_PER_PAGE = 50


@attrs.define(kw_only=True)
class ActivityBody:
    """What L1 accepts (documentation only: the use case checks each field)."""

    action: str
    entity_type: str
    entity_id: Id
    user_id: Id | None = None
    ip_address: str | None = None
    user_agent: str | None = None
    session_id: str | None = None
    service_name: str | None = None


@attrs.define(kw_only=True)
class SummaryBody:
    """What L8 accepts: the days to summarise (ISO dates)."""

    start_date: str | None = None
    end_date: str | None = None


_OPTIONAL = ("user_id", "details", "ip_address", "user_agent", "session_id", "service_name")


def activity_response(view: ActivityView) -> ActivityResponse:
    """The original's activity object (its 11 columns) and ``username``."""
    return of(ActivityResponse, view.entry, username=view.username)


def entry_response(view: ActivityView) -> ActivityEntryResponse:
    """The original's activity object: its 11 columns."""
    return of(ActivityEntryResponse, view.entry)


def summary_response(summary: ActivitySummary) -> ActivitySummaryResponse:
    """The original's summary object (its 7 columns)."""
    top = tuple(of(ActionCountResponse, count) for count in summary.top_actions)
    return of(ActivitySummaryResponse, summary, top_actions=top)


def stats_response(stats: ActivityStats) -> ActivityStatsResponse:
    """The original's statistics answer."""
    totals = stats.totals
    return ActivityStatsResponse(
        period_days=stats.period_days,
        total_activities=totals.total,
        unique_users=totals.unique_users,
        top_actions=tuple(of(ActionCountResponse, t) for t in totals.top_actions),
        top_entity_types=tuple(of(EntityTypeCount, t) for t in totals.top_entity_types),
        daily_activity=tuple(of(DayCountResponse, d) for d in stats.daily),
    )


def _page(found: Page[ActivityView]) -> ActivityPage:
    entries = tuple(activity_response(v) for v in found.items)
    return ActivityPage(activities=entries, pagination=Pagination.of(found))


def _truthy_int(request: Request, name: str) -> int | None:
    """An integer filter that applies only when non-zero (as in the original)."""
    return int_query(request, name) or None


async def log_activity(ctx: HttpContext, request: Request) -> Response:
    activity: ActivityService = ctx.runtime.core.activity
    actor = await ctx.slow(ctx.principal, request)
    data = await wire.read_json(request)
    fields = {name: data.get(name, UNSET) for name in ("action", "entity_type", "entity_id")}
    optional = {name: data.get(name) for name in _OPTIONAL}
    entry = await ctx.slow(activity.log, actor, **fields, **optional)
    logged = of(ActivityLogged, entry, message="Activity logged successfully")
    return JSON(to_json(logged), 201)


async def list_activities(ctx: HttpContext, request: Request) -> Response:
    activity: ActivityService = ctx.runtime.core.activity
    actor = await ctx.slow(ctx.principal, request)
    found = await ctx.slow(
        activity.list_activities,
        actor,
        user_id=_truthy_int(request, "user_id"),
        action=text_query(request, "action"),
        entity_type=text_query(request, "entity_type"),
        entity_id=_truthy_int(request, "entity_id"),
        start_date=text_query(request, "start_date"),
        end_date=text_query(request, "end_date"),
        page=page_request(request, default=DEFAULT_PER_PAGE, cap=LIST_CAP),
    )
    return JSON(to_json(_page(found)))


async def user_activities(ctx: HttpContext, request: Request) -> Response:
    activity: ActivityService = ctx.runtime.core.activity
    actor = await ctx.slow(ctx.principal, request)
    found = await ctx.slow(
        activity.user_activities,
        actor,
        path_id(request, "user_id"),
        action=text_query(request, "action"),
        entity_type=text_query(request, "entity_type"),
        page=page_request(request, default=DEFAULT_PER_PAGE, cap=USER_LIST_CAP),
    )
    entries = tuple(entry_response(v) for v in found.items)
    return JSON(to_json(UserActivityPage(activities=entries, pagination=Pagination.of(found))))


async def entity_activities(ctx: HttpContext, request: Request) -> Response:
    activity: ActivityService = ctx.runtime.core.activity
    actor = await ctx.slow(ctx.principal, request)
    found = await ctx.slow(
        activity.entity_activities,
        actor,
        request.path_params["entity_type"],
        path_id(request, "entity_id"),
        page=page_request(request, default=DEFAULT_PER_PAGE, cap=USER_LIST_CAP),
    )
    return JSON(to_json(_page(found)))


async def stats(ctx: HttpContext, request: Request) -> Response:
    activity: ActivityService = ctx.runtime.core.activity
    actor = await ctx.slow(ctx.principal, request)
    found = await ctx.slow(activity.stats, actor, days=int_query(request, "days"))
    return JSON(to_json(stats_response(found)))


async def summaries(ctx: HttpContext, request: Request) -> Response:
    activity: ActivityService = ctx.runtime.core.activity
    actor = await ctx.slow(ctx.principal, request)
    found = await ctx.slow(activity.list_summaries, actor, days=int_query(request, "days"))
    return JSON(to_json(Summaries(summaries=tuple(summary_response(x) for x in found))))


async def cleanup(ctx: HttpContext, request: Request) -> Response:
    activity: ActivityService = ctx.runtime.core.activity
    actor = await ctx.slow(ctx.principal, request)
    job_id = await ctx.slow(activity.start_cleanup, actor)
    return JSON(to_json(JobStarted(message="Cleanup task started", task_id=job_id)), 202)


async def generate_summary(ctx: HttpContext, request: Request) -> Response:
    activity: ActivityService = ctx.runtime.core.activity
    actor = await ctx.slow(ctx.principal, request)
    data = await wire.read_json(request, allow_empty=True)
    job_id = await ctx.slow(
        activity.start_summary,
        actor,
        start_date=data.get("start_date"),
        end_date=data.get("end_date"),
    )
    started = JobStarted(message="Summary generation task started", task_id=job_id)
    return JSON(to_json(started), 202)


ACTIVITY_BODY: dict[str, Any] = {
    **s.body_schema(ActivityBody),
    "required": ["action", "entity_type", "entity_id"],
}
ACTIVITY_BODY["properties"]["details"] = {
    "type": ["object", "null"],
    "description": "keys naming passwords, tokens, secrets or credentials are dropped",
}


_LISTED = s.response_schema(ActivityPage)
_STARTED = s.response_schema(JobStarted)
_DAYS = Param(name="days", description="the period in days (30 by default)")
_TEXT = {"type": "string"}

ENDPOINTS: list[Endpoint] = [
    Endpoint(
        method="POST",
        path="/api/activities",
        idempotent=True,
        handler=log_activity,
        summary="Submit an activity entry (admins only; the original was public)",
        tag="activities",
        body=ACTIVITY_BODY,
        responses={
            201: ("Logged", s.response_schema(ActivityLogged)),
            **s.errors(400, 401, 403),
        },
    ),
    Endpoint(
        method="GET",
        path="/api/activities",
        handler=list_activities,
        summary="Every entry, newest first, with filters (admins only)",
        tag="activities",
        params=[
            *PAGE_PARAMS,
            Param(name="user_id", description="only this user's entries (0: any)"),
            Param(name="action", schema=_TEXT),
            Param(name="entity_type", schema=_TEXT),
            Param(name="entity_id", description="only entries about this id (0: any)"),
            Param(
                name="start_date",
                schema=_TEXT,
                description="ISO 8601; entries created at or after it (UTC without a zone)",
            ),
            Param(
                name="end_date",
                schema=_TEXT,
                description="ISO 8601; entries created at or before it (UTC without a zone)",
            ),
        ],
        responses={200: ("A page of entries", _LISTED), **s.errors(400, 401, 403)},
    ),
    Endpoint(
        method="GET",
        path="/api/activities/user/{user_id:int}",
        handler=user_activities,
        summary="One user's entries, newest first (the user and admins)",
        tag="activities",
        params=[
            Param(name="user_id", where="path"),
            *PAGE_PARAMS,
            Param(name="action", schema=_TEXT),
            Param(name="entity_type", schema=_TEXT),
        ],
        responses={
            200: ("A page of entries", s.response_schema(UserActivityPage)),
            **s.errors(400, 401, 403),
        },
    ),
    Endpoint(
        method="GET",
        path="/api/activities/entity/{entity_type}/{entity_id:int}",
        handler=entity_activities,
        summary="The entries about one object, newest first (admins only)",
        tag="activities",
        params=[
            Param(name="entity_type", where="path", schema=_TEXT),
            Param(name="entity_id", where="path"),
            *PAGE_PARAMS,
        ],
        responses={200: ("A page of entries", _LISTED), **s.errors(400, 401, 403)},
    ),
    Endpoint(
        method="GET",
        path="/api/activities/stats",
        handler=stats,
        summary="Totals, top actions and entity types, and the last 7 days (admins only)",
        tag="activities",
        params=[_DAYS],
        responses={
            200: ("The statistics", s.response_schema(ActivityStatsResponse)),
            **s.errors(401, 403),
        },
    ),
    Endpoint(
        method="GET",
        path="/api/activities/summaries",
        handler=summaries,
        summary="The daily summaries of the last days, newest first (admins only)",
        tag="activities",
        params=[_DAYS],
        responses={
            200: ("The summaries", s.response_schema(Summaries)),
            **s.errors(401, 403),
        },
    ),
    Endpoint(
        method="POST",
        path="/api/activities/cleanup",
        handler=cleanup,
        summary="Delete entries older than the retention period, as a job (admins only)",
        tag="activities",
        responses={202: ("Started", _STARTED), **s.errors(401, 403)},
    ),
    Endpoint(
        method="POST",
        path="/api/activities/generate-summary",
        handler=generate_summary,
        summary="Write daily summaries, as a job (admins only; yesterday by default)",
        tag="activities",
        body=s.body_schema(SummaryBody),
        responses={202: ("Started", _STARTED), **s.errors(400, 401, 403)},
    ),
]
"""The activity-log endpoints."""
