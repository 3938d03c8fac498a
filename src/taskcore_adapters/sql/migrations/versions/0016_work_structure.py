"""subtasks, relations, custom fields and several assignees

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import taskcore_adapters.sql.types

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("parent_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_tasks_parent_id_tasks"), "tasks", ["parent_id"], ["id"]
        )
        batch_op.create_index(batch_op.f("ix_tasks_parent_id"), ["parent_id"], unique=False)
    op.create_table(
        "task_assignees",
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["tasks.id"],
            name=op.f("fk_task_assignees_task_id_tasks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_task_assignees_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("task_id", "user_id", name=op.f("pk_task_assignees")),
    )
    with op.batch_alter_table("task_assignees", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_task_assignees_user_id"), ["user_id"], unique=False)
    op.create_table(
        "task_relations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("lag_days", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column(
            "created_at", taskcore_adapters.sql.types.UtcDateTime(timezone=True), nullable=False
        ),
        sa.CheckConstraint(
            "kind IN ('blocks', 'relates', 'duplicates', 'precedes', 'copied_from')",
            name=op.f("ck_task_relations_kind"),
        ),
        sa.CheckConstraint("source_id <> target_id", name=op.f("ck_task_relations_not_self")),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_task_relations_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["tasks.id"],
            name=op.f("fk_task_relations_source_id_tasks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["target_id"],
            ["tasks.id"],
            name=op.f("fk_task_relations_target_id_tasks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_relations")),
    )
    with op.batch_alter_table("task_relations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_task_relations_source_id_target_id_kind",
            ["source_id", "target_id", "kind"],
            unique=True,
        )
        batch_op.create_index(
            "ix_task_relations_target_id_kind", ["target_id", "kind"], unique=False
        )
    op.create_table(
        "task_field_definitions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("options", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column(
            "created_at", taskcore_adapters.sql.types.UtcDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_task_field_definitions_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_field_definitions")),
    )
    with op.batch_alter_table("task_field_definitions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_task_field_definitions_project_id_key", ["project_id", "key"], unique=True
        )
    op.create_table(
        "task_field_values",
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("field_id", sa.Integer(), nullable=False),
        sa.Column("value_text", sa.String(length=2000), nullable=True),
        sa.Column("value_number", sa.Float(), nullable=True),
        sa.Column("value_bool", sa.Boolean(), nullable=True),
        sa.Column("value_json", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["field_id"],
            ["task_field_definitions.id"],
            name=op.f("fk_task_field_values_field_id_task_field_definitions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["tasks.id"],
            name=op.f("fk_task_field_values_task_id_tasks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("task_id", "field_id", name=op.f("pk_task_field_values")),
    )
    with op.batch_alter_table("task_field_values", schema=None) as batch_op:
        batch_op.create_index(
            "ix_task_field_values_field_id_value_number",
            ["field_id", "value_number"],
            unique=False,
        )
        batch_op.create_index(
            "ix_task_field_values_field_id_value_text", ["field_id", "value_text"], unique=False
        )
    # Every assigned task keeps its one assignee as the first of its list.
    op.execute(
        "INSERT INTO task_assignees (task_id, user_id, position) "
        "SELECT id, assignee_id, 0 FROM tasks WHERE assignee_id IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("task_field_values", schema=None) as batch_op:
        batch_op.drop_index("ix_task_field_values_field_id_value_text")
        batch_op.drop_index("ix_task_field_values_field_id_value_number")
    op.drop_table("task_field_values")
    with op.batch_alter_table("task_field_definitions", schema=None) as batch_op:
        batch_op.drop_index("ix_task_field_definitions_project_id_key")
    op.drop_table("task_field_definitions")
    with op.batch_alter_table("task_relations", schema=None) as batch_op:
        batch_op.drop_index("ix_task_relations_target_id_kind")
        batch_op.drop_index("ix_task_relations_source_id_target_id_kind")
    op.drop_table("task_relations")
    with op.batch_alter_table("task_assignees", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_task_assignees_user_id"))
    op.drop_table("task_assignees")
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tasks_parent_id"))
        batch_op.drop_constraint(batch_op.f("fk_tasks_parent_id_tasks"), type_="foreignkey")
        batch_op.drop_column("parent_id")
