"""User accounts in SQL (see ``taskcore.ports.users.UserRepository``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from taskcore.domain import identifiers
from taskcore.domain.pagination import Page, PageRequest
from taskcore.domain.users import User
from taskcore.errors import EmailAlreadyExists, UsernameAlreadyExists, UserNotFound, VersionMismatch
from taskcore_adapters.sql.support import violated_constraint
from taskcore_adapters.sql.tables import users


def _unique_violation(exc: IntegrityError) -> Exception:
    name = violated_constraint(exc)
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
        timezone=row.timezone,
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
        "timezone": user.timezone,
    }


class SqlAlchemyUserRepository:
    """Users in SQL (see ``taskcore.ports.users.UserRepository``)."""

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
