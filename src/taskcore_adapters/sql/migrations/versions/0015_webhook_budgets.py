"""webhook deliveries record their claims and attempts (per-project budgets)

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import taskcore_adapters.sql.types

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "claimed_until",
                taskcore_adapters.sql.types.UtcDateTime(timezone=True),
                nullable=True,
            )
        )
        batch_op.add_column(
            sa.Column(
                "attempted_at",
                taskcore_adapters.sql.types.UtcDateTime(timezone=True),
                nullable=True,
            )
        )
        batch_op.create_index(
            "ix_webhook_deliveries_endpoint_id_claimed_until",
            ["endpoint_id", "claimed_until"],
            unique=False,
        )
        batch_op.create_index(
            "ix_webhook_deliveries_endpoint_id_attempted_at",
            ["endpoint_id", "attempted_at"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_webhook_deliveries_endpoint_id_attempted_at")
        batch_op.drop_index("ix_webhook_deliveries_endpoint_id_claimed_until")
        batch_op.drop_column("attempted_at")
        batch_op.drop_column("claimed_until")
