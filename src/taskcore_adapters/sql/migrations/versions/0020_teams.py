"""teams and their project roles

Revision ID: 0020
Revises: 0019
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import taskcore_adapters.sql.types

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def _time(name: str) -> sa.Column[object]:
    return sa.Column(name, taskcore_adapters.sql.types.UtcDateTime(timezone=True), nullable=False)


def _foreign_key(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "teams",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("name_key", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        _time("created_at"),
        _time("updated_at"),
        _foreign_key("teams", "created_by", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teams")),
        sa.UniqueConstraint("name_key", name=op.f("uq_teams_name_key")),
    )
    op.create_table(
        "team_members",
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        _time("added_at"),
        sa.CheckConstraint("role IN ('admin', 'member')", name=op.f("ck_team_members_role")),
        _foreign_key("team_members", "team_id", "teams"),
        _foreign_key("team_members", "user_id", "users"),
        sa.PrimaryKeyConstraint("team_id", "user_id", name=op.f("pk_team_members")),
    )
    op.create_index(op.f("ix_team_members_user_id"), "team_members", ["user_id"], unique=False)
    op.create_table(
        "project_teams",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        _time("added_at"),
        sa.CheckConstraint(
            "role IN ('owner', 'member', 'viewer')", name=op.f("ck_project_teams_role")
        ),
        _foreign_key("project_teams", "project_id", "projects"),
        _foreign_key("project_teams", "team_id", "teams"),
        sa.PrimaryKeyConstraint("project_id", "team_id", name=op.f("pk_project_teams")),
    )
    op.create_index(op.f("ix_project_teams_team_id"), "project_teams", ["team_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_project_teams_team_id"), table_name="project_teams")
    op.drop_table("project_teams")
    op.drop_index(op.f("ix_team_members_user_id"), table_name="team_members")
    op.drop_table("team_members")
    op.drop_table("teams")
