"""Case 2, the library in process: creating tasks through the use case, and importing
them in bulk, on SQLite and PostgreSQL, next to plain SQLAlchemy inserts of the same rows.

- ``create_task`` N times (each call one transaction with its checks, the task row and its
  outbox events, then the events handled inline after the commit, as an embedded
  ``from_settings`` runtime does) against the same N rows inserted with one
  ``INSERT`` and one commit each through the same engine;
- ``import_tasks`` of M tasks in one call against one ``executemany`` of the same M rows
  in one transaction.

Rounds alternate baseline and taskcore on the same database, so both see the same table
sizes and the same machine load.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import secrets
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert

from benchmarks.runner import CaseResult, Context, Goal, Row
from benchmarks.support import scratch_database
from taskcore.domain.projects import Priority
from taskcore.services.tasks import TaskDraft
from taskcore.services.users import Principal
from taskcore_adapters.bootstrap import Runtime, from_settings
from taskcore_adapters.config import Settings
from taskcore_adapters.sql.tables import tasks

NAME = "library"
TITLE = "Case 2: the library in process (create and import tasks)"
DESCRIPTION = "Benchmark task, created in process."
PASSWORD = "throwaway load passphrase"  # noqa: S105 - a throwaway account in a scratch database


@contextlib.contextmanager
def runtime_on(backend: str) -> Iterator[Runtime]:
    """A migrated runtime on a fresh SQLite file or PostgreSQL database."""
    work = Path(tempfile.mkdtemp(prefix="taskcore-bench-library-"))
    try:
        with contextlib.ExitStack() as stack:
            url = stack.enter_context(scratch_database()) if backend == "postgresql" else None
            settings = Settings(
                data_dir=work, database_url=url, secret_key=secrets.token_urlsafe(48)
            )
            runtime = from_settings(settings, migrate=True)
            stack.callback(runtime.close)
            yield runtime
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _row(project_id: int, index: int, position: float, now: dt.datetime) -> dict[str, Any]:
    return {
        "project_id": project_id,
        "title": f"Task {index}",
        "description": DESCRIPTION,
        "status": "pending",
        "priority": "high",
        "position": position,
        "created_at": now,
        "updated_at": now,
        "version": 1,
    }


def _rate(count: int, started: float) -> float:
    return count / (time.perf_counter() - started)


def measure(runtime: Runtime, n: int, m: int, rounds: int, log: Any) -> dict[str, list[float]]:
    """Tasks per second of each of the four ways, one value per round."""
    core = runtime.core
    engine: Engine | None = runtime.engine
    if engine is None:
        raise RuntimeError("the runtime has no SQL engine")
    user = core.users.register(
        username="bench", email="bench@example.com", password=PASSWORD, full_name="B"
    )
    owner = Principal(user_id=user.id, username=user.username, is_admin=False)
    project_id = core.projects.create_project(owner, name="Benchmark").id
    out: dict[str, list[float]] = {"create": [], "insert": [], "import": [], "executemany": []}
    counter = 0
    for index in range(rounds):
        log(f"round {index + 1}/{rounds}: {n} single inserts and {n} create_task calls")
        now = dt.datetime.now(dt.UTC)
        started = time.perf_counter()
        for _ in range(n):
            counter += 1
            with engine.begin() as conn:
                conn.execute(insert(tasks).values(_row(project_id, counter, counter, now)))
        out["insert"].append(_rate(n, started))
        started = time.perf_counter()
        for _ in range(n):
            counter += 1
            core.tasks.create_task(
                owner,
                project_id,
                title=f"Task {counter}",
                description=DESCRIPTION,
                priority=Priority.HIGH,
            )
        out["create"].append(_rate(n, started))
        log(f"round {index + 1}/{rounds}: executemany and import_tasks of {m}")
        rows = [_row(project_id, counter + i, counter + i, now) for i in range(m)]
        counter += m
        started = time.perf_counter()
        with engine.begin() as conn:
            conn.execute(insert(tasks), rows)
        out["executemany"].append(_rate(m, started))
        drafts = [
            TaskDraft(title=f"Task {counter + i}", description=DESCRIPTION, priority=Priority.HIGH)
            for i in range(m)
        ]
        counter += m
        started = time.perf_counter()
        core.tasks.import_tasks(owner, project_id, drafts)
        out["import"].append(_rate(m, started))
    return out


def run(ctx: Context) -> CaseResult:
    n = 60 if ctx.quick else 1_000
    m = 200 if ctx.quick else 100_000
    rounds = 3 if ctx.quick else 2
    result = CaseResult(
        case=NAME,
        title=TITLE,
        parameters={
            "create_task calls per round": n,
            "tasks per import": m,
            "rounds": rounds,
        },
    )
    for backend in ("sqlite", "postgresql"):
        ctx.log(f"{backend}")
        with runtime_on(backend) as runtime:
            rates = measure(runtime, n, m, rounds, ctx.log)
        single = f"{backend}: INSERT + commit per task (baseline)"
        bulk = f"{backend}: executemany, one transaction (baseline)"
        result.rows += [
            Row(name=single, unit="tasks/s", values=rates["insert"]),
            Row(
                name=f"{backend}: create_task",
                unit="tasks/s",
                values=rates["create"],
                baseline=single,
                goal=Goal(on="ratio", op=">=", target=0.5, text="≥ 0.50x"),
            ),
            Row(name=bulk, unit="tasks/s", values=rates["executemany"]),
            Row(
                name=f"{backend}: import_tasks",
                unit="tasks/s",
                values=rates["import"],
                baseline=bulk,
                goal=Goal(on="ratio", op=">=", target=0.5, text="≥ 0.50x"),
            ),
        ]
    result.notes += [
        f"Sizes: {n} `create_task` calls and one import of {m:,} tasks per round, {rounds} "
        "rounds per backend. The import has the goal's size (100,000 tasks in one call); "
        "100,000 single `create_task` calls would take several minutes per backend, so the "
        "full run makes fewer and reports the rate per task, which does not depend much on "
        "the count once the tables are warm.",
        "The taskcore side uses the embedded runtime as `from_settings` builds it without a "
        "queue. Each call is one transaction that stores the task, its activity entry, its "
        "outbox event and that event's deliveries together (webhooks look up the project's "
        "endpoints in the same transaction); consumers that want the event then run inline "
        "after the commit. Creating a task without an assignee notifies nobody, so it has no "
        "deliveries. With `TASKCORE_QUEUE_URL` set, consumers run in `taskcore worker` "
        "processes instead.",
    ]
    return result
