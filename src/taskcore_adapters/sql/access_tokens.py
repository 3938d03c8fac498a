"""Personal access tokens in SQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

from sqlalchemy import ColumnElement, Connection, bindparam, func, insert, or_, select, update

from taskcore.domain.access_tokens import USE_INTERVAL, AccessToken
from taskcore.domain.pagination import Page, PageRequest
from taskcore.domain.users import User
from taskcore_adapters.sql.engine import QUIET
from taskcore_adapters.sql.tables import access_tokens, users
from taskcore_adapters.sql.users import user_from_row

_t = access_tokens

_TOKEN_WITH_USER = (
    select(_t, *(c.label(f"u_{c.name}") for c in users.c))
    .join(users, users.c.id == _t.c.user_id)
    .where(_t.c.digest == bindparam("digest"))
)


def _token(row: Any) -> AccessToken:
    m = row._mapping
    return AccessToken(
        id=m["id"],
        user_id=m["user_id"],
        name=m["name"],
        digest=m["digest"],
        scopes=frozenset(m["scopes"]),
        created_at=m["created_at"],
        expires_at=m["expires_at"],
        last_used_at=m["last_used_at"],
        last_used_from=m["last_used_from"],
        revoked_at=m["revoked_at"],
        revoked_reason=m["revoked_reason"],
    )


class SqlAlchemyAccessTokenRepository:
    """Tokens in the ``access_tokens`` table (see ``taskcore.ports.access_tokens``)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, token: AccessToken) -> AccessToken:
        new_id = self._conn.execute(
            insert(_t)
            .values(
                user_id=token.user_id,
                name=token.name,
                digest=token.digest,
                scopes=sorted(token.scopes),
                created_at=token.created_at,
                expires_at=token.expires_at,
                last_used_at=token.last_used_at,
                last_used_from=token.last_used_from,
                revoked_at=token.revoked_at,
                revoked_reason=token.revoked_reason,
            )
            .returning(_t.c.id)
        ).scalar_one()
        return AccessToken(
            id=new_id,
            user_id=token.user_id,
            name=token.name,
            digest=token.digest,
            scopes=token.scopes,
            created_at=token.created_at,
            expires_at=token.expires_at,
            last_used_at=token.last_used_at,
            last_used_from=token.last_used_from,
            revoked_at=token.revoked_at,
            revoked_reason=token.revoked_reason,
        )

    def get(self, token_id: int) -> AccessToken | None:
        row = self._conn.execute(select(_t).where(_t.c.id == token_id)).first()
        return None if row is None else _token(row)

    def get_with_user(self, digest: str) -> tuple[AccessToken, User] | None:
        row = self._conn.execute(_TOKEN_WITH_USER, {"digest": digest}).first()
        if row is None:
            return None
        values = row._mapping
        user = user_from_row(SimpleNamespace(**{c.name: values[f"u_{c.name}"] for c in users.c}))
        return _token(row), user

    def list(self, page: PageRequest, *, user_id: int | None) -> Page[AccessToken]:
        where: list[ColumnElement[bool]] = [_t.c.revoked_at.is_(None)]
        if user_id is not None:
            where.append(_t.c.user_id == user_id)
        total = self._conn.execute(select(func.count()).select_from(_t).where(*where)).scalar_one()
        rows = self._conn.execute(
            select(_t)
            .where(*where)
            .order_by(_t.c.created_at.desc(), _t.c.id.desc())
            .offset(page.offset)
            .limit(page.per_page)
        ).all()
        return Page(
            items=[_token(r) for r in rows], page=page.page, per_page=page.per_page, total=total
        )

    def revoke(self, token_id: int, *, now: dt.datetime, reason: str) -> AccessToken | None:
        row = self._conn.execute(
            update(_t)
            .where(_t.c.id == token_id, _t.c.revoked_at.is_(None))
            .values(revoked_at=now, revoked_reason=reason)
            .returning(*_t.c)
        ).first()
        return None if row is None else _token(row)

    def revoke_all(self, user_id: int, *, now: dt.datetime, reason: str) -> Sequence[AccessToken]:
        rows = self._conn.execute(
            update(_t)
            .where(_t.c.user_id == user_id, _t.c.revoked_at.is_(None))
            .values(revoked_at=now, revoked_reason=reason)
            .returning(*_t.c)
        ).all()
        return sorted((_token(r) for r in rows), key=lambda t: t.key)

    def record_use(self, token_id: int, *, now: dt.datetime, address: str | None) -> None:
        # A note of use changes nothing a process may have cached: no change notice.
        self._conn.execute(
            update(_t)
            .where(
                _t.c.id == token_id,
                or_(_t.c.last_used_at.is_(None), _t.c.last_used_at <= now - USE_INTERVAL),
            )
            .values(last_used_at=now, last_used_from=address)
            .execution_options(**{QUIET: True})
        )
