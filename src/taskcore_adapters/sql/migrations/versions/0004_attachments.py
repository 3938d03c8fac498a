"""attachments and pending blob removals

Revision ID: 0004
Revises: 0003

``attachments.task_id`` refers to ``tasks`` without ``ON DELETE CASCADE``: a cascade would
drop the rows and lose the keys of their blobs. The check is deferred to the commit, so a
task can be deleted before its attachments within one transaction (the attachments are
deleted, and their blobs' removal recorded in ``blob_deletions``, at commit), while a
transaction that leaves attachments of a deleted task behind cannot commit.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import taskcore_adapters.sql.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("uploaded_by", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("original_filename", sa.String(length=255), nullable=False),
        sa.Column("extension", sa.String(length=16), nullable=False),
        sa.Column("file_size", sa.BigInteger(), nullable=False),
        sa.Column("mime_type", sa.String(length=100), nullable=False),
        sa.Column("file_hash", sa.String(length=64), nullable=False),
        sa.Column("blob_key", sa.String(length=512), nullable=False),
        sa.Column(
            "created_at", taskcore_adapters.sql.types.UtcDateTime(timezone=True), nullable=False
        ),
        sa.CheckConstraint("file_size >= 0", name=op.f("ck_attachments_file_size")),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["tasks.id"],
            name=op.f("fk_attachments_task_id_tasks"),
            deferrable=True,
            initially="DEFERRED",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by"], ["users.id"], name=op.f("fk_attachments_uploaded_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
        sa.UniqueConstraint("blob_key", name=op.f("uq_attachments_blob_key")),
    )
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_attachments_task_id_created_at", ["task_id", "created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_attachments_uploaded_by"), ["uploaded_by"], unique=False
        )

    op.create_table(
        "blob_deletions",
        sa.Column("blob_key", sa.String(length=512), nullable=False),
        sa.Column(
            "requested_at",
            taskcore_adapters.sql.types.UtcDateTime(timezone=True),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("blob_key", name=op.f("pk_blob_deletions")),
    )
    with op.batch_alter_table("blob_deletions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_blob_deletions_requested_at"), ["requested_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("blob_deletions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_blob_deletions_requested_at"))

    op.drop_table("blob_deletions")
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attachments_uploaded_by"))
        batch_op.drop_index("ix_attachments_task_id_created_at")

    op.drop_table("attachments")
