"""Invitations: a user joins a project only by accepting one. Owners and administrators
invite, list and revoke; the invitee reads, accepts or declines."""

from __future__ import annotations

import datetime as dt
from typing import overload

import attrs

from taskcore.domain import projects as rules
from taskcore.domain.events import (
    InvitationAccepted,
    InvitationDeclined,
    InvitationRevoked,
    MemberAdded,
    MemberInvited,
)
from taskcore.domain.invitations import (
    Invitation,
    InvitationCriteria,
    InvitationStatus,
    InvitationView,
)
from taskcore.domain.pagination import CursorPage, CursorRequest, Page, PageRequest, datetime_value
from taskcore.domain.projects import Membership, MemberView, Role
from taskcore.errors import (
    InvitationExpired,
    InvitationNotFound,
    InvitationNotPending,
    InvitationPending,
    MemberAlreadyExists,
    ProjectNotFound,
    UserNotFound,
)
from taskcore.ports.invitations import InvitationRepository
from taskcore.ports.uow import UnitOfWork
from taskcore.services import access, listing
from taskcore.services.access import Actor
from taskcore.services.projects.base import MANAGE_MEMBERS, ProjectsBase, invitation_event

PROJECT_INVITATION_ORDER = "project-invitations:created_at:desc"
MY_INVITATION_ORDER = "my-invitations:created_at:desc"


class Invitations(ProjectsBase):
    """Inviting users to projects and answering the invitations."""

    def invite_member(
        self, actor: Actor, project_id: int, *, user_id: int, role: str = Role.MEMBER.value
    ) -> InvitationView:
        """Invite a user to join a project with a role (owners and administrators).

        The user becomes a member only by accepting (:meth:`accept_invitation`) before the
        invitation expires. A pending invitation past its expiry is replaced.

        Raises:
            ProjectNotFound: no such project, or the caller is not a member.
            ProjectRoleRequired: the caller is not an owner.
            ValidationError: an invalid role.
            UserNotFound: no such user, or the account is deactivated.
            MemberAlreadyExists: the user is already a member.
            InvitationPending: the user already has a pending invitation to the project.
        """
        with self._tx() as work:
            uow = work.uow
            caller_role = access.visible_role(
                uow.projects, actor, project_id, ProjectNotFound(project_id)
            )
            access.require_manage(actor, caller_role, project_id, MANAGE_MEMBERS)
            new_role = rules.check_role(role)
            user = uow.users.get(user_id)
            if user is None or not user.is_active:
                raise UserNotFound(user_id)
            if uow.projects.member(project_id, user_id) is not None:
                raise MemberAlreadyExists()
            now = self._clock.now()
            earlier = uow.invitations.pending(project_id, user_id)
            if earlier is not None:
                if earlier.state(now) is not InvitationStatus.EXPIRED:
                    raise InvitationPending()
                uow.invitations.set_status(earlier.key, InvitationStatus.EXPIRED, now)
            invitation = uow.invitations.add(
                Invitation(
                    project_id=project_id,
                    user_id=user_id,
                    role=new_role,
                    invited_by=actor.user_id,
                    created_at=now,
                    expires_at=now + self._invitation_ttl,
                )
            )
            work.record(
                MemberInvited(
                    occurred_at=now,
                    actor_id=actor.user_id,
                    entity_id=invitation.project_id,
                    project_id=invitation.project_id,
                    invitation_id=invitation.key,
                    user_id=invitation.user_id,
                    role=invitation.role.value,
                    invited_by=invitation.invited_by,
                    expires_at=invitation.expires_at.isoformat(),
                )
            )
            found = uow.invitations.view(invitation.key)
            work.commit()
        if found is None:  # pragma: no cover - read back in the same transaction
            raise InvitationNotFound(invitation.key)
        return found

    @overload
    def list_invitations(
        self,
        actor: Actor,
        project_id: int,
        *,
        pending: bool = ...,
        page: PageRequest = ...,
    ) -> Page[InvitationView]: ...

    @overload
    def list_invitations(
        self,
        actor: Actor,
        project_id: int,
        *,
        pending: bool = ...,
        page: CursorRequest,
    ) -> CursorPage[InvitationView]: ...

    def list_invitations(
        self,
        actor: Actor,
        project_id: int,
        *,
        pending: bool = False,
        page: PageRequest | CursorRequest = PageRequest(),  # noqa: B008 - immutable
    ) -> Page[InvitationView] | CursorPage[InvitationView]:
        """A project's invitations, newest first (owners and administrators).

        Args:
            actor: The caller.
            project_id: The project.
            pending: Only those that can still be accepted (pending, not expired).
            page: A numbered page or a keyset slice.

        Raises:
            ProjectNotFound: no such project, or the caller is not a member.
            ProjectRoleRequired: the caller is not an owner.
            ValidationError: an invalid cursor.
        """
        now = self._clock.now()
        criteria = InvitationCriteria(project_id=project_id, pending_at=now if pending else None)
        with self._tx(read_only=True) as work:
            uow = work.uow
            role = access.visible_role(uow.projects, actor, project_id, ProjectNotFound(project_id))
            access.require_manage(actor, role, project_id, MANAGE_MEMBERS)
            return self._invitations(uow.invitations, criteria, PROJECT_INVITATION_ORDER, page)

    @overload
    def my_invitations(self, actor: Actor, *, page: PageRequest = ...) -> Page[InvitationView]: ...

    @overload
    def my_invitations(
        self, actor: Actor, *, page: CursorRequest
    ) -> CursorPage[InvitationView]: ...

    def my_invitations(
        self,
        actor: Actor,
        *,
        page: PageRequest | CursorRequest = PageRequest(),  # noqa: B008 - immutable
    ) -> Page[InvitationView] | CursorPage[InvitationView]:
        """The caller's invitations that can still be accepted, newest first.

        Raises:
            ValidationError: an invalid cursor.
        """
        now = self._clock.now()
        criteria = InvitationCriteria(user_id=actor.user_id, pending_at=now)
        with self._tx(read_only=True) as work:
            return self._invitations(work.uow.invitations, criteria, MY_INVITATION_ORDER, page)

    def get_invitation(self, actor: Actor, invitation_id: int) -> InvitationView:
        """One invitation, for its invitee and for those who manage its project.

        Raises:
            InvitationNotFound: no such invitation, or the caller is neither its invitee nor
                a member of its project (nor an administrator).
            ProjectRoleRequired: the caller is a member of the project but not an owner.
        """
        with self._tx(read_only=True) as work:
            uow = work.uow
            found = uow.invitations.view(invitation_id)
            if found is None:
                raise InvitationNotFound(invitation_id)
            if found.user_id != actor.user_id:
                role = access.visible_role(
                    uow.projects, actor, found.project_id, InvitationNotFound(invitation_id)
                )
                access.require_manage(actor, role, found.project_id, MANAGE_MEMBERS)
        return _fresh(found, self._clock.now())

    def accept_invitation(self, actor: Actor, invitation_id: int) -> MemberView:
        """Accept one's own invitation: become a member of the project with its role.

        Raises:
            InvitationNotFound: no such invitation, or it is not the caller's.
            InvitationNotPending: it was already accepted, declined or revoked.
            InvitationExpired: it is past its expiry time.
            MemberAlreadyExists: the caller became a member meanwhile.
        """
        with self._tx() as work:
            uow = work.uow
            invitation = self._own_pending(uow, actor, invitation_id)
            now = self._clock.now()
            if invitation.state(now) is InvitationStatus.EXPIRED:
                raise InvitationExpired()
            if uow.projects.member(invitation.project_id, actor.user_id) is not None:
                raise MemberAlreadyExists()
            if not uow.invitations.set_status(invitation.key, InvitationStatus.ACCEPTED, now):
                raise InvitationNotPending(InvitationStatus.ACCEPTED.value)
            uow.projects.add_member(
                Membership(
                    project_id=invitation.project_id,
                    user_id=actor.user_id,
                    role=invitation.role,
                    added_at=now,
                )
            )
            work.record(invitation_event(InvitationAccepted, invitation, actor.user_id, now))
            work.record(
                MemberAdded(
                    occurred_at=now,
                    actor_id=actor.user_id,
                    entity_id=invitation.project_id,
                    project_id=invitation.project_id,
                    user_id=actor.user_id,
                    role=invitation.role.value,
                    invitation_id=invitation.key,
                )
            )
            member = uow.projects.member(invitation.project_id, actor.user_id)
            work.commit()
        if member is None:  # pragma: no cover - read back in the same transaction
            raise InvitationNotFound(invitation_id)
        return member

    def decline_invitation(self, actor: Actor, invitation_id: int) -> InvitationView:
        """Decline one's own pending invitation (also an expired one).

        Raises:
            InvitationNotFound: no such invitation, or it is not the caller's.
            InvitationNotPending: it was already accepted, declined or revoked.
        """
        return self._answer(
            actor, invitation_id, InvitationStatus.DECLINED, InvitationDeclined, own=True
        )

    def revoke_invitation(self, actor: Actor, invitation_id: int) -> InvitationView:
        """Withdraw a pending invitation (owners of its project and administrators).

        Raises:
            InvitationNotFound: no such invitation, or the caller is not a member of its
                project (nor an administrator).
            ProjectRoleRequired: the caller is a member of the project but not an owner.
            InvitationNotPending: it was already accepted, declined or revoked.
        """
        return self._answer(
            actor, invitation_id, InvitationStatus.REVOKED, InvitationRevoked, own=False
        )

    def _answer(
        self,
        actor: Actor,
        invitation_id: int,
        status: InvitationStatus,
        event: type[InvitationDeclined | InvitationRevoked],
        *,
        own: bool,
    ) -> InvitationView:
        with self._tx() as work:
            uow = work.uow
            if own:
                invitation = self._own_pending(uow, actor, invitation_id)
            else:
                invitation = self._managed_pending(uow, actor, invitation_id)
            now = self._clock.now()
            if not uow.invitations.set_status(invitation.key, status, now):
                raise InvitationNotPending(invitation.status.value)
            work.record(invitation_event(event, invitation, actor.user_id, now))
            found = uow.invitations.view(invitation_id)
            work.commit()
        if found is None:  # pragma: no cover - read back in the same transaction
            raise InvitationNotFound(invitation_id)
        return found

    @staticmethod
    def _own_pending(uow: UnitOfWork, actor: Actor, invitation_id: int) -> Invitation:
        invitation = uow.invitations.get(invitation_id, for_update=True)
        if invitation is None or invitation.user_id != actor.user_id:
            raise InvitationNotFound(invitation_id)
        if invitation.status is not InvitationStatus.PENDING:
            raise InvitationNotPending(invitation.status.value)
        return invitation

    @staticmethod
    def _managed_pending(uow: UnitOfWork, actor: Actor, invitation_id: int) -> Invitation:
        invitation = uow.invitations.get(invitation_id, for_update=True)
        if invitation is None:
            raise InvitationNotFound(invitation_id)
        role = access.visible_role(
            uow.projects, actor, invitation.project_id, InvitationNotFound(invitation_id)
        )
        access.require_manage(actor, role, invitation.project_id, MANAGE_MEMBERS)
        if invitation.status is not InvitationStatus.PENDING:
            raise InvitationNotPending(invitation.status.value)
        return invitation

    def _invitations(
        self,
        repo: InvitationRepository,
        criteria: InvitationCriteria,
        order: str,
        page: PageRequest | CursorRequest,
    ) -> Page[InvitationView] | CursorPage[InvitationView]:
        now = self._clock.now()
        return listing.fetch(
            page,
            order=order,
            parse=datetime_value,
            key=lambda i: (i.created_at, i.id),
            count=lambda: repo.count(criteria),
            find=lambda offset, limit, after: [
                _fresh(i, now) for i in repo.find(criteria, offset=offset, limit=limit, after=after)
            ],
        )


def _fresh(invitation: InvitationView, now: dt.datetime) -> InvitationView:
    """The view with its status as of ``now`` (an overdue pending invitation is expired)."""
    if invitation.status is InvitationStatus.PENDING and now >= invitation.expires_at:
        return attrs.evolve(invitation, status=InvitationStatus.EXPIRED)
    return invitation
