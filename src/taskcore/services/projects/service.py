"""Projects and their membership: create, read, change, delete; invite, add, promote and
remove members.

A user joins a project only with their consent: owners *invite* them, and the invitation
makes them a member when they accept it. Administrators may add members directly."""

from __future__ import annotations

import datetime as dt
from typing import overload

import attrs

from taskcore.domain import projects as rules
from taskcore.domain import validation
from taskcore.domain.events import (
    Change,
    InvitationAccepted,
    InvitationDeclined,
    InvitationRevoked,
    MemberAdded,
    MemberInvited,
    MemberRemoved,
    MemberRoleChanged,
    ProjectCreated,
    ProjectDeleted,
    ProjectUpdated,
    TaskAssigned,
    TaskDeleted,
    change,
    json_value,
)
from taskcore.domain.invitations import (
    DEFAULT_TTL,
    Invitation,
    InvitationCriteria,
    InvitationStatus,
    InvitationView,
)
from taskcore.domain.pagination import CursorPage, CursorRequest, Page, PageRequest, datetime_value
from taskcore.domain.projects import (
    Membership,
    MemberView,
    Project,
    ProjectCriteria,
    ProjectStatus,
    ProjectView,
    Role,
)
from taskcore.domain.values import UNSET, Unset
from taskcore.errors import (
    AdminRequired,
    InvitationExpired,
    InvitationNotFound,
    InvitationNotPending,
    InvitationPending,
    LastOwner,
    MemberAlreadyExists,
    MemberNotFound,
    ProjectNotFound,
    ProjectRoleRequired,
    UserNotFound,
)
from taskcore.ports.clock import Clock
from taskcore.ports.invitations import InvitationRepository
from taskcore.ports.uow import UnitOfWork
from taskcore.services import access, listing
from taskcore.services.access import Actor
from taskcore.uow import Transactions

PROJECT_ORDER = "projects:created_at:desc"
MEMBER_ORDER = "members:added_at:asc"
PROJECT_INVITATION_ORDER = "project-invitations:created_at:desc"
MY_INVITATION_ORDER = "my-invitations:created_at:desc"
MANAGE_MEMBERS = "Only project owners can manage members"
DIRECT_ADD = "Only administrators add members directly; invite the user instead"

_DateInput = str | dt.date | None


class ProjectService:
    """Use cases of the projects area, membership included.

    Args:
        transactions: Opens units of work.
        clock: Source of the current time.
        invitation_ttl: How long an invitation may be accepted (14 days by default).
    """

    def __init__(
        self,
        *,
        transactions: Transactions,
        clock: Clock,
        invitation_ttl: dt.timedelta = DEFAULT_TTL,
    ) -> None:
        if invitation_ttl <= dt.timedelta(0):
            raise ValueError("invitation_ttl must be positive")
        self._tx = transactions
        self._clock = clock
        self._invitation_ttl = invitation_ttl

    # -- projects ---------------------------------------------------------------------------

    def create_project(
        self,
        actor: Actor,
        *,
        name: str | None,
        description: str | None = None,
        status: str | None = None,
        priority: str | None = None,
        start_date: _DateInput = None,
        end_date: _DateInput = None,
    ) -> ProjectView:
        """Create a project; the caller becomes its owner.

        Checks run in this order (name, dates, status, priority), then the
        lengths and the date range. Falsy dates are no dates; ``None`` status and
        priority mean the defaults (``active``, ``medium``).

        Returns:
            The new project.

        Raises:
            ValidationError: ``Project name is required``, ``Invalid date format. Use
                YYYY-MM-DD``, ``Invalid status. Must be one of [...]``, ``Invalid
                priority. Must be one of [...]``, a field too long, or ``End date cannot be
                before start date``.
        """
        clean_name = rules.check_name(name, message="Project name is required")
        start = rules.parse_date(start_date, "start_date")
        end = rules.parse_date(end_date, "end_date")
        new_status = ProjectStatus.ACTIVE if status is None else rules.check_project_status(status)
        new_priority = rules.Priority.MEDIUM if priority is None else rules.check_priority(priority)
        rules.check_name_length(clean_name)
        text = validation.clean_description(description)
        validation.check_description_length(text)
        rules.check_date_range(start, end)
        with self._tx() as work:
            now = self._clock.now()
            project = work.uow.projects.add(
                Project(
                    name=clean_name,
                    description=text,
                    status=new_status,
                    priority=new_priority,
                    start_date=start,
                    end_date=end,
                    owner_id=actor.user_id,
                    created_at=now,
                    updated_at=now,
                )
            )
            work.uow.projects.add_member(
                Membership(
                    project_id=project.key, user_id=actor.user_id, role=Role.OWNER, added_at=now
                )
            )
            work.record(
                ProjectCreated(
                    occurred_at=now,
                    actor_id=actor.user_id,
                    entity_id=project.key,
                    project_id=project.key,
                    project_name=project.name,
                    owner_id=actor.user_id,
                )
            )
            work.commit()
        return ProjectView.of(project, task_count=0, role=Role.OWNER)

    def get_project(self, actor: Actor, project_id: int) -> ProjectView:
        """One project, with its task count and the caller's role.

        Raises:
            ProjectNotFound: no such project, or the caller is not a member.
        """
        with self._tx(read_only=True) as work:
            access.visible_role(work.uow.projects, actor, project_id, ProjectNotFound(project_id))
            found = work.uow.projects.view(project_id, viewer_id=actor.user_id)
        if found is None:
            raise ProjectNotFound(project_id)
        return found

    @overload
    def list_projects(
        self,
        actor: Actor,
        *,
        all: bool = ...,
        status: str | None = ...,
        page: PageRequest = ...,
    ) -> Page[ProjectView]: ...

    @overload
    def list_projects(
        self,
        actor: Actor,
        *,
        all: bool = ...,
        status: str | None = ...,
        page: CursorRequest,
    ) -> CursorPage[ProjectView]: ...

    def list_projects(
        self,
        actor: Actor,
        *,
        all: bool = False,
        status: str | None = None,
        page: PageRequest | CursorRequest = PageRequest(),  # noqa: B008 - immutable
    ) -> Page[ProjectView] | CursorPage[ProjectView]:
        """The projects the caller belongs to, newest first, with task counts.

        Args:
            actor: The caller.
            all: Every project, not only the caller's (administrators only).
            status: Only projects with this status.
            page: A numbered page (:class:`PageRequest`) or a keyset slice
                (:class:`CursorRequest`).

        Raises:
            AdminRequired: ``all`` was asked for by a non-administrator.
            ValidationError: an invalid status or cursor.
        """
        if all and not actor.is_admin:
            raise AdminRequired()
        criteria = ProjectCriteria(
            viewer_id=actor.user_id,
            member_id=None if all else actor.user_id,
            status=None if status is None else rules.check_project_status(status),
        )
        with self._tx(read_only=True) as work:
            repo = work.uow.projects
            return listing.fetch(
                page,
                order=PROJECT_ORDER,
                parse=datetime_value,
                key=lambda p: (p.created_at, p.id),
                count=lambda: repo.count(criteria),
                find=lambda offset, limit, after: repo.find(
                    criteria, offset=offset, limit=limit, after=after
                ),
            )

    def update_project(
        self,
        actor: Actor,
        project_id: int,
        *,
        name: str | Unset | None = UNSET,
        description: str | Unset | None = UNSET,
        status: str | Unset | None = UNSET,
        priority: str | Unset | None = UNSET,
        start_date: _DateInput | Unset = UNSET,
        end_date: _DateInput | Unset = UNSET,
        expected_version: int | None = None,
    ) -> ProjectView:
        """Change a project (owners only); only the fields given change.

        ``updated_at`` is bumped on every call, even one that changes nothing. Checks run
        in the order name, description, status, priority, start_date, end_date, then
        lengths and the date range; nothing is saved if any fails. An empty or ``None``
        date clears it.

        Raises:
            ProjectNotFound: no such project, or the caller is not a member.
            ProjectRoleRequired: the caller is not an owner.
            VersionMismatch: ``expected_version`` is not the current version.
            ValidationError: ``Project name cannot be empty``, and the errors of
                :meth:`create_project`.
        """
        with self._tx() as work:
            repo = work.uow.projects
            role = access.visible_role(repo, actor, project_id, ProjectNotFound(project_id))
            access.require_manage(
                actor, role, project_id, "Only project owners can update the project"
            )
            project = repo.get(project_id)
            if project is None:
                raise ProjectNotFound(project_id)
            access.check_version(project.version, expected_version)
            new: dict[str, object] = {}
            if name is not UNSET:
                new["name"] = rules.check_name(name, message="Project name cannot be empty")
            if description is not UNSET:
                new["description"] = validation.clean_description(description)
            if status is not UNSET:
                new["status"] = rules.check_project_status(status)
            if priority is not UNSET:
                new["priority"] = rules.check_priority(priority)
            start = project.start_date
            if start_date is not UNSET:
                new["start_date"] = start = rules.parse_date(start_date, "start_date")
            end = project.end_date
            if end_date is not UNSET:
                new["end_date"] = end = rules.parse_date(end_date, "end_date")
            if name is not UNSET:
                rules.check_name_length(str(new["name"]))
            if description is not UNSET:
                validation.check_description_length(str(new["description"]))
            rules.check_date_range(start, end)
            changes: dict[str, Change] = {}
            for field, value in new.items():
                old = getattr(project, field)
                if old != value:
                    changes[field] = change(json_value(old), json_value(value))
                    setattr(project, field, value)
            now = self._clock.now()
            project.updated_at = now
            project = repo.update(project)
            work.record(
                ProjectUpdated(
                    occurred_at=now,
                    actor_id=actor.user_id,
                    entity_id=project_id,
                    project_id=project_id,
                    project_name=project.name,
                    changes=changes,
                )
            )
            found = repo.view(project_id, viewer_id=actor.user_id)
            work.commit()
        if found is None:  # pragma: no cover - read back in the same transaction
            raise ProjectNotFound(project_id)
        return found

    def delete_project(
        self, actor: Actor, project_id: int, *, expected_version: int | None = None
    ) -> None:
        """Delete a project with its tasks and their comments (owners only), at once.

        Records :class:`TaskDeleted` for each task, then :class:`ProjectDeleted`.

        Raises:
            ProjectNotFound: no such project, or the caller is not a member.
            ProjectRoleRequired: the caller is not an owner.
            VersionMismatch: ``expected_version`` is not the current version.
        """
        with self._tx() as work:
            uow = work.uow
            role = access.visible_role(uow.projects, actor, project_id, ProjectNotFound(project_id))
            access.require_manage(
                actor, role, project_id, "Only project owners can delete the project"
            )
            project = uow.projects.get(project_id, for_update=True)
            if project is None:
                raise ProjectNotFound(project_id)
            access.check_version(project.version, expected_version)
            uow.comments.delete_in_project(project_id)
            tasks = uow.tasks.delete_in_project(project_id)
            uow.invitations.delete_in_project(project_id)
            uow.projects.delete(project_id)
            now = self._clock.now()
            for task in tasks:
                work.record(
                    TaskDeleted(
                        occurred_at=now,
                        actor_id=actor.user_id,
                        entity_id=task.key,
                        entity_version=task.version + 1,
                        project_id=project_id,
                        title=task.title,
                        with_project=True,
                    )
                )
            work.record(
                ProjectDeleted(
                    occurred_at=now,
                    actor_id=actor.user_id,
                    entity_id=project_id,
                    project_id=project_id,
                    project_name=project.name,
                    task_ids=[t.key for t in tasks],
                )
            )
            work.commit()

    # -- membership -------------------------------------------------------------------------

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
                work.record(_invitation_event(InvitationRevoked, pending, actor.user_id, now))
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

    def add_or_invite(
        self, actor: Actor, project_id: int, *, user_id: int, role: str = Role.MEMBER.value
    ) -> MemberView | InvitationView:
        """Add the user at once if the caller may (:meth:`add_member`), else invite them
        (:meth:`invite_member`); raises what those raise."""
        if self.may_add_directly(actor):
            return self.add_member(actor, project_id, user_id=user_id, role=role)
        return self.invite_member(actor, project_id, user_id=user_id, role=role)

    # -- invitations ------------------------------------------------------------------------

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
            work.record(_invitation_event(InvitationAccepted, invitation, actor.user_id, now))
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
            work.record(_invitation_event(event, invitation, actor.user_id, now))
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


def _fresh(invitation: InvitationView, now: dt.datetime) -> InvitationView:
    """The view with its status as of ``now`` (an overdue pending invitation is expired)."""
    if invitation.status is InvitationStatus.PENDING and now >= invitation.expires_at:
        return attrs.evolve(invitation, status=InvitationStatus.EXPIRED)
    return invitation


def _invitation_event(
    kind: type[InvitationAccepted | InvitationDeclined | InvitationRevoked],
    invitation: Invitation,
    actor_id: int,
    now: dt.datetime,
) -> InvitationAccepted | InvitationDeclined | InvitationRevoked:
    return kind(
        occurred_at=now,
        actor_id=actor_id,
        entity_id=invitation.project_id,
        project_id=invitation.project_id,
        invitation_id=invitation.key,
        user_id=invitation.user_id,
        role=invitation.role.value,
        invited_by=invitation.invited_by,
    )
