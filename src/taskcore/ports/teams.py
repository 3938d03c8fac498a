"""Storage of teams, their members and their roles in projects."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

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


class TeamRepository(Protocol):
    """Stores teams, team memberships and team grants on projects.

    The project roles the grants give are read by
    :meth:`~taskcore.ports.projects.ProjectRepository.access` (and every listing of what a
    user may see), in the same query as the user's own membership.
    """

    def add(self, team: Team) -> Team:
        """Store a new team and return it with its id.

        Raises:
            TeamNameTaken: another team has the name (case-insensitively), also when a
                concurrent transaction took it first.
        """
        ...

    def get(self, team_id: int) -> Team | None:
        """The team with this id, or ``None``."""
        ...

    def update(self, team: Team) -> Team:
        """Save a changed name or description.

        Raises:
            TeamNameTaken: another team has the new name.
        """
        ...

    def delete(self, team_id: int) -> None:
        """Delete a team with its memberships and its grants on projects."""
        ...

    def view(self, team_id: int, *, viewer_id: int) -> TeamView | None:
        """The team with its member count and ``viewer_id``'s team role, or ``None``."""
        ...

    def find(self, criteria: TeamCriteria, *, offset: int = 0, limit: int) -> Sequence[TeamView]:
        """Teams meeting ``criteria``, by name (case-insensitively), then id."""
        ...

    def count(self, criteria: TeamCriteria) -> int:
        """How many teams meet ``criteria``."""
        ...

    def add_member(self, membership: TeamMembership) -> None:
        """Add a user to a team.

        Raises:
            TeamMemberExists: the user is already a member.
        """
        ...

    def member(self, team_id: int, user_id: int) -> TeamMemberView | None:
        """One team membership with the user's names, or ``None``."""
        ...

    def set_member_role(self, team_id: int, user_id: int, role: TeamRole) -> None:
        """Change a member's team role (nothing happens for a non-member)."""
        ...

    def remove_member(self, team_id: int, user_id: int) -> None:
        """End a team membership (nothing happens for a non-member)."""
        ...

    def admin_ids(self, team_id: int) -> Sequence[int]:
        """The ids of the team's admins, locked until the end of the transaction, so two
        concurrent changes cannot both remove "one of two" admins."""
        ...

    def find_members(
        self, team_id: int, *, offset: int = 0, limit: int
    ) -> Sequence[TeamMemberView]:
        """A team's members, in the order they joined (``added_at``, then user id)."""
        ...

    def count_members(self, team_id: int) -> int:
        """How many members the team has."""
        ...

    def member_ids(self, team_id: int) -> Sequence[int]:
        """The ids of every member of the team, ascending."""
        ...

    def project_ids(self, team_id: int) -> Sequence[int]:
        """The ids of the projects the team holds a role in, ascending."""
        ...

    def grant(self, grant: TeamGrant) -> None:
        """Give a team a role in a project.

        Raises:
            TeamGrantExists: the team already has a role there.
        """
        ...

    def grant_of(self, project_id: int, team_id: int) -> TeamGrantView | None:
        """The team's role in the project, or ``None``."""
        ...

    def set_grant_role(self, project_id: int, team_id: int, role: Role) -> None:
        """Change a team's role in a project (nothing happens without a grant)."""
        ...

    def revoke(self, project_id: int, team_id: int) -> None:
        """Take a team's role in a project away (nothing happens without a grant)."""
        ...

    def find_grants(
        self, project_id: int, *, offset: int = 0, limit: int
    ) -> Sequence[TeamGrantView]:
        """The teams with a role in a project, in the order they were added."""
        ...

    def count_grants(self, project_id: int) -> int:
        """How many teams have a role in the project."""
        ...
