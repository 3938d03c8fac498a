"""A large bulk insert of tasks refreshes PostgreSQL's statistics of the table."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from sqlalchemy import Engine, text

from taskcore.domain.projects import Project
from taskcore.domain.tasks import Task, TaskStatus
from taskcore.domain.users import User
from taskcore_adapters.sql import SqlAlchemyUnitOfWorkFactory
from taskcore_adapters.sql.tasks import ANALYZE_AFTER_ROWS

pytestmark = pytest.mark.postgres

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def analyzed(engine: Engine, *, wait: float = 0.0) -> bool:
    """Whether the tasks table was analyzed since the statistics were reset (the server
    may publish its statistics a moment later: wait up to ``wait`` seconds for it)."""
    deadline = time.monotonic() + wait
    while True:
        with engine.connect() as conn:
            row = conn.execute(
                text("SELECT last_analyze FROM pg_stat_user_tables WHERE relname = 'tasks'")
            ).first()
        if (row is not None and row.last_analyze is not None) or time.monotonic() >= deadline:
            return row is not None and row.last_analyze is not None
        time.sleep(0.05)


def test_a_large_import_analyzes_the_table(engine: Engine) -> None:
    """Adding ANALYZE_AFTER_ROWS tasks at once leaves the table analyzed; a small batch
    does not analyze it."""
    assert "postgresql" == engine.dialect.name, "run with TASKCORE_TEST_DB=postgres"
    factory = SqlAlchemyUnitOfWorkFactory(engine)
    with factory() as uow:
        owner = uow.users.add(
            User(
                username="owner",
                email="owner@example.com",
                password_hash="h",
                full_name=None,
                created_at=NOW,
            )
        )
        project_id = uow.projects.add(
            Project(name="P", owner_id=owner.key, created_at=NOW, updated_at=NOW)
        ).key
        uow.commit()
    with engine.begin() as conn:
        conn.execute(text("SELECT pg_stat_reset()"))

    def batch(count: int) -> list[Task]:
        return [
            Task(
                project_id=project_id,
                title=f"Task {i}",
                status=TaskStatus.PENDING,
                position=float(i),
                created_at=NOW,
                updated_at=NOW,
            )
            for i in range(count)
        ]

    with factory() as uow:
        uow.tasks.add_many(batch(10))
        uow.commit()
    small = analyzed(engine)
    with factory() as uow:
        uow.tasks.add_many(batch(ANALYZE_AFTER_ROWS))
        uow.commit()
    assert (False, True) == (small, analyzed(engine, wait=5.0))
