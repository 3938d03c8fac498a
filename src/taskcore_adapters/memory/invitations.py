"""Invitations to projects in memory (see ``taskcore.ports.invitations``)."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable, Mapping, MutableMapping, Sequence

import attrs

from taskcore.domain.invitations import (
    Invitation,
    InvitationCriteria,
    InvitationStatus,
    InvitationView,
)
from taskcore.domain.pagination import Keyset, follows
from taskcore.domain.projects import Project
from taskcore.domain.users import User
from taskcore.errors import InvitationPending, ProjectNotFound, UserNotFound


class InMemoryInvitationRepository:
    """Invitations in a dict keyed by id, next to the store's projects and users."""

    def __init__(
        self,
        invitations: MutableMapping[int, Invitation],
        projects: Mapping[int, Project],
        users: Mapping[int, User],
        allocate: Callable[[str], int],
    ) -> None:
        self._rows = invitations
        self._projects = projects
        self._users = users
        self._allocate = allocate

    def add(self, invitation: Invitation) -> Invitation:
        if invitation.project_id not in self._projects:
            raise ProjectNotFound(invitation.project_id)
        for user_id in (invitation.user_id, invitation.invited_by):
            if user_id is not None and user_id not in self._users:
                raise UserNotFound(user_id)
        if invitation.status is InvitationStatus.PENDING and (
            self.pending(invitation.project_id, invitation.user_id) is not None
        ):
            raise InvitationPending()
        stored = attrs.evolve(invitation, id=self._allocate("project_invitations"))
        self._rows[stored.key] = stored
        return copy.deepcopy(stored)

    def get(self, invitation_id: int, *, for_update: bool = False) -> Invitation | None:
        found = self._rows.get(invitation_id)
        return copy.deepcopy(found) if found is not None else None

    def _view(self, invitation: Invitation) -> InvitationView:
        inviter = self._users.get(invitation.invited_by) if invitation.invited_by else None
        return InvitationView(
            id=invitation.key,
            project_id=invitation.project_id,
            project_name=self._projects[invitation.project_id].name,
            user_id=invitation.user_id,
            username=self._users[invitation.user_id].username,
            role=invitation.role,
            invited_by=invitation.invited_by if inviter is not None else None,
            invited_by_username=inviter.username if inviter is not None else None,
            created_at=invitation.created_at,
            expires_at=invitation.expires_at,
            status=invitation.status,
            responded_at=invitation.responded_at,
        )

    def view(self, invitation_id: int) -> InvitationView | None:
        found = self._rows.get(invitation_id)
        return self._view(found) if found is not None else None

    def pending(self, project_id: int, user_id: int) -> Invitation | None:
        for invitation in self._rows.values():
            if (
                invitation.project_id == project_id
                and invitation.user_id == user_id
                and invitation.status is InvitationStatus.PENDING
            ):
                return copy.deepcopy(invitation)
        return None

    def set_status(self, invitation_id: int, status: InvitationStatus, when: dt.datetime) -> bool:
        found = self._rows.get(invitation_id)
        if found is None or found.status is not InvitationStatus.PENDING:
            return False
        self._rows[invitation_id] = attrs.evolve(found, status=status, responded_at=when)
        return True

    def _matching(self, criteria: InvitationCriteria) -> list[Invitation]:
        def keep(i: Invitation) -> bool:
            if criteria.project_id is not None and i.project_id != criteria.project_id:
                return False
            if criteria.user_id is not None and i.user_id != criteria.user_id:
                return False
            return criteria.pending_at is None or (
                i.status is InvitationStatus.PENDING and i.expires_at > criteria.pending_at
            )

        return [i for i in self._rows.values() if keep(i)]

    def find(
        self,
        criteria: InvitationCriteria,
        *,
        offset: int = 0,
        limit: int,
        after: Keyset | None = None,
    ) -> Sequence[InvitationView]:
        ordered = sorted(
            self._matching(criteria), key=lambda i: (i.created_at, i.key), reverse=True
        )
        if after is not None:
            page = [i for i in ordered if follows(i.created_at, i.key, after, descending=True)]
            chosen = page[:limit]
        else:
            chosen = ordered[offset : offset + limit]
        return [self._view(i) for i in chosen]

    def count(self, criteria: InvitationCriteria) -> int:
        return len(self._matching(criteria))

    def delete_in_project(self, project_id: int) -> int:
        doomed = [k for k, i in self._rows.items() if i.project_id == project_id]
        for key in doomed:
            del self._rows[key]
        return len(doomed)
