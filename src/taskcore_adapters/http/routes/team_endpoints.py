"""The route table of the teams area (handlers and answers in
:mod:`~taskcore_adapters.http.routes.teams`)."""

from __future__ import annotations

from taskcore_adapters.http import schemas as s
from taskcore_adapters.http.answers import Message
from taskcore_adapters.http.endpoint import Endpoint, Param
from taskcore_adapters.http.routes import teams as t
from taskcore_adapters.http.routes.common import PAGE_PARAMS
from taskcore_adapters.http.routes.paging import bool_param

_TEAM_ID = Param(name="team_id", where="path")
_USER_ID = Param(name="user_id", where="path")
_PROJECT_ID = Param(name="project_id", where="path")
_TEAM = s.response_schema(t.TeamMessage)
_MEMBER = s.response_schema(t.TeamMemberMessage)
_GRANT = s.response_schema(t.ProjectTeamMessage)
_DONE = s.response_schema(Message)
_TEAMS_PATH = "/api/teams/{team_id:int}"
_MEMBER_PATH = "/api/teams/{team_id:int}/members/{user_id:int}"
_GRANT_PATH = "/api/projects/{project_id:int}/teams/{team_id:int}"

ENDPOINTS: list[Endpoint] = [
    Endpoint(
        method="GET",
        path="/api/teams",
        handler=t.list_teams,
        summary="The caller's teams by name (every team with all=true, admins only)",
        tag="teams",
        params=[*PAGE_PARAMS, bool_param("all", "every team, not only the caller's (admins)")],
        responses={
            200: ("A page of teams", s.response_schema(t.TeamList)),
            **s.errors(400, 401, 403),
        },
    ),
    Endpoint(
        method="POST",
        path="/api/teams",
        idempotent=True,
        handler=t.create_team,
        summary="Create a team; the caller becomes its first admin",
        tag="teams",
        body=s.body_schema(t.TeamBody),
        responses={201: ("Created", _TEAM), **s.errors(400, 401, 409)},
    ),
    Endpoint(
        method="GET",
        path=_TEAMS_PATH,
        handler=t.get_team,
        summary="One team (its members and admins)",
        tag="teams",
        params=[_TEAM_ID],
        responses={200: ("The team", s.response_schema(t.TeamAnswer)), **s.errors(401, 404)},
    ),
    Endpoint(
        method="PUT",
        path=_TEAMS_PATH,
        handler=t.update_team,
        summary="Rename a team or change its description (team admins and admins)",
        tag="teams",
        params=[_TEAM_ID],
        body=s.body_schema(t.TeamPatch),
        responses={200: ("Updated", _TEAM), **s.errors(400, 401, 403, 404, 409)},
    ),
    Endpoint(
        method="DELETE",
        path=_TEAMS_PATH,
        handler=t.delete_team,
        summary="Delete a team; its members lose the project roles it gave at once "
        "(team admins and admins)",
        tag="teams",
        params=[_TEAM_ID],
        responses={200: ("Deleted", _DONE), **s.errors(401, 403, 404)},
    ),
    Endpoint(
        method="GET",
        path="/api/teams/{team_id:int}/members",
        handler=t.list_members,
        summary="A team's members in the order they joined (its members and admins)",
        tag="teams",
        params=[_TEAM_ID, *PAGE_PARAMS],
        responses={
            200: ("A page of members", s.response_schema(t.TeamMemberList)),
            **s.errors(400, 401, 404),
        },
    ),
    Endpoint(
        method="POST",
        path="/api/teams/{team_id:int}/members",
        idempotent=True,
        handler=t.add_member,
        summary="Add a user by username; role admin or member (default) (team admins and admins)",
        tag="teams",
        params=[_TEAM_ID],
        body=s.body_schema(t.TeamMemberBody),
        responses={201: ("Added", _MEMBER), **s.errors(400, 401, 403, 404, 409)},
    ),
    Endpoint(
        method="PUT",
        path=_MEMBER_PATH,
        handler=t.change_member_role,
        summary="Change a member's team role; the last admin stays (team admins and admins)",
        tag="teams",
        params=[_TEAM_ID, _USER_ID],
        body=s.body_schema(t.RoleBody),
        responses={200: ("Updated", _MEMBER), **s.errors(400, 401, 403, 404, 409)},
    ),
    Endpoint(
        method="DELETE",
        path=_MEMBER_PATH,
        handler=t.remove_member,
        summary="Remove a member (team admins and admins) or leave a team (any member); "
        "they lose the project roles it gave at once",
        tag="teams",
        params=[_TEAM_ID, _USER_ID],
        responses={200: ("Removed", _DONE), **s.errors(401, 403, 404, 409)},
    ),
    Endpoint(
        method="GET",
        path="/api/projects/{project_id:int}/teams",
        handler=t.list_project_teams,
        summary="The teams holding a role in a project (anyone who may see the project)",
        tag="teams",
        params=[_PROJECT_ID, *PAGE_PARAMS],
        responses={
            200: ("A page of teams", s.response_schema(t.ProjectTeamList)),
            **s.errors(400, 401, 404),
        },
    ),
    Endpoint(
        method="POST",
        path="/api/projects/{project_id:int}/teams",
        idempotent=True,
        handler=t.add_project_team,
        summary="Give a team a role in a project (owner, member (default) or viewer); the "
        "caller owns the project and belongs to the team (or is an admin)",
        tag="teams",
        params=[_PROJECT_ID],
        body=s.body_schema(t.ProjectTeamBody),
        responses={201: ("Added", _GRANT), **s.errors(400, 401, 403, 404, 409)},
    ),
    Endpoint(
        method="PUT",
        path=_GRANT_PATH,
        handler=t.change_project_team_role,
        summary="Change a team's role in a project (owners and admins)",
        tag="teams",
        params=[_PROJECT_ID, _TEAM_ID],
        body=s.body_schema(t.RoleBody),
        responses={200: ("Updated", _GRANT), **s.errors(400, 401, 403, 404)},
    ),
    Endpoint(
        method="DELETE",
        path=_GRANT_PATH,
        handler=t.remove_project_team,
        summary="Take a team's role in a project away (owners, the team's admins, admins)",
        tag="teams",
        params=[_PROJECT_ID, _TEAM_ID],
        responses={200: ("Removed", _DONE), **s.errors(401, 403, 404)},
    ),
]
"""The teams-area endpoints."""
