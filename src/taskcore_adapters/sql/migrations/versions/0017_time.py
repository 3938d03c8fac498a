"""recurrence, reminders, calendar feeds and time entries

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import taskcore_adapters.sql.types

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def _time(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(
        name, taskcore_adapters.sql.types.UtcDateTime(timezone=True), nullable=nullable
    )


def _foreign_key(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.id"],
        name=op.f(f"fk_{table}_{column}_{target}"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "time_entries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("work_date", sa.Date(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("billable", sa.Boolean(), nullable=False),
        sa.Column("capped", sa.Boolean(), nullable=False),
        _time("created_at"),
        _time("updated_at"),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "minutes >= 1 AND minutes <= 1440", name=op.f("ck_time_entries_minutes")
        ),
        _foreign_key("time_entries", "task_id", "tasks"),
        _foreign_key("time_entries", "user_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_time_entries")),
    )
    with op.batch_alter_table("time_entries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_time_entries_task_id_work_date", ["task_id", "work_date"], unique=False
        )
        batch_op.create_index(
            "ix_time_entries_user_id_work_date", ["user_id", "work_date"], unique=False
        )
    op.create_table(
        "time_timers",
        sa.Column("user_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        _time("started_at"),
        sa.Column("note", sa.Text(), nullable=False),
        _foreign_key("time_timers", "user_id", "users"),
        _foreign_key("time_timers", "task_id", "tasks"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_time_timers")),
    )
    with op.batch_alter_table("time_timers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_time_timers_task_id"), ["task_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("time_timers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_time_timers_task_id"))
    op.drop_table("time_timers")
    with op.batch_alter_table("time_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_time_entries_user_id_work_date")
        batch_op.drop_index("ix_time_entries_task_id_work_date")
    op.drop_table("time_entries")
