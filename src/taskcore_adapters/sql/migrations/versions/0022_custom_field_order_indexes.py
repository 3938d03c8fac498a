"""custom-field values indexed by (field, value, task) for keyset pages in value order

Revision ID: 0022
Revises: 0021
"""

from __future__ import annotations

from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

_NEW = {
    "ix_task_field_values_field_id_value_number_task_id": ["field_id", "value_number", "task_id"],
    "ix_task_field_values_field_id_value_text_task_id": ["field_id", "value_text", "task_id"],
    "ix_task_field_values_field_id_value_bool_task_id": ["field_id", "value_bool", "task_id"],
}
_OLD = {
    "ix_task_field_values_field_id_value_number": ["field_id", "value_number"],
    "ix_task_field_values_field_id_value_text": ["field_id", "value_text"],
}


def upgrade() -> None:
    # The new indexes lead with the old ones' columns, so filters keep their index; the
    # task id at the end gives a page's order (value, then id) straight from the index.
    with op.batch_alter_table("task_field_values", schema=None) as batch_op:
        for name, columns in _NEW.items():
            batch_op.create_index(name, columns, unique=False)
        for name in _OLD:
            batch_op.drop_index(name)


def downgrade() -> None:
    with op.batch_alter_table("task_field_values", schema=None) as batch_op:
        for name, columns in _OLD.items():
            batch_op.create_index(name, columns, unique=False)
        for name in _NEW:
            batch_op.drop_index(name)
