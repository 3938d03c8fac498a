"""The SQL task repository's writes: an update is one statement made once, guarded by the
version it read."""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from sqlalchemy import Engine, event

from taskcore.app import Taskcore
from taskcore.domain.tasks import TaskStatus
from taskcore.errors import VersionMismatch
from taskcore_adapters.sql import SqlAlchemyUnitOfWorkFactory
from taskcore_adapters.sql.tasks import SqlAlchemyTaskRepository


def test_updates_reuse_one_statement_and_check_the_version(core: Taskcore, engine: Engine) -> None:
    """Two edits of a task run the same UPDATE statement object (not one built, with its
    cache key worked out, per write); each sets every column and the next version, and a
    write from a stale version changes nothing."""
    view = core.users.register(
        username="alice", email="alice@example.com", password="correct horse", full_name="A"
    )
    alice = core.as_user(view.id)
    project_id = core.projects.create_project(alice, name="Edited").id
    task_id = core.tasks.create_task(alice, project_id, title="First").id

    updates: list[Any] = []

    def seen(conn: Any, clause: Any, *args: Any) -> None:
        if getattr(clause, "is_update", False):
            updates.append(clause)

    event.listen(engine, "before_execute", seen)
    try:
        core.tasks.update_task(alice, task_id, title="Second")
        core.tasks.update_task(alice, task_id, status=TaskStatus.IN_PROGRESS)
    finally:
        event.remove(engine, "before_execute", seen)
    task_updates = [u for u in updates if u.table.name == "tasks"]
    assert len(task_updates) == 2
    assert task_updates[0] is task_updates[1]

    got = core.tasks.get_task(alice, task_id)
    assert (got.title, got.status, got.version) == ("Second", TaskStatus.IN_PROGRESS, 3)

    with SqlAlchemyUnitOfWorkFactory(engine)() as uow:
        repo = uow.tasks
        assert isinstance(repo, SqlAlchemyTaskRepository)
        current = repo.get(task_id)
        assert current is not None
        stale = attrs.evolve(current, version=2, title="Lost")
        with pytest.raises(VersionMismatch):
            repo.update(stale)
    assert core.tasks.get_task(alice, task_id).title == "Second"
