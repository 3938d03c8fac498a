"""Membership: list a project's members, add them directly, change their role, remove
them (or leave)."""

from __future__ import annotations

from typing import overload

from taskcore.domain import projects as rules
from taskcore.domain.events import (
    InvitationRevoked,
    MemberAdded,
    MemberRemoved,
    MemberRoleChanged,
    TaskAssigned,
    change,
)
from taskcore.domain.invitations import InvitationStatus
from taskcore.domain.pagination import CursorPage, CursorRequest, Page, PageRequest, datetime_value
from taskcore.domain.projects import Membership, MemberView, Role
from taskcore.errors import (
    LastOwner,
    MemberAlreadyExists,
    MemberNotFound,
    ProjectNotFound,
    ProjectRoleRequired,
    UserNotFound,
)
from taskcore.services import access, listing
from taskcore.services.access import Actor
from taskcore.services.projects.base import MANAGE_MEMBERS, ProjectsBase, invitation_event

MEMBER_ORDER = "members:added_at:asc"
DIRECT_ADD = "Only administrators add members directly; invite the user instead"


class Members(ProjectsBase):
    """A project's members: who they are, adding, role changes and removal."""

    @overload
    def list_members(
        self, actor: Actor, project_id: int, *, page: PageRequest = ...
    ) -> Page[MemberView]: ...

    @overload
    def list_members(
        self, actor: Actor, project_id: int, *, page: CursorRequest
    ) -> CursorPage[MemberView]: ...

    def list_members(
        self,
        actor: Actor,
        project_id: int,
        *,
        page: PageRequest | CursorRequest = PageRequest(),  # noqa: B008 - immutable
    ) -> Page[MemberView] | CursorPage[MemberView]:
        """A project's members in the order they joined (any member may look).

        Raises:
            ProjectNotFound: no such project, or the caller is not a member.
            ValidationError: an invalid cursor.
        """
        with self._tx(read_only=True) as work:
            repo = work.uow.projects
            access.visible_role(repo, actor, project_id, ProjectNotFound(project_id))
            return listing.fetch(
                page,
                order=MEMBER_ORDER,
                parse=datetime_value,
                key=lambda m: (m.added_at, m.user_id),
                count=lambda: repo.count_members(project_id),
                find=lambda offset, limit, after: repo.find_members(
                    project_id, offset=offset, limit=limit, after=after
                ),
            )

    @staticmethod
    def may_add_directly(actor: Actor) -> bool:
        """Whether the caller may add members without an invitation (administrators)."""
        return actor.is_admin

    def add_member(
        self, actor: Actor, project_id: int, *, user_id: int, role: str = Role.MEMBER.value
    ) -> MemberView:
        """Add a user to a project with a role at once, without their consent
        (administrators only; owners :meth:`invite_member` instead).

        A pending invitation of the user to the project is revoked (it has no use left).

        Raises:
            ProjectNotFound: no such project, or the caller is not a member.
            ProjectRoleRequired: the caller is not an owner, or is an owner but not an
                administrator.
            ValidationError: ``Invalid role. Must be one of ['owner', 'member', 'viewer']``.
            UserNotFound: no such user.
            MemberAlreadyExists: the user is already a member.
        """
        with self._tx() as work:
            uow = work.uow
            caller_role = access.visible_role(
                uow.projects, actor, project_id, ProjectNotFound(project_id)
            )
            access.require_manage(actor, caller_role, project_id, MANAGE_MEMBERS)
            if not self.may_add_directly(actor):
                raise ProjectRoleRequired(DIRECT_ADD, project_id=project_id, required="admin")
            new_role = rules.check_role(role)
            user = uow.users.get(user_id)
            if user is None:
                raise UserNotFound(user_id)
            if uow.projects.member(project_id, user_id) is not None:
                raise MemberAlreadyExists()
            now = self._clock.now()
            uow.projects.add_member(
                Membership(project_id=project_id, user_id=user_id, role=new_role, added_at=now)
            )
            pending = uow.invitations.pending(project_id, user_id)
            if pending is not None and uow.invitations.set_status(
                pending.key, InvitationStatus.REVOKED, now
            ):
                work.record(invitation_event(InvitationRevoked, pending, actor.user_id, now))
            work.record(
                MemberAdded(
                    occurred_at=now,
                    actor_id=actor.user_id,
                    entity_id=project_id,
                    project_id=project_id,
                    user_id=user_id,
                    role=new_role.value,
                )
            )
            work.commit()
        return MemberView(
            project_id=project_id,
            user_id=user_id,
            username=user.username,
            full_name=user.full_name,
            role=new_role,
            added_at=now,
        )

    def change_member_role(
        self, actor: Actor, project_id: int, user_id: int, *, role: str
    ) -> MemberView:
        """Give a member another role (owners only); the last owner cannot be demoted.

        Raises:
            ProjectNotFound: no such project, or the caller is not a member.
            ProjectRoleRequired: the caller is not an owner.
            ValidationError: an invalid role.
            MemberNotFound: the user is not a member.
            LastOwner: the member is the project's only owner and would stop being one.
        """
        with self._tx() as work:
            repo = work.uow.projects
            caller_role = access.visible_role(repo, actor, project_id, ProjectNotFound(project_id))
            access.require_manage(actor, caller_role, project_id, MANAGE_MEMBERS)
            new_role = rules.check_role(role)
            member = repo.member(project_id, user_id)
            if member is None:
                raise MemberNotFound(project_id, user_id)
            if member.role is new_role:
                return member
            if member.role is Role.OWNER and list(repo.owner_ids(project_id)) == [user_id]:
                raise LastOwner()
            repo.set_role(project_id, user_id, new_role)
            work.record(
                MemberRoleChanged(
                    occurred_at=self._clock.now(),
                    actor_id=actor.user_id,
                    entity_id=project_id,
                    project_id=project_id,
                    user_id=user_id,
                    changes={"role": change(member.role.value, new_role.value)},
                )
            )
            work.commit()
        return MemberView(
            project_id=member.project_id,
            user_id=member.user_id,
            username=member.username,
            full_name=member.full_name,
            role=new_role,
            added_at=member.added_at,
        )

    def remove_member(self, actor: Actor, project_id: int, user_id: int) -> None:
        """Remove a member (owners), or leave a project (any member, for themself).

        The user's tasks in the project are unassigned (each records
        :class:`TaskAssigned`) and they stop watching its tasks. The last owner cannot be
        removed.

        Raises:
            ProjectNotFound: no such project, or the caller is not a member.
            ProjectRoleRequired: the caller is not an owner and removes someone else.
            MemberNotFound: the user is not a member.
            LastOwner: the user is the project's only owner.
        """
        with self._tx() as work:
            uow = work.uow
            caller_role = access.visible_role(
                uow.projects, actor, project_id, ProjectNotFound(project_id)
            )
            if user_id != actor.user_id:
                access.require_manage(actor, caller_role, project_id, MANAGE_MEMBERS)
            member = uow.projects.member(project_id, user_id)
            if member is None:
                raise MemberNotFound(project_id, user_id)
            if member.role is Role.OWNER and list(uow.projects.owner_ids(project_id)) == [user_id]:
                raise LastOwner()
            uow.projects.remove_member(project_id, user_id)
            now = self._clock.now()
            released = uow.tasks.release_member(project_id, user_id, now)
            for task in released:
                work.record(
                    TaskAssigned(
                        occurred_at=now,
                        actor_id=actor.user_id,
                        entity_id=task.key,
                        entity_version=task.version,
                        project_id=project_id,
                        title=task.title,
                        old_assignee_id=user_id,
                        assignee_id=None,
                    )
                )
            work.record(
                MemberRemoved(
                    occurred_at=now,
                    actor_id=actor.user_id,
                    entity_id=project_id,
                    project_id=project_id,
                    user_id=user_id,
                    role=member.role.value,
                    unassigned_task_ids=[t.key for t in released],
                )
            )
            work.commit()
