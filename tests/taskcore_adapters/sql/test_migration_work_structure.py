"""Migration 0016: a task assigned before it keeps its assignee as the first (and only)
of its assignee list; the new tables start empty (SQLite or PostgreSQL)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, Table, TableClause, column, insert, select, table

from taskcore_adapters.sql.migrate import downgrade, upgrade
from taskcore_adapters.sql.tables import projects, task_assignees, tasks, users

NOW = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)


def _as_of(full: Table, values: dict[str, object]) -> TableClause:
    """The table with only the given columns (their types kept), as an older revision
    has it."""
    return table(full.name, *(column(n, full.c[n].type) for n in values))


def test_assignees_are_filled_from_assignee_id(engine: Engine) -> None:
    upgrade(engine)
    downgrade(engine, "0015")
    with engine.begin() as conn:
        user = {
            "username": "alice",
            "username_key": "alice",
            "username_skeleton": "alice",
            "email": "alice@example.com",
            "email_key": "alice@example.com",
            "password_hash": "hash",
            "is_active": True,
            "is_admin": False,
            "created_at": NOW,
            "login_count": 0,
            "version": 1,
        }
        conn.execute(insert(_as_of(users, user)).values(**user))
        user_id = conn.execute(select(users.c.id)).scalar_one()
        project = {
            "name": "p",
            "description": "",
            "status": "active",
            "priority": "medium",
            "owner_id": user_id,
            "created_at": NOW,
            "updated_at": NOW,
            "version": 1,
        }
        conn.execute(insert(_as_of(projects, project)).values(**project))
        project_id = conn.execute(select(projects.c.id)).scalar_one()
        common = {
            "project_id": project_id,
            "description": "",
            "status": "pending",
            "priority": "medium",
            "position": 1.0,
            "created_at": NOW,
            "updated_at": NOW,
            "version": 1,
        }
        for title, assignee in (("assigned", user_id), ("free", None)):
            task = {**common, "title": title, "assignee_id": assignee}
            conn.execute(insert(_as_of(tasks, task)).values(**task))
    upgrade(engine)
    with engine.connect() as conn:
        rows = conn.execute(
            select(task_assignees.c.task_id, task_assignees.c.user_id, task_assignees.c.position)
        ).all()
        first = conn.execute(select(tasks.c.id).where(tasks.c.title == "assigned")).scalar_one()
    assert [(first, user_id, 0)] == [tuple(r) for r in rows]
