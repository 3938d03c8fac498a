"""Teams' roles in projects: listing a project's teams, adding a team with a role,
changing its role and taking it away."""

from __future__ import annotations

from taskcore.domain import projects as rules
from taskcore.domain.event_base import change
from taskcore.domain.pagination import Page, PageRequest
from taskcore.domain.projects import Role
from taskcore.domain.team_events import ProjectTeamAdded, ProjectTeamRemoved, ProjectTeamRoleChanged
from taskcore.domain.teams import TeamGrant, TeamGrantView
from taskcore.errors import ProjectNotFound, TeamGrantExists, TeamGrantNotFound
from taskcore.ports.uow import UnitOfWork
from taskcore.services import access
from taskcore.services.access import Actor
from taskcore.services.teams.base import (
    TeamsBase,
    can_manage_team,
    page_of,
    release_lost,
    visible_team,
)

MANAGE_TEAMS = "Only project owners can manage the project's teams"


def _managed_project(uow: UnitOfWork, actor: Actor, project_id: int) -> None:
    """Raise unless the caller may manage the project (owners and administrators)."""
    role = access.visible_role(uow.projects, actor, project_id, ProjectNotFound(project_id))
    access.require_manage(actor, role, project_id, MANAGE_TEAMS)


class ProjectTeams(TeamsBase):
    """The teams holding a role in a project."""

    def list_project_teams(
        self,
        actor: Actor,
        project_id: int,
        *,
        page: PageRequest = PageRequest(),  # noqa: B008 - immutable
    ) -> Page[TeamGrantView]:
        """The teams with a role in a project, in the order they were added (anyone who
        may see the project).

        Raises:
            ProjectNotFound: no such project, or the caller may not see it.
        """
        with self._tx(read_only=True) as work:
            uow = work.uow
            access.visible_role(uow.projects, actor, project_id, ProjectNotFound(project_id))
            total = uow.teams.count_grants(project_id)
            items = uow.teams.find_grants(project_id, offset=page.offset, limit=page.per_page)
        return page_of(page, items, total)

    def add_project_team(
        self, actor: Actor, project_id: int, *, team_id: int, role: object = Role.MEMBER.value
    ) -> TeamGrantView:
        """Give a team a role in a project: each of its members holds it there at once.
        The caller must manage the project and belong to the team (system administrators
        need neither).

        Raises:
            ProjectNotFound: no such project, or the caller may not see it.
            ProjectRoleRequired: the caller does not own the project.
            TeamNotFound: no such team, or the caller is not a member of it.
            ValidationError: an invalid role (field ``role``).
            TeamGrantExists: the team already has a role in the project.
        """
        new_role = rules.check_role(role)
        with self._tx() as work:
            uow = work.uow
            _managed_project(uow, actor, project_id)
            team = visible_team(uow, actor, team_id)
            if uow.teams.grant_of(project_id, team_id) is not None:
                raise TeamGrantExists()
            now = self._clock.now()
            uow.teams.grant(
                TeamGrant(project_id=project_id, team_id=team_id, role=new_role, added_at=now)
            )
            work.record(
                ProjectTeamAdded(
                    occurred_at=now,
                    actor_id=actor.user_id,
                    entity_id=project_id,
                    project_id=project_id,
                    team_id=team_id,
                    team_name=team.name,
                    role=new_role.value,
                )
            )
            work.commit()
        return TeamGrantView(
            project_id=project_id,
            team_id=team_id,
            team_name=team.name,
            member_count=team.member_count,
            role=new_role,
            added_at=now,
        )

    def change_project_team_role(
        self, actor: Actor, project_id: int, team_id: int, *, role: object
    ) -> TeamGrantView:
        """Change the role a team holds in a project (project owners and administrators).

        Raises:
            ProjectNotFound: no such project, or the caller may not see it.
            ProjectRoleRequired: the caller does not own the project.
            ValidationError: an invalid role (field ``role``).
            TeamGrantNotFound: the team has no role in the project.
        """
        new_role = rules.check_role(role)
        with self._tx() as work:
            uow = work.uow
            _managed_project(uow, actor, project_id)
            grant = uow.teams.grant_of(project_id, team_id)
            if grant is None:
                raise TeamGrantNotFound()
            if grant.role is new_role:
                return grant
            uow.teams.set_grant_role(project_id, team_id, new_role)
            work.record(
                ProjectTeamRoleChanged(
                    occurred_at=self._clock.now(),
                    actor_id=actor.user_id,
                    entity_id=project_id,
                    project_id=project_id,
                    team_id=team_id,
                    changes={"role": change(grant.role.value, new_role.value)},
                )
            )
            work.commit()
        return TeamGrantView(
            project_id=project_id,
            team_id=team_id,
            team_name=grant.team_name,
            member_count=grant.member_count,
            role=new_role,
            added_at=grant.added_at,
        )

    def remove_project_team(self, actor: Actor, project_id: int, team_id: int) -> None:
        """Take a team's role in a project away; its members keep only their own
        membership, at once. Project owners may, and so may the team's admins (withdrawing
        their team).

        Raises:
            ProjectNotFound: no such project, or the caller may not see it.
            ProjectRoleRequired: the caller neither owns the project nor manages the team.
            TeamGrantNotFound: the team has no role in the project.
        """
        with self._tx() as work:
            uow = work.uow
            role = access.visible_role(uow.projects, actor, project_id, ProjectNotFound(project_id))
            grant = uow.teams.grant_of(project_id, team_id)
            if not access.can_manage(actor, role):
                team = uow.teams.view(team_id, viewer_id=actor.user_id)
                if grant is None or team is None or not can_manage_team(actor, team):
                    access.require_manage(actor, role, project_id, MANAGE_TEAMS)
            if grant is None:
                raise TeamGrantNotFound()
            uow.teams.revoke(project_id, team_id)
            now = self._clock.now()
            work.record(
                ProjectTeamRemoved(
                    occurred_at=now,
                    actor_id=actor.user_id,
                    entity_id=project_id,
                    project_id=project_id,
                    team_id=team_id,
                    role=grant.role.value,
                )
            )
            lost = [(project_id, uid) for uid in uow.teams.member_ids(team_id)]
            release_lost(work, actor, lost, now)
            work.commit()
