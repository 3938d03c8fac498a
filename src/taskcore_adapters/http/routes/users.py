"""Users and authentication: endpoints U1-U8 of the original, plus logout and password change."""

from __future__ import annotations

import attrs
from starlette.requests import Request
from starlette.responses import Response

from taskcore.domain.values import UNSET, Unset
from taskcore.errors import ValidationError
from taskcore.services.users import LoginResult, UserView
from taskcore_adapters.http import schemas as s
from taskcore_adapters.http.answers import (
    LoggedIn,
    Message,
    Pagination,
    Tokens,
    TokenValidity,
    UserAnswer,
    UserMessage,
    UserPage,
)
from taskcore_adapters.http.context import HttpContext
from taskcore_adapters.http.endpoint import Endpoint, Param
from taskcore_adapters.http.responses import (
    UserResponse,
    of,
    to_json,
)
from taskcore_adapters.http.routes.common import PAGE_PARAMS, page_request, path_id
from taskcore_adapters.http.throttle import throttled_login, throttled_password_change
from taskcore_adapters.http.wire import JSON


@attrs.define(kw_only=True)
class RegisterBody:
    username: str | None = None
    email: str | None = None
    password: str | None = None
    full_name: str | None = None


@attrs.define(kw_only=True)
class LoginBody:
    username: str | None = None
    password: str | None = None


@attrs.define(kw_only=True)
class TokenBody:
    token: str | None = None


@attrs.define(kw_only=True)
class RefreshBody:
    refresh_token: str | None = None


def _tokens(message: str, result: LoginResult) -> Response:
    """The access token, its expiry, and the refresh token that renews it once."""
    return JSON(to_json(of(Tokens, result, message=message)))


@attrs.define(kw_only=True)
class ProfileBody:
    full_name: str | Unset | None = UNSET
    email: str | Unset | None = UNSET


@attrs.define(kw_only=True)
class PasswordBody:
    current_password: str | None = None
    new_password: str | None = None
    revoke_tokens: bool = False


@attrs.define(kw_only=True)
class AdminUserBody:
    is_active: bool | Unset = UNSET
    is_admin: bool | Unset = UNSET


def user_response(user: UserView) -> UserResponse:
    """The 9-key user object (``email``, ``is_admin``, ``last_login`` and ``login_count``
    are null for other users than the caller, unless the caller is an administrator)."""
    return of(UserResponse, user)


def _user(user: UserView, message: str | None = None, status: int = 200) -> Response:
    shown = user_response(user)
    if message is None:
        return JSON(to_json(UserAnswer(user=shown)), status)
    return JSON(to_json(UserMessage(message=message, user=shown)), status)


async def register(ctx: HttpContext, request: Request) -> Response:
    users = ctx.runtime.core.users
    await ctx.slow(ctx.throttle.attempt, "register", ctx.client_address(request))
    body = await ctx.body(request, RegisterBody)
    user = await ctx.slow(
        users.register,
        username=body.username,
        email=body.email,
        password=body.password,
        full_name=body.full_name,
    )
    return _user(user, "User registered successfully", 201)


async def login(ctx: HttpContext, request: Request) -> Response:
    # The limits may live in Redis: counted off the event loop, before any hashing.
    users = ctx.runtime.core.users
    address = ctx.client_address(request)
    await ctx.slow(ctx.throttle.attempt, "login", address)
    body = await ctx.body(request, LoginBody)
    result = await ctx.slow(
        throttled_login,
        ctx.throttle,
        users,
        username=body.username,
        password=body.password,
        address=address,
    )
    shown = user_response(result.user)
    return JSON(to_json(of(LoggedIn, result, message="Login successful", user=shown)))


async def refresh(ctx: HttpContext, request: Request) -> Response:
    users = ctx.runtime.core.users
    await ctx.slow(ctx.throttle.attempt, "refresh", ctx.client_address(request))
    body = await ctx.body(request, RefreshBody)
    result = users.refresh(body.refresh_token)
    return _tokens("Token refreshed", result)


async def logout(ctx: HttpContext, request: Request) -> Response:
    users = ctx.runtime.core.users
    users.logout(ctx.principal(request))
    return JSON(to_json(Message(message="Logged out successfully")))


async def verify_token(ctx: HttpContext, request: Request) -> Response:
    users = ctx.runtime.core.users
    body = await ctx.body(request, TokenBody, allow_empty=True)
    if not body.token:
        raise ValidationError("Token required", field="token")
    _, user = users.verify_token(body.token)
    return JSON(to_json(TokenValidity(valid=True, user=user_response(user))))


async def get_user(ctx: HttpContext, request: Request) -> Response:
    users = ctx.runtime.core.users
    actor = ctx.principal(request)
    user = users.get_user(actor, path_id(request, "user_id"))
    return _user(user)


async def get_me(ctx: HttpContext, request: Request) -> Response:
    users = ctx.runtime.core.users
    return _user(users.get_me(ctx.principal(request)))


async def update_me(ctx: HttpContext, request: Request) -> Response:
    users = ctx.runtime.core.users
    actor = ctx.principal(request)
    body = await ctx.body(request, ProfileBody)
    user = users.update_profile(actor, full_name=body.full_name, email=body.email)
    return _user(user, "Profile updated successfully")


async def change_password(ctx: HttpContext, request: Request) -> Response:
    users = ctx.runtime.core.users
    actor = ctx.principal(request)
    body = await ctx.body(request, PasswordBody)
    result = await ctx.slow(
        throttled_password_change,
        ctx.throttle,
        users,
        actor,
        current_password=body.current_password,
        new_password=body.new_password,
        revoke_tokens=body.revoke_tokens,
        address=ctx.client_address(request),
    )
    return _tokens("Password changed successfully", result)


async def list_users(ctx: HttpContext, request: Request) -> Response:
    users = ctx.runtime.core.users
    actor = ctx.principal(request)
    page = users.list_users(actor, page_request(request))
    shown = tuple(user_response(u) for u in page.items)
    return JSON(to_json(UserPage(users=shown, pagination=Pagination.of(page))))


async def admin_update(ctx: HttpContext, request: Request) -> Response:
    users = ctx.runtime.core.users
    actor = ctx.principal(request)
    body = await ctx.body(request, AdminUserBody)
    user = users.admin_update(
        actor, path_id(request, "user_id"), is_active=body.is_active, is_admin=body.is_admin
    )
    return _user(user, "User updated successfully")


_USER_ID = Param(name="user_id", where="path")
_USER_REPLY = s.response_schema(UserAnswer)
_USER_CHANGED = s.response_schema(UserMessage)
_TOKENS = s.response_schema(Tokens)

ENDPOINTS: list[Endpoint] = [
    Endpoint(
        method="POST",
        path="/api/register",
        handler=register,
        summary="Register a new account",
        tag="users",
        auth=False,
        body=s.body_schema(RegisterBody),
        responses={
            201: ("Created", _USER_CHANGED),
            **s.errors(400, 409, 413),
        },
    ),
    Endpoint(
        method="POST",
        path="/api/login",
        handler=login,
        summary="Log in with username (or e-mail) and password",
        tag="users",
        auth=False,
        body=s.body_schema(LoginBody),
        responses={
            200: ("Logged in", s.response_schema(LoggedIn)),
            **s.errors(400, 401, 403, 429),
        },
    ),
    Endpoint(
        method="POST",
        path="/api/token/refresh",
        handler=refresh,
        summary="Trade a refresh token (once) for new tokens; a replay ends the session",
        tag="users",
        auth=False,
        body=s.body_schema(RefreshBody),
        responses={
            200: ("Fresh tokens", _TOKENS),
            **s.errors(400),
            401: (
                "Unknown token or ended session; a replayed token (the session is revoked); "
                "or code `refresh_superseded`: the token was renewed less than the reuse "
                "grace period ago (the session stays live; use the newest tokens)",
                s.ref("Error"),
            ),
        },
    ),
    Endpoint(
        method="POST",
        path="/api/logout",
        handler=logout,
        summary="Revoke the token used for this request",
        tag="users",
        responses={200: ("Logged out", s.response_schema(Message)), 401: s.ERROR_ANSWER},
    ),
    Endpoint(
        method="POST",
        path="/api/verify-token",
        handler=verify_token,
        summary="Check a token and return its user",
        tag="users",
        auth=False,
        body=s.body_schema(TokenBody),
        responses={
            200: ("Valid", s.response_schema(TokenValidity)),
            **s.errors(400, 401),
        },
    ),
    Endpoint(
        method="GET",
        path="/api/users/me",
        handler=get_me,
        summary="The caller's own account",
        tag="users",
        responses={200: ("The account", _USER_REPLY), 401: s.ERROR_ANSWER, 404: s.ERROR_ANSWER},
    ),
    Endpoint(
        method="PUT",
        path="/api/users/me",
        handler=update_me,
        summary="Update the caller's full name and/or e-mail",
        tag="users",
        body=s.body_schema(ProfileBody),
        responses={
            200: ("Updated", _USER_CHANGED),
            **s.errors(400, 401, 404, 409),
        },
    ),
    Endpoint(
        method="PUT",
        path="/api/users/me/password",
        handler=change_password,
        summary=(
            "Change the caller's password; ends every other session (and, with "
            "`revoke_tokens`, revokes the caller's personal access tokens)"
        ),
        tag="users",
        body=s.body_schema(PasswordBody),
        responses={
            200: ("Changed; fresh tokens", _TOKENS),
            **s.errors(400, 401, 429),
        },
    ),
    Endpoint(
        method="GET",
        path="/api/users/{user_id:int}",
        handler=get_user,
        summary="Any user (e-mail, role and login history only for admins and the user)",
        tag="users",
        params=[_USER_ID],
        responses={200: ("The user", _USER_REPLY), 401: s.ERROR_ANSWER, 404: s.ERROR_ANSWER},
    ),
    Endpoint(
        method="GET",
        path="/api/admin/users",
        handler=list_users,
        summary="All accounts, paginated (admins only)",
        tag="admin",
        params=PAGE_PARAMS,
        responses={
            200: (
                "A page of users",
                s.response_schema(UserPage),
            ),
            **s.errors(401, 403),
        },
    ),
    Endpoint(
        method="PUT",
        path="/api/admin/users/{user_id:int}",
        handler=admin_update,
        summary="Activate/deactivate or grant/revoke admin (admins only)",
        tag="admin",
        params=[_USER_ID],
        body=s.body_schema(AdminUserBody),
        responses={
            200: ("Updated", _USER_CHANGED),
            **s.errors(400, 401, 403, 404, 409),
        },
    ),
]
"""The user-area endpoints."""
