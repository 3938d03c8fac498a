"""subtasks, relations, custom fields and several assignees

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

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


def downgrade() -> None:
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tasks_parent_id"))
        batch_op.drop_constraint(batch_op.f("fk_tasks_parent_id_tasks"), type_="foreignkey")
        batch_op.drop_column("parent_id")
