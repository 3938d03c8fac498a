"""attachment storage quota and quarantine

Adds ``attachment_usage`` (bytes each user's attachments and uploads in progress take,
filled from the existing attachments) and ``attachments.status`` (``available``, or
``quarantined`` when a file could not be scanned for malware).

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "attachment_usage",
        sa.Column("user_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("used_bytes", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("used_bytes >= 0", name=op.f("ck_attachment_usage_used_bytes")),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_attachment_usage")),
    )
    op.execute(
        "INSERT INTO attachment_usage (user_id, used_bytes) "
        "SELECT uploaded_by, SUM(file_size) FROM attachments GROUP BY uploaded_by"
    )
    # Plain ALTER TABLE on both databases (SQLite adds and drops a column without an
    # index or constraint in place; recreating the table would lose nothing but is slow).
    op.add_column(
        "attachments",
        sa.Column("status", sa.String(length=16), server_default="available", nullable=False),
    )


def downgrade() -> None:
    op.drop_column("attachments", "status")
    op.drop_table("attachment_usage")
