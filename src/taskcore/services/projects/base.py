"""What the parts of the projects service share: its collaborators, a message, and the
event of an invitation's answer."""

from __future__ import annotations

import datetime as dt

from taskcore.domain.events import InvitationAccepted, InvitationDeclined, InvitationRevoked
from taskcore.domain.invitations import Invitation
from taskcore.ports.clock import Clock
from taskcore.uow import Transactions

MANAGE_MEMBERS = "Only project owners can manage members"


class ProjectsBase:
    """The collaborators every part of :class:`ProjectService` uses (set by its
    ``__init__``)."""

    _tx: Transactions
    _clock: Clock
    _invitation_ttl: dt.timedelta


def invitation_event(
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
