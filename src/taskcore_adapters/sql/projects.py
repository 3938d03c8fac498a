"""Projects and memberships in SQL (see ``taskcore.ports.projects.ProjectRepository``)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import attrs
from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    bindparam,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from taskcore.domain.pagination import Keyset
from taskcore.domain.projects import (
    Membership,
    MemberView,
    Priority,
    Project,
    ProjectAccess,
    ProjectCriteria,
    ProjectStatus,
    ProjectView,
    Role,
)
from taskcore.domain.teams import highest, merge_members
from taskcore.errors import MemberAlreadyExists, ProjectNotFound, UserNotFound, VersionMismatch
from taskcore_adapters.sql.access import has_role, role_of_rank, roles_of
from taskcore_adapters.sql.support import keyset_after, keyset_order
from taskcore_adapters.sql.tables import (
    project_members,
    project_teams,
    projects,
    tasks,
    team_members,
    users,
)

_TASK_COUNT = (
    select(func.count())
    .select_from(tasks)
    .where(tasks.c.project_id == projects.c.id)
    .correlate(projects)
    .scalar_subquery()
    .label("task_count")
)


def _project(row: Any) -> Project:
    return Project(
        id=row.id,
        name=row.name,
        description=row.description,
        status=ProjectStatus(row.status),
        priority=Priority(row.priority),
        start_date=row.start_date,
        end_date=row.end_date,
        owner_id=row.owner_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
        version=row.version,
    )


def _values(project: Project) -> dict[str, Any]:
    return {
        "name": project.name,
        "description": project.description,
        "status": project.status.value,
        "priority": project.priority.value,
        "start_date": project.start_date,
        "end_date": project.end_date,
        "owner_id": project.owner_id,
        "created_at": project.created_at,
        "updated_at": project.updated_at,
    }


def _view(row: Any) -> ProjectView:
    return ProjectView(
        id=row.id,
        name=row.name,
        description=row.description,
        status=ProjectStatus(row.status),
        priority=Priority(row.priority),
        start_date=row.start_date,
        end_date=row.end_date,
        created_at=row.created_at,
        updated_at=row.updated_at,
        owner_id=row.owner_id,
        task_count=row.task_count,
        version=row.version,
        role=None if row.role is None else Role(row.role),
    )


def _member(row: Any) -> MemberView:
    return MemberView(
        project_id=row.project_id,
        user_id=row.user_id,
        username=row.username,
        full_name=row.full_name,
        role=Role(row.role),
        added_at=row.added_at,
    )


_MEMBER_COLUMNS = (
    project_members.c.project_id,
    project_members.c.user_id,
    project_members.c.role,
    project_members.c.added_at,
    users.c.username,
    users.c.full_name,
)


_ACCESS_ROLES = roles_of(bindparam("user_id"), project_id=bindparam("project_id"))
_ACCESS = (
    select(projects.c.id, role_of_rank(_ACCESS_ROLES.c.rank).label("role"))
    .select_from(projects)
    .outerjoin(_ACCESS_ROLES, _ACCESS_ROLES.c.project_id == projects.c.id)
    .where(projects.c.id == bindparam("project_id"))
)
"""A project's id and the caller's effective role in it: the highest of their membership
and their teams' grants, in one query (built once; every use case asks)."""


class SqlAlchemyProjectRepository:
    """Projects and memberships in SQL; task counts and roles come with each page."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, project: Project) -> Project:
        new_id = self._conn.execute(
            insert(projects).values(**_values(project), version=1).returning(projects.c.id)
        ).scalar_one()
        return attrs.evolve(project, id=new_id, version=1)

    def get(self, project_id: int, *, for_update: bool = False) -> Project | None:
        query = select(projects).where(projects.c.id == project_id)
        if for_update:
            query = query.with_for_update()
        row = self._conn.execute(query).first()
        return _project(row) if row else None

    def update(self, project: Project) -> Project:
        result = self._conn.execute(
            update(projects)
            .where(projects.c.id == project.key, projects.c.version == project.version)
            .values(**_values(project), version=project.version + 1)
        )
        if result.rowcount == 0:
            if self.get(project.key) is None:
                raise ProjectNotFound(project.key)
            raise VersionMismatch()
        return attrs.evolve(project, version=project.version + 1)

    def delete(self, project_id: int) -> None:
        self._conn.execute(
            delete(project_members).where(project_members.c.project_id == project_id)
        )
        self._conn.execute(delete(project_teams).where(project_teams.c.project_id == project_id))
        self._conn.execute(delete(projects).where(projects.c.id == project_id))

    def access(self, project_id: int, user_id: int) -> ProjectAccess | None:
        row = self._conn.execute(_ACCESS, {"project_id": project_id, "user_id": user_id}).first()
        if row is None:
            return None
        return ProjectAccess(project_id=row.id, role=None if row.role is None else Role(row.role))

    def _views(self, viewer_id: int) -> Select[Any]:
        roles = roles_of(viewer_id)
        return (
            select(projects, _TASK_COUNT, role_of_rank(roles.c.rank).label("role"))
            .select_from(projects)
            .outerjoin(roles, roles.c.project_id == projects.c.id)
        )

    def view(self, project_id: int, *, viewer_id: int) -> ProjectView | None:
        row = self._conn.execute(self._views(viewer_id).where(projects.c.id == project_id)).first()
        return _view(row) if row else None

    @staticmethod
    def _conditions(criteria: ProjectCriteria) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if criteria.member_id is not None:
            conditions.append(has_role(projects.c.id, criteria.member_id))
        if criteria.status is not None:
            conditions.append(projects.c.status == criteria.status.value)
        return conditions

    def find(
        self,
        criteria: ProjectCriteria,
        *,
        offset: int = 0,
        limit: int,
        after: Keyset | None = None,
    ) -> Sequence[ProjectView]:
        order = {"descending": True, "nullable": False}
        query = (
            self._views(criteria.viewer_id)
            .where(*self._conditions(criteria))
            .order_by(*keyset_order(projects.c.created_at, projects.c.id, **order))
            .limit(limit)
        )
        if after is not None:
            query = query.where(keyset_after(projects.c.created_at, projects.c.id, after, **order))
        else:
            query = query.offset(offset)
        return [_view(row) for row in self._conn.execute(query)]

    def count(self, criteria: ProjectCriteria) -> int:
        return self._conn.execute(
            select(func.count()).select_from(projects).where(*self._conditions(criteria))
        ).scalar_one()

    def add_member(self, membership: Membership) -> None:
        try:
            with self._conn.begin_nested():
                self._conn.execute(
                    insert(project_members).values(
                        project_id=membership.project_id,
                        user_id=membership.user_id,
                        role=membership.role.value,
                        added_at=membership.added_at,
                    )
                )
        except IntegrityError as exc:
            if self.member(membership.project_id, membership.user_id) is not None:
                raise MemberAlreadyExists() from exc
            if self.get(membership.project_id) is None:
                raise ProjectNotFound(membership.project_id) from exc
            raise UserNotFound(membership.user_id) from exc

    def _members(self) -> Select[Any]:
        return select(*_MEMBER_COLUMNS).select_from(
            project_members.join(users, users.c.id == project_members.c.user_id)
        )

    def member(self, project_id: int, user_id: int) -> MemberView | None:
        row = self._conn.execute(
            self._members().where(
                project_members.c.project_id == project_id, project_members.c.user_id == user_id
            )
        ).first()
        return _member(row) if row else None

    def set_role(self, project_id: int, user_id: int, role: Role) -> None:
        self._conn.execute(
            update(project_members)
            .where(project_members.c.project_id == project_id, project_members.c.user_id == user_id)
            .values(role=role.value)
        )

    def remove_member(self, project_id: int, user_id: int) -> None:
        self._conn.execute(
            delete(project_members).where(
                project_members.c.project_id == project_id, project_members.c.user_id == user_id
            )
        )

    def member_roles(self, project_id: int, user_ids: Collection[int]) -> dict[int, Role]:
        if not user_ids:
            return {}
        wanted = list(user_ids)
        direct = self._conn.execute(
            select(project_members.c.user_id, project_members.c.role)
            .where(
                project_members.c.project_id == project_id,
                project_members.c.user_id.in_(wanted),
            )
            .with_for_update(read=True, key_share=True)
        )
        granted = self._conn.execute(
            select(team_members.c.user_id, project_teams.c.role)
            .join(team_members, team_members.c.team_id == project_teams.c.team_id)
            .where(project_teams.c.project_id == project_id, team_members.c.user_id.in_(wanted))
            .with_for_update(read=True, key_share=True)
        )
        held: dict[int, list[Role | None]] = {}
        for row in [*direct, *granted]:
            held.setdefault(row.user_id, []).append(Role(row.role))
        return {uid: role for uid, roles in held.items() if (role := highest(roles))}

    def owner_ids(self, project_id: int) -> Sequence[int]:
        rows = self._conn.execute(
            select(project_members.c.user_id)
            .where(
                project_members.c.project_id == project_id,
                project_members.c.role == Role.OWNER.value,
            )
            .order_by(project_members.c.user_id)
            .with_for_update()
        )
        return [row.user_id for row in rows]

    def members_named(self, project_id: int, usernames: Collection[str]) -> Sequence[MemberView]:
        if not usernames:
            return []
        names = sorted({n.lower() for n in usernames})
        direct = self._conn.execute(
            self._members().where(
                project_members.c.project_id == project_id,
                func.lower(users.c.username).in_(names),
            )
        )
        through_teams = self._conn.execute(
            select(
                project_teams.c.project_id,
                team_members.c.user_id,
                project_teams.c.role,
                project_teams.c.added_at,
                users.c.username,
                users.c.full_name,
            )
            .select_from(
                project_teams.join(
                    team_members, team_members.c.team_id == project_teams.c.team_id
                ).join(users, users.c.id == team_members.c.user_id)
            )
            .where(
                project_teams.c.project_id == project_id, func.lower(users.c.username).in_(names)
            )
        )
        return merge_members([_member(row) for row in [*direct, *through_teams]])

    def find_members(
        self, project_id: int, *, offset: int = 0, limit: int, after: Keyset | None = None
    ) -> Sequence[MemberView]:
        value, ident = project_members.c.added_at, project_members.c.user_id
        order = {"descending": False, "nullable": False}
        query = (
            self._members()
            .where(project_members.c.project_id == project_id)
            .order_by(*keyset_order(value, ident, **order))
            .limit(limit)
        )
        if after is not None:
            query = query.where(keyset_after(value, ident, after, **order))
        else:
            query = query.offset(offset)
        return [_member(row) for row in self._conn.execute(query)]

    def count_members(self, project_id: int) -> int:
        return self._conn.execute(
            select(func.count())
            .select_from(project_members)
            .where(project_members.c.project_id == project_id)
        ).scalar_one()
