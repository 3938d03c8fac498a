"""The projects service: one object with every use case of the area.

Each job lives in its own module and :class:`ProjectService` joins them:

* :mod:`~taskcore.services.projects.lifecycle`: creating, reading, listing, changing and
  deleting projects;
* :mod:`~taskcore.services.projects.members`: a project's members (direct additions by
  administrators, role changes, removal and leaving);
* :mod:`~taskcore.services.projects.invitations`: inviting users and answering
  invitations.
"""

from __future__ import annotations

import datetime as dt

from taskcore.domain.invitations import DEFAULT_TTL, InvitationView
from taskcore.domain.projects import MemberView, Role
from taskcore.ports.clock import Clock
from taskcore.services.access import Actor
from taskcore.services.projects.invitations import Invitations
from taskcore.services.projects.lifecycle import ProjectLifecycle
from taskcore.services.projects.members import Members
from taskcore.services.scopes import guarded
from taskcore.uow import Transactions


@guarded("tasks", reads=("my_invitations", "may_add_directly"))
class ProjectService(ProjectLifecycle, Members, Invitations):
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

    def add_or_invite(
        self, actor: Actor, project_id: int, *, user_id: int, role: str = Role.MEMBER.value
    ) -> MemberView | InvitationView:
        """Add the user at once if the caller may (:meth:`add_member`), else invite them
        (:meth:`invite_member`); raises what those raise."""
        if self.may_add_directly(actor):
            return self.add_member(actor, project_id, user_id=user_id, role=role)
        return self.invite_member(actor, project_id, user_id=user_id, role=role)
