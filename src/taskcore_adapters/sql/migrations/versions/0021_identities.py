"""external identities and users without a password

Revision ID: 0021
Revises: 0020
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import taskcore_adapters.sql.types

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

_NOT_NULL = "password_hash VARCHAR(255) NOT NULL"
_NULLABLE = "password_hash VARCHAR(255)"
UNUSABLE_HASH = "!"
"""What a downgrade stores for accounts without a password: no password verifies."""


def _sqlite_password_nullability(old: str, new: str) -> None:
    """Change the NOT NULL of ``users.password_hash`` in SQLite's stored schema.

    SQLite cannot alter a column, and copying the table (a batch operation) is impossible
    while other tables' foreign keys point at it. Dropping or adding a NOT NULL changes
    nothing stored in the rows, so the table's definition is edited in place, as SQLite's
    documentation describes for such changes (``writable_schema``, then a new
    ``schema_version`` so every connection reloads the schema).
    """
    bind = op.get_bind()
    sql = bind.execute(
        sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'users'")
    ).scalar_one()
    if old not in sql:
        raise RuntimeError(f"users.password_hash is not declared as {old!r}")
    version = bind.execute(sa.text("PRAGMA schema_version")).scalar_one()
    bind.execute(sa.text("PRAGMA writable_schema = ON"))
    bind.execute(
        sa.text("UPDATE sqlite_master SET sql = :sql WHERE type = 'table' AND name = 'users'"),
        {"sql": sql.replace(old, new, 1)},
    )
    bind.execute(sa.text(f"PRAGMA schema_version = {int(version) + 1}"))
    bind.execute(sa.text("PRAGMA writable_schema = OFF"))


def upgrade() -> None:
    op.create_table(
        "user_identities",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("provider", sa.String(length=50), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=255), nullable=True),
        sa.Column(
            "created_at", taskcore_adapters.sql.types.UtcDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "last_seen_at", taskcore_adapters.sql.types.UtcDateTime(timezone=True), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_identities_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_identities")),
    )
    op.create_index(
        "uq_user_identities_provider_subject",
        "user_identities",
        ["provider", "subject"],
        unique=True,
    )
    op.create_index("ix_user_identities_user_id", "user_identities", ["user_id"], unique=False)
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_password_nullability(_NOT_NULL, _NULLABLE)
    else:
        op.alter_column(
            "users", "password_hash", existing_type=sa.String(length=255), nullable=True
        )


def downgrade() -> None:
    users = sa.table("users", sa.column("password_hash", sa.String(255)))
    op.execute(
        users.update().where(users.c.password_hash.is_(None)).values(password_hash=UNUSABLE_HASH)
    )
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_password_nullability(_NULLABLE, _NOT_NULL)
    else:
        op.alter_column(
            "users", "password_hash", existing_type=sa.String(length=255), nullable=False
        )
    op.drop_index("ix_user_identities_user_id", table_name="user_identities")
    op.drop_index("uq_user_identities_provider_subject", table_name="user_identities")
    op.drop_table("user_identities")
