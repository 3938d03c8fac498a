"""Users and authentication: endpoints U1-U8 of the original, plus logout and password change."""

from __future__ import annotations

from typing import Any

import attrs
from starlette.requests import Request
from starlette.responses import Response

from taskcore.domain.values import UNSET, Unset
from taskcore.errors import ValidationError
from taskcore.services.users import LoginResult, UserView
from taskcore_adapters.http import schemas as s
from taskcore_adapters.http.context import HttpContext
from taskcore_adapters.http.endpoint import Endpoint, Param
from taskcore_adapters.http.responses import UserResponse, of, to_json
from taskcore_adapters.http.routes.common import PAGE_PARAMS, page_request, pagination, path_id
from taskcore_adapters.http.throttle import throttled_login, throttled_password_change
from taskcore_adapters.http.wire import JSON, iso


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


def tokens_json(result: LoginResult) -> dict[str, Any]:
    """The access token, its expiry, and the refresh token that renews it once."""
    return {
        "token": result.token,
        "expires_at": iso(result.expires_at),
        "refresh_token": result.refresh_token,
        "refresh_expires_at": iso(result.refresh_expires_at),
    }


@attrs.define(kw_only=True)
class ProfileBody:
    full_name: str | Unset | None = UNSET
    email: str | Unset | None = UNSET


@attrs.define(kw_only=True)
class PasswordBody:
    current_password: str | None = None
    new_password: str | None = None


@attrs.define(kw_only=True)
class AdminUserBody:
    is_active: bool | Unset = UNSET
    is_admin: bool | Unset = UNSET


def user_json(user: UserView) -> dict[str, Any]:
    """The 9-key user object (``email``, ``is_admin``, ``last_login`` and ``login_count``
    are null for other users than the caller, unless the caller is an administrator)."""
    return to_json(of(UserResponse, user))


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
    return JSON({"message": "User registered successfully", "user": user_json(user)}, 201)


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
    return JSON(
        {"message": "Login successful", **tokens_json(result), "user": user_json(result.user)}
    )


async def refresh(ctx: HttpContext, request: Request) -> Response:
    users = ctx.runtime.core.users
    await ctx.slow(ctx.throttle.attempt, "refresh", ctx.client_address(request))
    body = await ctx.body(request, RefreshBody)
    result = users.refresh(body.refresh_token)
    return JSON({"message": "Token refreshed", **tokens_json(result)})


async def logout(ctx: HttpContext, request: Request) -> Response:
    users = ctx.runtime.core.users
    users.logout(ctx.principal(request))
    return JSON({"message": "Logged out successfully"})


async def verify_token(ctx: HttpContext, request: Request) -> Response:
    users = ctx.runtime.core.users
    body = await ctx.body(request, TokenBody, allow_empty=True)
    if not body.token:
        raise ValidationError("Token required", field="token")
    _, user = users.verify_token(body.token)
    return JSON({"valid": True, "user": user_json(user)})


async def get_user(ctx: HttpContext, request: Request) -> Response:
    users = ctx.runtime.core.users
    actor = ctx.principal(request)
    user = users.get_user(actor, path_id(request, "user_id"))
    return JSON({"user": user_json(user)})


async def get_me(ctx: HttpContext, request: Request) -> Response:
    users = ctx.runtime.core.users
    return JSON({"user": user_json(users.get_me(ctx.principal(request)))})


async def update_me(ctx: HttpContext, request: Request) -> Response:
    users = ctx.runtime.core.users
    actor = ctx.principal(request)
    body = await ctx.body(request, ProfileBody)
    user = users.update_profile(actor, full_name=body.full_name, email=body.email)
    return JSON({"message": "Profile updated successfully", "user": user_json(user)})


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
        address=ctx.client_address(request),
    )
    return JSON({"message": "Password changed successfully", **tokens_json(result)})


async def list_users(ctx: HttpContext, request: Request) -> Response:
    users = ctx.runtime.core.users
    actor = ctx.principal(request)
    page = users.list_users(actor, page_request(request))
    return JSON({"users": [user_json(u) for u in page.items], "pagination": pagination(page)})


async def admin_update(ctx: HttpContext, request: Request) -> Response:
    users = ctx.runtime.core.users
    actor = ctx.principal(request)
    body = await ctx.body(request, AdminUserBody)
    user = users.admin_update(
        actor, path_id(request, "user_id"), is_active=body.is_active, is_admin=body.is_admin
    )
    return JSON({"message": "User updated successfully", "user": user_json(user)})


_USER_ID = Param(name="user_id", where="path")
_USER_REPLY = s.obj(user=s.ref("User"))
_TOKEN_FIELDS: dict[str, s.Schema] = {
    "token": {"type": "string"},
    "expires_at": s.DATETIME,
    "refresh_token": {"type": "string"},
    "refresh_expires_at": s.DATETIME,
}

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
            201: ("Created", s.message(user=s.ref("User"))),
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
            200: ("Logged in", s.message(**_TOKEN_FIELDS, user=s.ref("User"))),
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
            200: ("Fresh tokens", s.message(**_TOKEN_FIELDS)),
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
        responses={200: ("Logged out", s.message()), 401: s.ERROR_ANSWER},
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
            200: ("Valid", s.obj(valid={"type": "boolean"}, user=s.ref("User"))),
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
            200: ("Updated", s.message(user=s.ref("User"))),
            **s.errors(400, 401, 404, 409),
        },
    ),
    Endpoint(
        method="PUT",
        path="/api/users/me/password",
        handler=change_password,
        summary="Change the caller's password; ends every other session",
        tag="users",
        body=s.body_schema(PasswordBody),
        responses={
            200: ("Changed; fresh tokens", s.message(**_TOKEN_FIELDS)),
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
                s.obj(
                    users={"type": "array", "items": s.ref("User")},
                    pagination=s.ref("Pagination"),
                ),
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
            200: ("Updated", s.message(user=s.ref("User"))),
            **s.errors(400, 401, 403, 404, 409),
        },
    ),
]
"""The user-area endpoints."""
