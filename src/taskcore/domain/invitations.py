"""Invitations to a project: a user joins only by accepting one.

Project owners invite; the invited user sees their pending invitations and accepts (and
becomes a member with the invitation's role) or declines; the owners may revoke a pending
invitation. An invitation that is still pending after its expiry time can no longer be
accepted. Administrators may add members directly, without an invitation.
"""

from __future__ import annotations

import datetime as dt
import enum

import attrs

from taskcore.domain.projects import Role

DEFAULT_TTL = dt.timedelta(days=14)
"""How long an invitation may be accepted unless the service is told otherwise."""


class InvitationStatus(enum.StrEnum):
    """Where an invitation stands.

    ``expired`` is stored only when a pending invitation past its expiry is replaced by a
    new one; until then an expired invitation is stored as ``pending`` and shown as
    ``expired`` (:meth:`Invitation.state`).
    """

    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    REVOKED = "revoked"
    EXPIRED = "expired"


@attrs.define(kw_only=True)
class Invitation:
    """One invitation of one user to one project with a role.

    ``invited_by`` is ``None`` once the inviting account is gone.
    """

    id: int | None = None
    project_id: int
    user_id: int
    role: Role
    invited_by: int | None
    created_at: dt.datetime
    expires_at: dt.datetime
    status: InvitationStatus = InvitationStatus.PENDING
    responded_at: dt.datetime | None = None

    @property
    def key(self) -> int:
        """The id of a stored invitation.

        Raises:
            ValueError: the invitation has not been stored yet.
        """
        if self.id is None:
            raise ValueError("invitation has no id yet")
        return self.id

    def state(self, now: dt.datetime) -> InvitationStatus:
        """The status as of ``now``: a pending invitation past its expiry is expired."""
        if self.status is InvitationStatus.PENDING and now >= self.expires_at:
            return InvitationStatus.EXPIRED
        return self.status


@attrs.frozen(kw_only=True)
class InvitationView:
    """An invitation as listed: with the project's name and the users' names.

    ``status`` is the state at the time of reading (an overdue pending invitation reads
    ``expired``).
    """

    id: int
    project_id: int
    project_name: str
    user_id: int
    username: str
    role: Role
    invited_by: int | None
    invited_by_username: str | None
    created_at: dt.datetime
    expires_at: dt.datetime
    status: InvitationStatus
    responded_at: dt.datetime | None


@attrs.frozen(kw_only=True)
class InvitationCriteria:
    """Which invitations a listing returns.

    Args:
        project_id: Only this project's invitations.
        user_id: Only invitations of this user.
        pending_at: Only invitations pending and not expired at this time.
    """

    project_id: int | None = None
    user_id: int | None = None
    pending_at: dt.datetime | None = None
