"""Regenerate ``docs/performance.md`` from ``benchmarks/results/*.json``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from benchmarks.runner import HEADERS, RESULTS, ROOT, from_json, table_rows

DOC = ROOT / "docs" / "performance.md"

INTRO = """\
# Performance

These numbers come from `nox -s bench` (or `python -m benchmarks`), which runs each case
below, prints the same tables and writes `benchmarks/results/<case>.json`; this page is
regenerated from those files (`python -m benchmarks --report-only` rebuilds it without
measuring). `nox -s bench -- --quick` runs a smaller version of everything in a few
minutes; `--case NAME` runs one case.

How to read the tables: every measurement is repeated (rounds, or many calls); **median**
is the median of those values and **spread** their interquartile range (eight values or
more) or their minimum and maximum. Each case measures a **baseline** in the same run, on
the same machine at the same moment, and the **ratio** is taskcore's median divided by the
baseline's: for rates (requests/s, tasks/s, MiB/s) higher is better, for times (ms, s)
lower is better. **Goal** is the target from the project's performance goals; **met**
says whether this run reached it.
"""

LIMITS = """\
## What limits the rest

What the profiles and query plans taken on this machine show (`python -m pyinstrument -m
benchmarks --quick --case library` profiles a case; `py-spy` from the `bench` group can
attach to a running server worker):

- **The machine.** Two cores run the load generator, the server workers and PostgreSQL at
  once in the HTTP case, so every HTTP number is a share of the same two cores; a busy
  machine (see the load average above) lowers taskcore and the baseline alike, which is
  why the ratios, not the absolute numbers, are what the goals are about.
- **What a request costs in round trips.** Profiles (py-spy on a server worker, statement
  counts per request) drove the current shape. Authentication reads the session and its
  user in one statement; reads run without `BEGIN`/`ROLLBACK` on PostgreSQL (read-only units
  of work in autocommit: under READ COMMITTED each statement has its own snapshot either
  way); pooled connections are checked on checkout by looking at their socket instead of a
  `SELECT 1`; a task is read with its labels and watchers in one statement. GET of a task is
  three statements (session and user, task, membership) against the baseline's one.
- **Writes do more than the baseline's one read, in one transaction.** A write stores the
  change, its activity entry and its outbox event, with the event's deliveries, in the
  transaction of the change (so nothing is lost, and there is no second "relay"
  transaction); webhooks look up the project's endpoints in that transaction too. A PUT
  of a task is `BEGIN`, the session read, the task read, the membership read, the update,
  the activity insert, the webhook lookup, the outbox insert and `COMMIT`. Deliveries exist
  only for consumers that want the event (a title change notifies nobody), so such a write
  queues no job at all.
- **In process, the library pays for what the baseline does not do.** `create_task` on
  PostgreSQL is eight round trips (`BEGIN`, the membership check, the end of the column,
  the task insert, the activity insert, the webhook lookup, the outbox insert, `COMMIT`)
  against the baseline's three (`BEGIN`, one insert, `COMMIT`), which is where the 0.4x
  comes from; on SQLite, where a statement costs no round trip, it meets the goal. Merging
  them further would mean dropping the activity entry or the outbox event from the
  transaction, which is what the library is for. `import_tasks` writes three rows per task
  (the task, its activity entry, its outbox event) where the baseline writes one, and does
  per task in Python what a plain `executemany` does not do at all: check the fields,
  build the event, sanitise the activity details, encode the outbox payload and return a
  view (about 0.1 ms per task, profiled). On PostgreSQL the task ids come from the
  sequence in one query and every table is written with a plain `executemany`; on SQLite,
  whose `executemany` runs at C speed, the Python work per task is most of the time. A
  large import refreshes the table's statistics (`ANALYZE`), so plans chosen for a small
  table are not kept after it: without that, each later `create_task` took 20 ms instead
  of 2 ms until autovacuum came by.
- **Lists.** Keyset pages seek in the `(project_id, created_at)` index from the cursor, so
  a deep page costs what the first one costs; an order by due date reads the
  `(project_id, due_date, id)` index (`NULLS LAST`, in index order). A page selects its ids
  first, then reads only those tasks with their labels and watchers. Pages by number
  count the matching rows and skip the offset, so they grow with depth.
- **Start-up.** `import taskcore` loads every area of the core; the HTTP host also imports
  SQLAlchemy, Alembic, Starlette, the OpenAPI document and every adapter, which is most of
  the time to the first `/health` answer.
- **Attachments.** Uploads are parsed from multipart in Python, hashed with SHA-256 and
  written and synced before the answer; downloads stream the file in chunks through the
  ASGI server. Both stay well below a raw copy on the same disk, and the server's memory
  does not grow with the file.
- **Login** hashes with argon2id (19 MiB, t=2) on purpose; it is reported separately and
  has no goal.
"""


def _machine(data: dict[str, Any]) -> list[str]:
    m = data.get("machine", {})
    return [
        f"- CPU: {m.get('cpu_count')} x {m.get('cpu_model')}",
        f"- RAM: {m.get('ram_gib')} GiB; load average at the start: {m.get('load_average')}",
        f"- OS: {m.get('os')}; Python: {m.get('python')}",
        f"- PostgreSQL {m.get('postgresql')}; Redis {m.get('redis')}",
        f"- Tools: {m.get('wrk')}; {m.get('hyperfine')}",
    ]


def _params(parameters: dict[str, Any]) -> str:
    return "; ".join(f"{k}: {v}" for k, v in parameters.items())


def write_doc(order: list[str]) -> Path:
    """Write ``docs/performance.md`` from the stored results, cases in ``order``."""
    loaded: dict[str, dict[str, Any]] = {}
    for path in sorted(RESULTS.glob("*.json")):
        data = json.loads(path.read_text())
        if "status" not in data:
            continue  # not a benchmark case (the load tests write load-*.json here too)
        loaded[data["case"]] = data
    cases = [c for c in order if c in loaded] + [c for c in loaded if c not in order]
    lines = [INTRO]
    if loaded:
        newest = max(loaded.values(), key=lambda d: d.get("finished_at", ""))
        quick = {d.get("quick") for d in loaded.values()}
        mode = (
            "a **quick run** (`--quick`: smaller sizes, shorter durations, fewer rounds)"
            if quick == {True}
            else "a full run"
            if quick == {False}
            else "a mix of quick and full runs (see each case)"
        )
        lines += [
            "## The latest run",
            "",
            f"This page shows {mode}, finished {newest.get('finished_at')}, on:",
            "",
            *_machine(newest),
            "",
        ]
        if quick == {True}:
            lines += [
                "A quick run is meant to show that the harness works end to end; its numbers",
                "are noisier than a full run's, and were taken while other work kept the",
                "machine busy.",
                "",
            ]
    missed: list[str] = []
    for case in cases:
        data = loaded[case]
        result = from_json(data)
        lines += [f"## {result.title}", ""]
        status = data["status"]
        if data.get("quick"):
            status += ", quick run"
        lines.append(f"`{case}` ({status}; {data.get('seconds')} s). {_params(result.parameters)}")
        lines.append("")
        if result.error:
            last = result.error.strip().splitlines()[-1]
            lines += [f"The case failed: `{last}`", ""]
        if result.rows:
            lines.append("| " + " | ".join(HEADERS) + " |")
            lines.append("|" + "---|" * len(HEADERS))
            for cells in table_rows(result):
                lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
                if cells[-1] == "**no**":
                    missed.append(f"{result.title}: {cells[0]} ({cells[4]}, goal {cells[5]})")
            lines.append("")
            extras = [r for r in result.rows if r.extra]
            for row in extras:
                details = ", ".join(f"{k} {v}" for k, v in row.extra.items())
                lines.append(f"- {row.name}: {details}")
            if extras:
                lines.append("")
        for note in result.notes:
            lines += [note, ""]
    lines += ["## Goals missed in this run", ""]
    lines += [f"- {m}" for m in missed] if missed else ["None."]
    lines += ["", LIMITS]
    DOC.write_text("\n".join(lines).rstrip() + "\n")
    return DOC
