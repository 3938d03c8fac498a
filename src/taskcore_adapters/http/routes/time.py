"""The time area over HTTP: time entries, the running timer, timesheets (JSON or CSV) and
a project's estimates against time spent."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import attrs
from starlette.requests import Request
from starlette.responses import Response

from taskcore.domain.pagination import Page
from taskcore.domain.recurrence import RecurrenceMode
from taskcore.domain.reminders import DigestSubscription
from taskcore.domain.time_entries import TimeEntryView, TimerView, Timesheet
from taskcore.domain.values import UNSET, Unset
from taskcore.errors import ValidationError
from taskcore.services.time import ProjectTime, RecurrenceView, TimeService
from taskcore_adapters.http import schemas as s
from taskcore_adapters.http.context import HttpContext
from taskcore_adapters.http.endpoint import Endpoint, Param
from taskcore_adapters.http.etags import IF_MATCH, etag_header, if_match, last_write_wins
from taskcore_adapters.http.parsing import whole_number
from taskcore_adapters.http.responses import doc, of, to_json
from taskcore_adapters.http.routes.common import PAGE_PARAMS, page_request, pagination, path_id
from taskcore_adapters.http.routes.paging import text_query
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
class RecurrenceBody:
    rule: str | None = None
    mode: str | None = None


@attrs.define(kw_only=True)
class ReminderBody:
    remind_at: str | None = None
    before_minutes: int | None = None


@attrs.define(kw_only=True)
class DigestBody:
    enabled: bool | None = None
    hour: int = 8


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


@attrs.frozen(kw_only=True)
class TimesheetRowResponse:
    """One person's time on one project in one week."""

    user_id: int
    username: str
    project_id: int
    project_name: str
    week_start: dt.date = attrs.field(metadata=doc("the week's Monday, YYYY-MM-DD"))
    minutes: int
    hours: float
    billable_minutes: int
    entries: int


@attrs.frozen(kw_only=True)
class TaskTimeResponse:
    """One task's estimate against the time spent on it."""

    task_id: int
    title: str
    status: str
    estimated_hours: float | None
    spent_hours: float
    remaining_hours: float | None = attrs.field(
        metadata=doc("estimate minus time spent (negative: over the estimate)")
    )


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
ENTRY = s.response_schema(
    TimeEntryResponse, "Time a person spent on a task on one day (`minutes`, 1 to 1440)."
)
TIMER = s.response_schema(TimerResponse)
ROW = s.response_schema(TimesheetRowResponse)
TASK_TIME = s.response_schema(TaskTimeResponse)
_NULLABLE_TIMER: dict[str, Any] = {"oneOf": [TIMER, {"type": "null"}]}
_NULLABLE_ENTRY: dict[str, Any] = {"oneOf": [ENTRY, {"type": "null"}]}
_DATE: dict[str, Any] = {"type": "string", "description": "YYYY-MM-DD"}
_NUMBER: dict[str, Any] = {"type": "number"}
_INTEGER: dict[str, Any] = {"type": "integer"}

TIMESHEET: dict[str, Any] = s.obj(
    **{
        "from": _DATE,
        "to": _DATE,
        "rows": {"type": "array", "items": ROW},
        "total_minutes": _INTEGER,
        "total_hours": _NUMBER,
        "billable_minutes": _INTEGER,
        "pagination": s.ref("Pagination"),
    }
)

PROJECT_TIME: dict[str, Any] = s.obj(
    project_id=_INTEGER,
    estimated_hours=_NUMBER,
    spent_hours=_NUMBER,
    tasks={"type": "array", "items": TASK_TIME},
)

CSV_COLUMNS = (
    "week_start",
    "user_id",
    "username",
    "project_id",
    "project_name",
    "minutes",
    "hours",
    "billable_minutes",
    "entries",
)


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


def id_query(request: Request, name: str) -> int | None:
    """An optional id in the query string.

    Raises:
        ValidationError: present but not a whole number (``<name> must be an id``).
    """
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    value = whole_number(raw, digits=10)
    if value is None or value > 2**31 - 1:
        raise ValidationError(f"{name} must be an id", field=name)
    return value


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


def timesheet_csv(sheet: Timesheet) -> str:
    """The timesheet's rows as CSV with a header line (values that a spreadsheet would
    read as a formula are prefixed with ``'``)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in sheet.rows:
        values = [getattr(row, column) for column in CSV_COLUMNS]
        writer.writerow([_cell(value) for value in values])
    return out.getvalue()


def _cell(value: object) -> object:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


async def _timesheet(ctx: HttpContext, request: Request) -> Timesheet:
    time: TimeService = ctx.runtime.core.time
    actor = await ctx.slow(ctx.principal, request)
    return await ctx.slow(
        time.timesheet,
        actor,
        date_from=text_query(request, "from"),
        date_to=text_query(request, "to"),
        project_id=id_query(request, "project_id"),
        user_id=id_query(request, "user_id"),
    )


def timesheet_download(sheet: Timesheet) -> Response:
    """The timesheet as a CSV download (the API's and the pages' export)."""
    name = f"timesheet-{sheet.date_from.isoformat()}-{sheet.date_to.isoformat()}.csv"
    return Response(
        timesheet_csv(sheet).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )


async def export_timesheet(ctx: HttpContext, request: Request) -> Response:
    return timesheet_download(await _timesheet(ctx, request))


async def timesheet(ctx: HttpContext, request: Request) -> Response:
    page = page_request(request, default=50, cap=500)
    sheet = await _timesheet(ctx, request)
    rows = sheet.rows[page.offset : page.offset + page.per_page]
    listed = Page(items=rows, page=page.page, per_page=page.per_page, total=len(sheet.rows))
    return JSON(
        {
            "from": sheet.date_from.isoformat(),
            "to": sheet.date_to.isoformat(),
            "rows": [to_json(of(TimesheetRowResponse, row)) for row in rows],
            "total_minutes": sheet.total_minutes,
            "total_hours": round(sheet.total_minutes / 60, 2),
            "billable_minutes": sheet.billable_minutes,
            "pagination": pagination(listed),
        }
    )


def project_time_json(summary: ProjectTime) -> dict[str, Any]:
    """A project's estimates against time spent as JSON."""
    return {
        "project_id": summary.project_id,
        "estimated_hours": summary.estimated_hours,
        "spent_hours": summary.spent_hours,
        "tasks": [to_json(of(TaskTimeResponse, task)) for task in summary.tasks],
    }


async def project_time(ctx: HttpContext, request: Request) -> Response:
    time: TimeService = ctx.runtime.core.time
    actor = await ctx.slow(ctx.principal, request)
    summary = await ctx.slow(time.project_time, actor, path_id(request, "project_id"))
    return JSON(project_time_json(summary))


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
_PROJECT_ID = Param(name="project_id", where="path")
_FROM = Param(name="from", schema={"type": "string"}, description="first day, YYYY-MM-DD")
_TO = Param(name="to", schema={"type": "string"}, description="last day, YYYY-MM-DD")
_BY_PROJECT = Param(name="project_id", description="only this project's entries (members)")
_BY_USER = Param(
    name="user_id",
    description="only this person's entries (in projects the caller shares with them)",
)
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
        params=[_TASK_ID, _FROM, _TO, *PAGE_PARAMS],
        responses={200: ("A page of entries", _ENTRY_LIST), **s.errors(400, 401, 404)},
    ),
    Endpoint(
        method="GET",
        path="/api/time-entries",
        handler=list_entries,
        summary="Time entries: the caller's own, a project's, or a person's",
        tag="time",
        params=[_BY_PROJECT, _BY_USER, _FROM, _TO, *PAGE_PARAMS],
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
    Endpoint(
        method="GET",
        path="/api/timesheet",
        handler=timesheet,
        summary="Time per person, project and week (Monday to Sunday) over a period",
        tag="time",
        params=[_FROM, _TO, _BY_PROJECT, _BY_USER, *PAGE_PARAMS],
        responses={200: ("The timesheet", TIMESHEET), **s.errors(400, 401, 404)},
    ),
    Endpoint(
        method="GET",
        path="/api/timesheet/export",
        handler=export_timesheet,
        summary="The timesheet as a CSV download, every row (same filters)",
        tag="time",
        params=[_FROM, _TO, _BY_PROJECT, _BY_USER],
        responses={
            200: ("CSV rows (`Content-Disposition: attachment`)", None),
            **s.errors(400, 401, 404),
        },
    ),
    Endpoint(
        method="GET",
        path="/api/projects/{project_id:int}/time",
        handler=project_time,
        summary="A project's estimates against the time spent, per task (members and admins)",
        tag="time",
        params=[_PROJECT_ID],
        responses={200: ("Estimates and time spent", PROJECT_TIME), **s.errors(401, 404)},
    ),
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
