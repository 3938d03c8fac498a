"""activity log and daily summaries

Revision ID: 0005
Revises: 0004

``activity_logs.user_id`` has no foreign key: entries outlive what they name, and
submitted entries may name users of another system.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import taskcore_adapters.sql.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "activity_logs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=50), nullable=False),
        sa.Column("entity_type", sa.String(length=50), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("details", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("ip_address", sa.String(length=45), nullable=True),
        sa.Column("user_agent", sa.String(length=500), nullable=True),
        sa.Column("session_id", sa.String(length=100), nullable=True),
        sa.Column("service_name", sa.String(length=50), nullable=False),
        sa.Column(
            "created_at", taskcore_adapters.sql.types.UtcDateTime(timezone=True), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity_logs")),
    )
    with op.batch_alter_table("activity_logs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_activity_logs_user_id"), ["user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_activity_logs_action"), ["action"], unique=False)
        batch_op.create_index(
            "ix_activity_logs_entity_type_entity_id", ["entity_type", "entity_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_activity_logs_created_at"), ["created_at"], unique=False
        )

    op.create_table(
        "activity_summaries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("total_activities", sa.Integer(), nullable=False),
        sa.Column("unique_users", sa.Integer(), nullable=False),
        sa.Column("top_actions", sa.JSON(), nullable=False),
        sa.Column(
            "created_at", taskcore_adapters.sql.types.UtcDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "updated_at", taskcore_adapters.sql.types.UtcDateTime(timezone=True), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity_summaries")),
        sa.UniqueConstraint("date", name=op.f("uq_activity_summaries_date")),
    )


def downgrade() -> None:
    op.drop_table("activity_summaries")
    with op.batch_alter_table("activity_logs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_activity_logs_created_at"))
        batch_op.drop_index("ix_activity_logs_entity_type_entity_id")
        batch_op.drop_index(batch_op.f("ix_activity_logs_action"))
        batch_op.drop_index(batch_op.f("ix_activity_logs_user_id"))

    op.drop_table("activity_logs")
