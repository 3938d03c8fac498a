"""The README's embedding script, kept identical to it (a test compares them), so that mypy
checks it.

Run: python examples/readme.py
"""

import tempfile
from pathlib import Path

from taskcore.domain.events import TaskStatusChanged
from taskcore.domain.tasks import TaskStatus
from taskcore_adapters import Runtime, Settings, from_settings, in_memory


def plan_launch(rt: Runtime) -> None:
    rt.events.subscribe(TaskStatusChanged, lambda e: print(f"task {e.entity_id}: {e.new_status}"))
    users = rt.core.users
    users.register(
        username="alice", email="alice@example.com", password="correct horse", full_name="Alice"
    )
    alice = users.authenticate(users.login(username="alice", password="correct horse").token)
    project = rt.core.projects.create_project(alice, name="Launch")
    task = rt.core.tasks.create_task(alice, project.id, title="Write the announcement")
    rt.core.tasks.update_task(alice, task.id, status=TaskStatus.COMPLETED)  # "task 1: completed"


with in_memory() as rt:  # in memory: nothing to install beyond taskcore itself
    plan_launch(rt)
with tempfile.TemporaryDirectory() as tmp, from_settings(Settings(data_dir=Path(tmp))) as rt:
    plan_launch(rt)  # a SQLite file, migrated on first use: needs taskcore[sql,security,files]
