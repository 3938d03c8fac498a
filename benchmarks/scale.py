"""Case 3, scale: listing tasks in process on a PostgreSQL database of 1,000,000 tasks,
and a page filtered and sorted by custom fields on PostgreSQL and SQLite.

The data set is generated with set-based SQL (``INSERT ... SELECT generate_series``):
10,000 users, 1,000 projects of ten members each, and 1,000,000 tasks with mixed
statuses, priorities, due dates and assignees, each project with two custom fields and
the tasks' values of them (:mod:`benchmarks.scale_fields`). One project is large (a tenth
of all tasks) so that a deep page is really deep; the others share the rest. ``--quick``
uses a tenth of every size; ``TASKCORE_BENCH_SCALE_TASKS=N`` sets the number of tasks
(for a run by hand at another size), and ``TASKCORE_BENCH_SCALE_SQLITE=0`` leaves out the
SQLite database (the same data set, generated with a recursive common table expression).

Each measurement calls the use case (``TaskService.list_tasks``, 50 tasks a page, newest
first) many times through a ``from_settings`` runtime and reports the time per call;
the baseline is a plain SQLAlchemy ``SELECT`` of the same 50 rows of the large project,
and, for the custom-field page, the best hand-written SQLAlchemy Core query of that page.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
import time
from pathlib import Path

from sqlalchemy import Engine, select, text

from benchmarks import scale_fields
from benchmarks.runner import CaseResult, Context, Goal, Row
from benchmarks.support import scratch_database, timed_calls
from taskcore.domain.pagination import CursorRequest, PageRequest
from taskcore.domain.projects import Priority
from taskcore.domain.tasks import TaskStatus
from taskcore.services.tasks import TaskFilters
from taskcore.services.users import Principal
from taskcore_adapters.bootstrap import from_settings
from taskcore_adapters.config import Settings
from taskcore_adapters.sql import make_engine, upgrade
from taskcore_adapters.sql.tables import tasks

NAME = "scale"
TITLE = "Case 3: scale (list pages of a 1,000,000-task database)"
PER_PAGE = 50
GOAL = Goal(on="value", op="<=", target=10.0, text="median ≤ 10 ms")
BASELINE = "baseline: plain SELECT of 50 rows"

GENERATE = [
    """
    INSERT INTO users (username, email, password_hash, full_name, is_active, is_admin,
                       created_at, login_count, version, username_key, email_key,
                       username_skeleton)
    SELECT 'user' || g, 'user' || g || '@example.com', 'not-a-hash', 'User ' || g,
           true, false, now(), 0, 1, 'user' || g, 'user' || g || '@example.com',
           'user' || g
    FROM generate_series(1, :users) AS g
    """,
    """
    INSERT INTO projects (name, description, status, priority, owner_id, created_at,
                          updated_at, version)
    SELECT 'Project ' || g, '', 'active', 'medium', ((g - 1) * 10) % :users + 1,
           now() - make_interval(days => g % 365), now(), 1
    FROM generate_series(1, :projects) AS g
    """,
    """
    INSERT INTO project_members (project_id, user_id, role, added_at)
    SELECT p, ((p - 1) * 10 + k) % :users + 1,
           CASE WHEN k = 0 THEN 'owner' ELSE 'member' END, now()
    FROM generate_series(1, :projects) AS p, generate_series(0, 9) AS k
    """,
    """
    INSERT INTO tasks (project_id, title, description, status, priority, due_date,
                       completed_at, assignee_id, position, created_at, updated_at, version)
    SELECT t.project_id, 'Task ' || t.g, 'Generated task number ' || t.g,
           (ARRAY['pending', 'in_progress', 'completed', 'cancelled'])[(t.g / 10) % 4 + 1],
           (ARRAY['low', 'medium', 'high', 'critical'])[(t.g / 7) % 4 + 1],
           CASE WHEN t.g % 5 = 0 THEN NULL
                ELSE now() + make_interval(days => t.g % 90 - 45) END,
           CASE WHEN (t.g / 10) % 4 = 2 THEN now() END,
           CASE WHEN t.g % 3 = 0 THEN NULL
                ELSE ((t.project_id - 1) * 10 + t.g % 10) % :users + 1 END,
           t.g, now() - make_interval(secs => :tasks - t.g), now(), 1
    FROM (
        SELECT g, CASE WHEN g % 10 = 0 THEN 1 ELSE g % (:projects - 1) + 2 END AS project_id
        FROM generate_series(1, :tasks) AS g
    ) AS t
    """,
]


def generate(engine: Engine, *, users: int, projects: int, count: int) -> None:
    """Fill an empty, migrated database with the data set and analyse it."""
    sizes = {"users": users, "projects": projects, "tasks": count}
    with engine.begin() as conn:
        # The engine's statement timeout guards requests; generation takes longer.
        conn.execute(text("SET LOCAL statement_timeout = 0"))
        for statement in GENERATE:
            conn.execute(text(statement), sizes)
    scale_fields.add_fields(engine)
    scale_fields.analyse(engine)


def sizes(quick: bool) -> tuple[int, int, int]:
    """Users, projects and tasks of the data set (tasks from ``TASKCORE_BENCH_SCALE_TASKS``
    when set)."""
    scale = 10 if quick else 1
    count = int(os.environ.get("TASKCORE_BENCH_SCALE_TASKS") or 1_000_000 // scale)
    return 10_000 // scale, 1_000 // scale, count


def run(ctx: Context) -> CaseResult:
    users, projects, count = sizes(ctx.quick)
    calls = 30 if ctx.quick else 200
    result = CaseResult(
        case=NAME,
        title=TITLE,
        parameters={
            "tasks": f"{count:,}",
            "projects": f"{projects:,}",
            "users": f"{users:,}",
            "tasks in the large project": f"{count // 10:,}",
            "calls per measurement": calls,
            "page size": PER_PAGE,
        },
    )
    work = Path(tempfile.mkdtemp(prefix="taskcore-bench-scale-"))
    try:
        with scratch_database() as url:
            engine = make_engine(url)
            try:
                upgrade(engine)
                ctx.log(f"generating {count:,} tasks")
                started = time.perf_counter()
                generate(engine, users=users, projects=projects, count=count)
                generation = time.perf_counter() - started
            finally:
                engine.dispose()
            result.parameters["generation (SQL, custom-field values, VACUUM ANALYZE)"] = (
                f"{generation:.1f} s"
            )
            runtime = from_settings(
                Settings(data_dir=work, database_url=url, secret_key=secrets.token_urlsafe(48)),
                migrate=False,
            )
            try:
                owner = Principal(user_id=1, username="user1", is_admin=False)
                other = Principal(user_id=11, username="user11", is_admin=False)  # owns 2
                service = runtime.core.tasks
                ctx.log("finding a deep cursor")
                cursor, pages = None, 0
                while True:
                    page = service.list_tasks(
                        owner, 1, page=CursorRequest(after=cursor, per_page=100)
                    )
                    pages += 1
                    if page.next_cursor is None or pages * 100 >= count // 10 * 0.9:
                        break
                    cursor = page.next_cursor
                deep_cursor = cursor
                deep_offset = pages * 100
                result.parameters["deep page starts after"] = f"{deep_offset:,} tasks"
                busy = TaskFilters(status=TaskStatus.IN_PROGRESS, priority=Priority.HIGH)
                cases = {
                    "first page (cursor)": lambda: service.list_tasks(
                        owner, 1, page=CursorRequest(per_page=PER_PAGE)
                    ),
                    "deep page (cursor)": lambda: service.list_tasks(
                        owner, 1, page=CursorRequest(after=deep_cursor, per_page=PER_PAGE)
                    ),
                    "filtered first page (status, priority; cursor)": lambda: service.list_tasks(
                        owner, 1, filters=busy, page=CursorRequest(per_page=PER_PAGE)
                    ),
                    "filtered, sorted by due date (cursor)": lambda: service.list_tasks(
                        owner,
                        1,
                        filters=TaskFilters(
                            status=TaskStatus.PENDING, sort="due_date", order="asc"
                        ),
                        page=CursorRequest(per_page=PER_PAGE),
                    ),
                    "a small project's first page (cursor)": lambda: service.list_tasks(
                        other, 2, page=CursorRequest(per_page=PER_PAGE)
                    ),
                    "deep page by number (offset, with total)": lambda: service.list_tasks(
                        owner, 1, page=PageRequest(page=deep_offset // PER_PAGE, per_page=PER_PAGE)
                    ),
                }
                plain = runtime.engine
                if plain is None:
                    raise RuntimeError("the runtime has no SQL engine")

                def baseline() -> None:
                    with plain.connect() as conn:
                        conn.execute(
                            select(tasks)
                            .where(tasks.c.project_id == 1)
                            .order_by(tasks.c.created_at.desc(), tasks.c.id.desc())
                            .limit(PER_PAGE)
                        ).all()

                timed_calls(baseline, 5)
                result.rows.append(
                    Row(
                        name=BASELINE,
                        unit="ms",
                        values=timed_calls(baseline, calls),
                        higher_is_better=False,
                    )
                )
                for name, call in cases.items():
                    ctx.log(name)
                    timed_calls(call, 5)
                    result.rows.append(
                        Row(
                            name=name,
                            unit="ms",
                            values=timed_calls(call, calls),
                            higher_is_better=False,
                            baseline=BASELINE,
                            goal=None if "offset" in name else GOAL,
                        )
                    )
                rows, found = scale_fields.measure(
                    service, plain, owner, backend="postgresql", calls=calls, log=ctx.log
                )
                result.rows.extend(rows)
                result.parameters.update(found)
            finally:
                runtime.close()
        if os.environ.get("TASKCORE_BENCH_SCALE_SQLITE", "1") != "0":
            rows, found = scale_fields.run_sqlite(
                work, users=users, projects=projects, count=count, calls=calls, log=ctx.log
            )
            result.rows.extend(rows)
            result.parameters.update(found)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result.notes.append(
        "Every call is a whole use case: its own transaction, the membership check, the "
        "page query, the labels and watchers of the page, and the conversion to views. "
        "Pages by number are shown for comparison: their cost grows with the offset and "
        "they also count the matching rows, which is why the API offers cursors."
    )
    result.notes.append(scale_fields.NOTE)
    return result
