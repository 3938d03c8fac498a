"""users: normalised username and e-mail keys, and the username skeleton

Revision ID: 0013
Revises: 0012

The unique indexes on ``lower(username)`` and ``lower(email)`` compared names with the
database's ``lower()`` (ASCII only on SQLite, locale-dependent on PostgreSQL). This
revision stores the core's keys (``taskcore.domain.identifiers``: NFKC and Unicode case
folding) in unique columns instead, computed here for every existing row.

Existing accounts whose keys collide (``Émile`` and ``émile``) cannot both keep their
names: the upgrade then stops before changing anything, with an error listing the rows,
and an operator renames or removes all but one of each group (``UPDATE users SET
username = ... WHERE id = ...``) and runs ``taskcore migrate`` again
(``docs/configuration.md``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from taskcore.domain import identifiers

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_users = sa.table(
    "users",
    sa.column("id", sa.Integer()),
    sa.column("username", sa.String()),
    sa.column("email", sa.String()),
    sa.column("username_key", sa.String()),
    sa.column("email_key", sa.String()),
    sa.column("username_skeleton", sa.String()),
)

_COLUMNS = ("username_key", "email_key", "username_skeleton")


class IdentityKeyCollision(RuntimeError):
    """Existing accounts whose usernames or e-mail addresses have the same key."""


def _keys(rows: Sequence[Any]) -> dict[int, dict[str, str]]:
    """Each row's keys; raises :class:`IdentityKeyCollision` naming every collision."""
    keys = {
        row.id: {
            "username_key": identifiers.username_key(row.username),
            "email_key": identifiers.email_key(row.email),
            "username_skeleton": identifiers.skeleton(row.username),
        }
        for row in rows
    }
    shown = {row.id: (row.username, row.email) for row in rows}
    problems: list[str] = []
    for column, label, index in (("username_key", "username", 0), ("email_key", "e-mail", 1)):
        groups: dict[str, list[int]] = defaultdict(list)
        for user_id, values in keys.items():
            groups[values[column]].append(user_id)
        for key, ids in sorted(groups.items()):
            if len(ids) > 1:
                names = ", ".join(f"id {i} {shown[i][index]!r}" for i in sorted(ids))
                problems.append(f"same {label} {key!r}: {names}")
        problems.extend(
            f"{label} of id {user_id} is longer than {identifiers.KEY_MAX} characters once folded"
            for user_id, values in sorted(keys.items())
            if len(values[column]) > identifiers.KEY_MAX
        )
    if problems:
        raise IdentityKeyCollision(
            "cannot add unique username and e-mail keys; these users collide (rename or "
            "remove all but one of each group, then migrate again):\n  " + "\n  ".join(problems)
        )
    return keys


def upgrade() -> None:
    bind = op.get_bind()
    rows = list(bind.execute(sa.select(_users.c.id, _users.c.username, _users.c.email)))
    keys = _keys(rows)  # before any change: a collision leaves the database as it was
    op.drop_index("uq_users_email_lower", table_name="users")
    op.drop_index("uq_users_username_lower", table_name="users")
    # Added NOT NULL with an empty default (SQLite cannot add a NOT NULL column without
    # one, nor alter it later without copying the table, which its foreign keys forbid);
    # every row gets its keys below, and PostgreSQL drops the default afterwards.
    for column in _COLUMNS:
        op.add_column(
            "users", sa.Column(column, sa.String(length=255), nullable=False, server_default="")
        )
    for user_id, values in keys.items():
        bind.execute(sa.update(_users).where(_users.c.id == user_id).values(**values))
    if bind.dialect.name != "sqlite":
        for column in _COLUMNS:
            op.alter_column("users", column, server_default=None)
    op.create_index("uq_users_username_key", "users", ["username_key"], unique=True)
    op.create_index("uq_users_email_key", "users", ["email_key"], unique=True)
    op.create_index("ix_users_username_skeleton", "users", ["username_skeleton"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_users_username_skeleton", table_name="users")
    op.drop_index("uq_users_email_key", table_name="users")
    op.drop_index("uq_users_username_key", table_name="users")
    for column in reversed(_COLUMNS):
        # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+): copying the table, as a batch
        # operation would, is impossible while other tables' foreign keys point at it.
        op.execute(sa.text(f"ALTER TABLE users DROP COLUMN {column}"))
    op.create_index("uq_users_username_lower", "users", [sa.text("lower(username)")], unique=True)
    op.create_index("uq_users_email_lower", "users", [sa.text("lower(email)")], unique=True)
