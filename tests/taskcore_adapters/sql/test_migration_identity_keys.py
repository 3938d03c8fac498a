"""Migration 0013 (M2): existing accounts get their folded keys; accounts whose keys collide
stop the upgrade with a list of them and leave the database as it was (SQLite or
PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Column, Engine, MetaData, Table, insert, inspect, select, text

from taskcore_adapters.sql.migrate import downgrade, upgrade
from taskcore_adapters.sql.tables import users

FULL_WIDTH_ADMIN = "\uff21\uff24\uff2d\uff29\uff2e"
NOW = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)


LEGACY_COLUMNS = (
    "id",
    "username",
    "email",
    "password_hash",
    "full_name",
    "is_active",
    "is_admin",
    "created_at",
    "login_count",
    "version",
)
legacy_users = Table(
    "users", MetaData(), *(Column(name, users.c[name].type) for name in LEGACY_COLUMNS)
)
"""The users table with only columns revision 0012 has, with today's types (which convert
the time), and no defaults: columns added later (and their defaults) stay out."""


def add_legacy_user(engine: Engine, username: str, email: str) -> None:
    """A users row as revision 0012 stores it (no key columns)."""
    with engine.begin() as conn:
        conn.execute(
            insert(legacy_users).values(
                username=username,
                email=email,
                password_hash="hash",
                full_name=None,
                is_active=True,
                is_admin=False,
                created_at=NOW,
                login_count=0,
                version=1,
            )
        )


def test_upgrade_fills_the_keys(engine: Engine) -> None:
    """Rows from before 0013 get their username key, e-mail key and skeleton."""
    upgrade(engine)
    downgrade(engine, "0012")
    add_legacy_user(engine, "Émile", "Émile@Example.com")
    add_legacy_user(engine, "İstanbul", "ist@example.com")
    upgrade(engine)
    with engine.connect() as conn:
        rows = conn.execute(
            select(users.c.username_key, users.c.email_key, users.c.username_skeleton).order_by(
                users.c.id
            )
        ).all()
    assert [
        ("émile", "émile@example.com", "émile"),
        ("i\u0307stanbul", "ist@example.com", "i\u0307stanbul"),
    ] == [tuple(r) for r in rows]
    with (
        pytest.raises(Exception, match="username_key"),
        engine.begin() as conn,
    ):
        conn.execute(
            insert(users).values(
                username="ÉMILE",
                email="x@example.com",
                username_key="émile",
                email_key="x@example.com",
                username_skeleton="émile",
                password_hash="hash",
                created_at=NOW,
            )
        )


def test_colliding_accounts_stop_the_upgrade(engine: Engine) -> None:
    """Two accounts with one key (the full-width and the ordinary ``admin``, which both
    databases' ``lower()`` kept apart) make the upgrade fail with both rows named; the
    database stays at 0012 with its rows."""
    upgrade(engine)
    downgrade(engine, "0012")
    add_legacy_user(engine, "admin", "admin@example.com")
    add_legacy_user(engine, FULL_WIDTH_ADMIN, "other@example.com")
    with pytest.raises(Exception, match="same username 'admin'") as caught:
        upgrade(engine)
    columns = {c["name"] for c in inspect(engine).get_columns("users")}
    with engine.connect() as conn:
        version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        ids = conn.execute(text("SELECT id FROM users ORDER BY id")).scalars().all()
    assert f"id {ids[0]} 'admin', id {ids[1]} '{FULL_WIDTH_ADMIN}'" in str(caught.value)
    assert ("0012", False) == (version, "username_key" in columns)
    # What an operator does: rename one of the two, then migrate again.
    with engine.begin() as conn:
        conn.execute(text("UPDATE users SET username = 'admin2' WHERE id = :i"), {"i": ids[1]})
    upgrade(engine)
    with engine.connect() as conn:
        keys = conn.execute(select(users.c.username_key).order_by(users.c.id)).scalars().all()
    assert ["admin", "admin2"] == keys
