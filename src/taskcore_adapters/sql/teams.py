"""Teams, their members and their grants in SQL (see ``taskcore.ports.teams.TeamRepository``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs
from sqlalchemy import ColumnElement, Connection, Select, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

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
from taskcore_adapters.sql.tables import project_teams, team_members, teams, users

_MEMBER_COUNT = (
    select(func.count())
    .select_from(team_members)
    .where(team_members.c.team_id == teams.c.id)
    .correlate(teams)
    .scalar_subquery()
    .label("member_count")
)

_VIEWER = team_members.alias("viewer")
"""The caller's membership, joined to report their team role."""


def _team(row: Any) -> Team:
    return Team(
        id=row.id,
        name=row.name,
        description=row.description,
        created_by=row.created_by,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _values(team: Team) -> dict[str, Any]:
    return {
        "name": team.name,
        "name_key": team.name_key,
        "description": team.description,
        "created_by": team.created_by,
        "created_at": team.created_at,
        "updated_at": team.updated_at,
    }


def _view(row: Any) -> TeamView:
    return TeamView(
        id=row.id,
        name=row.name,
        description=row.description,
        created_by=row.created_by,
        created_at=row.created_at,
        updated_at=row.updated_at,
        member_count=row.member_count,
        role=None if row.role is None else TeamRole(row.role),
    )


def _member(row: Any) -> TeamMemberView:
    return TeamMemberView(
        team_id=row.team_id,
        user_id=row.user_id,
        username=row.username,
        full_name=row.full_name,
        role=TeamRole(row.role),
        added_at=row.added_at,
    )


def _grant(row: Any) -> TeamGrantView:
    return TeamGrantView(
        project_id=row.project_id,
        team_id=row.team_id,
        team_name=row.name,
        member_count=row.member_count,
        role=Role(row.role),
        added_at=row.added_at,
    )


class SqlAlchemyTeamRepository:
    """Teams in SQL; member counts and the caller's role come with each page."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def _name_taken(self, team: Team) -> bool:
        query = select(teams.c.id).where(teams.c.name_key == team.name_key)
        if team.id is not None:
            query = query.where(teams.c.id != team.id)
        return self._conn.execute(query).first() is not None

    def add(self, team: Team) -> Team:
        try:
            with self._conn.begin_nested():
                new_id = self._conn.execute(
                    insert(teams).values(**_values(team)).returning(teams.c.id)
                ).scalar_one()
        except IntegrityError as exc:
            if self._name_taken(team):
                raise TeamNameTaken() from exc
            raise UserNotFound(team.created_by) from exc
        return attrs.evolve(team, id=new_id)

    def get(self, team_id: int) -> Team | None:
        row = self._conn.execute(select(teams).where(teams.c.id == team_id)).first()
        return _team(row) if row else None

    def update(self, team: Team) -> Team:
        try:
            with self._conn.begin_nested():
                result = self._conn.execute(
                    update(teams).where(teams.c.id == team.key).values(**_values(team))
                )
        except IntegrityError as exc:
            raise TeamNameTaken() from exc
        if result.rowcount == 0:
            raise TeamNotFound(team.key)
        return team

    def delete(self, team_id: int) -> None:
        self._conn.execute(delete(project_teams).where(project_teams.c.team_id == team_id))
        self._conn.execute(delete(team_members).where(team_members.c.team_id == team_id))
        self._conn.execute(delete(teams).where(teams.c.id == team_id))

    @staticmethod
    def _views(viewer_id: int) -> Select[Any]:
        return (
            select(teams, _MEMBER_COUNT, _VIEWER.c.role)
            .select_from(teams)
            .outerjoin(
                _VIEWER, (_VIEWER.c.team_id == teams.c.id) & (_VIEWER.c.user_id == viewer_id)
            )
        )

    def view(self, team_id: int, *, viewer_id: int) -> TeamView | None:
        row = self._conn.execute(self._views(viewer_id).where(teams.c.id == team_id)).first()
        return _view(row) if row else None

    @staticmethod
    def _conditions(criteria: TeamCriteria) -> list[ColumnElement[bool]]:
        if criteria.member_id is None:
            return []
        return [
            teams.c.id.in_(
                select(team_members.c.team_id).where(team_members.c.user_id == criteria.member_id)
            )
        ]

    def find(self, criteria: TeamCriteria, *, offset: int = 0, limit: int) -> Sequence[TeamView]:
        query = (
            self._views(criteria.viewer_id)
            .where(*self._conditions(criteria))
            .order_by(teams.c.name_key, teams.c.id)
            .offset(offset)
            .limit(limit)
        )
        return [_view(row) for row in self._conn.execute(query)]

    def count(self, criteria: TeamCriteria) -> int:
        return self._conn.execute(
            select(func.count()).select_from(teams).where(*self._conditions(criteria))
        ).scalar_one()

    def add_member(self, membership: TeamMembership) -> None:
        try:
            with self._conn.begin_nested():
                self._conn.execute(
                    insert(team_members).values(
                        team_id=membership.team_id,
                        user_id=membership.user_id,
                        role=membership.role.value,
                        added_at=membership.added_at,
                    )
                )
        except IntegrityError as exc:
            if self.member(membership.team_id, membership.user_id) is not None:
                raise TeamMemberExists() from exc
            if self.get(membership.team_id) is None:
                raise TeamNotFound(membership.team_id) from exc
            raise UserNotFound(membership.user_id) from exc

    @staticmethod
    def _members() -> Select[Any]:
        return select(
            team_members.c.team_id,
            team_members.c.user_id,
            team_members.c.role,
            team_members.c.added_at,
            users.c.username,
            users.c.full_name,
        ).select_from(team_members.join(users, users.c.id == team_members.c.user_id))

    def member(self, team_id: int, user_id: int) -> TeamMemberView | None:
        row = self._conn.execute(
            self._members().where(
                team_members.c.team_id == team_id, team_members.c.user_id == user_id
            )
        ).first()
        return _member(row) if row else None

    def set_member_role(self, team_id: int, user_id: int, role: TeamRole) -> None:
        self._conn.execute(
            update(team_members)
            .where(team_members.c.team_id == team_id, team_members.c.user_id == user_id)
            .values(role=role.value)
        )

    def remove_member(self, team_id: int, user_id: int) -> None:
        self._conn.execute(
            delete(team_members).where(
                team_members.c.team_id == team_id, team_members.c.user_id == user_id
            )
        )

    def admin_ids(self, team_id: int) -> Sequence[int]:
        rows = self._conn.execute(
            select(team_members.c.user_id)
            .where(team_members.c.team_id == team_id, team_members.c.role == TeamRole.ADMIN.value)
            .order_by(team_members.c.user_id)
            .with_for_update()
        )
        return [row.user_id for row in rows]

    def find_members(
        self, team_id: int, *, offset: int = 0, limit: int
    ) -> Sequence[TeamMemberView]:
        query = (
            self._members()
            .where(team_members.c.team_id == team_id)
            .order_by(team_members.c.added_at, team_members.c.user_id)
            .offset(offset)
            .limit(limit)
        )
        return [_member(row) for row in self._conn.execute(query)]

    def count_members(self, team_id: int) -> int:
        return self._conn.execute(
            select(func.count()).select_from(team_members).where(team_members.c.team_id == team_id)
        ).scalar_one()

    def member_ids(self, team_id: int) -> Sequence[int]:
        rows = self._conn.execute(
            select(team_members.c.user_id)
            .where(team_members.c.team_id == team_id)
            .order_by(team_members.c.user_id)
        )
        return [row.user_id for row in rows]

    def project_ids(self, team_id: int) -> Sequence[int]:
        rows = self._conn.execute(
            select(project_teams.c.project_id)
            .where(project_teams.c.team_id == team_id)
            .order_by(project_teams.c.project_id)
        )
        return [row.project_id for row in rows]

    def grant(self, grant: TeamGrant) -> None:
        try:
            with self._conn.begin_nested():
                self._conn.execute(
                    insert(project_teams).values(
                        project_id=grant.project_id,
                        team_id=grant.team_id,
                        role=grant.role.value,
                        added_at=grant.added_at,
                    )
                )
        except IntegrityError as exc:
            if self.grant_of(grant.project_id, grant.team_id) is not None:
                raise TeamGrantExists() from exc
            if self.get(grant.team_id) is None:
                raise TeamNotFound(grant.team_id) from exc
            raise ProjectNotFound(grant.project_id) from exc

    @staticmethod
    def _grants() -> Select[Any]:
        return select(
            project_teams.c.project_id,
            project_teams.c.team_id,
            project_teams.c.role,
            project_teams.c.added_at,
            teams.c.name,
            _MEMBER_COUNT,
        ).select_from(project_teams.join(teams, teams.c.id == project_teams.c.team_id))

    def grant_of(self, project_id: int, team_id: int) -> TeamGrantView | None:
        row = self._conn.execute(
            self._grants().where(
                project_teams.c.project_id == project_id, project_teams.c.team_id == team_id
            )
        ).first()
        return _grant(row) if row else None

    def set_grant_role(self, project_id: int, team_id: int, role: Role) -> None:
        self._conn.execute(
            update(project_teams)
            .where(project_teams.c.project_id == project_id, project_teams.c.team_id == team_id)
            .values(role=role.value)
        )

    def revoke(self, project_id: int, team_id: int) -> None:
        self._conn.execute(
            delete(project_teams).where(
                project_teams.c.project_id == project_id, project_teams.c.team_id == team_id
            )
        )

    def find_grants(
        self, project_id: int, *, offset: int = 0, limit: int
    ) -> Sequence[TeamGrantView]:
        query = (
            self._grants()
            .where(project_teams.c.project_id == project_id)
            .order_by(project_teams.c.added_at, project_teams.c.team_id)
            .offset(offset)
            .limit(limit)
        )
        return [_grant(row) for row in self._conn.execute(query)]

    def count_grants(self, project_id: int) -> int:
        return self._conn.execute(
            select(func.count())
            .select_from(project_teams)
            .where(project_teams.c.project_id == project_id)
        ).scalar_one()
