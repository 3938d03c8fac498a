"""notifications, templates and preferences

Revision ID: 0006
Revises: 0005

Creates the original's ``notification_queue`` and ``notification_templates`` (plus the
delivery bookkeeping columns ``attempts``, ``next_attempt_at`` and ``read_at``) and
``notification_preferences``, and inserts the original's two templates, ``task_assigned``
and ``task_completed``, written as HTML templates whose values are escaped.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

import taskcore_adapters.sql.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TASK_ASSIGNED_BODY = """<html>
<body>
<h2>Task Assigned</h2>
<p>Hello {{ user_name }},</p>
<p>You have been assigned a new task:</p>
<ul>
<li><strong>Task:</strong> {{ task_title }}</li>
<li><strong>Project:</strong> {{ project_name }}</li>
<li><strong>Assigned by:</strong> {{ assigned_by }}</li>
<li><strong>Due date:</strong> {{ due_date }}</li>
</ul>
<p>Please log in to the task management system to view more details.</p>
</body>
</html>
"""

TASK_COMPLETED_BODY = """<html>
<body>
<h2>Task Completed</h2>
<p>Hello {{ user_name }},</p>
<p>A task in your project has been completed:</p>
<ul>
<li><strong>Task:</strong> {{ task_title }}</li>
<li><strong>Project:</strong> {{ project_name }}</li>
<li><strong>Completed by:</strong> {{ completed_by }}</li>
<li><strong>Completion date:</strong> {{ completion_date }}</li>
</ul>
</body>
</html>
"""

TEMPLATES = [
    ("task_assigned", "Task Assigned: {{ task_title }}", TASK_ASSIGNED_BODY),
    ("task_completed", "Task Completed: {{ task_title }}", TASK_COMPLETED_BODY),
]
"""The original's templates (a test checks they equal ``taskcore.domain.notifications``)."""


def _utc() -> taskcore_adapters.sql.types.UtcDateTime:
    return taskcore_adapters.sql.types.UtcDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "notification_queue",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("recipient_email", sa.String(length=255), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("notification_type", sa.String(length=50), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("priority", sa.String(length=10), nullable=False),
        sa.Column("context_data", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("scheduled_at", _utc(), nullable=False),
        sa.Column("sent_at", _utc(), nullable=True),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("retry_count", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", _utc(), nullable=False),
        sa.Column("read_at", _utc(), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'sending', 'sent', 'failed', 'failed_config')",
            name=op.f("ck_notification_queue_status"),
        ),
        sa.CheckConstraint(
            "priority IN ('low', 'normal', 'high')", name=op.f("ck_notification_queue_priority")
        ),
        sa.ForeignKeyConstraint(
            ["recipient_id"], ["users.id"], name=op.f("fk_notification_queue_recipient_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_queue")),
    )
    with op.batch_alter_table("notification_queue", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notification_queue_recipient_id"), ["recipient_id"], unique=False
        )
        batch_op.create_index(
            "ix_notification_queue_status_scheduled_at", ["status", "scheduled_at"], unique=False
        )
        batch_op.create_index(
            "ix_notification_queue_status_next_attempt_at",
            ["status", "next_attempt_at"],
            unique=False,
        )

    templates = op.create_table(
        "notification_templates",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("subject_template", sa.String(length=500), nullable=False),
        sa.Column("body_template", sa.Text(), nullable=False),
        sa.Column("notification_type", sa.String(length=50), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_templates")),
        sa.UniqueConstraint("name", name=op.f("uq_notification_templates_name")),
    )

    op.create_table(
        "notification_preferences",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=30), nullable=False),
        sa.Column("in_app", sa.Boolean(), nullable=False),
        sa.Column("email", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notification_preferences_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "event", name=op.f("pk_notification_preferences")),
    )

    now = dt.datetime.now(dt.UTC)
    op.bulk_insert(
        templates,
        [
            {
                "name": name,
                "subject_template": subject,
                "body_template": body,
                "notification_type": "email",
                "is_active": True,
                "created_at": now,
                "updated_at": now,
            }
            for name, subject, body in TEMPLATES
        ],
    )


def downgrade() -> None:
    op.drop_table("notification_preferences")
    op.drop_table("notification_templates")
    with op.batch_alter_table("notification_queue", schema=None) as batch_op:
        batch_op.drop_index("ix_notification_queue_status_next_attempt_at")
        batch_op.drop_index("ix_notification_queue_status_scheduled_at")
        batch_op.drop_index(batch_op.f("ix_notification_queue_recipient_id"))

    op.drop_table("notification_queue")
