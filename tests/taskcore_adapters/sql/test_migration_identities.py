"""Migration 0021: external identities, and users.password_hash becoming nullable (on
SQLite by editing the table's declaration in place, since the users table cannot be
copied while other tables' foreign keys point at it)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, insert, inspect, select, update
from sqlalchemy.exc import IntegrityError

from taskcore_adapters.sql.migrate import downgrade, upgrade
from taskcore_adapters.sql.tables import auth_sessions, users

NOW = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)


def add_user(engine: Engine, name: str, password_hash: str | None) -> int:
    with engine.begin() as conn:
        return int(
            conn.execute(
                insert(users)
                .values(
                    username=name,
                    email=f"{name}@example.com",
                    username_key=name,
                    email_key=f"{name}@example.com",
                    username_skeleton=name,
                    password_hash=password_hash,
                    is_active=True,
                    is_admin=False,
                    created_at=NOW,
                    login_count=0,
                    version=1,
                )
                .returning(users.c.id)
            ).scalar_one()
        )


def password_nullable(engine: Engine) -> bool:
    columns = {c["name"]: c for c in inspect(engine).get_columns("users")}
    return bool(columns["password_hash"]["nullable"])


def test_password_hash_nullability_round_trips_and_keeps_rows(engine: Engine) -> None:
    """Upgraded, an account may have no password and other tables' rows pointing at
    users stay; downgraded, accounts without a password get an unusable hash and the
    column is NOT NULL again; upgraded again, it is nullable."""
    session_owner = add_user(engine, "ann", "hash")
    with engine.begin() as conn:
        conn.execute(
            insert(auth_sessions).values(
                id="s1", user_id=session_owner, created_at=NOW, expires_at=NOW
            )
        )
    without = add_user(engine, "bob", None)
    assert password_nullable(engine)
    downgrade(engine, "0020")
    with engine.connect() as conn:
        hashes = dict(conn.execute(select(users.c.id, users.c.password_hash)).all())
        sessions = conn.execute(select(auth_sessions.c.user_id)).scalars().all()
    assert ({session_owner: "hash", without: "!"}, [session_owner]) == (hashes, sessions)
    assert not password_nullable(engine)
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(update(users).where(users.c.id == without).values(password_hash=None))
    upgrade(engine)
    assert password_nullable(engine)
    assert "user_identities" in inspect(engine).get_table_names()
