"""Projects and their members: endpoints P1-P5 of the original, plus membership (the
invitations are in :mod:`~taskcore_adapters.http.routes.invitations`)."""

from __future__ import annotations

import datetime as dt

import attrs
from starlette.requests import Request
from starlette.responses import Response

from taskcore.domain.invitations import InvitationView
from taskcore.domain.projects import MemberView, ProjectStatus, ProjectView
from taskcore.domain.values import UNSET, Unset
from taskcore.errors import ValidationError
from taskcore.services.projects import ProjectService
from taskcore_adapters import wire_fields as wire
from taskcore_adapters.http import schemas as s
from taskcore_adapters.http.answers import (
    InvitationMessage,
    MemberList,
    MemberMessage,
    Message,
    ProjectAnswer,
    ProjectList,
    ProjectMessage,
    listing,
)
from taskcore_adapters.http.context import HttpContext
from taskcore_adapters.http.endpoint import Endpoint, Param
from taskcore_adapters.http.etags import IF_MATCH, etag_header, if_match, last_write_wins
from taskcore_adapters.http.responses import (
    MemberResponse,
    ProjectResponse,
    of,
    to_json,
)
from taskcore_adapters.http.routes import invitations
from taskcore_adapters.http.routes.common import path_id, strict_body
from taskcore_adapters.http.routes.invitations import INVITED, MemberBody, invitation_message
from taskcore_adapters.http.routes.paging import (
    WINDOW_PARAMS,
    bool_param,
    bool_query,
    text_query,
    window,
)
from taskcore_adapters.http.wire import JSON


@attrs.define(kw_only=True)
class ProjectBody:
    name: str | None = None
    description: str | None = None
    status: str | None = None
    priority: str | None = None
    start_date: str | None = None
    end_date: str | None = None


@attrs.define(kw_only=True)
class ProjectPatch:
    name: str | Unset | None = UNSET
    description: str | Unset | None = UNSET
    status: str | Unset | None = UNSET
    priority: str | Unset | None = UNSET
    start_date: str | Unset | None = UNSET
    end_date: str | Unset | None = UNSET


@attrs.define(kw_only=True)
class RoleBody:
    role: str | None = None


def _date(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def project_response(project: ProjectView) -> ProjectResponse:
    """The original's 11-key project object, plus ``version`` and the caller's ``role``."""
    return of(ProjectResponse, project)


def member_response(member: MemberView) -> MemberResponse:
    """A project member: the membership and the user's names."""
    return of(MemberResponse, member)


def _member(member: MemberView, message: str, status: int = 200) -> Response:
    return JSON(to_json(MemberMessage(message=message, member=member_response(member))), status)


def _one(project: ProjectView, status: int = 200, message: str | None = None) -> Response:
    shown = project_response(project)
    answer = (
        ProjectAnswer(project=shown)
        if message is None
        else ProjectMessage(message=message, project=shown)
    )
    return JSON(to_json(answer), status, headers=etag_header(project.id, project.version))


async def list_projects(ctx: HttpContext, request: Request) -> Response:
    projects: ProjectService = ctx.runtime.core.projects
    actor = await ctx.slow(ctx.principal, request)
    found = await ctx.slow(
        projects.list_projects,
        actor,
        all=bool_query(request, "all") or False,
        status=wire.project_status(text_query(request, "status")),
        page=window(request),
    )
    return JSON(to_json(listing(ProjectList, found, project_response)))


async def create_project(ctx: HttpContext, request: Request) -> Response:
    projects: ProjectService = ctx.runtime.core.projects
    actor = await ctx.slow(ctx.principal, request)
    body = await strict_body(ctx, request, ProjectBody, ProjectResponse)
    project = await ctx.slow(
        projects.create_project,
        actor,
        name=body.name,
        description=body.description,
        status=wire.project_status(body.status),
        priority=wire.priority(body.priority),
        start_date=wire.project_date(body.start_date, "start_date"),
        end_date=wire.project_date(body.end_date, "end_date"),
    )
    return _one(project, 201, message="Project created successfully")


async def get_project(ctx: HttpContext, request: Request) -> Response:
    projects: ProjectService = ctx.runtime.core.projects
    actor = await ctx.slow(ctx.principal, request)
    project = await ctx.slow(projects.get_project, actor, path_id(request, "project_id"))
    return _one(project)


async def update_project(ctx: HttpContext, request: Request) -> Response:
    projects: ProjectService = ctx.runtime.core.projects
    actor = await ctx.slow(ctx.principal, request)
    project_id = path_id(request, "project_id")
    body = await strict_body(ctx, request, ProjectPatch, ProjectResponse)
    precondition = if_match(request, project_id)

    def write() -> ProjectView:
        expected = precondition.expected(lambda: projects.get_project(actor, project_id).version)
        return last_write_wins(
            lambda: projects.update_project(
                actor,
                project_id,
                name=body.name,
                description=body.description,
                status=wire.project_status(body.status),
                priority=wire.priority(body.priority),
                start_date=wire.project_date(body.start_date, "start_date"),
                end_date=wire.project_date(body.end_date, "end_date"),
                expected_version=expected,
            ),
            expected,
        )

    project = await ctx.slow(write)
    return _one(project, message="Project updated successfully")


async def delete_project(ctx: HttpContext, request: Request) -> Response:
    projects: ProjectService = ctx.runtime.core.projects
    actor = await ctx.slow(ctx.principal, request)
    project_id = path_id(request, "project_id")
    precondition = if_match(request, project_id)

    def remove() -> None:
        expected = precondition.expected(lambda: projects.get_project(actor, project_id).version)
        projects.delete_project(actor, project_id, expected_version=expected)

    await ctx.slow(remove)
    return JSON(to_json(Message(message="Project deleted successfully")))


async def list_members(ctx: HttpContext, request: Request) -> Response:
    projects: ProjectService = ctx.runtime.core.projects
    actor = await ctx.slow(ctx.principal, request)
    found = await ctx.slow(
        projects.list_members, actor, path_id(request, "project_id"), page=window(request)
    )
    return JSON(to_json(listing(MemberList, found, member_response)))


async def add_member(ctx: HttpContext, request: Request) -> Response:
    projects: ProjectService = ctx.runtime.core.projects
    actor = await ctx.slow(ctx.principal, request)
    project_id = path_id(request, "project_id")
    body = await ctx.body(request, MemberBody)
    if body.user_id is None:
        raise ValidationError("user_id is required", field="user_id")
    role = "member" if body.role is None else body.role
    done = await ctx.slow(
        projects.add_or_invite, actor, project_id, user_id=body.user_id, role=role
    )
    if isinstance(done, InvitationView):
        return JSON(invitation_message(INVITED, done), 202)
    return _member(done, "Member added successfully", 201)


async def change_role(ctx: HttpContext, request: Request) -> Response:
    projects: ProjectService = ctx.runtime.core.projects
    actor = await ctx.slow(ctx.principal, request)
    project_id = path_id(request, "project_id")
    user_id = path_id(request, "user_id")
    body = await ctx.body(request, RoleBody)
    if body.role is None:
        raise ValidationError("role is required", field="role")
    member = await ctx.slow(projects.change_member_role, actor, project_id, user_id, role=body.role)
    return _member(member, "Member updated successfully")


async def remove_member(ctx: HttpContext, request: Request) -> Response:
    projects: ProjectService = ctx.runtime.core.projects
    actor = await ctx.slow(ctx.principal, request)
    project_id = path_id(request, "project_id")
    user_id = path_id(request, "user_id")
    await ctx.slow(projects.remove_member, actor, project_id, user_id)
    return JSON(to_json(Message(message="Member removed successfully")))


_PROJECT_ID = Param(name="project_id", where="path")
_USER_ID = Param(name="user_id", where="path")
_PROJECT_CHANGED = s.response_schema(ProjectMessage)
_MEMBER_CHANGED = s.response_schema(MemberMessage)
_DONE = s.response_schema(Message)

ENDPOINTS: list[Endpoint] = [
    Endpoint(
        method="GET",
        path="/api/projects",
        handler=list_projects,
        summary="The caller's projects (every project with all=true, admins only), newest first",
        tag="projects",
        params=[
            *WINDOW_PARAMS,
            Param(
                name="status",
                schema=s.enum_of(ProjectStatus),
                description="only projects with this status",
            ),
            bool_param("all", "every project, not only the caller's (admins only)"),
        ],
        responses={
            200: ("A page of projects", s.response_schema(ProjectList)),
            **s.errors(400, 401, 403),
        },
    ),
    Endpoint(
        method="POST",
        path="/api/projects",
        idempotent=True,
        handler=create_project,
        summary="Create a project; the caller becomes its owner",
        tag="projects",
        body=s.body_schema(ProjectBody),
        etag=True,
        responses={
            201: ("Created", _PROJECT_CHANGED),
            400: s.ERROR_ANSWER,
            401: s.ERROR_ANSWER,
        },
    ),
    Endpoint(
        method="GET",
        path="/api/projects/{project_id:int}",
        handler=get_project,
        summary="One project (members and admins)",
        tag="projects",
        params=[_PROJECT_ID],
        etag=True,
        responses={
            200: ("The project", s.response_schema(ProjectAnswer)),
            401: s.ERROR_ANSWER,
            404: s.ERROR_ANSWER,
        },
    ),
    Endpoint(
        method="PUT",
        path="/api/projects/{project_id:int}",
        handler=update_project,
        summary="Change a project; only the fields given change (owners and admins)",
        tag="projects",
        params=[_PROJECT_ID, IF_MATCH],
        body=s.body_schema(ProjectPatch),
        etag=True,
        responses={
            200: ("Updated", _PROJECT_CHANGED),
            **s.errors(400, 401, 403, 404),
            412: s.STALE_ANSWER,
        },
    ),
    Endpoint(
        method="DELETE",
        path="/api/projects/{project_id:int}",
        handler=delete_project,
        summary="Delete a project with its tasks and their comments (owners and admins)",
        tag="projects",
        params=[_PROJECT_ID, IF_MATCH],
        responses={
            200: ("Deleted", _DONE),
            **s.errors(401, 403, 404),
            412: s.STALE_ANSWER,
        },
    ),
    Endpoint(
        method="GET",
        path="/api/projects/{project_id:int}/members",
        handler=list_members,
        summary="A project's members in the order they joined (members and admins)",
        tag="projects",
        params=[_PROJECT_ID, *WINDOW_PARAMS],
        responses={
            200: ("A page of members", s.response_schema(MemberList)),
            **s.errors(400, 401, 404),
        },
    ),
    Endpoint(
        method="POST",
        path="/api/projects/{project_id:int}/members",
        idempotent=True,
        handler=add_member,
        summary="Add a user to a project; role owner, member (default) or viewer. "
        "Administrators add at once (201); owners invite the user, who becomes a member "
        "by accepting (202 with the invitation)",
        tag="projects",
        params=[_PROJECT_ID],
        body=s.body_schema(MemberBody),
        responses={
            201: ("Added (administrators)", _MEMBER_CHANGED),
            202: (
                "Invited (owners): the user joins by accepting",
                s.response_schema(InvitationMessage),
            ),
            **s.errors(400, 401, 403, 404, 409),
        },
    ),
    # The invitation endpoints stand here in the route table (and /openapi.json).
    *invitations.ENDPOINTS,
    Endpoint(
        method="PUT",
        path="/api/projects/{project_id:int}/members/{user_id:int}",
        handler=change_role,
        summary="Change a member's role; the last owner stays (owners and admins)",
        tag="projects",
        params=[_PROJECT_ID, _USER_ID],
        body=s.body_schema(RoleBody),
        responses={
            200: ("Updated", _MEMBER_CHANGED),
            **s.errors(400, 401, 403, 404, 409),
        },
    ),
    Endpoint(
        method="DELETE",
        path="/api/projects/{project_id:int}/members/{user_id:int}",
        handler=remove_member,
        summary="Remove a member (owners and admins) or leave a project (any member); "
        "their tasks there are unassigned",
        tag="projects",
        params=[_PROJECT_ID, _USER_ID],
        responses={
            200: ("Removed", _DONE),
            **s.errors(401, 403, 404, 409),
        },
    ),
]
"""The project-area endpoints."""
