"""SQLAlchemy implementations of the repository ports. They never commit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, delete, exists, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from taskcore.domain import identifiers
from taskcore.domain.events import DomainEvent
from taskcore.domain.pagination import Page, PageRequest
from taskcore.domain.users import User
from taskcore.errors import EmailAlreadyExists, UsernameAlreadyExists, UserNotFound, VersionMismatch
from taskcore.ports.deliveries import DeliveryStatus
from taskcore_adapters.sql import events as codec
from taskcore_adapters.sql.tables import event_deliveries, outbox, revoked_tokens, users


def _constraint_name(exc: IntegrityError) -> str:
    """The violated constraint: from PostgreSQL's diagnostics, or SQLite's message."""
    diag = getattr(exc.orig, "diag", None)
    name = getattr(diag, "constraint_name", None)
    return name if isinstance(name, str) else str(exc.orig)


def _unique_violation(exc: IntegrityError) -> Exception:
    name = _constraint_name(exc)
    if "uq_users_username_key" in name or "users.username_key" in name:
        return UsernameAlreadyExists()
    if "uq_users_email_key" in name or "users.email_key" in name:
        return EmailAlreadyExists()
    return exc


def user_from_row(row: Any) -> User:
    return User(
        id=row.id,
        username=row.username,
        email=row.email,
        password_hash=row.password_hash,
        full_name=row.full_name,
        is_active=row.is_active,
        is_admin=row.is_admin,
        created_at=row.created_at,
        last_login=row.last_login,
        login_count=row.login_count,
        tokens_valid_after=row.tokens_valid_after,
        version=row.version,
    )


def _user_values(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "email": user.email,
        "username_key": user.username_key,
        "email_key": user.email_key,
        "username_skeleton": user.username_skeleton,
        "password_hash": user.password_hash,
        "full_name": user.full_name,
        "is_active": user.is_active,
        "is_admin": user.is_admin,
        "created_at": user.created_at,
        "last_login": user.last_login,
        "login_count": user.login_count,
        "tokens_valid_after": user.tokens_valid_after,
    }


class SqlAlchemyUserRepository:
    """Users in SQL (see ``taskcore.ports.repositories.UserRepository``)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, user: User) -> User:
        try:
            with self._conn.begin_nested():
                new_id = self._conn.execute(
                    insert(users).values(**_user_values(user), version=1).returning(users.c.id)
                ).scalar_one()
        except IntegrityError as exc:
            raise _unique_violation(exc) from exc
        return self._must_get(new_id)

    def _must_get(self, user_id: int) -> User:
        found = self.get(user_id)
        if found is None:
            raise UserNotFound(user_id)
        return found

    def get(self, user_id: int) -> User | None:
        row = self._conn.execute(select(users).where(users.c.id == user_id)).first()
        return user_from_row(row) if row else None

    def get_by_username(self, username: str) -> User | None:
        row = self._conn.execute(
            select(users).where(users.c.username_key == identifiers.username_key(username))
        ).first()
        return user_from_row(row) if row else None

    def get_by_email(self, email: str) -> User | None:
        row = self._conn.execute(
            select(users).where(users.c.email_key == identifiers.email_key(email))
        ).first()
        return user_from_row(row) if row else None

    def get_by_skeleton(self, skeleton: str) -> User | None:
        row = self._conn.execute(
            select(users).where(users.c.username_skeleton == skeleton).order_by(users.c.id)
        ).first()
        return user_from_row(row) if row else None

    def update(self, user: User) -> User:
        try:
            with self._conn.begin_nested():
                result = self._conn.execute(
                    update(users)
                    .where(users.c.id == user.key, users.c.version == user.version)
                    .values(**_user_values(user), version=user.version + 1)
                )
        except IntegrityError as exc:
            raise _unique_violation(exc) from exc
        if result.rowcount == 0:
            if self.get(user.key) is None:
                raise UserNotFound(user.key)
            raise VersionMismatch()
        return self._must_get(user.key)

    def record_login(self, user_id: int, when: dt.datetime) -> User:
        result = self._conn.execute(
            update(users)
            .where(users.c.id == user_id)
            .values(login_count=users.c.login_count + 1, last_login=when)
        )
        if result.rowcount == 0:
            raise UserNotFound(user_id)
        return self._must_get(user_id)

    def list(self, page: PageRequest) -> Page[User]:
        total = self._conn.execute(select(func.count()).select_from(users)).scalar_one()
        rows = self._conn.execute(
            select(users).order_by(users.c.id).offset(page.offset).limit(page.per_page)
        ).all()
        return Page(
            items=[user_from_row(r) for r in rows],
            page=page.page,
            per_page=page.per_page,
            total=total,
        )

    def count_active_admins(self) -> int:
        return self._conn.execute(
            select(func.count())
            .select_from(users)
            .where(users.c.is_admin.is_(True), users.c.is_active.is_(True))
        ).scalar_one()


class SqlAlchemyRevokedTokenRepository:
    """Revoked tokens in SQL."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def revoke(self, token_id: str, *, user_id: int, expires_at: dt.datetime) -> None:
        if not self.is_revoked(token_id):
            self._conn.execute(
                insert(revoked_tokens).values(
                    token_id=token_id, user_id=user_id, expires_at=expires_at
                )
            )

    def is_revoked(self, token_id: str) -> bool:
        return (
            self._conn.execute(
                select(revoked_tokens.c.token_id).where(revoked_tokens.c.token_id == token_id)
            ).first()
            is not None
        )

    def purge_expired(self, now: dt.datetime) -> int:
        result = self._conn.execute(
            delete(revoked_tokens).where(revoked_tokens.c.expires_at <= now)
        )
        return result.rowcount


_INSERT_OUTBOX = insert(outbox)
_UNSETTLED = (
    select(event_deliveries.c.event_id)
    .where(
        event_deliveries.c.event_id == outbox.c.event_id,
        event_deliveries.c.status != DeliveryStatus.DONE.value,
    )
    .correlate(outbox)
)
"""A pending or failed delivery of the outer query's event."""


class SqlAlchemyOutbox:
    """The outbox table."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def append(
        self, events: Sequence[DomainEvent], *, published_at: dt.datetime | None = None
    ) -> None:
        self._conn.execute(
            _INSERT_OUTBOX,
            [
                {
                    "event_id": e.event_id,
                    "name": e.name,
                    "payload": codec.encode(e),
                    "occurred_at": e.occurred_at,
                    "published_at": published_at,
                }
                for e in events
            ],
        )

    def pending(self, limit: int) -> Sequence[DomainEvent]:
        rows = self._conn.execute(
            select(outbox.c.name, outbox.c.payload)
            .where(outbox.c.published_at.is_(None))
            .order_by(outbox.c.id)
            .limit(limit)
        ).all()
        return [codec.decode(r.name, r.payload) for r in rows]

    def get(self, event_id: str) -> DomainEvent | None:
        row = self._conn.execute(
            select(outbox.c.name, outbox.c.payload).where(outbox.c.event_id == event_id)
        ).first()
        return codec.decode(row.name, row.payload) if row else None

    def mark_published(self, event_ids: Sequence[str], when: dt.datetime) -> None:
        if event_ids:
            self._conn.execute(
                update(outbox)
                .where(outbox.c.event_id.in_(list(event_ids)), outbox.c.published_at.is_(None))
                .values(published_at=when)
            )

    def purgeable(self, published_before: dt.datetime, limit: int) -> Sequence[str]:
        rows = self._conn.execute(
            select(outbox.c.event_id)
            .where(outbox.c.published_at < published_before, ~exists(_UNSETTLED))
            .order_by(outbox.c.published_at, outbox.c.id)
            .limit(limit)
        ).all()
        return [r.event_id for r in rows]

    def delete_settled(self, event_ids: Sequence[str]) -> int:
        if not event_ids:
            return 0
        result = self._conn.execute(
            delete(outbox).where(
                outbox.c.event_id.in_(list(event_ids)),
                outbox.c.published_at.is_not(None),
                ~exists(_UNSETTLED),
            )
        )
        return int(result.rowcount)
