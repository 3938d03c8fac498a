"""A team's members: listing them, adding them by username, changing their team role and
removing them (or leaving)."""

from __future__ import annotations

from taskcore.domain.event_base import change
from taskcore.domain.pagination import Page, PageRequest
from taskcore.domain.team_events import TeamMemberAdded, TeamMemberRemoved, TeamMemberRoleChanged
from taskcore.domain.teams import TeamMembership, TeamMemberView, TeamRole, check_team_role
from taskcore.errors import (
    LastTeamAdmin,
    TeamMemberExists,
    TeamMemberNotFound,
    UserNotFound,
    ValidationError,
)
from taskcore.ports.uow import UnitOfWork
from taskcore.services.access import Actor
from taskcore.services.teams.base import (
    TeamsBase,
    page_of,
    release_lost,
    require_team_admin,
    visible_team,
)


def _keeps_an_admin(uow: UnitOfWork, member: TeamMemberView) -> None:
    """Raise if ``member`` is the team's only admin (who must stay one)."""
    if member.role is TeamRole.ADMIN and list(uow.teams.admin_ids(member.team_id)) == [
        member.user_id
    ]:
        raise LastTeamAdmin()


class TeamMembers(TeamsBase):
    """Who belongs to a team, and changes to that."""

    def list_team_members(
        self,
        actor: Actor,
        team_id: int,
        *,
        page: PageRequest = PageRequest(),  # noqa: B008 - immutable
    ) -> Page[TeamMemberView]:
        """A team's members in the order they joined (members and system administrators).

        Raises:
            TeamNotFound: no such team, or the caller is not a member.
        """
        with self._tx(read_only=True) as work:
            repo = work.uow.teams
            visible_team(work.uow, actor, team_id)
            total = repo.count_members(team_id)
            items = repo.find_members(team_id, offset=page.offset, limit=page.per_page)
        return page_of(page, items, total)

    def add_team_member(
        self, actor: Actor, team_id: int, *, username: object, role: object = TeamRole.MEMBER.value
    ) -> TeamMemberView:
        """Add a user, named by username, to a team (team admins and system
        administrators); they hold the team's project roles at once.

        Raises:
            TeamNotFound: no such team, or the caller is not a member.
            TeamRoleRequired: the caller is a plain member.
            ValidationError: a missing username (field ``username``) or an invalid role.
            UserNotFound: no active user has this username.
            TeamMemberExists: the user is already a member.
        """
        if not isinstance(username, str) or not username.strip():
            raise ValidationError("username is required", field="username")
        new_role = check_team_role(role)
        with self._tx() as work:
            uow = work.uow
            require_team_admin(actor, visible_team(uow, actor, team_id))
            user = uow.users.get_by_username(username.strip())
            if user is None or not user.is_active:
                raise UserNotFound(None, "User not found")
            if uow.teams.member(team_id, user.key) is not None:
                raise TeamMemberExists()
            now = self._clock.now()
            uow.teams.add_member(
                TeamMembership(team_id=team_id, user_id=user.key, role=new_role, added_at=now)
            )
            work.record(
                TeamMemberAdded(
                    occurred_at=now,
                    actor_id=actor.user_id,
                    entity_id=team_id,
                    team_id=team_id,
                    user_id=user.key,
                    role=new_role.value,
                )
            )
            work.commit()
        return TeamMemberView(
            team_id=team_id,
            user_id=user.key,
            username=user.username,
            full_name=user.full_name,
            role=new_role,
            added_at=now,
        )

    def change_team_member_role(
        self, actor: Actor, team_id: int, user_id: int, *, role: object
    ) -> TeamMemberView:
        """Make a member an admin of the team or a plain member (team admins and system
        administrators); the last admin stays one.

        Raises:
            TeamNotFound: no such team, or the caller is not a member.
            TeamRoleRequired: the caller is a plain member.
            ValidationError: ``Invalid role. Must be one of ['admin', 'member']``.
            TeamMemberNotFound: the user is not a member.
            LastTeamAdmin: the member is the team's only admin.
        """
        new_role = check_team_role(role)
        with self._tx() as work:
            uow = work.uow
            require_team_admin(actor, visible_team(uow, actor, team_id))
            member = uow.teams.member(team_id, user_id)
            if member is None:
                raise TeamMemberNotFound()
            if member.role is new_role:
                return member
            _keeps_an_admin(uow, member)
            uow.teams.set_member_role(team_id, user_id, new_role)
            work.record(
                TeamMemberRoleChanged(
                    occurred_at=self._clock.now(),
                    actor_id=actor.user_id,
                    entity_id=team_id,
                    team_id=team_id,
                    user_id=user_id,
                    changes={"role": change(member.role.value, new_role.value)},
                )
            )
            work.commit()
        return TeamMemberView(
            team_id=team_id,
            user_id=user_id,
            username=member.username,
            full_name=member.full_name,
            role=new_role,
            added_at=member.added_at,
        )

    def remove_team_member(self, actor: Actor, team_id: int, user_id: int) -> None:
        """Remove a member (team admins and system administrators) or leave a team (any
        member, for themself). They lose the project roles the team gave at once; the
        last admin cannot go.

        Raises:
            TeamNotFound: no such team, or the caller is not a member.
            TeamRoleRequired: a plain member removes someone else.
            TeamMemberNotFound: the user is not a member.
            LastTeamAdmin: the user is the team's only admin.
        """
        with self._tx() as work:
            uow = work.uow
            view = visible_team(uow, actor, team_id)
            if user_id != actor.user_id:
                require_team_admin(actor, view)
            member = uow.teams.member(team_id, user_id)
            if member is None:
                raise TeamMemberNotFound()
            _keeps_an_admin(uow, member)
            uow.teams.remove_member(team_id, user_id)
            now = self._clock.now()
            work.record(
                TeamMemberRemoved(
                    occurred_at=now,
                    actor_id=actor.user_id,
                    entity_id=team_id,
                    team_id=team_id,
                    user_id=user_id,
                    role=member.role.value,
                )
            )
            lost = [(pid, user_id) for pid in uow.teams.project_ids(team_id)]
            release_lost(work, actor, lost, now)
            work.commit()
