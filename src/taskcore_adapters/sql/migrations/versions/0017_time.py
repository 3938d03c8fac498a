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


def _foreign_key(
    table: str, column: str, target: str, *, ondelete: str = "CASCADE"
) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.id"],
        name=op.f(f"fk_{table}_{column}_{target}"),
        ondelete=ondelete,
    )


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("timezone", sa.String(length=64), server_default="UTC", nullable=False)
        )
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
    op.create_table(
        "calendar_feeds",
        sa.Column("user_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("secret_digest", sa.String(length=64), nullable=False),
        _time("created_at"),
        _foreign_key("calendar_feeds", "user_id", "users"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_calendar_feeds")),
        sa.UniqueConstraint("secret_digest", name=op.f("uq_calendar_feeds_secret_digest")),
    )
    op.create_table(
        "task_recurrences",
        sa.Column("task_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("rule", sa.String(length=500), nullable=False),
        sa.Column("mode", sa.String(length=20), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        _time("series_start"),
        sa.Column("occurrence", sa.Integer(), nullable=False),
        sa.Column("previous_task_id", sa.Integer(), nullable=True),
        sa.Column("next_task_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        _time("created_at"),
        _time("updated_at"),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "mode IN ('due_date', 'completion')", name=op.f("ck_task_recurrences_mode")
        ),
        sa.CheckConstraint("occurrence >= 1", name=op.f("ck_task_recurrences_occurrence")),
        _foreign_key("task_recurrences", "task_id", "tasks"),
        _foreign_key("task_recurrences", "previous_task_id", "tasks", ondelete="SET NULL"),
        _foreign_key("task_recurrences", "next_task_id", "tasks", ondelete="SET NULL"),
        _foreign_key("task_recurrences", "created_by", "users", ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("task_id", name=op.f("pk_task_recurrences")),
    )
    with op.batch_alter_table("task_recurrences", schema=None) as batch_op:
        for column in ("previous_task_id", "next_task_id", "created_by"):
            batch_op.create_index(
                batch_op.f(f"ix_task_recurrences_{column}"), [column], unique=False
            )

    op.create_table(
        "task_reminders",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        _time("remind_at", nullable=True),
        sa.Column("before_minutes", sa.Integer(), nullable=True),
        _time("fire_at", nullable=True),
        _time("sent_at", nullable=True),
        sa.Column("skipped", sa.Boolean(), nullable=False),
        _time("created_at"),
        sa.CheckConstraint(
            "(remind_at IS NULL) <> (before_minutes IS NULL)", name=op.f("ck_task_reminders_kind")
        ),
        _foreign_key("task_reminders", "task_id", "tasks"),
        _foreign_key("task_reminders", "created_by", "users", ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_reminders")),
    )
    with op.batch_alter_table("task_reminders", schema=None) as batch_op:
        batch_op.create_index("ix_task_reminders_task_id", ["task_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_task_reminders_created_by"), ["created_by"], unique=False
        )
        batch_op.create_index(
            "ix_task_reminders_sent_at_fire_at", ["sent_at", "fire_at"], unique=False
        )

    op.create_table(
        "digest_subscriptions",
        sa.Column("user_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("hour", sa.Integer(), nullable=False),
        sa.Column("last_sent_on", sa.Date(), nullable=True),
        sa.CheckConstraint("hour >= 0 AND hour <= 23", name=op.f("ck_digest_subscriptions_hour")),
        _foreign_key("digest_subscriptions", "user_id", "users"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_digest_subscriptions")),
    )


def downgrade() -> None:
    op.drop_table("digest_subscriptions")
    with op.batch_alter_table("task_reminders", schema=None) as batch_op:
        batch_op.drop_index("ix_task_reminders_sent_at_fire_at")
        batch_op.drop_index(batch_op.f("ix_task_reminders_created_by"))
        batch_op.drop_index("ix_task_reminders_task_id")
    op.drop_table("task_reminders")
    with op.batch_alter_table("task_recurrences", schema=None) as batch_op:
        for column in ("created_by", "next_task_id", "previous_task_id"):
            batch_op.drop_index(batch_op.f(f"ix_task_recurrences_{column}"))
    op.drop_table("task_recurrences")
    op.drop_table("calendar_feeds")
    with op.batch_alter_table("time_timers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_time_timers_task_id"))
    op.drop_table("time_timers")
    with op.batch_alter_table("time_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_time_entries_user_id_work_date")
        batch_op.drop_index("ix_time_entries_task_id_work_date")
    op.drop_table("time_entries")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("timezone")
