"""Teams over HTTP: ``/api/teams`` (the teams, their members) and
``/api/projects/{id}/teams`` (the roles teams hold in a project), with their answers."""

from __future__ import annotations

import datetime as dt

import attrs
from starlette.requests import Request
from starlette.responses import Response

from taskcore.domain.projects import Role
from taskcore.domain.teams import TeamGrantView, TeamMemberView, TeamRole, TeamView
from taskcore.domain.values import UNSET, Unset
from taskcore.errors import ValidationError
from taskcore.services.teams import TeamService
from taskcore_adapters.http.answers import Listing, Message, listing
from taskcore_adapters.http.context import HttpContext
from taskcore_adapters.http.responses import of, to_json
from taskcore_adapters.http.routes.common import page_request, path_id, strict_body
from taskcore_adapters.http.routes.paging import bool_query
from taskcore_adapters.http.wire import JSON

# -- answers ------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class TeamResponse:
    """A team: its names, size, and the caller's team role (``null`` for an administrator
    who is not a member)."""

    id: int
    name: str
    description: str
    created_by: int
    created_at: dt.datetime
    updated_at: dt.datetime
    member_count: int
    role: TeamRole | None


@attrs.frozen(kw_only=True)
class TeamMemberResponse:
    """A team member: the membership and the user's names."""

    team_id: int
    user_id: int
    username: str
    full_name: str | None
    role: TeamRole
    added_at: dt.datetime


@attrs.frozen(kw_only=True)
class ProjectTeamResponse:
    """A team's role in a project, with the team's name and size."""

    project_id: int
    team_id: int
    team_name: str
    member_count: int
    role: Role
    added_at: dt.datetime


@attrs.frozen(kw_only=True)
class TeamAnswer:
    """One team."""

    team: TeamResponse


@attrs.frozen(kw_only=True)
class TeamMessage(Message):
    """A confirmation and the team."""

    team: TeamResponse


@attrs.frozen(kw_only=True)
class TeamList(Listing):
    """Teams, by page."""

    teams: tuple[TeamResponse, ...]


@attrs.frozen(kw_only=True)
class TeamMemberMessage(Message):
    """A confirmation and the team membership."""

    member: TeamMemberResponse


@attrs.frozen(kw_only=True)
class TeamMemberList(Listing):
    """A team's members, by page."""

    members: tuple[TeamMemberResponse, ...]


@attrs.frozen(kw_only=True)
class ProjectTeamMessage(Message):
    """A confirmation and the team's role in the project."""

    team: ProjectTeamResponse


@attrs.frozen(kw_only=True)
class ProjectTeamList(Listing):
    """The teams holding a role in a project, by page."""

    teams: tuple[ProjectTeamResponse, ...]


# -- bodies -------------------------------------------------------------------------------


@attrs.define(kw_only=True)
class TeamBody:
    name: str | None = None
    description: str | None = None


@attrs.define(kw_only=True)
class TeamPatch:
    name: str | Unset | None = UNSET
    description: str | Unset | None = UNSET


@attrs.define(kw_only=True)
class TeamMemberBody:
    username: str | None = None
    role: str | None = None


@attrs.define(kw_only=True)
class RoleBody:
    role: str | None = None


@attrs.define(kw_only=True)
class ProjectTeamBody:
    team_id: int | None = None
    role: str | None = None


# -- handlers -----------------------------------------------------------------------------


def _team(view: TeamView, message: str | None = None, status: int = 200) -> Response:
    shown = of(TeamResponse, view)
    answer = TeamAnswer(team=shown) if message is None else TeamMessage(message=message, team=shown)
    return JSON(to_json(answer), status)


def _required_role(body: RoleBody) -> str:
    if body.role is None:
        raise ValidationError("role is required", field="role")
    return body.role


async def list_teams(ctx: HttpContext, request: Request) -> Response:
    teams: TeamService = ctx.runtime.core.teams
    actor = await ctx.slow(ctx.principal, request)
    every = bool_query(request, "all") or False
    found = await ctx.slow(teams.list_teams, actor, page=page_request(request), every=every)
    return JSON(to_json(listing(TeamList, found, lambda t: of(TeamResponse, t))))


async def create_team(ctx: HttpContext, request: Request) -> Response:
    teams: TeamService = ctx.runtime.core.teams
    actor = await ctx.slow(ctx.principal, request)
    body = await strict_body(ctx, request, TeamBody, TeamResponse)
    view = await ctx.slow(teams.create_team, actor, name=body.name, description=body.description)
    return _team(view, "Team created successfully", 201)


async def get_team(ctx: HttpContext, request: Request) -> Response:
    teams: TeamService = ctx.runtime.core.teams
    actor = await ctx.slow(ctx.principal, request)
    return _team(await ctx.slow(teams.get_team, actor, path_id(request, "team_id")))


async def update_team(ctx: HttpContext, request: Request) -> Response:
    teams: TeamService = ctx.runtime.core.teams
    actor = await ctx.slow(ctx.principal, request)
    team_id = path_id(request, "team_id")
    body = await strict_body(ctx, request, TeamPatch, TeamResponse)
    view = await ctx.slow(
        teams.update_team, actor, team_id, name=body.name, description=body.description
    )
    return _team(view, "Team updated successfully")


async def delete_team(ctx: HttpContext, request: Request) -> Response:
    teams: TeamService = ctx.runtime.core.teams
    actor = await ctx.slow(ctx.principal, request)
    await ctx.slow(teams.delete_team, actor, path_id(request, "team_id"))
    return JSON(to_json(Message(message="Team deleted successfully")))


def _member(member: TeamMemberView, message: str, status: int = 200) -> Response:
    shown = of(TeamMemberResponse, member)
    return JSON(to_json(TeamMemberMessage(message=message, member=shown)), status)


async def list_members(ctx: HttpContext, request: Request) -> Response:
    teams: TeamService = ctx.runtime.core.teams
    actor = await ctx.slow(ctx.principal, request)
    team_id = path_id(request, "team_id")
    found = await ctx.slow(teams.list_team_members, actor, team_id, page=page_request(request))
    return JSON(to_json(listing(TeamMemberList, found, lambda m: of(TeamMemberResponse, m))))


async def add_member(ctx: HttpContext, request: Request) -> Response:
    teams: TeamService = ctx.runtime.core.teams
    actor = await ctx.slow(ctx.principal, request)
    team_id = path_id(request, "team_id")
    body = await strict_body(ctx, request, TeamMemberBody, TeamMemberResponse)
    role = TeamRole.MEMBER.value if body.role is None else body.role
    member = await ctx.slow(
        teams.add_team_member, actor, team_id, username=body.username, role=role
    )
    return _member(member, "Team member added successfully", 201)


async def change_member_role(ctx: HttpContext, request: Request) -> Response:
    teams: TeamService = ctx.runtime.core.teams
    actor = await ctx.slow(ctx.principal, request)
    team_id, user_id = path_id(request, "team_id"), path_id(request, "user_id")
    role = _required_role(await ctx.body(request, RoleBody))
    member = await ctx.slow(teams.change_team_member_role, actor, team_id, user_id, role=role)
    return _member(member, "Team member updated successfully")


async def remove_member(ctx: HttpContext, request: Request) -> Response:
    teams: TeamService = ctx.runtime.core.teams
    actor = await ctx.slow(ctx.principal, request)
    team_id, user_id = path_id(request, "team_id"), path_id(request, "user_id")
    await ctx.slow(teams.remove_team_member, actor, team_id, user_id)
    return JSON(to_json(Message(message="Team member removed successfully")))


def _grant(grant: TeamGrantView, message: str, status: int = 200) -> Response:
    shown = of(ProjectTeamResponse, grant)
    return JSON(to_json(ProjectTeamMessage(message=message, team=shown)), status)


async def list_project_teams(ctx: HttpContext, request: Request) -> Response:
    teams: TeamService = ctx.runtime.core.teams
    actor = await ctx.slow(ctx.principal, request)
    project_id = path_id(request, "project_id")
    found = await ctx.slow(teams.list_project_teams, actor, project_id, page=page_request(request))
    return JSON(to_json(listing(ProjectTeamList, found, lambda g: of(ProjectTeamResponse, g))))


async def add_project_team(ctx: HttpContext, request: Request) -> Response:
    teams: TeamService = ctx.runtime.core.teams
    actor = await ctx.slow(ctx.principal, request)
    project_id = path_id(request, "project_id")
    body = await strict_body(ctx, request, ProjectTeamBody, ProjectTeamResponse)
    if body.team_id is None:
        raise ValidationError("team_id is required", field="team_id")
    role = Role.MEMBER.value if body.role is None else body.role
    grant = await ctx.slow(
        teams.add_project_team, actor, project_id, team_id=body.team_id, role=role
    )
    return _grant(grant, "Team added to the project", 201)


async def change_project_team_role(ctx: HttpContext, request: Request) -> Response:
    teams: TeamService = ctx.runtime.core.teams
    actor = await ctx.slow(ctx.principal, request)
    project_id, team_id = path_id(request, "project_id"), path_id(request, "team_id")
    role = _required_role(await ctx.body(request, RoleBody))
    grant = await ctx.slow(teams.change_project_team_role, actor, project_id, team_id, role=role)
    return _grant(grant, "Team role updated successfully")


async def remove_project_team(ctx: HttpContext, request: Request) -> Response:
    teams: TeamService = ctx.runtime.core.teams
    actor = await ctx.slow(ctx.principal, request)
    project_id, team_id = path_id(request, "project_id"), path_id(request, "team_id")
    await ctx.slow(teams.remove_project_team, actor, project_id, team_id)
    return JSON(to_json(Message(message="Team removed from the project")))
