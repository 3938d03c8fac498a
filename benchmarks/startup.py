"""Case 6, start-up: ``import taskcore`` and ``taskcore serve`` until ``/health`` answers.

Imports are timed with hyperfine when it is installed (else with repeated subprocess
runs), next to the bare interpreter (``python -c pass``). The server is started afresh
each round on a free port with an embedded SQLite data folder (so its time includes the
migration check) and timed until ``/health`` answers 200, next to a bare Starlette app
under uvicorn with the same settings.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.runner import CaseResult, Context, Row
from benchmarks.support import free_port, server, taskcore_command

NAME = "startup"
TITLE = "Case 6: start-up"

IMPORTS = {
    "python -c pass (bare interpreter)": "pass",
    "import taskcore": "import taskcore",
    "import taskcore_adapters.host": "import taskcore_adapters.host",
}


def _hyperfine(commands: list[str], runs: int, work: Path) -> list[list[float]] | None:
    exe = shutil.which("hyperfine")
    if exe is None:
        return None
    out = work / "hyperfine.json"
    subprocess.run(  # noqa: S603 - fixed command
        [
            exe,
            "--warmup",
            "1",
            "--runs",
            str(runs),
            "--style",
            "none",
            "-N",
            "--export-json",
            str(out),
            *commands,
        ],
        check=True,
        capture_output=True,
    )
    data = json.loads(out.read_text())
    return [[t * 1000 for t in entry["times"]] for entry in data["results"]]


def _subprocess_times(command: list[str], runs: int) -> list[float]:
    times = []
    for _ in range(runs + 2):
        started = time.perf_counter()
        subprocess.run(command, check=True)  # noqa: S603 - fixed command
        times.append((time.perf_counter() - started) * 1000)
    return times[2:]


def _serve_times(command: list[str], env: dict[str, str], port: int, rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        with server(command, port, env):
            times.append((time.perf_counter() - started) * 1000)
    return times


def run(ctx: Context) -> CaseResult:
    runs = 3 if ctx.quick else 10
    rounds = 2 if ctx.quick else 5
    result = CaseResult(
        case=NAME,
        title=TITLE,
        parameters={"import runs": runs, "server starts": rounds},
    )
    work = Path(tempfile.mkdtemp(prefix="taskcore-bench-startup-"))
    try:
        commands = [f"{sys.executable} -c '{code}'" for code in IMPORTS.values()]
        timed = _hyperfine(commands, runs, work)
        tool = "hyperfine"
        if timed is None:
            tool = "subprocess"
            timed = [_subprocess_times([sys.executable, "-c", c], runs) for c in IMPORTS.values()]
        result.parameters["import timing"] = tool
        base = next(iter(IMPORTS))
        for (name, _), values in zip(IMPORTS.items(), timed, strict=True):
            result.rows.append(
                Row(
                    name=name,
                    unit="ms",
                    values=values,
                    higher_is_better=False,
                    baseline=None if name == base else base,
                )
            )
        ctx.log("server start-up")
        port = free_port()
        env = {
            **os.environ,
            "TASKCORE_DATA_DIR": str(work / "data"),
            "TASKCORE_SECRET_KEY": secrets.token_urlsafe(48),
        }
        bare = [
            sys.executable,
            "-m",
            "uvicorn",
            "benchmarks.bare_app:app",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-proxy-headers",
            "--no-server-header",
        ]
        bare_times = _serve_times(bare, env, port, rounds)
        serve = [*taskcore_command(), "serve", "--port", str(port), "--log-level", "warning"]
        _serve_times(serve, env, port, 1)  # creates the SQLite database once
        serve_times = _serve_times(serve, env, port, rounds)
        result.rows.append(
            Row(
                name="bare Starlette app until /health",
                unit="ms",
                values=bare_times,
                higher_is_better=False,
            )
        )
        result.rows.append(
            Row(
                name="taskcore serve until /health",
                unit="ms",
                values=serve_times,
                higher_is_better=False,
                baseline="bare Starlette app until /health",
            )
        )
        result.notes.append(
            "Server start-up is measured from spawning the process until `/health` answers "
            "200 (polled every 10 ms), one worker, on an existing SQLite data folder."
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return result
