"""Which writes to personal access tokens send a change notice on PostgreSQL: revoking
does (every process then drops the callers it keeps), noting a use does not."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, insert

from taskcore_adapters.sql.access_tokens import SqlAlchemyAccessTokenRepository
from taskcore_adapters.sql.engine import AUTH
from taskcore_adapters.sql.tables import access_tokens, users

NOW = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)
PENDING = "taskcore_changes"


def test_revoking_is_announced_and_noting_a_use_is_not(engine: Engine) -> None:
    with engine.connect() as conn:
        user_id = conn.execute(
            insert(users)
            .values(
                username="alice",
                email="alice@example.com",
                username_key="alice",
                email_key="alice@example.com",
                username_skeleton="alice",
                password_hash="h",
                created_at=NOW,
            )
            .returning(users.c.id)
        ).scalar_one()
        token_id = conn.execute(
            insert(access_tokens)
            .values(
                user_id=user_id,
                name="ci",
                digest="0" * 64,
                scopes=["tasks:read"],
                created_at=NOW,
                expires_at=NOW + dt.timedelta(days=1),
            )
            .returning(access_tokens.c.id)
        ).scalar_one()
        repository = SqlAlchemyAccessTokenRepository(conn)
        repository.record_use(token_id, now=NOW, address="192.0.2.1")
        after_use = set(conn.info.get(PENDING, set()))
        repository.revoke(token_id, now=NOW, reason="revoked")
        after_revoke = set(conn.info.get(PENDING, set()))
        conn.rollback()
    # SQLite has no change notices (one process, nothing kept): nothing is noted there.
    announced = {AUTH} if engine.dialect.name == "postgresql" else set()
    assert (set(), announced) == (after_use, after_revoke)
