"""Team pages: the caller's teams (and creating one), a team's page (its members, renaming
and deleting it), and the teams section of a project's members page."""

from __future__ import annotations

from typing import Any, Final

from starlette.requests import Request
from starlette.responses import Response

from taskcore import errors
from taskcore.domain.pagination import PageRequest
from taskcore.domain.projects import Role
from taskcore.domain.teams import TeamRole
from taskcore.services.teams.base import can_manage_team
from taskcore_adapters.http.parsing import whole_number
from taskcore_adapters.http.routes.common import path_id
from taskcore_adapters.web.account import ctx_status, page_number
from taskcore_adapters.web.routing import PageRoute, page
from taskcore_adapters.web.session import Visit, Web, field_errors

TEAMS_PAGE_SIZE: Final = 20
MEMBERS_PAGE_SIZE: Final = 100
GRANTS_SHOWN: Final = 100


def project_teams(web: Web, visit: Visit, project_id: int, *, can_manage: bool) -> dict[str, Any]:
    """What the project members page shows of teams: the teams holding a role in the
    project and, for its owners, the caller's teams to add."""
    grants = web.core.teams.list_project_teams(
        visit.actor, project_id, page=PageRequest(per_page=GRANTS_SHOWN)
    )
    mine = (
        web.core.teams.list_teams(visit.actor, page=PageRequest(per_page=GRANTS_SHOWN)).items
        if can_manage
        else ()
    )
    held = {g.team_id for g in grants.items}
    return {
        "team_grants": grants,
        "team_options": [(str(t.id), t.name) for t in mine if t.id not in held],
    }


def _teams(
    web: Web,
    visit: Visit,
    request: Request,
    *,
    status: int = 200,
    values: dict[str, str] | None = None,
    errors_: dict[str, str] | None = None,
) -> Response:
    found = web.core.teams.list_teams(
        visit.actor, page=PageRequest.of(page_number(request), TEAMS_PAGE_SIZE)
    )
    return web.render(
        visit,
        "teams.html",
        status=status,
        title="Teams",
        teams=found,
        values=values or {"name": "", "description": ""},
        errors=errors_ or {},
    )


def teams(web: Web, visit: Visit, request: Request) -> Response:
    """The caller's teams, and the form to create one."""
    return _teams(web, visit, request)


def create_team(web: Web, visit: Visit, request: Request) -> Response:
    """Create a team (``teams.create_team``); the caller becomes its admin."""
    values = {"name": visit.field("name"), "description": visit.field("description")}
    try:
        team = web.core.teams.create_team(
            visit.actor, name=values["name"], description=values["description"]
        )
    except (errors.ValidationError, errors.Conflict) as exc:
        return _teams(
            web,
            visit,
            request,
            status=ctx_status(exc),
            values=values,
            errors_=field_errors(exc, {errors.TeamNameTaken: "name"}),
        )
    return web.redirect(visit, f"/teams/{team.id}", notice=f"Team {team.name} created.")


def _team(
    web: Web,
    visit: Visit,
    team_id: int,
    *,
    status: int = 200,
    values: dict[str, str] | None = None,
    errors_: dict[str, str] | None = None,
) -> Response:
    team = web.core.teams.get_team(visit.actor, team_id)
    members = web.core.teams.list_team_members(
        visit.actor, team_id, page=PageRequest(per_page=MEMBERS_PAGE_SIZE)
    )
    return web.render(
        visit,
        "team.html",
        status=status,
        title=f"Team {team.name}",
        team=team,
        members=members,
        roles=[r.value for r in TeamRole],
        can_manage=can_manage_team(visit.actor, team),
        values=values or {"username": "", "role": TeamRole.MEMBER.value},
        errors=errors_ or {},
    )


def team(web: Web, visit: Visit, request: Request) -> Response:
    """A team's page: its members; its admins get the forms to staff, rename and delete."""
    return _team(web, visit, path_id(request, "team_id"))


def update_team(web: Web, visit: Visit, request: Request) -> Response:
    """Rename a team or change its description (``teams.update_team``)."""
    team_id = path_id(request, "team_id")
    try:
        web.core.teams.update_team(
            visit.actor, team_id, name=visit.field("name"), description=visit.field("description")
        )
    except (errors.ValidationError, errors.Conflict) as exc:
        return web.redirect(visit, f"/teams/{team_id}", notice=exc.message)
    return web.redirect(visit, f"/teams/{team_id}", notice="Team updated.")


def delete_team(web: Web, visit: Visit, request: Request) -> Response:
    """Delete a team (``teams.delete_team``)."""
    web.core.teams.delete_team(visit.actor, path_id(request, "team_id"))
    return web.redirect(visit, "/teams", notice="Team deleted.")


def add_member(web: Web, visit: Visit, request: Request) -> Response:
    """Add a user to a team by username (``teams.add_team_member``)."""
    team_id = path_id(request, "team_id")
    values = {"username": visit.field("username"), "role": visit.field("role")}
    try:
        member = web.core.teams.add_team_member(
            visit.actor, team_id, username=values["username"], role=values["role"] or "member"
        )
    except (errors.ValidationError, errors.Conflict, errors.UserNotFound) as exc:
        return _team(
            web,
            visit,
            team_id,
            status=ctx_status(exc),
            values=values,
            errors_=field_errors(
                exc, {errors.UserNotFound: "username", errors.TeamMemberExists: "username"}
            ),
        )
    return web.redirect(visit, f"/teams/{team_id}", notice=f"{member.username} added.")


def change_member(web: Web, visit: Visit, request: Request) -> Response:
    """Change a member's team role or remove them (or leave)."""
    team_id = path_id(request, "team_id")
    user_id = path_id(request, "user_id")
    try:
        if visit.field("action") == "remove":
            web.core.teams.remove_team_member(visit.actor, team_id, user_id)
            if user_id == visit.actor.user_id:
                return web.redirect(visit, "/teams", notice="You left the team.")
            notice = "Member removed."
        else:
            web.core.teams.change_team_member_role(
                visit.actor, team_id, user_id, role=visit.field("role")
            )
            notice = "Role changed."
    except (errors.ValidationError, errors.Conflict) as exc:
        return web.redirect(visit, f"/teams/{team_id}", notice=exc.message)
    return web.redirect(visit, f"/teams/{team_id}", notice=notice)


def add_project_team(web: Web, visit: Visit, request: Request) -> Response:
    """Give one of the caller's teams a role in the project (``teams.add_project_team``)."""
    project_id = path_id(request, "project_id")
    back = f"/projects/{project_id}/members"
    try:
        team_id = whole_number(visit.field("team_id").strip(), digits=18)
        if team_id is None:
            raise errors.ValidationError("Choose a team", field="team_id")
        grant = web.core.teams.add_project_team(
            visit.actor, project_id, team_id=team_id, role=visit.field("role") or Role.MEMBER.value
        )
    except (errors.ValidationError, errors.Conflict, errors.TeamNotFound) as exc:
        return web.redirect(visit, back, notice=exc.message)
    return web.redirect(visit, back, notice=f"Team {grant.team_name} added.")


def change_project_team(web: Web, visit: Visit, request: Request) -> Response:
    """Change a team's role in the project, or take it away."""
    project_id = path_id(request, "project_id")
    team_id = path_id(request, "team_id")
    back = f"/projects/{project_id}/members"
    try:
        if visit.field("action") == "remove":
            web.core.teams.remove_project_team(visit.actor, project_id, team_id)
            notice = "Team removed from the project."
        else:
            web.core.teams.change_project_team_role(
                visit.actor, project_id, team_id, role=visit.field("role")
            )
            notice = "Team role changed."
    except (errors.ValidationError, errors.Conflict, errors.TeamGrantNotFound) as exc:
        return web.redirect(visit, back, notice=exc.message)
    return web.redirect(visit, back, notice=notice)


def routes(web: Web) -> list[PageRoute]:
    """The team pages."""
    team_path = "/teams/{team_id:int}"
    grant_path = "/projects/{project_id:int}/teams"
    return [
        PageRoute("/teams", page(web, teams), methods=["GET"]),
        PageRoute("/teams", page(web, create_team), methods=["POST"]),
        PageRoute(team_path, page(web, team), methods=["GET"]),
        PageRoute(team_path, page(web, update_team), methods=["POST"]),
        PageRoute(f"{team_path}/delete", page(web, delete_team), methods=["POST"]),
        PageRoute(f"{team_path}/members", page(web, add_member), methods=["POST"]),
        PageRoute(
            f"{team_path}/members/{{user_id:int}}", page(web, change_member), methods=["POST"]
        ),
        PageRoute(grant_path, page(web, add_project_team), methods=["POST"]),
        PageRoute(
            f"{grant_path}/{{team_id:int}}", page(web, change_project_team), methods=["POST"]
        ),
    ]
