"""Who may do what: the checks shared by the areas (projects, tasks, comments, attachments,
administration).

System administrators may see and do everything. Otherwise a user's role in the project
decides: every member may read; owners and members may write tasks and comments; only
owners may change the project and its membership. Non-members are told the project (or
task) does not exist, so ids reveal nothing.
"""

from __future__ import annotations

from typing import Final, Protocol

from taskcore.domain.projects import Role
from taskcore.domain.tasks import Task
from taskcore.errors import (
    AdminRequired,
    NotFound,
    ProjectRoleRequired,
    TaskNotFound,
    VersionMismatch,
)
from taskcore.ports.projects import ProjectRepository
from taskcore.ports.uow import UnitOfWork

TASK_MISSING: Final = "Task not found or access denied"


class Actor(Protocol):
    """The authenticated caller of a use case (``taskcore.services.users.Principal`` is
    one)."""

    @property
    def user_id(self) -> int:
        """The caller's user id."""
        ...

    @property
    def is_admin(self) -> bool:
        """Whether the caller is a system administrator."""
        ...


def visible_role(
    projects: ProjectRepository, actor: Actor, project_id: int, missing: NotFound
) -> Role | None:
    """The caller's role in a project they may see.

    Returns:
        The role, or ``None`` for an administrator who is not a member.

    Raises:
        NotFound: ``missing``, when the project does not exist or the caller is neither a
            member nor an administrator.
    """
    access = projects.access(project_id, actor.user_id)
    if access is None or (access.role is None and not actor.is_admin):
        raise missing
    return access.role


def visible_task(
    uow: UnitOfWork, actor: Actor, task_id: int, missing: NotFound
) -> tuple[Task, Role | None]:
    """A task the caller may see and the caller's role in its project (``None`` for an
    administrator who is not a member), read in one query.

    Raises:
        NotFound: ``missing``, when the task does not exist or the caller is neither a
            member of its project nor an administrator.
    """
    found = uow.tasks.get_with_role(task_id, actor.user_id)
    if found is None or (found[1] is None and not actor.is_admin):
        raise missing
    return found


def task_access(uow: UnitOfWork, actor: Actor, task_id: int) -> tuple[int, Role | None]:
    """The project of a task the caller may see, and the caller's role in it.

    Returns:
        The project's id and the role (``None`` for an administrator who is not a member).

    Raises:
        TaskNotFound: ``Task not found or access denied``: the task does not exist, or the
            caller is neither a member of its project nor an administrator.
    """
    project_id = uow.tasks.project_id_of(task_id)
    missing = TaskNotFound(task_id, TASK_MISSING)
    if project_id is None:
        raise missing
    return project_id, visible_role(uow.projects, actor, project_id, missing)


def require_admin(actor: Actor) -> None:
    """Raise unless the caller is a system administrator.

    Raises:
        AdminRequired: the caller is not an administrator.
    """
    if not actor.is_admin:
        raise AdminRequired()


def can_write(actor: Actor, role: Role | None) -> bool:
    """Whether the caller may create and change tasks and comments."""
    return actor.is_admin or (role is not None and role.can_write)


def can_manage(actor: Actor, role: Role | None) -> bool:
    """Whether the caller may change the project itself and its membership."""
    return actor.is_admin or (role is not None and role.can_manage)


def require_write(actor: Actor, role: Role | None, project_id: int, message: str) -> None:
    """Raise unless the caller may write in the project.

    Raises:
        ProjectRoleRequired: the caller is a viewer.
    """
    if not can_write(actor, role):
        raise ProjectRoleRequired(message, project_id=project_id, required=Role.MEMBER.value)


def require_manage(actor: Actor, role: Role | None, project_id: int, message: str) -> None:
    """Raise unless the caller owns the project (or is an administrator).

    Raises:
        ProjectRoleRequired: the caller is a member or viewer.
    """
    if not can_manage(actor, role):
        raise ProjectRoleRequired(message, project_id=project_id, required=Role.OWNER.value)


def check_version(current: int, expected: int | None) -> None:
    """Raise if the caller expected another version of the object.

    Raises:
        VersionMismatch: ``expected`` is given and differs from ``current``.
    """
    if expected is not None and expected != current:
        raise VersionMismatch()
