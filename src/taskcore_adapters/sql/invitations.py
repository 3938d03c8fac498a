"""Invitations to projects in SQL (see ``taskcore.ports.invitations.InvitationRepository``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import attrs
from sqlalchemy import ColumnElement, Connection, Select, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from taskcore.domain.invitations import (
    Invitation,
    InvitationCriteria,
    InvitationStatus,
    InvitationView,
)
from taskcore.domain.pagination import Keyset
from taskcore.domain.projects import Role
from taskcore.errors import InvitationPending, ProjectNotFound, UserNotFound
from taskcore_adapters.sql.support import keyset_after, keyset_order
from taskcore_adapters.sql.tables import project_invitations, projects, users

_i = project_invitations
_INVITEE = users.alias("invitee")
_INVITER = users.alias("inviter")

_PENDING = InvitationStatus.PENDING.value


def _invitation(row: Any) -> Invitation:
    return Invitation(
        id=row.id,
        project_id=row.project_id,
        user_id=row.user_id,
        role=Role(row.role),
        invited_by=row.invited_by,
        created_at=row.created_at,
        expires_at=row.expires_at,
        status=InvitationStatus(row.status),
        responded_at=row.responded_at,
    )


def _view(row: Any) -> InvitationView:
    return InvitationView(
        id=row.id,
        project_id=row.project_id,
        project_name=row.project_name,
        user_id=row.user_id,
        username=row.username,
        role=Role(row.role),
        invited_by=row.invited_by,
        invited_by_username=row.invited_by_username,
        created_at=row.created_at,
        expires_at=row.expires_at,
        status=InvitationStatus(row.status),
        responded_at=row.responded_at,
    )


_VIEWS: Select[Any] = select(
    _i,
    projects.c.name.label("project_name"),
    _INVITEE.c.username.label("username"),
    _INVITER.c.username.label("invited_by_username"),
).select_from(
    _i.join(projects, projects.c.id == _i.c.project_id)
    .join(_INVITEE, _INVITEE.c.id == _i.c.user_id)
    .outerjoin(_INVITER, _INVITER.c.id == _i.c.invited_by)
)
"""Invitations with the project's name and the invitee's and inviter's usernames."""


def _conditions(criteria: InvitationCriteria) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if criteria.project_id is not None:
        conditions.append(_i.c.project_id == criteria.project_id)
    if criteria.user_id is not None:
        conditions.append(_i.c.user_id == criteria.user_id)
    if criteria.pending_at is not None:
        conditions.append(_i.c.status == _PENDING)
        conditions.append(_i.c.expires_at > criteria.pending_at)
    return conditions


class SqlAlchemyInvitationRepository:
    """Invitations in ``project_invitations``; one pending invitation per user and project
    is enforced by a partial unique index."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, invitation: Invitation) -> Invitation:
        values = {
            "project_id": invitation.project_id,
            "user_id": invitation.user_id,
            "role": invitation.role.value,
            "invited_by": invitation.invited_by,
            "created_at": invitation.created_at,
            "expires_at": invitation.expires_at,
            "status": invitation.status.value,
            "responded_at": invitation.responded_at,
        }
        try:
            with self._conn.begin_nested():
                new_id = self._conn.execute(
                    insert(_i).values(**values).returning(_i.c.id)
                ).scalar_one()
        except IntegrityError as exc:
            if self.pending(invitation.project_id, invitation.user_id) is not None:
                raise InvitationPending() from exc
            found = self._conn.execute(
                select(projects.c.id).where(projects.c.id == invitation.project_id)
            ).first()
            if found is None:
                raise ProjectNotFound(invitation.project_id) from exc
            raise UserNotFound(invitation.user_id) from exc
        return attrs.evolve(invitation, id=new_id)

    def get(self, invitation_id: int, *, for_update: bool = False) -> Invitation | None:
        query = select(_i).where(_i.c.id == invitation_id)
        if for_update:
            query = query.with_for_update()
        row = self._conn.execute(query).first()
        return _invitation(row) if row else None

    def view(self, invitation_id: int) -> InvitationView | None:
        row = self._conn.execute(_VIEWS.where(_i.c.id == invitation_id)).first()
        return _view(row) if row else None

    def pending(self, project_id: int, user_id: int) -> Invitation | None:
        row = self._conn.execute(
            select(_i).where(
                _i.c.project_id == project_id, _i.c.user_id == user_id, _i.c.status == _PENDING
            )
        ).first()
        return _invitation(row) if row else None

    def set_status(self, invitation_id: int, status: InvitationStatus, when: dt.datetime) -> bool:
        result = self._conn.execute(
            update(_i)
            .where(_i.c.id == invitation_id, _i.c.status == _PENDING)
            .values(status=status.value, responded_at=when)
        )
        return result.rowcount == 1

    def find(
        self,
        criteria: InvitationCriteria,
        *,
        offset: int = 0,
        limit: int,
        after: Keyset | None = None,
    ) -> Sequence[InvitationView]:
        order = {"descending": True, "nullable": False}
        query = (
            _VIEWS.where(*_conditions(criteria))
            .order_by(*keyset_order(_i.c.created_at, _i.c.id, **order))
            .limit(limit)
        )
        if after is not None:
            query = query.where(keyset_after(_i.c.created_at, _i.c.id, after, **order))
        else:
            query = query.offset(offset)
        return [_view(row) for row in self._conn.execute(query)]

    def count(self, criteria: InvitationCriteria) -> int:
        return self._conn.execute(
            select(func.count()).select_from(_i).where(*_conditions(criteria))
        ).scalar_one()

    def delete_in_project(self, project_id: int) -> int:
        result = self._conn.execute(delete(_i).where(_i.c.project_id == project_id))
        return result.rowcount
