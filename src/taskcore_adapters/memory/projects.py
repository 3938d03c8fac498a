"""Projects and memberships in memory (see
``taskcore.ports.projects.ProjectRepository``)."""

from __future__ import annotations

import copy
from collections.abc import Collection, Sequence

import attrs

from taskcore.domain.pagination import Keyset
from taskcore.domain.projects import (
    Membership,
    MemberView,
    Project,
    ProjectAccess,
    ProjectCriteria,
    ProjectView,
    Role,
)
from taskcore.domain.teams import merge_members
from taskcore.errors import MemberAlreadyExists, ProjectNotFound, UserNotFound, VersionMismatch
from taskcore_adapters.memory.access import has_role, role_in
from taskcore_adapters.memory.support import window
from taskcore_adapters.memory.tables import Tables


class InMemoryProjectRepository:
    """Projects and memberships in memory (see ``taskcore.ports.projects``)."""

    def __init__(self, tables: Tables) -> None:
        self._t = tables

    def add(self, project: Project) -> Project:
        if project.owner_id not in self._t.users:
            raise UserNotFound(project.owner_id)
        stored = attrs.evolve(project, id=self._t.allocate("projects"), version=1)
        self._t.projects[stored.key] = stored
        return copy.deepcopy(stored)

    def get(self, project_id: int, *, for_update: bool = False) -> Project | None:
        found = self._t.projects.get(project_id)
        return copy.deepcopy(found) if found else None

    def update(self, project: Project) -> Project:
        current = self._t.projects.get(project.key)
        if current is None:
            raise ProjectNotFound(project.key)
        if current.version != project.version:
            raise VersionMismatch()
        stored = attrs.evolve(project, version=project.version + 1)
        self._t.projects[project.key] = stored
        return copy.deepcopy(stored)

    def delete(self, project_id: int) -> None:
        self._t.projects.pop(project_id, None)
        for key in [k for k in self._t.members if k[0] == project_id]:
            del self._t.members[key]
        for key in [k for k in self._t.team_grants if k[0] == project_id]:
            del self._t.team_grants[key]

    def _role(self, project_id: int, user_id: int) -> Role | None:
        return role_in(self._t, project_id, user_id)

    def access(self, project_id: int, user_id: int) -> ProjectAccess | None:
        if project_id not in self._t.projects:
            return None
        return ProjectAccess(project_id=project_id, role=self._role(project_id, user_id))

    def _view(self, project: Project, viewer_id: int) -> ProjectView:
        return ProjectView.of(
            project,
            task_count=sum(1 for t in self._t.tasks.values() if t.project_id == project.id),
            role=self._role(project.key, viewer_id),
        )

    def view(self, project_id: int, *, viewer_id: int) -> ProjectView | None:
        found = self._t.projects.get(project_id)
        return self._view(found, viewer_id) if found else None

    def _matching(self, criteria: ProjectCriteria) -> list[Project]:
        return [
            p
            for p in self._t.projects.values()
            if (criteria.member_id is None or has_role(self._t, p.key, criteria.member_id))
            and (criteria.status is None or p.status is criteria.status)
        ]

    def find(
        self,
        criteria: ProjectCriteria,
        *,
        offset: int = 0,
        limit: int,
        after: Keyset | None = None,
    ) -> Sequence[ProjectView]:
        page = window(
            self._matching(criteria),
            lambda p: (p.created_at, p.key),
            descending=True,
            offset=offset,
            limit=limit,
            after=after,
        )
        return [self._view(p, criteria.viewer_id) for p in page]

    def count(self, criteria: ProjectCriteria) -> int:
        return len(self._matching(criteria))

    def add_member(self, membership: Membership) -> None:
        if membership.project_id not in self._t.projects:
            raise ProjectNotFound(membership.project_id)
        if membership.user_id not in self._t.users:
            raise UserNotFound(membership.user_id)
        key = (membership.project_id, membership.user_id)
        if key in self._t.members:
            raise MemberAlreadyExists()
        self._t.members[key] = membership

    def _member_view(self, membership: Membership) -> MemberView:
        user = self._t.users[membership.user_id]
        return MemberView(
            project_id=membership.project_id,
            user_id=membership.user_id,
            username=user.username,
            full_name=user.full_name,
            role=membership.role,
            added_at=membership.added_at,
        )

    def member(self, project_id: int, user_id: int) -> MemberView | None:
        found = self._t.members.get((project_id, user_id))
        return self._member_view(found) if found else None

    def set_role(self, project_id: int, user_id: int, role: Role) -> None:
        found = self._t.members.get((project_id, user_id))
        if found is not None:
            self._t.members[project_id, user_id] = attrs.evolve(found, role=role)

    def remove_member(self, project_id: int, user_id: int) -> None:
        self._t.members.pop((project_id, user_id), None)

    def member_roles(self, project_id: int, user_ids: Collection[int]) -> dict[int, Role]:
        return {uid: role for uid in user_ids if (role := role_in(self._t, project_id, uid))}

    def owner_ids(self, project_id: int) -> Sequence[int]:
        return sorted(
            uid
            for (pid, uid), m in self._t.members.items()
            if pid == project_id and m.role is Role.OWNER
        )

    def members_named(self, project_id: int, usernames: Collection[str]) -> Sequence[MemberView]:
        wanted = {name.lower() for name in usernames}
        found = [
            self._member_view(m)
            for (pid, uid), m in sorted(self._t.members.items())
            if pid == project_id and self._t.users[uid].username.lower() in wanted
        ]
        for (pid, team_id), grant in self._t.team_grants.items():
            if pid != project_id:
                continue
            for (tid, uid), _ in self._t.team_members.items():
                if tid == team_id and self._t.users[uid].username.lower() in wanted:
                    found.append(
                        self._member_view(
                            Membership(
                                project_id=pid,
                                user_id=uid,
                                role=grant.role,
                                added_at=grant.added_at,
                            )
                        )
                    )
        return merge_members(found)

    def find_members(
        self, project_id: int, *, offset: int = 0, limit: int, after: Keyset | None = None
    ) -> Sequence[MemberView]:
        page = window(
            [m for (pid, _), m in self._t.members.items() if pid == project_id],
            lambda m: (m.added_at, m.user_id),
            descending=False,
            offset=offset,
            limit=limit,
            after=after,
        )
        return [self._member_view(m) for m in page]

    def count_members(self, project_id: int) -> int:
        return sum(1 for pid, _ in self._t.members if pid == project_id)
