"""Storage of projects and their memberships."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Protocol

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


class ProjectRepository(Protocol):
    """Stores projects and their memberships.

    Listings take ``offset``/``limit`` for numbered pages or ``after`` (a
    :class:`~taskcore.domain.pagination.Keyset`) for keyset pages; ``after`` wins when
    both are given. Read models (:class:`ProjectView`, :class:`MemberView`) are built in one
    query per page, task counts and names included.
    """

    def add(self, project: Project) -> Project:
        """Store a new project and return it with its id assigned and version 1."""
        ...

    def get(self, project_id: int, *, for_update: bool = False) -> Project | None:
        """The project with this id, or ``None``.

        Args:
            project_id: The project.
            for_update: Lock the project until the end of the transaction (before deleting
                it), so concurrent writers to it wait.
        """
        ...

    def update(self, project: Project) -> Project:
        """Save a changed project; returns it with its version bumped.

        Raises:
            ProjectNotFound: no such project.
            VersionMismatch: the stored version is not ``project.version``.
        """
        ...

    def delete(self, project_id: int) -> None:
        """Delete a project and its memberships (its tasks must be deleted first)."""
        ...

    def access(self, project_id: int, user_id: int) -> ProjectAccess | None:
        """Whether the project exists (``None`` if not) and ``user_id``'s effective role in
        it: the highest of their own membership and their teams' grants, in one query."""
        ...

    def view(self, project_id: int, *, viewer_id: int) -> ProjectView | None:
        """The project with its task count and ``viewer_id``'s role, or ``None``."""
        ...

    def find(
        self,
        criteria: ProjectCriteria,
        *,
        offset: int = 0,
        limit: int,
        after: Keyset | None = None,
    ) -> Sequence[ProjectView]:
        """Projects meeting ``criteria``, newest first (``created_at``, then id)."""
        ...

    def count(self, criteria: ProjectCriteria) -> int:
        """How many projects meet ``criteria``."""
        ...

    def add_member(self, membership: Membership) -> None:
        """Make a user a member of a project.

        Raises:
            MemberAlreadyExists: the user is already a member (also when a concurrent
                transaction added them first).
        """
        ...

    def member(self, project_id: int, user_id: int) -> MemberView | None:
        """One membership with the user's name, or ``None``."""
        ...

    def set_role(self, project_id: int, user_id: int, role: Role) -> None:
        """Change a member's role (nothing happens for a non-member)."""
        ...

    def remove_member(self, project_id: int, user_id: int) -> None:
        """End a membership (nothing happens for a non-member)."""
        ...

    def member_roles(self, project_id: int, user_ids: Collection[int]) -> dict[int, Role]:
        """The effective roles of those of ``user_ids`` who hold a role in the project,
        through their own membership or a team's grant (the highest of them).

        The memberships (and the team memberships and grants) found stay locked against
        removal until the end of the transaction, so a user checked here cannot leave the
        project before the change that relies on the check is committed.
        """
        ...

    def owner_ids(self, project_id: int) -> Sequence[int]:
        """The ids of the project's owners, locked until the end of the transaction, so two
        concurrent changes cannot both remove "one of two" owners."""
        ...

    def members_named(self, project_id: int, usernames: Collection[str]) -> Sequence[MemberView]:
        """Those holding a role in the project, themselves or through a team (with their
        effective role), whose usernames are among ``usernames`` (compared
        case-insensitively), by user id."""
        ...

    def find_members(
        self, project_id: int, *, offset: int = 0, limit: int, after: Keyset | None = None
    ) -> Sequence[MemberView]:
        """A project's members, in the order they joined (``added_at``, then user id)."""
        ...

    def count_members(self, project_id: int) -> int:
        """How many members the project has."""
        ...
