"""Invitations to projects: a project's invitations and inviting a user (owners and
administrators), the caller's own invitations and answering them.

Their endpoints stand in the route table among the project-area ones (see
:data:`taskcore_adapters.http.routes.projects.ENDPOINTS`), after adding a member."""

from __future__ import annotations

from typing import Any

import attrs
from starlette.requests import Request
from starlette.responses import Response

from taskcore.domain.invitations import InvitationView
from taskcore.errors import ValidationError
from taskcore.services.projects import ProjectService
from taskcore_adapters.http import schemas as s
from taskcore_adapters.http.answers import (
    InvitationAnswer,
    InvitationList,
    InvitationMessage,
    MemberMessage,
    listing,
)
from taskcore_adapters.http.context import HttpContext
from taskcore_adapters.http.endpoint import Endpoint, Param
from taskcore_adapters.http.parsing import Id
from taskcore_adapters.http.responses import (
    InvitationResponse,
    MemberResponse,
    of,
    to_json,
)
from taskcore_adapters.http.routes.common import path_id
from taskcore_adapters.http.routes.paging import WINDOW_PARAMS, bool_param, bool_query, window
from taskcore_adapters.http.wire import JSON

INVITED = "Invitation sent; the user becomes a member by accepting it"


@attrs.define(kw_only=True)
class MemberBody:
    user_id: Id | None = None
    role: str | None = None


def invitation_response(invitation: InvitationView) -> InvitationResponse:
    """An invitation to a project, with the project's name and both usernames."""
    return of(InvitationResponse, invitation)


def invitation_message(message: str, invitation: InvitationView) -> dict[str, Any]:
    """A confirmation and the invitation."""
    return to_json(InvitationMessage(message=message, invitation=invitation_response(invitation)))


async def list_invitations(ctx: HttpContext, request: Request) -> Response:
    projects: ProjectService = ctx.runtime.core.projects
    actor = await ctx.slow(ctx.principal, request)
    found = await ctx.slow(
        projects.list_invitations,
        actor,
        path_id(request, "project_id"),
        pending=bool_query(request, "pending") or False,
        page=window(request),
    )
    return JSON(to_json(listing(InvitationList, found, invitation_response)))


async def invite(ctx: HttpContext, request: Request) -> Response:
    projects: ProjectService = ctx.runtime.core.projects
    actor = await ctx.slow(ctx.principal, request)
    project_id = path_id(request, "project_id")
    body = await ctx.body(request, MemberBody)
    if body.user_id is None:
        raise ValidationError("user_id is required", field="user_id")
    role = "member" if body.role is None else body.role
    made = await ctx.slow(
        projects.invite_member, actor, project_id, user_id=body.user_id, role=role
    )
    return JSON(invitation_message(INVITED, made), 201)


async def my_invitations(ctx: HttpContext, request: Request) -> Response:
    projects: ProjectService = ctx.runtime.core.projects
    actor = await ctx.slow(ctx.principal, request)
    found = await ctx.slow(projects.my_invitations, actor, page=window(request))
    return JSON(to_json(listing(InvitationList, found, invitation_response)))


async def get_invitation(ctx: HttpContext, request: Request) -> Response:
    projects: ProjectService = ctx.runtime.core.projects
    actor = await ctx.slow(ctx.principal, request)
    found = await ctx.slow(projects.get_invitation, actor, path_id(request, "invitation_id"))
    return JSON(to_json(InvitationAnswer(invitation=invitation_response(found))))


async def accept(ctx: HttpContext, request: Request) -> Response:
    projects: ProjectService = ctx.runtime.core.projects
    actor = await ctx.slow(ctx.principal, request)
    member = await ctx.slow(projects.accept_invitation, actor, path_id(request, "invitation_id"))
    accepted = MemberMessage(message="Invitation accepted", member=of(MemberResponse, member))
    return JSON(to_json(accepted))


async def _close(ctx: HttpContext, request: Request, *, revoke: bool) -> Response:
    """Decline one's invitation, or revoke one as an owner: the invitation as it ends."""
    projects: ProjectService = ctx.runtime.core.projects
    use_case = projects.revoke_invitation if revoke else projects.decline_invitation
    actor = await ctx.slow(ctx.principal, request)
    found = await ctx.slow(use_case, actor, path_id(request, "invitation_id"))
    message = "Invitation revoked" if revoke else "Invitation declined"
    return JSON(invitation_message(message, found))


async def decline(ctx: HttpContext, request: Request) -> Response:
    return await _close(ctx, request, revoke=False)


async def revoke(ctx: HttpContext, request: Request) -> Response:
    return await _close(ctx, request, revoke=True)


_PROJECT_ID = Param(name="project_id", where="path")
_INVITATION_ID = Param(name="invitation_id", where="path")

ENDPOINTS: list[Endpoint] = [
    Endpoint(
        method="GET",
        path="/api/projects/{project_id:int}/invitations",
        handler=list_invitations,
        summary="A project's invitations, newest first (owners and admins)",
        tag="projects",
        params=[
            _PROJECT_ID,
            *WINDOW_PARAMS,
            bool_param("pending", "only invitations that can still be accepted"),
        ],
        responses={
            200: ("A page of invitations", s.response_schema(InvitationList)),
            **s.errors(400, 401, 403, 404),
        },
    ),
    Endpoint(
        method="POST",
        path="/api/projects/{project_id:int}/invitations",
        handler=invite,
        summary="Invite a user to a project with a role (owners and admins); valid for 14 days",
        tag="projects",
        params=[_PROJECT_ID],
        body=s.body_schema(MemberBody),
        responses={
            201: ("Invited", s.response_schema(InvitationMessage)),
            **s.errors(400, 401, 403, 404, 409),
        },
    ),
    Endpoint(
        method="GET",
        path="/api/invitations",
        handler=my_invitations,
        summary="The caller's invitations that can still be accepted, newest first",
        tag="projects",
        params=[*WINDOW_PARAMS],
        responses={
            200: ("A page of invitations", s.response_schema(InvitationList)),
            **s.errors(400, 401),
        },
    ),
    Endpoint(
        method="GET",
        path="/api/invitations/{invitation_id:int}",
        handler=get_invitation,
        summary="One invitation (its invitee, the project's owners and admins)",
        tag="projects",
        params=[_INVITATION_ID],
        responses={
            200: ("The invitation", s.response_schema(InvitationAnswer)),
            **s.errors(401, 403, 404),
        },
    ),
    Endpoint(
        method="POST",
        path="/api/invitations/{invitation_id:int}/accept",
        handler=accept,
        summary="Accept one's invitation: become a member with its role",
        tag="projects",
        params=[_INVITATION_ID],
        responses={
            200: ("Accepted", s.response_schema(MemberMessage)),
            **s.errors(401, 404, 409),
        },
    ),
    Endpoint(
        method="POST",
        path="/api/invitations/{invitation_id:int}/decline",
        handler=decline,
        summary="Decline one's invitation",
        tag="projects",
        params=[_INVITATION_ID],
        responses={
            200: ("Declined", s.response_schema(InvitationMessage)),
            **s.errors(401, 404, 409),
        },
    ),
    Endpoint(
        method="POST",
        path="/api/invitations/{invitation_id:int}/revoke",
        handler=revoke,
        summary="Withdraw a pending invitation (the project's owners and admins)",
        tag="projects",
        params=[_INVITATION_ID],
        responses={
            200: ("Revoked", s.response_schema(InvitationMessage)),
            **s.errors(401, 403, 404, 409),
        },
    ),
]
"""The invitation endpoints, in routing order."""
