"""Case 7, reports: dashboards, project summaries and generated reports on a PostgreSQL
database of 1,000,000 tasks.

The data set is generated with set-based SQL (``INSERT ... SELECT generate_series``) in a
scratch database ``taskcore_bench_<hex>`` that is dropped afterwards: 10,000 users, 1,000
projects of ten members each, 1,000,000 tasks (one project holds a tenth of them, the
others about 900 each) with mixed statuses, priorities, due dates, hours, assignees and
completion times, and a comment on every fifth task. ``--quick`` uses a tenth of every
size.

Each measurement calls the use case through a ``from_settings`` runtime (jobs inline, so
a report request includes its generation and storage) and reports the time per call; the
baseline is a plain SQLAlchemy ``SELECT`` of one project's task counts per status. The
case also prints PostgreSQL's plan for the project summary's query, to show it reads an
index and never scans the tasks table. Run alone with ``python -m benchmarks.reports``.
"""

from __future__ import annotations

import secrets
import shutil
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.dialects import postgresql

from benchmarks.runner import CaseResult, Context, Goal, Row, print_table
from benchmarks.support import machine, scratch_database, timed_calls
from taskcore.services.users import Principal
from taskcore_adapters.bootstrap import from_settings
from taskcore_adapters.config import Settings
from taskcore_adapters.sql import make_engine, upgrade
from taskcore_adapters.sql.reports import status_counts_query

NAME = "reports"
TITLE = "Case 7: reports (dashboards, summaries and reports over 1,000,000 tasks)"
BASELINE = "baseline: plain SELECT of one project's counts per status"
QUICK_GOAL = Goal(on="value", op="<=", target=50.0, text="median ≤ 50 ms")
REPORT_GOAL = Goal(on="value", op="<=", target=500.0, text="median ≤ 500 ms")
SYSTEM_GOAL = Goal(on="value", op="<=", target=5000.0, text="median ≤ 5 s")
TYPICAL_PROJECT = 2
"""A project of the ordinary size (project 1 holds a tenth of all tasks)."""

GENERATE = [
    """
    INSERT INTO users (username, email, password_hash, full_name, is_active, is_admin,
                       created_at, login_count, version, username_key, email_key,
                       username_skeleton)
    SELECT 'user' || g, 'user' || g || '@example.com', 'not-a-hash', 'User ' || g,
           true, g = :users, now(), 0, 1, 'user' || g, 'user' || g || '@example.com',
           'user' || g
    FROM generate_series(1, :users) AS g
    """,
    """
    INSERT INTO projects (name, description, status, priority, owner_id, created_at,
                          updated_at, version)
    SELECT 'Project ' || g, '', (ARRAY['active', 'completed', 'archived'])[g % 3 + 1],
           'medium', ((g - 1) * 10) % :users + 1,
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
                       completed_at, estimated_hours, actual_hours, assignee_id, position,
                       created_at, updated_at, version)
    SELECT t.project_id, 'Task ' || t.g, 'Generated task number ' || t.g, t.status,
           (ARRAY['low', 'medium', 'high', 'critical'])[(t.g / 7) % 4 + 1],
           CASE WHEN t.g % 5 = 0 THEN NULL
                ELSE now() + make_interval(days => t.g % 90 - 45) END,
           CASE WHEN t.status = 'completed'
                THEN least(now(), t.created_at + make_interval(hours => t.g % 240)) END,
           CASE WHEN t.g % 4 = 0 THEN NULL ELSE (t.g % 33) * 0.5 END,
           CASE WHEN t.status = 'completed' THEN (t.g % 41) * 0.5 END,
           CASE WHEN t.g % 3 = 0 THEN NULL
                ELSE ((t.project_id - 1) * 10 + t.g % 10) % :users + 1 END,
           t.g, t.created_at, t.created_at, 1
    FROM (
        SELECT g,
               CASE WHEN g % 10 = 0 THEN 1 ELSE g % (:projects - 1) + 2 END AS project_id,
               (ARRAY['pending', 'in_progress', 'completed', 'cancelled'])[(g / 10) % 4 + 1]
                   AS status,
               now() - make_interval(secs => (:tasks - g) * 2) AS created_at
        FROM generate_series(1, :tasks) AS g
    ) AS t
    """,
    """
    INSERT INTO comments (task_id, author_id, content, created_at, updated_at, version)
    SELECT t.id, ((t.project_id - 1) * 10) % :users + 1, 'Comment on task ' || t.id,
           t.created_at, t.created_at, 1
    FROM tasks AS t
    WHERE t.id % 5 = 0
    """,
]


def generate(engine: Engine, *, users: int, projects: int, count: int) -> None:
    """Fill an empty, migrated database with the data set and analyse it."""
    sizes = {"users": users, "projects": projects, "tasks": count}
    with engine.begin() as conn:
        for statement in GENERATE:
            conn.execute(text(statement), sizes)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))


def summary_plan(engine: Engine, project_id: int) -> str:
    """PostgreSQL's plan (``EXPLAIN ANALYZE``) for the project summary's query."""
    query = status_counts_query(project_id).compile(
        dialect=postgresql.dialect(),  # type: ignore[no-untyped-call]
        compile_kwargs={"literal_binds": True},
    )
    with engine.connect() as conn:
        rows = conn.execute(text(f"EXPLAIN (ANALYZE, BUFFERS) {query}"))
        return "\n".join(str(row[0]) for row in rows)


def run(ctx: Context) -> CaseResult:
    scale = 10 if ctx.quick else 1
    users, projects, count = 10_000 // scale, 1_000 // scale, 1_000_000 // scale
    quick_calls = 30 if ctx.quick else 200
    report_calls = 10 if ctx.quick else 30
    system_calls = 3 if ctx.quick else 7
    result = CaseResult(
        case=NAME,
        title=TITLE,
        parameters={
            "tasks": f"{count:,}",
            "projects": f"{projects:,}",
            "users": f"{users:,}",
            "tasks in the large project": f"{count // 10:,}",
            "calls per quick figure / report / system report": (
                f"{quick_calls} / {report_calls} / {system_calls}"
            ),
        },
    )
    work = Path(tempfile.mkdtemp(prefix="taskcore-bench-reports-"))
    try:
        with scratch_database() as url:
            engine = make_engine(url, statement_timeout_ms=0)  # bulk inserts take a while
            try:
                upgrade(engine)
                ctx.log(f"generating {count:,} tasks")
                started = time.perf_counter()
                generate(engine, users=users, projects=projects, count=count)
                generation = time.perf_counter() - started
                typical = _task_count(engine, TYPICAL_PROJECT)
                plan = summary_plan(engine, TYPICAL_PROJECT)
                large_plan = summary_plan(engine, 1)
            finally:
                engine.dispose()
            result.parameters["generation (SQL, with VACUUM ANALYZE)"] = f"{generation:.1f} s"
            result.parameters["tasks in the typical project"] = f"{typical:,}"
            print(f"\nEXPLAIN of the project summary (project {TYPICAL_PROJECT}):\n{plan}")
            print(f"\nEXPLAIN of the project summary (project 1, the large one):\n{large_plan}")
            scans_tasks = "Seq Scan on tasks" in plan or "Seq Scan on tasks" in large_plan
            runtime = from_settings(
                Settings(data_dir=work, database_url=url, secret_key=secrets.token_urlsafe(48)),
                migrate=False,
            )
            try:
                member = Principal(user_id=11, username="user11", is_admin=False)  # project 2
                owner = Principal(user_id=1, username="user1", is_admin=False)  # project 1
                admin = Principal(user_id=users, username=f"user{users}", is_admin=True)
                reports = runtime.core.reports

                def report(actor: Principal, kind: str, project_id: int | None) -> None:
                    params = None if project_id is None else {"project_id": project_id}
                    made = reports.create_report(
                        actor, name="bench", report_type=kind, parameters=params
                    )
                    if made.status.value != "completed":
                        raise RuntimeError(f"{kind} report {made.status}: {made.error}")

                if runtime.engine is None:
                    raise RuntimeError("the runtime has no database engine")
                plain = runtime.engine

                def baseline() -> None:
                    with plain.connect() as conn:
                        conn.execute(status_counts_query(TYPICAL_PROJECT)).all()

                cases = [
                    (BASELINE, baseline, quick_calls, None),
                    ("dashboard", lambda: reports.dashboard(member), quick_calls, QUICK_GOAL),
                    (
                        "project summary (typical project)",
                        lambda: reports.project_summary(member, TYPICAL_PROJECT),
                        quick_calls,
                        QUICK_GOAL,
                    ),
                    (
                        "project summary (large project)",
                        lambda: reports.project_summary(owner, 1),
                        quick_calls,
                        QUICK_GOAL,
                    ),
                    (
                        "project report (typical project)",
                        lambda: report(member, "project", TYPICAL_PROJECT),
                        report_calls,
                        REPORT_GOAL,
                    ),
                    (
                        "workload report (typical project)",
                        lambda: report(member, "workload", TYPICAL_PROJECT),
                        report_calls,
                        None,
                    ),
                    (
                        "throughput report (typical project)",
                        lambda: report(member, "throughput", TYPICAL_PROJECT),
                        report_calls,
                        None,
                    ),
                    (
                        "cycle-time report (typical project)",
                        lambda: report(member, "cycle_time", TYPICAL_PROJECT),
                        report_calls,
                        None,
                    ),
                    (
                        "project report (large project)",
                        lambda: report(owner, "project", 1),
                        max(3, report_calls // 5),
                        None,
                    ),
                    (
                        "system report",
                        lambda: report(admin, "system", None),
                        system_calls,
                        SYSTEM_GOAL,
                    ),
                ]
                for name, call, calls, goal in cases:
                    ctx.log(name)
                    timed_calls(call, 2)
                    result.rows.append(
                        Row(
                            name=name,
                            unit="ms",
                            values=timed_calls(call, calls),
                            higher_is_better=False,
                            baseline=None if name == BASELINE else BASELINE,
                            goal=goal,
                        )
                    )
            finally:
                runtime.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result.notes.append(
        "Every call is a whole use case: its own transactions and the access check; a "
        "report request also stores the report, runs the generation job inline (the "
        "requester re-checked, the figures aggregated by PostgreSQL, the data stored as "
        "JSON) and reads the report back. The project report lists every task of the "
        "project, so its time grows with the project; the large project's is shown "
        "without a goal."
    )
    result.notes.append(
        "The project summary's plan "
        + (
            "**scans the tasks table**."
            if scans_tasks
            else "reads only `ix_tasks_project_id_status_position` (no sequential scan of "
            "tasks), for the typical and the large project."
        )
    )
    return result


def _task_count(engine: Engine, project_id: int) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                text("SELECT count(*) FROM tasks WHERE project_id = :p"), {"p": project_id}
            ).scalar_one()
        )


if __name__ == "__main__":
    context = Context(
        quick="--quick" in sys.argv,
        machine=machine(),
        log=lambda line: print(f"   … {line}", file=sys.stderr, flush=True),
    )
    print_table(run(context))
