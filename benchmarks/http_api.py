"""Case 1, the HTTP API on PostgreSQL: ``taskcore serve`` with two workers under wrk,
against the "limit API" (``benchmarks.limit_app``) in the same run.

A fresh PostgreSQL database ``taskcore_bench_<hex>`` is created, migrated and seeded
(an account, a project of 10,000 tasks inserted with SQL, and two empty projects that
receive the created tasks, one per server), and dropped at the end. ``taskcore serve
--workers 2`` runs on a free loopback port with the events going to an rq queue on Redis
(the production layout: the request stores the change, its activity entry, its outbox
events and their deliveries, and queues the deliveries; no worker consumes them during
the measurement, case 5 measures that part). Next to it, the limit API: a small Starlette
app with none of taskcore's code, under uvicorn with the same settings and worker count,
serving the same HTTP shapes with a locally verified HS256 JWT and one statement per
request that checks the caller's membership and reads or writes.

wrk (Debian's ``wrk``) drives each scenario with 2 threads at 16 and at 64 connections,
through ``benchmarks/lua/request.lua``, which adds the bearer token, draws task ids at
random and numbers the bodies. Each round runs every operation at each concurrency on both
servers back to back, the order of the two swapped every round, so both see the same load
on the machine; the ratios compare medians over the rounds.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import http.client
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import create_engine, func, insert, make_url, select, text
from sqlalchemy.pool import NullPool

from benchmarks.runner import CaseResult, Context, Goal, Row
from benchmarks.support import (
    POSTGRES_URL,
    free_port,
    redis_queue_db,
    scratch_database,
    server,
    taskcore_command,
)
from taskcore.services.users import Principal
from taskcore_adapters.bootstrap import from_settings
from taskcore_adapters.config import Settings
from taskcore_adapters.sql.tables import tasks

NAME = "http_api"
TITLE = "Case 1: the HTTP API on PostgreSQL against the limit API (2 workers each)"
LUA = Path(__file__).resolve().parent / "lua" / "request.lua"
USERNAME = "bench"
PASSWORD = "throwaway load passphrase"  # noqa: S105 - a throwaway account in a scratch database
TASKS = 10_000


def _wrk() -> str:
    exe = shutil.which("wrk")
    if exe is None:
        raise RuntimeError("wrk is not installed (Debian: apt-get install wrk)")
    return exe


def seed(url: str, work: Path, secret_key: str) -> dict[str, int]:
    """The account, a project with TASKS tasks and an empty project; returns their ids."""
    runtime = from_settings(
        Settings(data_dir=work, database_url=url, secret_key=secret_key), migrate=True
    )
    try:
        core = runtime.core
        user = core.users.register(
            username=USERNAME, email="bench@example.com", password=PASSWORD, full_name="Bench"
        )
        owner = Principal(user_id=user.id, username=user.username, is_admin=False)
        listed = core.projects.create_project(owner, name="Ten thousand tasks").id
        writes = core.projects.create_project(owner, name="Created tasks").id
        limit_writes = core.projects.create_project(owner, name="Created by the limit API").id
    finally:
        runtime.close()
    engine = create_engine(url)
    try:
        now = dt.datetime.now(dt.UTC)
        rows = [
            {
                "project_id": listed,
                "title": f"Task {i}",
                "description": "Seeded for the HTTP benchmark.",
                "status": ("pending", "in_progress", "completed")[i % 3],
                "priority": ("low", "medium", "high", "critical")[i % 4],
                "completed_at": now if i % 3 == 2 else None,
                "position": float(i),
                "created_at": now - dt.timedelta(seconds=TASKS - i),
                "updated_at": now,
                "version": 1,
            }
            for i in range(TASKS)
        ]
        with engine.begin() as conn:
            conn.execute(insert(tasks), rows)
            low, high = conn.execute(
                select(func.min(tasks.c.id), func.max(tasks.c.id)).where(
                    tasks.c.project_id == listed
                )
            ).one()
            # The limit API's own login table: a fast salted digest (login is measured
            # on its own, with taskcore's argon2id).
            salt = secrets.token_bytes(16)
            conn.execute(
                text(
                    "CREATE TABLE bench_limit_logins (username varchar(80) PRIMARY KEY,"
                    " user_id integer NOT NULL, salt bytea NOT NULL, digest bytea NOT NULL)"
                )
            )
            conn.execute(
                text("INSERT INTO bench_limit_logins VALUES (:u, :id, :salt, :digest)"),
                {
                    "u": USERNAME,
                    "id": user.id,
                    "salt": salt,
                    "digest": hmac.new(salt, PASSWORD.encode(), hashlib.sha256).digest(),
                },
            )
    finally:
        engine.dispose()
    return {
        "listed": listed,
        "writes": writes,
        "limit_writes": limit_writes,
        "low": low,
        "high": high,
    }


def login(base: str, username: str = USERNAME, password: str = PASSWORD) -> str:
    """A bearer token for ``username`` from ``POST /api/login``."""
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=60)
    try:
        conn.request(
            "POST",
            "/api/login",
            body=json.dumps({"username": username, "password": password}),
            headers={"Content-Type": "application/json"},
        )
        response = conn.getresponse()
        data = json.loads(response.read())
    finally:
        conn.close()
    if response.status != 200:
        raise RuntimeError(f"login of {username} failed: {response.status} {data}")
    return str(data["token"])


def wrk(
    port: int, seconds: float, work: Path, connections: int = 32, **scenario: str
) -> dict[str, Any]:
    """Run one wrk scenario (2 threads, ``connections`` connections); returns what the Lua
    ``done`` hook wrote."""
    out = work / "wrk.json"
    out.unlink(missing_ok=True)
    env = {**os.environ, **{f"BENCH_{k.upper()}": v for k, v in scenario.items()}}
    env["BENCH_OUT"] = str(out)
    subprocess.run(  # noqa: S603 - fixed command
        [
            _wrk(),
            "-t2",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "10s",
            "-s",
            str(LUA),
            f"http://127.0.0.1:{port}",
        ],
        env=env,
        check=True,
        capture_output=True,
    )
    data: dict[str, Any] = json.loads(out.read_text())
    return data


def serve_command(port: int, workers: int = 2) -> list[str]:
    """``taskcore serve`` on ``port`` with ``workers`` processes, logging warnings only."""
    return [
        *taskcore_command(),
        "serve",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
    ]


def baseline_command(port: int) -> list[str]:
    """The bare Starlette baseline app (``benchmarks.baseline_app``) under uvicorn on
    ``port`` with two workers."""
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "benchmarks.baseline_app:create",
        "--factory",
        "--port",
        str(port),
        "--workers",
        "2",
        "--log-level",
        "warning",
        "--no-proxy-headers",
        "--no-server-header",
    ]


def limit_command(port: int, workers: int = 2) -> list[str]:
    """The limit API (``benchmarks.limit_app``) under uvicorn on ``port``, with the
    settings ``taskcore serve`` passes to uvicorn."""
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "benchmarks.limit_app:create",
        "--factory",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        "--no-proxy-headers",
        "--no-server-header",
        "--timeout-graceful-shutdown",
        "10",
    ]


def _children(pid: int) -> list[int]:
    """The child processes of ``pid`` (none if it has ended)."""
    try:
        return [int(x) for x in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def worker_rss(pid: int) -> list[float]:
    """The resident set size (MiB) of each worker of the uvicorn process ``pid`` (its
    children started by multiprocessing's ``spawn_main``; not its resource tracker)."""
    sizes = []
    for child in _children(pid):
        try:
            if b"spawn_main" not in Path(f"/proc/{child}/cmdline").read_bytes():
                continue
            status = Path(f"/proc/{child}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                sizes.append(int(line.split()[1]) / 1024)
    return sizes


def cpu_seconds(pids: list[int]) -> float:
    """User plus system CPU time of the processes ``pids`` (those still running)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def sessions(database: str) -> int:
    """How many sessions PostgreSQL has started on ``database`` (``pg_stat_database``,
    read from the server's administration database, so the reading adds none): a pool
    that keeps its connections starts none while it serves."""
    admin = create_engine(POSTGRES_URL, poolclass=NullPool)
    try:
        with admin.connect() as conn:
            found = conn.execute(
                text("SELECT sessions FROM pg_stat_database WHERE datname = :d"),
                {"d": database},
            ).scalar()
    finally:
        admin.dispose()
    return int(found or 0)


def measured(
    process: subprocess.Popen[bytes], database: str, run: Callable[[], Any]
) -> dict[str, Any]:
    """``run()`` (a wrk scenario against ``process``), with the server's CPU time and the
    PostgreSQL sessions it started per request added to wrk's summary."""
    pids = [process.pid, *_children(process.pid)]
    cpu, started = cpu_seconds(pids), sessions(database)
    data: dict[str, Any] = run()
    requests = max(1, int(data["requests"]))
    data["cpu_ms"] = (cpu_seconds(pids) - cpu) * 1000 / requests
    data["new_sessions"] = (sessions(database) - started) / requests
    return data


OPERATIONS = ("GET a task", "GET a project's 100 tasks", "PUT a task", "POST a task")
GOALS = {
    "GET a task": 0.8,
    "GET a project's 100 tasks": 0.8,
    "PUT a task": 0.6,
    "POST a task": 0.6,
}
LIMIT = "limit API"
TASKCORE = "taskcore"
CONCURRENCY = (16, 64)


def scenarios(ids: dict[str, int], token: str, *, limit: bool) -> dict[str, dict[str, str]]:
    """The wrk scenario of each operation for one server (the limit API creates its tasks
    in a project of its own)."""
    span = {"id_min": str(ids["low"]), "id_max": str(ids["high"]), "token": token}
    writes = ids["limit_writes"] if limit else ids["writes"]
    return {
        "GET a task": {"path": "/api/tasks/{id}", **span},
        "GET a project's 100 tasks": {
            "path": f"/api/projects/{ids['listed']}/tasks?per_page=100",
            "token": token,
        },
        "PUT a task": {
            "method": "PUT",
            "path": "/api/tasks/{id}",
            "body": '{"title": "Renamed {n}"}',
            **span,
        },
        "POST a task": {
            "method": "POST",
            "path": f"/api/projects/{writes}/tasks",
            "body": '{"title": "Created {n}", "priority": "high"}',
            "token": token,
        },
    }


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


def run(ctx: Context) -> CaseResult:
    seconds = 2.0 if ctx.quick else 10.0
    rounds = 3
    driver = os.environ.get("BENCH_LIMIT_DRIVER", "psycopg")
    result = CaseResult(
        case=NAME,
        title=TITLE,
        parameters={
            "duration per scenario and round": f"{seconds:.0f} s",
            "rounds": rounds,
            "connections": " and ".join(str(c) for c in CONCURRENCY),
            "wrk threads": 2,
            "server workers": 2,
            "tasks in the listed project": TASKS,
            "limit API driver": driver,
        },
    )
    _wrk()
    work = Path(tempfile.mkdtemp(prefix="taskcore-bench-http-"))
    secret_key = secrets.token_urlsafe(48)
    runs: dict[str, list[dict[str, Any]]] = {}
    rss: dict[str, list[float]] = {}
    try:
        with scratch_database() as url, redis_queue_db() as queue_url:
            ctx.log("seeding")
            ids = seed(url, work, secret_key)
            tc_port, limit_port = free_port(), free_port()
            env = {
                **os.environ,
                "TASKCORE_DATA_DIR": str(work),
                "TASKCORE_DATABASE_URL": url,
                "TASKCORE_SECRET_KEY": secret_key,
                "TASKCORE_QUEUE_URL": queue_url,
                "TASKCORE_AUTH_RATE_PER_ADDRESS": "off",
                "TASKCORE_FAILED_LOGIN_RATE": "off",
                "BENCH_DATABASE_URL": url,
                "BENCH_JWT_KEY": secrets.token_urlsafe(48),
                "BENCH_LIMIT_DRIVER": driver,
            }
            database = str(make_url(url).database)
            with (
                server(serve_command(tc_port), tc_port, env) as tc_process,
                server(limit_command(limit_port), limit_port, env) as limit_process,
            ):
                ports = {TASKCORE: tc_port, LIMIT: limit_port}
                processes = {TASKCORE: tc_process, LIMIT: limit_process}
                plans = {
                    TASKCORE: scenarios(ids, login(f"http://127.0.0.1:{tc_port}"), limit=False),
                    LIMIT: scenarios(ids, login(f"http://127.0.0.1:{limit_port}"), limit=True),
                }
                ctx.log("warming up")
                for side in (LIMIT, TASKCORE):
                    for operation in OPERATIONS:
                        wrk(ports[side], 1, work, 16, **plans[side][operation])
                for index in range(rounds):
                    order = (LIMIT, TASKCORE) if index % 2 == 0 else (TASKCORE, LIMIT)
                    for connections in CONCURRENCY:
                        for operation in OPERATIONS:
                            for side in order:
                                name = f"{operation}, c{connections}: {side}"
                                ctx.log(f"round {index + 1}/{rounds}: {name}")
                                runs.setdefault(name, []).append(
                                    measured(
                                        processes[side],
                                        database,
                                        functools.partial(
                                            wrk,
                                            ports[side],
                                            seconds,
                                            work,
                                            connections,
                                            **plans[side][operation],
                                        ),
                                    )
                                )
                rss[TASKCORE] = worker_rss(tc_process.pid)
                rss[LIMIT] = worker_rss(limit_process.pid)
                # Login last: 16 argon2id hashes at once (19 MiB each) leave their memory
                # to the allocator, which a worker keeps.
                login_body = json.dumps({"username": USERNAME, "password": PASSWORD})
                for index in range(rounds):
                    ctx.log(f"round {index + 1}/{rounds}: POST login")
                    runs.setdefault("POST login (argon2id), c16: taskcore", []).append(
                        wrk(
                            tc_port,
                            seconds,
                            work,
                            16,
                            method="POST",
                            path="/api/login",
                            body=login_body,
                        )
                    )
                rss[f"{TASKCORE}, after the login scenario too"] = worker_rss(tc_process.pid)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    _rows(result, runs, rss)
    return result


def _server_costs(found: list[dict[str, Any]]) -> dict[str, str]:
    """The median over the rounds of the server's CPU time and new PostgreSQL sessions
    per request, where they were measured (not for login)."""
    if not all("cpu_ms" in r for r in found):
        return {}
    return {
        "server CPU per request": f"{_median([r['cpu_ms'] for r in found]):.2f} ms",
        "new connections per request": f"{_median([r['new_sessions'] for r in found]):.3f}",
    }


def _rows(
    result: CaseResult, runs: dict[str, list[dict[str, Any]]], rss: dict[str, list[float]]
) -> None:
    for name, found in runs.items():
        rates = [r["requests"] / (r["duration_us"] / 1e6) for r in found]
        operation, _, side = name.rpartition(": ")
        target = GOALS.get(operation.split(",")[0])
        is_taskcore = side == TASKCORE and target is not None
        result.rows.append(
            Row(
                name=name,
                unit="req/s",
                values=rates,
                baseline=f"{operation}: {LIMIT}" if is_taskcore else None,
                goal=Goal(on="ratio", op=">=", target=target, text=f"≥ {target:.2f}x")
                if is_taskcore and target is not None
                else None,
                extra={
                    "p50": f"{_median([r['latency_us']['p50'] / 1000 for r in found]):.1f} ms",
                    "p99": f"{_median([r['latency_us']['p99'] / 1000 for r in found]):.1f} ms",
                    "errors": sum(sum(r["errors"].values()) for r in found),
                    **_server_costs(found),
                    "requests": sum(r["requests"] for r in found),
                },
            )
        )
    for operation in OPERATIONS:
        for side in (LIMIT, TASKCORE):
            found = runs.get(f"{operation}, c64: {side}", [])
            result.rows.append(
                Row(
                    name=f"{operation}, c64: {side}: p99 latency",
                    unit="ms",
                    values=[r["latency_us"]["p99"] / 1000 for r in found],
                    higher_is_better=False,
                    baseline=f"{operation}, c64: {LIMIT}: p99 latency"
                    if side == TASKCORE
                    else None,
                    goal=Goal(on="ratio", op="<=", target=2.0, text="≤ 2.00x")
                    if side == TASKCORE
                    else None,
                )
            )
    for side, sizes in rss.items():
        result.rows.append(
            Row(
                name=f"{side}: RSS per worker after the API scenarios"
                if "login" not in side
                else f"{side}: RSS per worker",
                unit="MiB",
                values=sizes,
                higher_is_better=False,
                extra={"workers": ", ".join(f"{s:.0f} MiB" for s in sizes)},
            )
        )
    result.notes += [
        "Rates are per scenario and round (requests / wrk's measured duration), their "
        "median over the rounds; p50 and p99 are wrk's latency percentiles, the median over "
        "the rounds; errors count connection errors, timeouts and answers with a status of "
        "400 or more over all rounds. Server CPU per request is the user and system time "
        "of the server's processes (read from /proc) over the scenario, divided by its "
        "requests: the least noisy measure of what a request costs, since it does not "
        "depend on what else holds the cores. New connections per request counts the "
        "PostgreSQL sessions started on the database meanwhile (pg_stat_database). The "
        "machine is shared and its load changes from one "
        "second to the next: compare the ratios (both servers measured back to back in each "
        "round, their order swapped every round) rather than the absolute rates.",
        "The limit API (benchmarks/limit_app.py) verifies the same kind of bearer token "
        "(HS256) and checks the caller's membership in the statement that reads or writes; "
        "it keeps no session (a token cannot be revoked before it expires), writes no "
        "activity entry, no outbox event and no webhook delivery, and sends no ETag. "
        "taskcore runs with every feature on: sessions revocable at once in every process, "
        "access checks, ETags, the activity entry and the outbox events committed with the "
        "change, webhook fan-out and throttling.",
        "GET a task and PUT a task draw a random task of the 10,000; the 100 tasks are the "
        "first page, newest first, with its total count. POST creates tasks in a project of "
        "each server's own, so the listed project keeps its 10,000 tasks. Login is "
        "deliberately slow (argon2id) and has no goal.",
        "Each worker's resident memory is read from /proc after the API scenarios, then "
        "again after the login scenario, which runs last: 16 argon2id hashes at once "
        "(19 MiB each) leave their memory to the allocator, which keeps it (one worker went "
        "from 147 to 517 MiB over 6 s of logins in a separate measurement).",
        "The server runs as in production: PostgreSQL, and its event deliveries queued on "
        "Redis (a database of its own, emptied afterwards). No worker consumes them during "
        "the measurement (case 5 measures those).",
    ]
    failed = [r.name for r in result.rows if r.extra.get("errors")]
    if failed:
        result.notes.append(f"Scenarios with errors: {', '.join(failed)}.")
