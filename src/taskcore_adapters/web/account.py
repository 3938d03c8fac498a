"""Account pages: log in, register, log out, profile and password, administration,
dashboard."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from taskcore import errors
from taskcore.domain.pagination import PageRequest
from taskcore.domain.recurrence import check_timezone
from taskcore.domain.reminders import check_hour
from taskcore.domain.tasks import TaskStatus
from taskcore.services.tasks import TaskFilters
from taskcore_adapters.http.errors import status_of
from taskcore_adapters.http.parsing import whole_number
from taskcore_adapters.http.routes.common import path_id
from taskcore_adapters.http.throttle import throttled_login, throttled_password_change
from taskcore_adapters.web import access_tokens as token_section
from taskcore_adapters.web.routing import PageRoute, page
from taskcore_adapters.web.session import (
    Visit,
    Web,
    cleared_cookies,
    field_errors,
    safe_next,
    session_cookies,
)

ADMIN_PAGE_SIZE = 25
DASHBOARD_SIZE = 10

ADMIN_ACTIONS: dict[str, dict[str, bool]] = {
    "activate": {"is_active": True},
    "deactivate": {"is_active": False},
    "grant_admin": {"is_admin": True},
    "revoke_admin": {"is_admin": False},
}


def page_number(request: Request) -> int:
    """The ``page`` query parameter (1 when absent or not a positive number)."""
    raw = request.query_params.get("page", "1")
    number = whole_number(raw, digits=10)
    return number if number is not None and 0 < number < 2**31 else 1


def home(web: Web, visit: Visit, request: Request) -> Response:
    """``/``: the dashboard for a logged-in user, the login page otherwise."""
    return web.redirect(visit, "/dashboard" if visit.principal else "/login")


def login_form(web: Web, visit: Visit, request: Request) -> Response:
    """The login form (a logged-in user goes on to the dashboard)."""
    target = safe_next(request.query_params.get("next"))
    if visit.principal is not None:
        return web.redirect(visit, target)
    return web.render(
        visit, "login.html", title="Log in", values={"username": ""}, errors={}, next=target
    )


async def login(web: Web, visit: Visit, request: Request) -> Response:
    """Log in with ``users.login`` (throttled like the API) and keep the tokens in cookies."""
    ctx = web.ctx
    username = visit.field("username")
    target = safe_next(visit.field("next"))
    address = ctx.client_address(request)
    try:
        await ctx.slow(ctx.throttle.attempt, "login", address)
        result = await ctx.slow(
            throttled_login,
            ctx.throttle,
            web.core.users,
            username=username,
            password=visit.field("password"),
            address=address,
        )
    except errors.TaskcoreError as exc:
        return web.render(
            visit,
            "login.html",
            status=ctx_status(exc),
            title="Log in",
            values={"username": username},
            errors=field_errors(exc, {errors.AuthenticationFailed: "password"}),
            next=target,
        )
    visit.cookies.update(session_cookies(result, web.core.clock.now()))
    return web.redirect(visit, target)


def register_form(web: Web, visit: Visit, request: Request) -> Response:
    """The registration form."""
    return web.render(
        visit,
        "register.html",
        title="Register",
        values=dict.fromkeys(("username", "email", "full_name"), ""),
        errors={},
    )


async def register(web: Web, visit: Visit, request: Request) -> Response:
    """Create an account with ``users.register``, then log it in."""
    ctx = web.ctx
    values = {name: visit.field(name) for name in ("username", "email", "full_name")}
    password = visit.field("password")
    try:
        await ctx.slow(ctx.throttle.attempt, "register", ctx.client_address(request))
        if password != visit.field("confirm_password"):
            raise errors.ValidationError("Passwords do not match", field="confirm_password")
        await ctx.slow(web.core.users.register, password=password, **values)
        result = await ctx.slow(
            web.core.users.login, username=values["username"], password=password
        )
    except errors.TaskcoreError as exc:
        return web.render(
            visit,
            "register.html",
            status=ctx_status(exc),
            title="Register",
            values=values,
            errors=field_errors(
                exc,
                {errors.UsernameAlreadyExists: "username", errors.EmailAlreadyExists: "email"},
            ),
        )
    visit.cookies.update(session_cookies(result, web.core.clock.now()))
    return web.redirect(visit, "/dashboard", notice="Welcome! Your account is ready.")


def logout(web: Web, visit: Visit, request: Request) -> Response:
    """End the session with ``users.logout`` and delete the cookies."""
    web.core.users.logout(visit.actor)
    visit.cookies.update(cleared_cookies())
    return web.redirect(visit, "/login", notice="You are logged out.")


def _profile(
    web: Web,
    visit: Visit,
    *,
    status: int = 200,
    values: dict[str, str] | None = None,
    errors_: dict[str, str] | None = None,
    password_errors: dict[str, str] | None = None,
    schedule: dict[str, str] | None = None,
    schedule_errors: dict[str, str] | None = None,
    token_page: int = 1,
    **tokens: Any,
) -> Response:
    """The profile page; ``tokens`` replaces values of its access-token section."""
    me = web.core.users.get_me(visit.actor)
    section = token_section.context(web, visit, token_page) | tokens
    if schedule is None:
        digest = web.core.time.digest_subscription(visit.actor)
        schedule = {
            "timezone": web.core.time.timezone(visit.actor),
            "digest": "1" if digest is not None else "",
            "hour": str(digest.hour if digest is not None else 8),
        }
    return web.render(
        visit,
        "profile.html",
        status=status,
        title="Profile",
        user=me,
        values=values or {"full_name": me.full_name or "", "email": me.email or ""},
        errors=errors_ or {},
        password_errors=password_errors or {},
        schedule=schedule,
        schedule_errors=schedule_errors or {},
        hours=[(str(h), f"{h:02d}:00") for h in range(24)],
        **section,
    )


def profile(web: Web, visit: Visit, request: Request) -> Response:
    """The caller's profile, with the forms to change it and the password, and the
    caller's personal access tokens (``page``: their page)."""
    return _profile(web, visit, token_page=page_number(request))


def update_profile(web: Web, visit: Visit, request: Request) -> Response:
    """Change name and e-mail with ``users.update_profile``."""
    values = {"full_name": visit.field("full_name"), "email": visit.field("email")}
    try:
        web.core.users.update_profile(
            visit.actor, full_name=values["full_name"] or None, email=values["email"]
        )
    except errors.TaskcoreError as exc:
        return _profile(
            web,
            visit,
            status=ctx_status(exc),
            values=values,
            errors_=field_errors(exc, {errors.EmailAlreadyExists: "email"}),
        )
    return web.redirect(visit, "/profile", notice="Profile saved.")


def update_schedule(web: Web, visit: Visit, request: Request) -> Response:
    """Set the time zone (``time.set_timezone``) and the daily digest (``time.set_digest``):
    both values are checked before either is saved."""
    schedule = {
        "timezone": visit.field("timezone").strip(),
        "digest": "1" if visit.field("digest") == "1" else "",
        "hour": visit.field("hour"),
    }
    hour: object = int(schedule["hour"]) if schedule["hour"].isdigit() else schedule["hour"]
    try:
        zone = check_timezone(schedule["timezone"])
        if schedule["digest"]:
            hour = check_hour(hour)
        web.core.time.set_timezone(visit.actor, zone)
        web.core.time.set_digest(visit.actor, enabled=bool(schedule["digest"]), hour=hour)
    except errors.TaskcoreError as exc:
        return _profile(
            web,
            visit,
            status=ctx_status(exc),
            schedule=schedule,
            schedule_errors=field_errors(exc),
        )
    return web.redirect(visit, "/profile", notice="Time zone and digest saved.")


async def change_password(web: Web, visit: Visit, request: Request) -> Response:
    """Change the password with ``users.change_password`` (throttled like the API); the
    session continues with the fresh tokens it returns."""
    ctx = web.ctx
    try:
        result = await ctx.slow(
            throttled_password_change,
            ctx.throttle,
            web.core.users,
            visit.actor,
            current_password=visit.field("current_password"),
            new_password=visit.field("new_password"),
            revoke_tokens=visit.field("revoke_tokens") == "1",
            address=ctx.client_address(request),
        )
    except errors.TaskcoreError as exc:
        return _profile(
            web,
            visit,
            status=ctx_status(exc),
            password_errors=field_errors(exc, {errors.AuthenticationFailed: "current_password"}),
        )
    visit.cookies.update(session_cookies(result, web.core.clock.now()))
    return web.redirect(visit, "/profile", notice="Password changed.")


def admin(web: Web, visit: Visit, request: Request) -> Response:
    """Every account, a page at a time (``users.list_users``: administrators only)."""
    found = web.core.users.list_users(
        visit.actor, PageRequest.of(page_number(request), ADMIN_PAGE_SIZE)
    )
    return web.render(visit, "admin.html", title="Administration", users=found, error=None)


def admin_update(web: Web, visit: Visit, request: Request) -> Response:
    """Activate, deactivate, grant or revoke admin with ``users.admin_update``."""
    change = ADMIN_ACTIONS.get(visit.field("action"))
    if change is None:
        raise errors.ValidationError("Unknown action", field="action")
    page_no = visit.field("page")
    back = "/admin" + (f"?page={page_no}" if page_no.isdigit() else "")
    try:
        user = web.core.users.admin_update(visit.actor, path_id(request, "user_id"), **change)
    except errors.Conflict as exc:
        return web.redirect(visit, back, notice=exc.message)
    return web.redirect(visit, back, notice=f"{user.username} updated.")


def dashboard(web: Web, visit: Visit, request: Request) -> Response:
    """My open tasks across projects, my overdue tasks, my recent activity and unread
    notifications."""
    actor = visit.actor
    tasks = web.core.tasks
    size = PageRequest(per_page=DASHBOARD_SIZE)
    open_tasks = {
        status: tasks.list_my_tasks(
            actor,
            filters=TaskFilters(status=status, sort="due_date", order="asc"),
            page=size,
        )
        for status in (TaskStatus.IN_PROGRESS, TaskStatus.PENDING)
    }
    overdue = tasks.list_my_tasks(
        actor, filters=TaskFilters(overdue=True, sort="due_date", order="asc"), page=size
    )
    activity = web.core.activity.user_activities(actor, actor.user_id, page=size)
    inbox = web.core.notifications.inbox(actor, page=PageRequest(per_page=5), unread_only=True)
    projects = {
        p.id: p
        for p in web.core.projects.list_projects(actor, page=PageRequest(per_page=100)).items
    }
    return web.render(
        visit,
        "dashboard.html",
        title="Dashboard",
        open_tasks=open_tasks,
        overdue=overdue,
        activity=activity,
        inbox=inbox,
        projects=projects,
    )


def ctx_status(exc: errors.TaskcoreError) -> int:
    """The HTTP status the API gives ``exc``."""
    return status_of(exc)


def routes(web: Web) -> list[PageRoute]:
    """The account pages."""
    return [
        PageRoute("/", page(web, home, login=False), methods=["GET"]),
        PageRoute("/login", page(web, login_form, login=False), methods=["GET"]),
        PageRoute("/login", page(web, login, login=False), methods=["POST"]),
        PageRoute("/register", page(web, register_form, login=False), methods=["GET"]),
        PageRoute("/register", page(web, register, login=False), methods=["POST"]),
        PageRoute("/logout", page(web, logout), methods=["POST"]),
        PageRoute("/profile", page(web, profile), methods=["GET"]),
        PageRoute("/profile", page(web, update_profile), methods=["POST"]),
        PageRoute("/profile/password", page(web, change_password), methods=["POST"]),
        PageRoute("/profile/schedule", page(web, update_schedule), methods=["POST"]),
        *token_section.routes(web, _profile),
        PageRoute("/admin", page(web, admin), methods=["GET"]),
        PageRoute("/admin/users/{user_id:int}", page(web, admin_update), methods=["POST"]),
        PageRoute("/dashboard", page(web, dashboard), methods=["GET"]),
    ]
