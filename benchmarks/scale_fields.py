"""The scale case's custom fields: a filtered page sorted by a custom field, on PostgreSQL
and SQLite, against the best hand-written SQLAlchemy Core query for the same page.

Every project gets two fields: ``points`` (a number; 1,000 distinct values, one task in
twenty without one) and ``team`` (a single select of four options, one task in ten
without one). The data set is made with set-based SQL: ``INSERT ... SELECT`` over the
generated tasks (and, on SQLite, the same users, projects and tasks as on PostgreSQL,
generated with a recursive common table expression).

The measured page is the large project's tasks with ``cf.team=backend`` sorted by
``cf.points`` ascending, 50 a page, through ``TaskService.list_tasks`` with a keyset
cursor: its first page and a deep one (about 90% of the way through). The baseline is the
same page written by hand in SQLAlchemy Core: the values of ``points`` walked in index
order, joined to their tasks and the ``team`` value, with the cursor as a row comparison,
the 50 full task rows read in one statement (no labels, assignees or views).
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select, text, tuple_

from benchmarks.runner import Goal, Row
from benchmarks.support import timed_calls
from taskcore.domain.pagination import CursorRequest
from taskcore.services.tasks import TaskFilters, TaskService
from taskcore.services.users import Principal
from taskcore_adapters.bootstrap import from_settings
from taskcore_adapters.config import Settings
from taskcore_adapters.sql import make_engine, upgrade
from taskcore_adapters.sql.tables import task_field_definitions, task_field_values, tasks

PER_PAGE = 50
GOAL = Goal(on="value", op="<=", target=10.0, text="median ≤ 10 ms")
TEAMS = ("backend", "frontend", "design", "ops")
FILTERS = TaskFilters(custom=(("team", "eq", "backend"),), sort="cf.points", order="asc")

_POINTS = """
    INSERT INTO task_field_values (task_id, field_id, value_number)
    SELECT t.id, d.id, ((t.id / 10) % 1000 * 7919) % 1000
    FROM tasks AS t
    JOIN task_field_definitions AS d ON d.project_id = t.project_id AND d.key = 'points'
    WHERE (t.id / 10) % 20 <> 7
"""
"""The values of ``points``, the same statement on both databases."""

_FIELDS = {
    "postgresql": [
        """
        INSERT INTO task_field_definitions (project_id, key, label, type, required, options,
                                            position, created_at)
        SELECT p.id, f.key, f.label, f.type, false, f.options, f.position, now()
        FROM projects AS p,
             (VALUES ('points', 'Points', 'number', '[]', 1),
                     ('team', 'Team', 'single_select', :teams, 2))
             AS f (key, label, type, options, position)
        ORDER BY p.id, f.position
        """,
        _POINTS,
        """
        INSERT INTO task_field_values (task_id, field_id, value_text)
        SELECT t.id, d.id, (ARRAY['backend', 'frontend', 'design', 'ops'])[(t.id / 30) % 4 + 1]
        FROM tasks AS t
        JOIN task_field_definitions AS d ON d.project_id = t.project_id AND d.key = 'team'
        WHERE (t.id / 10) % 10 <> 5
        """,
    ],
    "sqlite": [
        """
        INSERT INTO task_field_definitions (project_id, key, label, type, required, options,
                                            position, created_at)
        SELECT p.id, f.key, f.label, f.type, 0, f.options, f.position, :now
        FROM projects AS p,
             (SELECT 'points' AS key, 'Points' AS label, 'number' AS type, '[]' AS options,
                     1 AS position
              UNION ALL SELECT 'team', 'Team', 'single_select', :teams, 2) AS f
        ORDER BY p.id, f.position
        """,
        _POINTS,
        """
        INSERT INTO task_field_values (task_id, field_id, value_text)
        SELECT t.id, d.id, json_extract(:teams, '$[' || ((t.id / 30) % 4) || ']')
        FROM tasks AS t
        JOIN task_field_definitions AS d ON d.project_id = t.project_id AND d.key = 'team'
        WHERE (t.id / 10) % 10 <> 5
        """,
    ],
}

_SQLITE_BASE = [
    """
    WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < :users)
    INSERT INTO users (username, email, password_hash, full_name, is_active, is_admin,
                       created_at, login_count, version, username_key, email_key,
                       username_skeleton)
    SELECT 'user' || n, 'user' || n || '@example.com', 'not-a-hash', 'User ' || n, 1, 0,
           :now, 0, 1, 'user' || n, 'user' || n || '@example.com', 'user' || n
    FROM g
    """,
    """
    WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < :projects)
    INSERT INTO projects (name, description, status, priority, owner_id, created_at,
                          updated_at, version)
    SELECT 'Project ' || n, '', 'active', 'medium', ((n - 1) * 10) % :users + 1,
           strftime('%Y-%m-%d %H:%M:%S', 'now', '-' || (n % 365) || ' days') || '.000000',
           strftime('%Y-%m-%d %H:%M:%S', 'now') || '.000000', 1
    FROM g
    """,
    """
    WITH RECURSIVE p(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM p WHERE n < :projects),
                   k(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM k WHERE n < 9)
    INSERT INTO project_members (project_id, user_id, role, added_at)
    SELECT p.n, ((p.n - 1) * 10 + k.n) % :users + 1,
           CASE WHEN k.n = 0 THEN 'owner' ELSE 'member' END, :now
    FROM p, k
    """,
    """
    WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < :tasks)
    INSERT INTO tasks (project_id, title, description, status, priority, due_date,
                       completed_at, assignee_id, position, created_at, updated_at, version)
    SELECT CASE WHEN n % 10 = 0 THEN 1 ELSE n % (:projects - 1) + 2 END,
           'Task ' || n, 'Generated task number ' || n,
           json_extract('["pending","in_progress","completed","cancelled"]',
                        '$[' || ((n / 10) % 4) || ']'),
           json_extract('["low","medium","high","critical"]', '$[' || ((n / 7) % 4) || ']'),
           CASE WHEN n % 5 = 0 THEN NULL
                ELSE strftime('%Y-%m-%d %H:%M:%S', 'now', (n % 90 - 45) || ' days')
                     || '.000000' END,
           CASE WHEN (n / 10) % 4 = 2 THEN :now END,
           CASE WHEN n % 3 = 0 THEN NULL
                ELSE ((CASE WHEN n % 10 = 0 THEN 1 ELSE n % (:projects - 1) + 2 END - 1) * 10
                      + n % 10) % :users + 1 END,
           n, strftime('%Y-%m-%d %H:%M:%S', 'now', '-' || (:tasks - n) || ' seconds')
              || '.000000',
           strftime('%Y-%m-%d %H:%M:%S', 'now') || '.000000', 1
    FROM g
    """,
]


def _sizes(**sizes: int) -> dict[str, Any]:
    return {**sizes, "teams": json.dumps(TEAMS), "now": "2026-01-01 00:00:00.000000"}


def add_fields(engine: Engine) -> None:
    """Define the two fields in every project and give the tasks their values."""
    statements = _FIELDS[engine.dialect.name]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL statement_timeout = 0"))
        for statement in statements:
            conn.execute(text(statement), _sizes())


def generate_sqlite(engine: Engine, *, users: int, projects: int, count: int) -> None:
    """The scale case's users, projects and tasks on an empty, migrated SQLite database."""
    with engine.begin() as conn:
        for statement in _SQLITE_BASE:
            conn.execute(text(statement), _sizes(users=users, projects=projects, tasks=count))


def analyse(engine: Engine) -> None:
    """Fresh planner statistics (``VACUUM ANALYZE`` on PostgreSQL, ``ANALYZE`` on SQLite)."""
    if engine.dialect.name != "postgresql":
        with engine.begin() as conn:  # taskcore's SQLite engine always opens a transaction
            conn.execute(text("ANALYZE"))
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("SET statement_timeout = 0"))
        conn.execute(text("VACUUM ANALYZE"))
        conn.execute(text("RESET statement_timeout"))


def _field_ids(engine: Engine, project_id: int) -> tuple[int, int]:
    d = task_field_definitions.c
    with engine.connect() as conn:
        found = dict(conn.execute(select(d.key, d.id).where(d.project_id == project_id)).all())
    return found["points"], found["team"]


def hand_written(
    engine: Engine, project_id: int
) -> Callable[[tuple[float, int] | None], list[int]]:
    """The baseline: the page of ``project_id``'s tasks with team ``backend`` by points
    (then id) after a ``(points, id)`` position, as one hand-written Core statement.

    The best form found: the ``points`` values walked in index order, each joined to its
    task, the team read per candidate by a scalar subquery on the primary key (a join or
    ``EXISTS`` on the team lets PostgreSQL hash all of the field's ``backend`` values
    first: 300-800 ms here); on PostgreSQL with JIT off, whose compilation the plan's cost
    would otherwise trigger (+300 ms)."""
    points_id, team_id = _field_ids(engine, project_id)
    sv = task_field_values.alias("sv")
    fv = task_field_values.alias("fv")
    team = (
        select(fv.c.value_text)
        .where(fv.c.task_id == sv.c.task_id, fv.c.field_id == team_id)
        .scalar_subquery()
    )
    base = (
        select(tasks)
        .select_from(sv.join(tasks, tasks.c.id == sv.c.task_id))
        .where(
            sv.c.field_id == points_id,
            sv.c.value_number.is_not(None),
            tasks.c.project_id == project_id,
            team == "backend",
        )
        .order_by(sv.c.value_number, sv.c.task_id)
        .limit(PER_PAGE)
    )

    def page(after: tuple[float, int] | None) -> list[int]:
        query = base
        if after is not None:
            query = query.where(tuple_(sv.c.value_number, sv.c.task_id) > tuple_(*after))
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(text("SET jit = off"))
            return [row.id for row in conn.execute(query).all()]

    return page


def _cursor_at(first_cursor: str, value: float, task_id: int) -> str:
    """A cursor of the same list order as ``first_cursor`` at ``(value, task_id)``."""
    padded = first_cursor + "=" * (-len(first_cursor) % 4)
    data = json.loads(base64.urlsafe_b64decode(padded))
    raw = json.dumps({"o": data["o"], "v": value, "i": task_id}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _deep_position(engine: Engine, project_id: int) -> tuple[tuple[float, int], int]:
    """The ``(points, id)`` of the matching task about 90% of the way through, and how
    many matching tasks come before it."""
    points_id, team_id = _field_ids(engine, project_id)
    with engine.connect() as conn:
        total = conn.execute(
            text(
                "SELECT count(*) FROM task_field_values AS fv JOIN task_field_values AS sv"
                " ON sv.task_id = fv.task_id AND sv.field_id = :points"
                " WHERE fv.field_id = :team AND fv.value_text = 'backend'"
            ),
            {"points": points_id, "team": team_id},
        ).scalar_one()
        skip = max(0, min(int(total * 0.9), total - PER_PAGE - 1))  # a whole page after it
        value, task_id = conn.execute(
            text(
                "SELECT sv.value_number, sv.task_id FROM task_field_values AS fv"
                " JOIN task_field_values AS sv ON sv.task_id = fv.task_id"
                " AND sv.field_id = :points"
                " WHERE fv.field_id = :team AND fv.value_text = 'backend'"
                " ORDER BY sv.value_number, sv.task_id LIMIT 1 OFFSET :skip"
            ),
            {"points": points_id, "team": team_id, "skip": skip},
        ).one()
    return (float(value), int(task_id)), skip + 1


def measure(
    service: TaskService,
    engine: Engine,
    owner: Principal,
    *,
    backend: str,
    calls: int,
    log: Callable[[str], None],
) -> tuple[list[Row], dict[str, Any]]:
    """The rows of one backend: the baseline's first and deep page, then taskcore's; and
    parameters to report. The pages are checked to hold the same tasks first."""
    project_id = 1
    baseline = hand_written(engine, project_id)
    deep, skipped = _deep_position(engine, project_id)
    first = service.list_tasks(
        owner, project_id, filters=FILTERS, page=CursorRequest(per_page=PER_PAGE)
    )
    if first.next_cursor is None:
        raise RuntimeError("the custom-field page has no next page")
    deep_cursor = _cursor_at(first.next_cursor, deep[0], deep[1])
    deep_page = service.list_tasks(
        owner, project_id, filters=FILTERS, page=CursorRequest(after=deep_cursor, per_page=50)
    )
    for name, ours, theirs in [
        ("first", [t.id for t in first.items], baseline(None)),
        ("deep", [t.id for t in deep_page.items], baseline(deep)),
    ]:
        if ours != theirs or len(ours) != PER_PAGE:
            raise RuntimeError(f"the {name} pages differ: {ours[:5]}... against {theirs[:5]}...")
    calls_of: dict[str, Callable[[], object]] = {
        "first page": lambda: service.list_tasks(
            owner, project_id, filters=FILTERS, page=CursorRequest(per_page=PER_PAGE)
        ),
        "deep page": lambda: service.list_tasks(
            owner,
            project_id,
            filters=FILTERS,
            page=CursorRequest(after=deep_cursor, per_page=PER_PAGE),
        ),
    }
    base_of: dict[str, Callable[[], object]] = {
        "first page": lambda: baseline(None),
        "deep page": lambda: baseline(deep),
    }
    rows: list[Row] = []
    cpu_rows: list[Row] = []
    for which in ("first page", "deep page"):
        base_name = f"{backend}: hand-written Core query, cf filter + cf sort, {which}"
        name = f"{backend}: cf.team=backend sorted by cf.points, {which} (cursor)"
        log(base_name)
        timed_calls(base_of[which], 5)
        wall, cpu = _timed(base_of[which], calls)
        rows.append(Row(name=base_name, unit="ms", values=wall, higher_is_better=False))
        cpu_rows.append(Row(f"{base_name}, CPU time", "ms", cpu, higher_is_better=False))
        log(name)
        timed_calls(calls_of[which], 5)
        wall, cpu = _timed(calls_of[which], calls)
        rows.append(Row(name, "ms", wall, higher_is_better=False, baseline=base_name, goal=GOAL))
        cpu_rows.append(
            Row(f"{name}, CPU time", "ms", cpu, False, baseline=f"{base_name}, CPU time")
        )
    plain = f"{backend}: first page without filter or sort (cursor), for comparison"
    log(plain)
    wall, cpu = _timed(
        lambda: service.list_tasks(owner, project_id, page=CursorRequest(per_page=PER_PAGE)), calls
    )
    rows.append(Row(plain, "ms", wall, higher_is_better=False))
    cpu_rows.append(Row(f"{plain}, CPU time", "ms", cpu, higher_is_better=False))
    return [*rows, *cpu_rows], {
        f"{backend}: deep custom-field page starts after": f"{skipped:,} tasks"
    }


def _timed(call: Callable[[], object], count: int) -> tuple[list[float], list[float]]:
    """Milliseconds of wall time and of this process's CPU time taken by each of
    ``count`` calls (CPU time: what a loaded machine inflates least; on SQLite it includes
    the queries, on PostgreSQL only the client's side)."""
    wall, cpu = [], []
    for _ in range(count):
        started, used = time.perf_counter(), time.process_time()
        call()
        cpu.append((time.process_time() - used) * 1000)
        wall.append((time.perf_counter() - started) * 1000)
    return wall, cpu


NOTE = (
    "Custom fields: every project has a number `points` and a single select `team`; the "
    "measured page is the large project's tasks with `cf.team=backend` (about a quarter of "
    "them) sorted by `cf.points` ascending with the keyset cursor, its first page and a "
    "deep one. Each call is the whole use case as above, plus the project's field "
    "definitions. The SQL adapter reads such a page by walking the field's values in the "
    "order of the index on (field_id, value, task_id), a bounded batch at a time, the "
    "filters looked up per candidate (`taskcore_adapters.sql.field_order`). The baseline "
    "is the same page as the best single hand-written Core statement found (the values "
    "walked in index order, the team read per candidate by a scalar subquery, JIT off on "
    "PostgreSQL); it returns the same 50 tasks, without their labels, assignees, values "
    "or views. The CPU-time rows give this process's CPU time per call, which a busy "
    "machine inflates least (on SQLite it includes the queries; on PostgreSQL only the "
    "client's side). `TASKCORE_BENCH_SCALE_TASKS=N` runs the case at another size, "
    "`TASKCORE_BENCH_SCALE_SQLITE=0` without SQLite."
)


def run_sqlite(
    work: Path, *, users: int, projects: int, count: int, calls: int, log: Callable[[str], None]
) -> tuple[list[Row], dict[str, Any]]:
    """The same data set on a SQLite file in ``work``, and the custom-field page's rows."""
    url = f"sqlite:///{work / 'scale.db'}"
    engine = make_engine(url)
    try:
        upgrade(engine)
        log(f"generating {count:,} tasks on SQLite")
        started = time.perf_counter()
        generate_sqlite(engine, users=users, projects=projects, count=count)
        add_fields(engine)
        analyse(engine)
        generation = time.perf_counter() - started
    finally:
        engine.dispose()
    runtime = from_settings(
        Settings(data_dir=work, database_url=url, secret_key=secrets.token_urlsafe(48)),
        migrate=False,
    )
    try:
        plain = runtime.engine
        if plain is None:
            raise RuntimeError("the runtime has no SQL engine")
        owner = Principal(user_id=1, username="user1", is_admin=False)
        rows, found = measure(
            runtime.core.tasks, plain, owner, backend="sqlite", calls=calls, log=log
        )
    finally:
        runtime.close()
    found["sqlite: generation (SQL, custom-field values, ANALYZE)"] = f"{generation:.1f} s"
    found["sqlite: database file"] = f"{(work / 'scale.db').stat().st_size / 2**20:,.0f} MiB"
    return rows, found
