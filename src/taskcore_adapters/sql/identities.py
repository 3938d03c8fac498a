"""External identities in SQL (see ``taskcore.ports.identities.IdentityRepository``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from taskcore.domain.identities import ExternalIdentity
from taskcore.domain.pagination import Page, PageRequest
from taskcore.errors import IdentityAlreadyLinked, UserNotFound
from taskcore_adapters.sql.support import is_foreign_key_violation, violated_constraint
from taskcore_adapters.sql.tables import user_identities

_UNIQUE = "uq_user_identities_provider_subject"


def _from_row(row: Any) -> ExternalIdentity:
    return ExternalIdentity(
        id=row.id,
        provider=row.provider,
        subject=row.subject,
        user_id=row.user_id,
        email=row.email,
        created_at=row.created_at,
        last_seen_at=row.last_seen_at,
    )


class SqlAlchemyIdentityRepository:
    """External identities in SQL (see ``taskcore.ports.identities``)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, identity: ExternalIdentity) -> ExternalIdentity:
        values = {
            "provider": identity.provider,
            "subject": identity.subject,
            "user_id": identity.user_id,
            "email": identity.email,
            "created_at": identity.created_at,
            "last_seen_at": identity.last_seen_at,
        }
        try:
            with self._conn.begin_nested():
                new_id = self._conn.execute(
                    insert(user_identities).values(**values).returning(user_identities.c.id)
                ).scalar_one()
        except IntegrityError as exc:
            if is_foreign_key_violation(exc, "fk_user_identities_user_id_users"):
                raise UserNotFound(identity.user_id) from exc
            name = violated_constraint(exc)
            if _UNIQUE in name or "user_identities.provider" in name:
                raise IdentityAlreadyLinked() from exc
            raise
        stored = self._conn.execute(
            select(user_identities).where(user_identities.c.id == new_id)
        ).one()
        return _from_row(stored)

    def get(self, provider: str, subject: str) -> ExternalIdentity | None:
        row = self._conn.execute(
            select(user_identities).where(
                user_identities.c.provider == provider, user_identities.c.subject == subject
            )
        ).first()
        return _from_row(row) if row else None

    def seen(self, identity_id: int, *, email: str | None, when: dt.datetime) -> None:
        self._conn.execute(
            update(user_identities)
            .where(user_identities.c.id == identity_id)
            .values(email=email, last_seen_at=when)
        )

    def list_for_user(self, user_id: int, page: PageRequest) -> Page[ExternalIdentity]:
        mine = user_identities.c.user_id == user_id
        total = self._conn.execute(
            select(func.count()).select_from(user_identities).where(mine)
        ).scalar_one()
        rows = self._conn.execute(
            select(user_identities)
            .where(mine)
            .order_by(user_identities.c.id)
            .offset(page.offset)
            .limit(page.per_page)
        ).all()
        return Page(
            items=[_from_row(r) for r in rows],
            page=page.page,
            per_page=page.per_page,
            total=total,
        )
