"""Teams, their members and their grants in memory (see
``taskcore.ports.teams.TeamRepository``)."""

from __future__ import annotations

import copy
from collections.abc import Sequence

import attrs

from taskcore.domain.projects import Role
from taskcore.domain.teams import (
    Team,
    TeamCriteria,
    TeamGrant,
    TeamGrantView,
    TeamMembership,
    TeamMemberView,
    TeamRole,
    TeamView,
)
from taskcore.errors import (
    ProjectNotFound,
    TeamGrantExists,
    TeamMemberExists,
    TeamNameTaken,
    TeamNotFound,
    UserNotFound,
)
from taskcore_adapters.memory.tables import Tables


class InMemoryTeamRepository:
    """Teams in memory (see ``taskcore.ports.teams``)."""

    def __init__(self, tables: Tables) -> None:
        self._t = tables

    def _check_name(self, team: Team) -> None:
        if any(t.name_key == team.name_key and t.id != team.id for t in self._t.teams.values()):
            raise TeamNameTaken()

    def add(self, team: Team) -> Team:
        self._check_name(team)
        if team.created_by not in self._t.users:
            raise UserNotFound(team.created_by)
        stored = attrs.evolve(team, id=self._t.allocate("teams"))
        self._t.teams[stored.key] = stored
        return copy.deepcopy(stored)

    def get(self, team_id: int) -> Team | None:
        found = self._t.teams.get(team_id)
        return copy.deepcopy(found) if found else None

    def update(self, team: Team) -> Team:
        if team.key not in self._t.teams:
            raise TeamNotFound(team.key)
        self._check_name(team)
        self._t.teams[team.key] = copy.deepcopy(team)
        return team

    def delete(self, team_id: int) -> None:
        self._t.teams.pop(team_id, None)
        for key in [k for k in self._t.team_members if k[0] == team_id]:
            del self._t.team_members[key]
        for key in [k for k in self._t.team_grants if k[1] == team_id]:
            del self._t.team_grants[key]

    def _view(self, team: Team, viewer_id: int) -> TeamView:
        mine = self._t.team_members.get((team.key, viewer_id))
        return TeamView(
            id=team.key,
            name=team.name,
            description=team.description,
            created_by=team.created_by,
            created_at=team.created_at,
            updated_at=team.updated_at,
            member_count=self.count_members(team.key),
            role=mine.role if mine else None,
        )

    def view(self, team_id: int, *, viewer_id: int) -> TeamView | None:
        found = self._t.teams.get(team_id)
        return self._view(found, viewer_id) if found else None

    def _matching(self, criteria: TeamCriteria) -> list[Team]:
        found = [
            t
            for t in self._t.teams.values()
            if criteria.member_id is None or (t.key, criteria.member_id) in self._t.team_members
        ]
        return sorted(found, key=lambda t: (t.name_key, t.key))

    def find(self, criteria: TeamCriteria, *, offset: int = 0, limit: int) -> Sequence[TeamView]:
        page = self._matching(criteria)[offset : offset + limit]
        return [self._view(t, criteria.viewer_id) for t in page]

    def count(self, criteria: TeamCriteria) -> int:
        return len(self._matching(criteria))

    def add_member(self, membership: TeamMembership) -> None:
        if membership.team_id not in self._t.teams:
            raise TeamNotFound(membership.team_id)
        if membership.user_id not in self._t.users:
            raise UserNotFound(membership.user_id)
        key = (membership.team_id, membership.user_id)
        if key in self._t.team_members:
            raise TeamMemberExists()
        self._t.team_members[key] = membership

    def _member_view(self, membership: TeamMembership) -> TeamMemberView:
        user = self._t.users[membership.user_id]
        return TeamMemberView(
            team_id=membership.team_id,
            user_id=membership.user_id,
            username=user.username,
            full_name=user.full_name,
            role=membership.role,
            added_at=membership.added_at,
        )

    def member(self, team_id: int, user_id: int) -> TeamMemberView | None:
        found = self._t.team_members.get((team_id, user_id))
        return self._member_view(found) if found else None

    def set_member_role(self, team_id: int, user_id: int, role: TeamRole) -> None:
        found = self._t.team_members.get((team_id, user_id))
        if found is not None:
            self._t.team_members[team_id, user_id] = attrs.evolve(found, role=role)

    def remove_member(self, team_id: int, user_id: int) -> None:
        self._t.team_members.pop((team_id, user_id), None)

    def admin_ids(self, team_id: int) -> Sequence[int]:
        return sorted(
            uid
            for (tid, uid), m in self._t.team_members.items()
            if tid == team_id and m.role is TeamRole.ADMIN
        )

    def find_members(
        self, team_id: int, *, offset: int = 0, limit: int
    ) -> Sequence[TeamMemberView]:
        found = sorted(
            (m for (tid, _), m in self._t.team_members.items() if tid == team_id),
            key=lambda m: (m.added_at, m.user_id),
        )
        return [self._member_view(m) for m in found[offset : offset + limit]]

    def count_members(self, team_id: int) -> int:
        return sum(1 for tid, _ in self._t.team_members if tid == team_id)

    def member_ids(self, team_id: int) -> Sequence[int]:
        return sorted(uid for tid, uid in self._t.team_members if tid == team_id)

    def project_ids(self, team_id: int) -> Sequence[int]:
        return sorted(pid for pid, tid in self._t.team_grants if tid == team_id)

    def grant(self, grant: TeamGrant) -> None:
        if grant.project_id not in self._t.projects:
            raise ProjectNotFound(grant.project_id)
        if grant.team_id not in self._t.teams:
            raise TeamNotFound(grant.team_id)
        key = (grant.project_id, grant.team_id)
        if key in self._t.team_grants:
            raise TeamGrantExists()
        self._t.team_grants[key] = grant

    def _grant_view(self, grant: TeamGrant) -> TeamGrantView:
        return TeamGrantView(
            project_id=grant.project_id,
            team_id=grant.team_id,
            team_name=self._t.teams[grant.team_id].name,
            member_count=self.count_members(grant.team_id),
            role=grant.role,
            added_at=grant.added_at,
        )

    def grant_of(self, project_id: int, team_id: int) -> TeamGrantView | None:
        found = self._t.team_grants.get((project_id, team_id))
        return self._grant_view(found) if found else None

    def set_grant_role(self, project_id: int, team_id: int, role: Role) -> None:
        found = self._t.team_grants.get((project_id, team_id))
        if found is not None:
            self._t.team_grants[project_id, team_id] = attrs.evolve(found, role=role)

    def revoke(self, project_id: int, team_id: int) -> None:
        self._t.team_grants.pop((project_id, team_id), None)

    def find_grants(
        self, project_id: int, *, offset: int = 0, limit: int
    ) -> Sequence[TeamGrantView]:
        found = sorted(
            (g for (pid, _), g in self._t.team_grants.items() if pid == project_id),
            key=lambda g: (g.added_at, g.team_id),
        )
        return [self._grant_view(g) for g in found[offset : offset + limit]]

    def count_grants(self, project_id: int) -> int:
        return sum(1 for pid, _ in self._t.team_grants if pid == project_id)
