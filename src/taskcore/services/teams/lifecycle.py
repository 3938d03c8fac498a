"""Teams themselves: creating, reading, listing, renaming and deleting them."""

from __future__ import annotations

from taskcore.domain.event_base import Change, change
from taskcore.domain.pagination import Page, PageRequest
from taskcore.domain.team_events import TeamCreated, TeamDeleted, TeamUpdated
from taskcore.domain.teams import (
    Team,
    TeamCriteria,
    TeamMembership,
    TeamRole,
    TeamView,
    check_team_description,
    check_team_name,
)
from taskcore.domain.values import UNSET, Unset
from taskcore.errors import AdminRequired
from taskcore.services.access import Actor
from taskcore.services.teams.base import (
    TeamsBase,
    page_of,
    release_lost,
    require_team_admin,
    visible_team,
)


class TeamLifecycle(TeamsBase):
    """Creating, reading, listing, changing and deleting teams."""

    def create_team(self, actor: Actor, *, name: object, description: object = None) -> TeamView:
        """Create a team; the caller becomes its first admin (any user may).

        Raises:
            ValidationError: a missing, blank or too long name, or a too long description
                (naming the field).
            TeamNameTaken: another team has the name (case-insensitively).
        """
        checked_name = check_team_name(name)
        checked_description = check_team_description(description)
        now = self._clock.now()
        with self._tx() as work:
            uow = work.uow
            team = uow.teams.add(
                Team(
                    name=checked_name,
                    description=checked_description,
                    created_by=actor.user_id,
                    created_at=now,
                    updated_at=now,
                )
            )
            uow.teams.add_member(
                TeamMembership(
                    team_id=team.key, user_id=actor.user_id, role=TeamRole.ADMIN, added_at=now
                )
            )
            work.record(
                TeamCreated(
                    occurred_at=now,
                    actor_id=actor.user_id,
                    entity_id=team.key,
                    team_id=team.key,
                    team_name=team.name,
                )
            )
            view = visible_team(uow, actor, team.key)
            work.commit()
        return view

    def get_team(self, actor: Actor, team_id: int) -> TeamView:
        """One team, with its size and the caller's team role (members and system
        administrators).

        Raises:
            TeamNotFound: no such team, or the caller is not a member.
        """
        with self._tx(read_only=True) as work:
            return visible_team(work.uow, actor, team_id)

    def list_teams(
        self,
        actor: Actor,
        *,
        page: PageRequest = PageRequest(),  # noqa: B008 - immutable
        every: bool = False,
    ) -> Page[TeamView]:
        """The caller's teams by name; with ``every``, every team (administrators).

        Raises:
            AdminRequired: ``every`` asked by someone who is not an administrator.
        """
        if every and not actor.is_admin:
            raise AdminRequired()
        criteria = TeamCriteria(viewer_id=actor.user_id, member_id=None if every else actor.user_id)
        with self._tx(read_only=True) as work:
            repo = work.uow.teams
            total = repo.count(criteria)
            items = repo.find(criteria, offset=page.offset, limit=page.per_page)
        return page_of(page, items, total)

    def update_team(
        self,
        actor: Actor,
        team_id: int,
        *,
        name: object | Unset = UNSET,
        description: object | Unset = UNSET,
    ) -> TeamView:
        """Rename a team or change its description; only the fields given change (team
        admins and system administrators).

        Raises:
            TeamNotFound: no such team, or the caller is not a member.
            TeamRoleRequired: the caller is a plain member.
            ValidationError: a blank or too long name, or a too long description.
            TeamNameTaken: another team has the new name.
        """
        with self._tx() as work:
            uow = work.uow
            require_team_admin(actor, visible_team(uow, actor, team_id))
            team = uow.teams.get(team_id)
            if team is None:  # pragma: no cover - seen a moment ago in this transaction
                raise AssertionError("team vanished")
            changes: dict[str, Change] = {}
            if name is not UNSET:
                new_name = check_team_name(name)
                if new_name != team.name:
                    changes["name"] = change(team.name, new_name)
                    team.name = new_name
            if description is not UNSET:
                new_description = check_team_description(description)
                if new_description != team.description:
                    changes["description"] = change(team.description, new_description)
                    team.description = new_description
            if changes:
                team.updated_at = self._clock.now()
                uow.teams.update(team)
                work.record(
                    TeamUpdated(
                        occurred_at=team.updated_at,
                        actor_id=actor.user_id,
                        entity_id=team_id,
                        team_id=team_id,
                        changes=changes,
                    )
                )
            view = visible_team(uow, actor, team_id)
            work.commit()
        return view

    def delete_team(self, actor: Actor, team_id: int) -> None:
        """Delete a team with its memberships; its members lose the project roles it gave
        at once (team admins and system administrators).

        Raises:
            TeamNotFound: no such team, or the caller is not a member.
            TeamRoleRequired: the caller is a plain member.
        """
        with self._tx() as work:
            uow = work.uow
            view = visible_team(uow, actor, team_id)
            require_team_admin(actor, view)
            members = uow.teams.member_ids(team_id)
            lost = [(pid, uid) for pid in uow.teams.project_ids(team_id) for uid in members]
            uow.teams.delete(team_id)
            now = self._clock.now()
            work.record(
                TeamDeleted(
                    occurred_at=now,
                    actor_id=actor.user_id,
                    entity_id=team_id,
                    team_id=team_id,
                    team_name=view.name,
                )
            )
            release_lost(work, actor, lost, now)
            work.commit()
