"""Personal access tokens: one's own (create, list, revoke) and, for administrators,
everyone's. A token is sent as ``Authorization: Bearer tcp_...`` like any access token."""

from __future__ import annotations

import attrs
from starlette.requests import Request
from starlette.responses import Response

from taskcore.domain.pagination import Page
from taskcore.errors import ValidationError
from taskcore.services.users.tokens import AccessTokenView
from taskcore_adapters.http import parsing, wire
from taskcore_adapters.http import schemas as s
from taskcore_adapters.http.answers import AccessTokenCreated, AccessTokenPage, Message, Pagination
from taskcore_adapters.http.context import HttpContext
from taskcore_adapters.http.endpoint import Endpoint, Param
from taskcore_adapters.http.responses import AccessTokenResponse, of, to_json
from taskcore_adapters.http.routes.common import PAGE_PARAMS, int_query, page_request, path_id
from taskcore_adapters.http.wire import JSON


@attrs.define(kw_only=True)
class AccessTokenBody:
    name: str | None = None
    scopes: list[str] | None = None
    expires_at: str | None = None


_STRICT = parsing.make_converter(forbid_extra_keys=True)
"""These endpoints are new: a key they do not know is refused, not ignored."""


def _page(page: Page[AccessTokenView]) -> Response:
    shown = tuple(of(AccessTokenResponse, t) for t in page.items)
    return JSON(to_json(AccessTokenPage(tokens=shown, pagination=Pagination.of(page))))


async def create_token(ctx: HttpContext, request: Request) -> Response:
    users = ctx.runtime.core.users
    actor = await ctx.slow(ctx.principal, request)
    body = parsing.structure(_STRICT, await wire.read_json(request), AccessTokenBody)
    created = await ctx.slow(
        users.create_token,
        actor,
        name=body.name,
        scopes=body.scopes,
        expires_at=body.expires_at,
    )
    answer = AccessTokenCreated(
        message="Access token created; copy it now, it will not be shown again",
        token=of(AccessTokenResponse, created.token),
        secret=created.secret,
    )
    return JSON(to_json(answer), 201, headers={"Cache-Control": "no-store"})


async def list_my_tokens(ctx: HttpContext, request: Request) -> Response:
    users = ctx.runtime.core.users
    actor = await ctx.slow(ctx.principal, request)
    return _page(await ctx.slow(users.list_my_tokens, actor, page_request(request)))


async def revoke_my_token(ctx: HttpContext, request: Request) -> Response:
    users = ctx.runtime.core.users
    actor = await ctx.slow(ctx.principal, request)
    await ctx.slow(users.revoke_my_token, actor, path_id(request, "token_id"))
    return JSON(to_json(Message(message="Access token revoked")))


async def list_tokens(ctx: HttpContext, request: Request) -> Response:
    users = ctx.runtime.core.users
    actor = await ctx.slow(ctx.principal, request)
    raw = request.query_params.get("user_id")
    user_id = int_query(request, "user_id")
    if raw is not None and user_id is None:
        raise ValidationError("user_id must be an integer", field="user_id")
    page = await ctx.slow(users.list_tokens, actor, page_request(request), user_id=user_id)
    return _page(page)


async def revoke_token(ctx: HttpContext, request: Request) -> Response:
    users = ctx.runtime.core.users
    actor = await ctx.slow(ctx.principal, request)
    await ctx.slow(users.revoke_token, actor, path_id(request, "token_id"))
    return JSON(to_json(Message(message="Access token revoked")))


_TOKEN_ID = Param(name="token_id", where="path")
_PAGE = s.response_schema(AccessTokenPage)
_REVOKED = s.response_schema(Message)

ENDPOINTS: list[Endpoint] = [
    Endpoint(
        method="POST",
        path="/api/users/me/tokens",
        handler=create_token,
        summary="Create a personal access token (its secret is in this answer only)",
        tag="users",
        body=s.body_schema(AccessTokenBody),
        responses={
            201: ("Created", s.response_schema(AccessTokenCreated)),
            **s.errors(400, 401, 403),
        },
    ),
    Endpoint(
        method="GET",
        path="/api/users/me/tokens",
        handler=list_my_tokens,
        summary="The caller's personal access tokens not revoked, newest first",
        tag="users",
        params=PAGE_PARAMS,
        responses={200: ("A page of tokens", _PAGE), **s.errors(401, 403)},
    ),
    Endpoint(
        method="DELETE",
        path="/api/users/me/tokens/{token_id:int}",
        handler=revoke_my_token,
        summary="Revoke one of the caller's personal access tokens, at once",
        tag="users",
        params=[_TOKEN_ID],
        responses={200: ("Revoked", _REVOKED), **s.errors(401, 403, 404)},
    ),
    Endpoint(
        method="GET",
        path="/api/admin/tokens",
        handler=list_tokens,
        summary="Everyone's personal access tokens not revoked, or one user's (admins only)",
        tag="admin",
        params=[*PAGE_PARAMS, Param(name="user_id", description="only this user's tokens")],
        responses={200: ("A page of tokens", _PAGE), **s.errors(401, 403)},
    ),
    Endpoint(
        method="DELETE",
        path="/api/admin/tokens/{token_id:int}",
        handler=revoke_token,
        summary="Revoke anyone's personal access token (admins only)",
        tag="admin",
        params=[_TOKEN_ID],
        responses={200: ("Revoked", _REVOKED), **s.errors(401, 403, 404)},
    ),
]
"""The personal-access-token endpoints."""
