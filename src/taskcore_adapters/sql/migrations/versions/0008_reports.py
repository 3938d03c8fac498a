"""reports

Revision ID: 0008
Revises: 0007

Generated reports keep their parameters and data as JSON (never a token). A report goes
with its requester. ``ix_tasks_project_id_completed_at`` serves the throughput and
cycle-time figures, which read one project's tasks by completion time; the project
summary's counts by status use the existing ``ix_tasks_project_id_status_position``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import taskcore_adapters.sql.types

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("report_type", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("data", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("requested_by", sa.Integer(), nullable=False),
        sa.Column(
            "created_at", taskcore_adapters.sql.types.UtcDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "completed_at", taskcore_adapters.sql.types.UtcDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "expires_at", taskcore_adapters.sql.types.UtcDateTime(timezone=True), nullable=False
        ),
        sa.CheckConstraint(
            "report_type IN ('project', 'system', 'workload', 'throughput', 'cycle_time')",
            name=op.f("ck_reports_type"),
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'running', 'completed', 'failed')",
            name=op.f("ck_reports_status"),
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"],
            ["users.id"],
            name=op.f("fk_reports_requested_by_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports")),
    )
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reports_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_reports_expires_at"), ["expires_at"], unique=False)
        batch_op.create_index(
            "ix_reports_requested_by_created_at", ["requested_by", "created_at"], unique=False
        )
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.create_index(
            "ix_tasks_project_id_completed_at", ["project_id", "completed_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_tasks_project_id_completed_at")
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_index("ix_reports_requested_by_created_at")
        batch_op.drop_index(batch_op.f("ix_reports_expires_at"))
        batch_op.drop_index(batch_op.f("ix_reports_created_at"))
    op.drop_table("reports")
