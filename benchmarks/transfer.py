"""Case 10, data in and out, in process on SQLite and PostgreSQL:

- **Import**: a CSV of M rows (external id, title, description, status, priority) read
  and imported through the import run as the API's background job does it
  (``read_csv``, ``transfer.start_import``, then ``transfer.write_chunk`` until it is
  done, 500 rows a transaction), against ``TaskService.import_tasks`` called directly
  with the same rows as drafts in one call (the baseline). Rounds alternate which goes
  first, in the same project, each run under a source of its own (so every row creates
  a task). The goal: the CSV import at least half the rate of ``import_tasks``.
- **Export**: a project of N tasks streamed to a zip as ``taskcore export`` writes it
  (``transfer.stream_project`` + ``write_project_stream``: ``project.json`` and
  ``tasks.csv``), against a plain streamed ``SELECT`` of the same task rows written as
  JSON lines to a zip (the baseline); and the export's peak memory (tracemalloc) at N
  and at N/10 tasks, which grows only up to the CSV spool's 8 MiB.
"""

from __future__ import annotations

import json
import tempfile
import time
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

from sqlalchemy import Engine, select

from benchmarks.library import runtime_on
from benchmarks.runner import CaseResult, Context, Goal, Row
from taskcore.domain.import_mapping import RunStatus
from taskcore.domain.projects import Priority
from taskcore.domain.tasks import TaskStatus
from taskcore.services.tasks import TaskDraft
from taskcore.services.transfer import TransferService
from taskcore.services.users import Principal
from taskcore_adapters.bootstrap import Runtime
from taskcore_adapters.sql.tables import tasks
from taskcore_adapters.transfer.reading import read_csv
from taskcore_adapters.transfer.writing import write_project_stream

NAME = "transfer"
TITLE = "Case 10: import and export (a CSV through the import run, a project's streamed export)"
DESCRIPTION = "Imported for the benchmark: a sentence of text."
PASSWORD = "throwaway load passphrase"  # noqa: S105 - a throwaway account in a scratch database
STATUSES: Final = (TaskStatus.PENDING, TaskStatus.IN_PROGRESS, TaskStatus.COMPLETED)
PRIORITIES: Final = (Priority.LOW, Priority.MEDIUM, Priority.HIGH, Priority.CRITICAL)
MIB: Final = 1024 * 1024


def csv_file(count: int, start: int) -> bytes:
    """``count`` rows of another tracker's export, ids from ``start``."""
    lines = ["id,title,description,status,priority"]
    for i in range(start, start + count):
        status = STATUSES[i % len(STATUSES)].value
        lines.append(f"T-{i},Task {i},{DESCRIPTION},{status},{PRIORITIES[i % 4].value}")
    return ("\n".join(lines) + "\n").encode()


def drafts(count: int, start: int) -> list[TaskDraft]:
    """The same rows as :func:`csv_file`, as ``import_tasks`` drafts."""
    return [
        TaskDraft(
            title=f"Task {i}",
            description=DESCRIPTION,
            status=STATUSES[i % len(STATUSES)],
            priority=PRIORITIES[i % 4],
        )
        for i in range(start, start + count)
    ]


def _owner(runtime: Runtime, name: str) -> tuple[Principal, int]:
    """A new account and a project it owns."""
    core = runtime.core
    user = core.users.register(
        username=name, email=f"{name}@example.com", password=PASSWORD, full_name="B"
    )
    owner = Principal(user_id=user.id, username=user.username, is_admin=False)
    return owner, core.projects.create_project(owner, name="Benchmark").id


def _import_run(
    service: TransferService, owner: Principal, project_id: int, data: bytes, source: str
) -> dict[str, float]:
    """One CSV through the import run; seconds of each step."""
    started = time.perf_counter()
    table = read_csv(data)
    parsed = time.perf_counter()
    run = service.start_import(
        owner, project_id, source=source, header=table.header, rows=table.rows
    )
    staged = time.perf_counter()
    while service.write_chunk(run.key):
        pass
    written = time.perf_counter()
    done = service.get_import(owner, run.key)
    if done.status != RunStatus.DONE or done.created != len(table.rows):
        raise RuntimeError(f"the import run ended {done.status}: {done.created} created")
    return {"parse": parsed - started, "stage": staged - parsed, "chunks": written - staged}


def measure_import(runtime: Runtime, m: int, rounds: int, log: Any) -> dict[str, list[float]]:
    """Rows per second of the import run and of ``import_tasks``, one value per round."""
    core = runtime.core
    owner, project_id = _owner(runtime, "importer")
    # No job queue: this process writes the chunks itself, as the job would.
    service = TransferService(transactions=core.transactions, clock=core.clock, jobs=None)
    out: dict[str, list[float]] = {
        "baseline": [],
        "run": [],
        "parse": [],
        "stage": [],
        "chunks": [],
    }
    for index in range(rounds):
        data = csv_file(m, 2 * index * m)
        items = drafts(m, (2 * index + 1) * m)

        def baseline(drafted: list[TaskDraft] = items) -> None:
            started = time.perf_counter()
            core.tasks.import_tasks(owner, project_id, drafted)
            out["baseline"].append(m / (time.perf_counter() - started))

        def through_the_run(i: int = index, body: bytes = data) -> None:
            steps = _import_run(service, owner, project_id, body, f"bench-{i}")
            out["run"].append(m / sum(steps.values()))
            for step, seconds in steps.items():
                out[step].append(m / seconds)

        order: list[Callable[[], None]] = [baseline, through_the_run]
        for step in order if index % 2 == 0 else order[::-1]:
            log(f"round {index + 1}/{rounds}: {step.__name__.replace('_', ' ')}, {m:,} rows")
            step()
    return out


def _seed(runtime: Runtime, n: int) -> tuple[Principal, int]:
    owner, project_id = _owner(runtime, f"exporter{n}")
    for start in range(0, n, 10_000):
        runtime.core.tasks.import_tasks(owner, project_id, drafts(min(10_000, n - start), start))
    return owner, project_id


def _export(runtime: Runtime, owner: Principal, project_id: int, target: Path) -> int:
    """The project's streamed export written to the zip ``target``; its task count."""
    core = runtime.core
    with (
        zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive,
        core.transfer.stream_project(owner, project_id) as stream,
    ):
        written = write_project_stream(
            archive, stream, lambda i: iter(core.attachments.open_download(owner, i).chunks)
        )
    return written.tasks


def _select_rows(engine: Engine, project_id: int, target: Path) -> int:
    """The baseline: the project's task rows streamed and written as JSON lines."""
    count = 0
    with (
        zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive,
        archive.open("tasks.jsonl", "w", force_zip64=True) as out,
        engine.connect() as conn,
    ):
        found = conn.execution_options(stream_results=True, yield_per=1_000).execute(
            select(tasks).where(tasks.c.project_id == project_id).order_by(tasks.c.id)
        )
        for row in found.mappings():
            out.write(json.dumps(dict(row), default=str).encode() + b"\n")
            count += 1
    return count


def _peak(call: Callable[[], int]) -> float:
    """MiB at the peak of Python allocations during ``call``."""
    tracemalloc.start()
    try:
        call()
        return tracemalloc.get_traced_memory()[1] / MIB
    finally:
        tracemalloc.stop()


def measure_export(runtime: Runtime, n: int, rounds: int, log: Any) -> dict[str, list[float]]:
    """Tasks per second of the export and of the baseline, and the export's peaks."""
    engine = runtime.engine
    if engine is None:
        raise RuntimeError("the runtime has no SQL engine")
    log(f"seeding projects of {n:,} and {n // 10:,} tasks")
    owner, big = _seed(runtime, n)
    small_owner, small = _seed(runtime, n // 10)
    out: dict[str, list[float]] = {"export": [], "select": [], "peak": [], "peak_small": []}
    with tempfile.TemporaryDirectory(prefix="taskcore-bench-export-") as work:
        target = Path(work) / "export.zip"
        for index in range(rounds):
            log(f"round {index + 1}/{rounds}: export and baseline of {n:,} tasks")
            started = time.perf_counter()
            if _select_rows(engine, big, target) != n:
                raise RuntimeError("the baseline did not read every task")
            out["select"].append(n / (time.perf_counter() - started))
            started = time.perf_counter()
            if _export(runtime, owner, big, target) != n:
                raise RuntimeError("the export did not write every task")
            out["export"].append(n / (time.perf_counter() - started))
        log("peak memory of the export (tracemalloc)")
        out["peak"].append(_peak(lambda: _export(runtime, owner, big, target)))
        out["peak_small"].append(_peak(lambda: _export(runtime, small_owner, small, target)))
    return out


def _rows(
    backend: str, imports: dict[str, list[float]], exports: dict[str, list[float]], n: int
) -> list[Row]:
    base = f"{backend}: import_tasks, same rows in one call (baseline)"
    select_rows = f"{backend}: SELECT + JSON lines to a zip (baseline)"
    return [
        Row(name=base, unit="rows/s", values=imports["baseline"]),
        Row(
            name=f"{backend}: CSV through the import run",
            unit="rows/s",
            values=imports["run"],
            baseline=base,
            goal=Goal(on="ratio", op=">=", target=0.5, text="≥ 0.50x"),
            extra={
                f"{step} (median rows/s)": f"{sorted(imports[step])[len(imports[step]) // 2]:,.0f}"
                for step in ("parse", "stage", "chunks")
            },
        ),
        Row(name=select_rows, unit="tasks/s", values=exports["select"]),
        Row(
            name=f"{backend}: streamed project export (zip)",
            unit="tasks/s",
            values=exports["export"],
            baseline=select_rows,
        ),
        Row(
            name=f"{backend}: export peak memory, {n // 10:,} tasks",
            unit="MiB",
            values=exports["peak_small"],
            higher_is_better=False,
        ),
        Row(
            name=f"{backend}: export peak memory, {n:,} tasks",
            unit="MiB",
            values=exports["peak"],
            higher_is_better=False,
        ),
    ]


def run(ctx: Context) -> CaseResult:
    m = 2_000 if ctx.quick else 100_000
    n = 2_000 if ctx.quick else 20_000
    rounds = 3 if ctx.quick else 2
    result = CaseResult(
        case=NAME,
        title=TITLE,
        parameters={"rows per import": m, "tasks exported": n, "rounds": rounds},
    )
    for backend in ("sqlite", "postgresql"):
        ctx.log(backend)
        with runtime_on(backend) as runtime:
            imports = measure_import(runtime, m, rounds, ctx.log)
            exports = measure_export(runtime, n, rounds, ctx.log)
        result.rows += _rows(backend, imports, exports, n)
    result.notes += [
        f"Sizes: {m:,} CSV rows per import and {n:,} tasks per export, {rounds} rounds per "
        "backend. The import run's rate counts everything from the file's bytes: reading "
        "the CSV, checking and staging the rows with the run (`start_import`), then the "
        "chunks of 500 rows, each one transaction with the run's progress; its steps' "
        "own rates are listed under the table. `import_tasks` gets the same rows as "
        "drafts already built, in one transaction.",
        "The export writes what `taskcore export` writes for a project (`project.json` "
        "with every task's comments, attachments and custom fields looked up, and "
        "`tasks.csv`), reading the tasks page by page in one read transaction; its peak "
        "memory is measured with tracemalloc on a second pass (which slows it), at N and "
        "at N/10 tasks: it grows with the CSV spool, kept in memory up to 8 MiB and then "
        "in a temporary file, and not beyond.",
    ]
    return result
