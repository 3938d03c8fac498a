"""An import run keeps PostgreSQL's statistics of the tables it fills fresh: a large
staging analyzes the staged rows, and links added chunk after chunk analyze the sources
once enough of them changed (autovacuum is off on the test server, as it may be late on
any)."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from sqlalchemy import Engine, text

from taskcore.domain.import_mapping import ImportRun
from taskcore.domain.projects import Project
from taskcore.domain.tasks import Task, TaskStatus
from taskcore.domain.users import User
from taskcore_adapters.sql import SqlAlchemyUnitOfWorkFactory
from taskcore_adapters.sql import imports as sql_imports

pytestmark = pytest.mark.postgres

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def analyzed(engine: Engine, table: str) -> bool:
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT last_analyze FROM pg_stat_user_tables WHERE relname = :t"), {"t": table}
        ).first()
    return row is not None and row.last_analyze is not None


def _project_and_task(factory: SqlAlchemyUnitOfWorkFactory) -> tuple[int, int, int]:
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
        (task,) = uow.tasks.add_many(
            [
                Task(
                    project_id=project_id,
                    title="T",
                    status=TaskStatus.PENDING,
                    position=1.0,
                    created_at=NOW,
                    updated_at=NOW,
                )
            ]
        )
        uow.commit()
    return owner.key, project_id, task.key


def test_a_large_staging_analyzes_the_rows(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    assert "postgresql" == engine.dialect.name, "run with TASKCORE_TEST_DB=postgres"
    monkeypatch.setattr(sql_imports, "ANALYZE_AFTER_ROWS", 50)
    factory = SqlAlchemyUnitOfWorkFactory(engine)
    user_id, project_id, _ = _project_and_task(factory)
    with engine.begin() as conn:
        conn.execute(text("SELECT pg_stat_reset()"))

    def stage(count: int) -> None:
        run = ImportRun(
            project_id=project_id,
            user_id=user_id,
            source="csv",
            mapping={"title": "t"},
            total=count,
            created_at=NOW,
            updated_at=NOW,
        )
        with factory() as uow:
            uow.imports.add_run(run, [(n + 2, {"t": f"row {n}"}) for n in range(count)])
            uow.commit()

    stage(10)
    small = analyzed(engine, "import_rows")
    stage(50)
    assert (False, True) == (small, analyzed(engine, "import_rows"))


def test_links_added_chunk_after_chunk_analyze_the_sources(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Below the threshold nothing is analyzed; once as many links changed (as the
    server's statistics say, which it publishes a moment after each commit) the next
    chunk's links analyze the table."""
    monkeypatch.setattr(sql_imports, "ANALYZE_AFTER_ROWS", 50)
    factory = SqlAlchemyUnitOfWorkFactory(engine)
    _, project_id, task_id = _project_and_task(factory)
    with engine.begin() as conn:
        conn.execute(text("SELECT pg_stat_reset()"))
    made = 0

    def link(count: int) -> None:
        nonlocal made
        with factory() as uow:
            uow.imports.link_many(
                project_id, "csv", [(f"x{made + n}", task_id) for n in range(count)]
            )
            uow.commit()
        made += count

    link(10)
    time.sleep(1.2)  # the server publishes a backend's counts at most once a second
    link(1)
    small = analyzed(engine, "import_sources")
    link(60)
    deadline = time.monotonic() + 20
    while not analyzed(engine, "import_sources") and time.monotonic() < deadline:
        time.sleep(0.2)
        link(1)
    assert (False, True) == (small, analyzed(engine, "import_sources"))
