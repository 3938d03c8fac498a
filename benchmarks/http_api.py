"""Case 1, the HTTP API on PostgreSQL: ``taskcore serve`` with two workers under wrk.

A fresh PostgreSQL database ``taskcore_bench_<hex>`` is created, migrated and seeded
(an account, a project of 10,000 tasks inserted with SQL, and an empty project that
receives the created tasks), and dropped at the end. ``taskcore serve --workers 2`` runs
on a free loopback port with the events going to an rq queue on Redis (the production
layout: the request stores the change, its outbox events and their deliveries, and
queues the deliveries; no worker consumes them during the measurement, case 5 measures
that part). Next to it, the baseline: a bare Starlette app (``benchmarks.baseline_app``)
under uvicorn with the same settings, reading one task row by primary key through
SQLAlchemy.

wrk (Debian's ``wrk``) drives each scenario with 2 threads and 32 connections, through
``benchmarks/lua/request.lua``, which adds the bearer token, draws task ids at random and
numbers the bodies. Each round runs every scenario once, baseline first, so all see the
same load on the machine.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import create_engine, func, insert, select

from benchmarks.runner import CaseResult, Context, Goal, Row
from benchmarks.support import (
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
TITLE = "Case 1: the HTTP API on PostgreSQL (2 workers, 32 connections)"
LUA = Path(__file__).resolve().parent / "lua" / "request.lua"
USERNAME = "bench"
PASSWORD = "throwaway load passphrase"  # noqa: S105 - a throwaway account in a scratch database
TASKS = 10_000
BASELINE = "baseline: bare Starlette, one row by id"


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
    finally:
        engine.dispose()
    return {"listed": listed, "writes": writes, "low": low, "high": high}


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


def wrk(port: int, seconds: float, work: Path, **scenario: str) -> dict[str, Any]:
    """Run one wrk scenario; returns what the Lua ``done`` hook wrote."""
    out = work / "wrk.json"
    out.unlink(missing_ok=True)
    env = {**os.environ, **{f"BENCH_{k.upper()}": v for k, v in scenario.items()}}
    env["BENCH_OUT"] = str(out)
    subprocess.run(  # noqa: S603 - fixed command
        [
            _wrk(),
            "-t2",
            "-c32",
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


def run(ctx: Context) -> CaseResult:
    seconds = 2.0 if ctx.quick else 20.0
    rounds = 2 if ctx.quick else 3
    result = CaseResult(
        case=NAME,
        title=TITLE,
        parameters={
            "duration per scenario and round": f"{seconds:.0f} s",
            "rounds": rounds,
            "connections": 32,
            "wrk threads": 2,
            "server workers": 2,
            "tasks in the listed project": TASKS,
        },
    )
    _wrk()
    work = Path(tempfile.mkdtemp(prefix="taskcore-bench-http-"))
    secret_key = secrets.token_urlsafe(48)
    try:
        with scratch_database() as url, redis_queue_db() as queue_url:
            ctx.log("seeding")
            ids = seed(url, work, secret_key)
            tc_port, base_port = free_port(), free_port()
            env = {
                **os.environ,
                "TASKCORE_DATA_DIR": str(work),
                "TASKCORE_DATABASE_URL": url,
                "TASKCORE_SECRET_KEY": secret_key,
                "TASKCORE_QUEUE_URL": queue_url,
                "TASKCORE_AUTH_RATE_PER_ADDRESS": "off",
                "TASKCORE_FAILED_LOGIN_RATE": "off",
                "BENCH_DATABASE_URL": url,
            }
            with (
                server(serve_command(tc_port), tc_port, env),
                server(baseline_command(base_port), base_port, env),
            ):
                token = login(f"http://127.0.0.1:{tc_port}")
                span = {"id_min": str(ids["low"]), "id_max": str(ids["high"])}
                scenarios: dict[str, tuple[int, dict[str, str]]] = {
                    BASELINE: (base_port, {"path": "/tasks/{id}", **span}),
                    "GET a task": (tc_port, {"path": "/api/tasks/{id}", "token": token, **span}),
                    "GET a page of 50 tasks": (
                        tc_port,
                        {
                            "path": f"/api/projects/{ids['listed']}/tasks?per_page=50",
                            "token": token,
                        },
                    ),
                    "POST a task": (
                        tc_port,
                        {
                            "method": "POST",
                            "path": f"/api/projects/{ids['writes']}/tasks",
                            "body": '{"title": "Created {n}", "priority": "high"}',
                            "token": token,
                        },
                    ),
                    "PUT a task": (
                        tc_port,
                        {
                            "method": "PUT",
                            "path": "/api/tasks/{id}",
                            "body": '{"title": "Renamed {n}"}',
                            "token": token,
                            **span,
                        },
                    ),
                    "POST login (argon2id)": (
                        tc_port,
                        {
                            "method": "POST",
                            "path": "/api/login",
                            "body": json.dumps({"username": USERNAME, "password": PASSWORD}),
                        },
                    ),
                }
                ctx.log("warming up")
                for port, scenario in list(scenarios.values())[:2]:
                    wrk(port, 1, work, **scenario)
                runs: dict[str, list[dict[str, Any]]] = {name: [] for name in scenarios}
                for index in range(rounds):
                    for name, (port, scenario) in scenarios.items():
                        ctx.log(f"round {index + 1}/{rounds}: {name}")
                        runs[name].append(wrk(port, seconds, work, **scenario))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    goals = {
        "GET a task": Goal(on="ratio", op=">=", target=0.6, text="≥ 0.60x"),
        "POST a task": Goal(on="ratio", op=">=", target=0.3, text="≥ 0.30x"),
        "PUT a task": Goal(on="ratio", op=">=", target=0.3, text="≥ 0.30x"),
    }
    for name, found in runs.items():
        rates = [r["requests"] / (r["duration_us"] / 1e6) for r in found]
        errors = sum(sum(r["errors"].values()) for r in found)
        p50 = sorted(r["latency_us"]["p50"] / 1000 for r in found)[len(found) // 2]
        p99 = sorted(r["latency_us"]["p99"] / 1000 for r in found)[len(found) // 2]
        result.rows.append(
            Row(
                name=name,
                unit="req/s",
                values=rates,
                baseline=None if name in (BASELINE, "POST login (argon2id)") else BASELINE,
                goal=goals.get(name),
                extra={
                    "p50": f"{p50:.1f} ms",
                    "p99": f"{p99:.1f} ms",
                    "errors": errors,
                    "requests": sum(r["requests"] for r in found),
                },
            )
        )
    for name in (BASELINE, "GET a task"):
        result.rows.append(
            Row(
                name=f"{name}: p99 latency",
                unit="ms",
                values=[r["latency_us"]["p99"] / 1000 for r in runs[name]],
                higher_is_better=False,
                baseline=None if name == BASELINE else f"{BASELINE}: p99 latency",
                goal=None
                if name == BASELINE
                else Goal(on="ratio", op="<=", target=3.0, text="≤ 3.00x"),
            )
        )
    result.notes += [
        "Rates are per scenario and round (requests / wrk's measured duration); p50 and p99 "
        "are wrk's latency percentiles, the median over the rounds; errors count connection "
        "errors, timeouts and answers with a status of 400 or more over all rounds.",
        "GET a task and PUT a task draw a random task of the 10,000; the page of 50 is the "
        "first page, newest first, with its total count. POST creates tasks in a separate "
        "project so the listed project keeps its 10,000 tasks. Login is deliberately slow "
        "(argon2id) and has no goal.",
        "The server runs as in production: PostgreSQL, and its event deliveries queued on "
        "Redis (a database of its own, emptied afterwards). No worker consumes them during "
        "the measurement, so a write's cost includes storing the change, its outbox events, "
        "their activity entries and deliveries, and queueing the rq jobs, but not running "
        "the consumers (case 5 measures those).",
    ]
    failed = [r.name for r in result.rows if r.extra.get("errors")]
    if failed:
        result.notes.append(f"Scenarios with errors: {', '.join(failed)}.")
    return result
