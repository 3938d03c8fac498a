"""project invitations

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import taskcore_adapters.sql.types

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def _time(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(
        name, taskcore_adapters.sql.types.UtcDateTime(timezone=True), nullable=nullable
    )


def upgrade() -> None:
    op.create_table(
        "project_invitations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("invited_by", sa.Integer(), nullable=True),
        _time("created_at"),
        _time("expires_at"),
        sa.Column("status", sa.String(length=10), nullable=False),
        _time("responded_at", nullable=True),
        sa.CheckConstraint(
            "role IN ('owner', 'member', 'viewer')", name=op.f("ck_project_invitations_role")
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'accepted', 'declined', 'revoked', 'expired')",
            name=op.f("ck_project_invitations_status"),
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_project_invitations_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_project_invitations_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["invited_by"],
            ["users.id"],
            name=op.f("fk_project_invitations_invited_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_invitations")),
    )
    with op.batch_alter_table("project_invitations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_project_invitations_user_id"), ["user_id"], unique=False
        )
        batch_op.create_index(
            "ix_project_invitations_project_id_created_at",
            ["project_id", "created_at"],
            unique=False,
        )
        batch_op.create_index(
            "uq_project_invitations_pending",
            ["project_id", "user_id"],
            unique=True,
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        )


def downgrade() -> None:
    with op.batch_alter_table("project_invitations", schema=None) as batch_op:
        batch_op.drop_index("uq_project_invitations_pending")
        batch_op.drop_index("ix_project_invitations_project_id_created_at")
        batch_op.drop_index(batch_op.f("ix_project_invitations_user_id"))
    op.drop_table("project_invitations")
