"""The time pages: a task's timer, time entries and recurrence; the caller's time and
timesheet (with its CSV export); a month calendar of the caller's tasks and their
calendar feed. Plain forms, no script: they work under the pages' CSP."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Final

from starlette.requests import Request
from starlette.responses import Response

from taskcore import errors
from taskcore.domain.pagination import PageRequest
from taskcore.domain.recurrence import zone
from taskcore_adapters.http.routes.common import path_id
from taskcore_adapters.http.routes.timesheets import timesheet_download
from taskcore_adapters.web.account import ctx_status
from taskcore_adapters.web.routing import PageRoute, page
from taskcore_adapters.web.session import Visit, Web

ENTRIES_SIZE: Final = 50

PRESETS: Final = (
    ("daily", "Every day", "FREQ=DAILY"),
    ("weekdays", "Every weekday", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"),
    ("weekly", "Every week", "FREQ=WEEKLY"),
    ("monthly", "Every month", "FREQ=MONTHLY"),
)
"""The recurrence presets of the task's time page: name, label, rule."""

FAILURES = (errors.ValidationError, errors.Conflict, errors.PermissionDenied)
"""Errors a form shows as a notice on the page it came from."""


def _back(web: Web, visit: Visit, url: str, exc: errors.TaskcoreError) -> Response:
    return web.redirect(visit, url, notice=exc.message)


def task_time(web: Web, visit: Visit, request: Request) -> Response:
    """A task's timer, time entries and recurrence."""
    task_id = path_id(request, "task_id")
    core, actor = web.core, visit.actor
    task = core.tasks.get_task(actor, task_id)
    entries = core.time.list_entries(
        actor, task_id=task_id, page=PageRequest(per_page=ENTRIES_SIZE)
    )
    recurrence = core.time.get_recurrence(actor, task_id)
    preset = next((name for name, _, rule in PRESETS if recurrence and recurrence.rule == rule), "")
    return web.render(
        visit,
        "time_task.html",
        title=f"Time: {task.title}",
        task=task,
        timer=core.time.current_timer(actor),
        entries=entries,
        recurrence=recurrence,
        reminders=core.time.list_reminders(actor, task_id),
        presets=PRESETS,
        preset=preset or ("custom" if recurrence else ""),
        today=dt.datetime.now(zone(core.time.timezone(actor))).date().isoformat(),
    )


def start_timer(web: Web, visit: Visit, request: Request) -> Response:
    """Start the caller's timer on the task (a running one is logged first)."""
    task_id = path_id(request, "task_id")
    url = f"/tasks/{task_id}/time"
    try:
        web.core.time.start_timer(visit.actor, task_id, note=visit.field("note") or None)
    except FAILURES as exc:
        return _back(web, visit, url, exc)
    return web.redirect(visit, url, notice="Timer started.")


def stop_timer(web: Web, visit: Visit, request: Request) -> Response:
    """Stop the caller's timer; back to the page it was stopped from."""
    target = visit.field("next")
    url = target if target.startswith("/") and not target.startswith("//") else "/time"
    try:
        entry = web.core.time.stop_timer(visit.actor)
    except FAILURES as exc:
        return _back(web, visit, url, exc)
    note = " (capped at 24 hours)" if entry.capped else ""
    return web.redirect(visit, url, notice=f"Timer stopped: {entry.minutes} min logged{note}.")


def log_time(web: Web, visit: Visit, request: Request) -> Response:
    """Log time on the task from the form."""
    task_id = path_id(request, "task_id")
    url = f"/tasks/{task_id}/time"
    raw = visit.field("minutes").strip()
    try:
        web.core.time.log_time(
            visit.actor,
            task_id,
            minutes=int(raw) if raw.isdigit() and len(raw) <= 6 else raw,
            work_date=visit.field("work_date"),
            note=visit.field("note"),
            billable=visit.field("billable") == "on",
        )
    except FAILURES as exc:
        return _back(web, visit, url, exc)
    return web.redirect(visit, url, notice="Time logged.")


def delete_entry(web: Web, visit: Visit, request: Request) -> Response:
    """Delete a time entry (the core decides who may)."""
    entry_id = path_id(request, "entry_id")
    entry = web.core.time.get_entry(visit.actor, entry_id)
    url = f"/tasks/{entry.task_id}/time"
    try:
        web.core.time.delete_entry(visit.actor, entry_id)
    except FAILURES as exc:
        return _back(web, visit, url, exc)
    return web.redirect(visit, url, notice="Time entry deleted.")


def set_recurrence(web: Web, visit: Visit, request: Request) -> Response:
    """Make the task recur with a preset or a custom rule."""
    task_id = path_id(request, "task_id")
    url = f"/tasks/{task_id}/time"
    chosen = visit.field("preset")
    rule = next((r for name, _, r in PRESETS if name == chosen), visit.field("rule"))
    try:
        web.core.time.set_recurrence(visit.actor, task_id, rule=rule, mode=visit.field("mode"))
    except FAILURES as exc:
        return _back(web, visit, url, exc)
    return web.redirect(visit, url, notice="The task now recurs.")


def clear_recurrence(web: Web, visit: Visit, request: Request) -> Response:
    """Stop the task recurring."""
    task_id = path_id(request, "task_id")
    url = f"/tasks/{task_id}/time"
    try:
        web.core.time.clear_recurrence(visit.actor, task_id)
    except (*FAILURES, errors.NotFound) as exc:
        return _back(web, visit, url, exc)
    return web.redirect(visit, url, notice="The task no longer recurs.")


def skip_occurrence(web: Web, visit: Visit, request: Request) -> Response:
    """Skip the task's current occurrence."""
    task_id = path_id(request, "task_id")
    url = f"/tasks/{task_id}/time"
    try:
        web.core.time.skip_occurrence(visit.actor, task_id)
    except (*FAILURES, errors.NotFound) as exc:
        return _back(web, visit, url, exc)
    return web.redirect(visit, url, notice="Occurrence skipped.")


def add_reminder(web: Web, visit: Visit, request: Request) -> Response:
    """Add a reminder: at a time, or some minutes before the due date."""
    task_id = path_id(request, "task_id")
    url = f"/tasks/{task_id}/time"
    raw = visit.field("before_minutes").strip()
    at = visit.field("remind_at").strip()
    try:
        if at:
            web.core.time.add_reminder(visit.actor, task_id, remind_at=at)
        else:
            before = int(raw) if raw.isdigit() and len(raw) <= 6 else raw or None
            web.core.time.add_reminder(visit.actor, task_id, before_minutes=before)
    except FAILURES as exc:
        return _back(web, visit, url, exc)
    return web.redirect(visit, url, notice="Reminder added.")


def delete_reminder(web: Web, visit: Visit, request: Request) -> Response:
    """Delete a reminder; back to its task's time page."""
    reminder_id = path_id(request, "reminder_id")
    url = visit.field("next")
    url = url if url.startswith("/tasks/") else "/time"
    try:
        web.core.time.delete_reminder(visit.actor, reminder_id)
    except (*FAILURES, errors.NotFound) as exc:
        return _back(web, visit, url, exc)
    return web.redirect(visit, url, notice="Reminder deleted.")


def _period(visit: Visit, request: Request) -> tuple[str | None, str | None]:
    return request.query_params.get("from") or None, request.query_params.get("to") or None


def my_time(web: Web, visit: Visit, request: Request) -> Response:
    """The caller's timer, recent entries and timesheet."""
    core, actor = web.core, visit.actor
    date_from, date_to = _period(visit, request)
    status, problem, sheet = 200, "", None
    try:
        sheet = core.time.timesheet(actor, date_from=date_from, date_to=date_to)
    except errors.ValidationError as exc:
        status, problem = ctx_status(exc), exc.message
    return web.render(
        visit,
        "time.html",
        status=status,
        title="My time",
        timer=core.time.current_timer(actor),
        entries=core.time.list_entries(actor, page=PageRequest(per_page=ENTRIES_SIZE)),
        sheet=sheet,
        problem=problem,
        date_from=date_from or (sheet.date_from.isoformat() if sheet else ""),
        date_to=date_to or (sheet.date_to.isoformat() if sheet else ""),
    )


def export_timesheet(web: Web, visit: Visit, request: Request) -> Response:
    """The caller's timesheet as a CSV download."""
    date_from, date_to = _period(visit, request)
    sheet = web.core.time.timesheet(visit.actor, date_from=date_from, date_to=date_to)
    return timesheet_download(sheet)


def _month(raw: str | None, today: dt.date) -> dt.date:
    if raw and len(raw) == 7:
        try:
            return dt.date.fromisoformat(raw + "-01")
        except ValueError:
            pass
    return today.replace(day=1)


def month_calendar(web: Web, visit: Visit, request: Request) -> Response:
    """A month of the caller's tasks by due date, in their time zone, and their feed."""
    core, actor = web.core, visit.actor
    where = zone(core.time.timezone(actor))
    first = _month(request.query_params.get("month"), dt.datetime.now(where).date())
    days = calendar.monthrange(first.year, first.month)[1]
    after = first + dt.timedelta(days=days)
    start = dt.datetime.combine(first, dt.time(), where)
    end = dt.datetime.combine(after, dt.time(), where)
    by_day: dict[int, list[object]] = {}
    for task in core.time.due_between(actor, start, end):
        by_day.setdefault(task.due_date.astimezone(where).day, []).append(task)
    weeks = calendar.Calendar().monthdayscalendar(first.year, first.month)
    previous = (first - dt.timedelta(days=1)).replace(day=1)
    return web.render(
        visit,
        "calendar.html",
        title=f"Calendar {first:%B %Y}",
        month=first,
        weeks=weeks,
        by_day=by_day,
        previous=f"{previous:%Y-%m}",
        following=f"{after:%Y-%m}",
        feed=core.time.calendar_feed(actor),
        new_feed_url=None,
    )


def create_feed(web: Web, visit: Visit, request: Request) -> Response:
    """Create or regenerate the caller's feed; its URL is shown this once."""
    made = web.core.time.create_calendar_feed(visit.actor)
    url = f"{str(request.base_url).rstrip('/')}/api/calendar/{made.secret}"
    return web.render(
        visit,
        "calendar_feed.html",
        title="Calendar feed",
        new_feed_url=url,
        regenerated=made.regenerated,
    )


def delete_feed(web: Web, visit: Visit, request: Request) -> Response:
    """Delete the caller's feed."""
    try:
        web.core.time.delete_calendar_feed(visit.actor)
    except errors.NotFound as exc:
        return _back(web, visit, "/calendar", exc)
    return web.redirect(visit, "/calendar", notice="Calendar feed deleted.")


def routes(web: Web) -> list[PageRoute]:
    """The time pages."""
    return [
        PageRoute("/tasks/{task_id:int}/time", page(web, task_time), methods=["GET"]),
        PageRoute("/tasks/{task_id:int}/timer", page(web, start_timer), methods=["POST"]),
        PageRoute("/timer/stop", page(web, stop_timer), methods=["POST"]),
        PageRoute("/tasks/{task_id:int}/time", page(web, log_time), methods=["POST"]),
        PageRoute("/time-entries/{entry_id:int}/delete", page(web, delete_entry), methods=["POST"]),
        PageRoute("/tasks/{task_id:int}/recurrence", page(web, set_recurrence), methods=["POST"]),
        PageRoute(
            "/tasks/{task_id:int}/recurrence/delete",
            page(web, clear_recurrence),
            methods=["POST"],
        ),
        PageRoute(
            "/tasks/{task_id:int}/recurrence/skip", page(web, skip_occurrence), methods=["POST"]
        ),
        PageRoute("/tasks/{task_id:int}/reminders", page(web, add_reminder), methods=["POST"]),
        PageRoute(
            "/reminders/{reminder_id:int}/delete", page(web, delete_reminder), methods=["POST"]
        ),
        PageRoute("/time", page(web, my_time), methods=["GET"]),
        PageRoute("/time/timesheet.csv", page(web, export_timesheet), methods=["GET"]),
        PageRoute("/calendar", page(web, month_calendar), methods=["GET"]),
        PageRoute("/calendar/feed", page(web, create_feed), methods=["POST"]),
        PageRoute("/calendar/feed/delete", page(web, delete_feed), methods=["POST"]),
    ]
