"""The repository of project invitations."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Protocol

from taskcore.domain.invitations import (
    Invitation,
    InvitationCriteria,
    InvitationStatus,
    InvitationView,
)
from taskcore.domain.pagination import Keyset


class InvitationRepository(Protocol):
    """Stores invitations to projects.

    A user has at most one ``pending`` invitation to a project: :meth:`add` raises
    :class:`~taskcore.errors.InvitationPending` otherwise, also when a concurrent
    transaction added one first. Listings are newest first (``created_at``, then id) and
    take ``offset``/``limit`` or ``after`` (``after`` wins). Views carry the stored status;
    whether a pending invitation has expired is for the caller to tell from ``expires_at``.
    """

    def add(self, invitation: Invitation) -> Invitation:
        """Store a new invitation and return it with its id assigned.

        Raises:
            InvitationPending: the user already has a pending invitation to the project.
        """
        ...

    def get(self, invitation_id: int, *, for_update: bool = False) -> Invitation | None:
        """The invitation with this id, or ``None``.

        Args:
            invitation_id: The invitation.
            for_update: Lock it until the end of the transaction, so two answers to one
                invitation cannot both succeed.
        """
        ...

    def view(self, invitation_id: int) -> InvitationView | None:
        """The invitation with the project's and the users' names, or ``None``."""
        ...

    def pending(self, project_id: int, user_id: int) -> Invitation | None:
        """The user's pending invitation to the project (expired or not), or ``None``."""
        ...

    def set_status(
        self,
        invitation_id: int,
        status: InvitationStatus,
        when: dt.datetime,
    ) -> bool:
        """Move a pending invitation to ``status`` (answered at ``when``).

        Returns:
            Whether it was pending (nothing changes otherwise).
        """
        ...

    def find(
        self,
        criteria: InvitationCriteria,
        *,
        offset: int = 0,
        limit: int,
        after: Keyset | None = None,
    ) -> Sequence[InvitationView]:
        """Invitations meeting ``criteria``, newest first."""
        ...

    def count(self, criteria: InvitationCriteria) -> int:
        """How many invitations meet ``criteria``."""
        ...

    def delete_in_project(self, project_id: int) -> int:
        """Delete every invitation to a project (before the project goes); how many."""
        ...
