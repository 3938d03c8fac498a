"""import runs, their staged rows and the sources of imported tasks

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import taskcore_adapters.sql.types

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def _time(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(
        name, taskcore_adapters.sql.types.UtcDateTime(timezone=True), nullable=nullable
    )


def _foreign_key(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "import_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("mapping", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("problems", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        _time("created_at"),
        _time("updated_at"),
        _foreign_key("import_runs", "project_id", "projects"),
        _foreign_key("import_runs", "user_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_runs")),
    )
    op.create_index(
        "ix_import_runs_status_updated_at", "import_runs", ["status", "updated_at"], unique=False
    )
    op.create_table(
        "import_rows",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("cells", sa.JSON(), nullable=False),
        _foreign_key("import_rows", "run_id", "import_runs"),
        sa.PrimaryKeyConstraint("run_id", "line", name=op.f("pk_import_rows")),
    )
    op.create_table(
        "import_sources",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        _foreign_key("import_sources", "project_id", "projects"),
        _foreign_key("import_sources", "task_id", "tasks"),
        sa.PrimaryKeyConstraint(
            "project_id", "source", "external_id", name=op.f("pk_import_sources")
        ),
    )
    op.create_index(op.f("ix_import_sources_task_id"), "import_sources", ["task_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_import_sources_task_id"), table_name="import_sources")
    op.drop_table("import_sources")
    op.drop_table("import_rows")
    op.drop_index("ix_import_runs_status_updated_at", table_name="import_runs")
    op.drop_table("import_runs")
