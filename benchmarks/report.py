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
- **The HTTP case against the limit API.** The limit API (`benchmarks/limit_app.py`)
  answers each request with one statement on a bare psycopg async pool (measured against
  SQLAlchemy's async Core on psycopg in the same conditions, the bare pool served 1.2 to
  2 times as many requests: 1,918 against 1,053 GET/s at 16 connections, 197 against 152
  pages of 100), no thread hop, and orjson. It spends 0.5 to 0.6 ms of CPU per request
  (1.6 ms per page of 100); taskcore 1.6 to 1.8 ms per GET, 2.8 per PUT, 3.1 to 3.4 per
  POST and 6.6 to 6.7 per page (the server CPU per request in the table above, the least
  noisy measure on this machine). A py-spy profile
  of a worker serving GET a task (`py-spy record --gil`) puts 37% of its CPU in
  SQLAlchemy Core (compiling cache keys, executing, processing rows), 12% in psycopg,
  11% in h11, 11% in the hand-off to the thread pool (`threading`, anyio) and 11% in
  taskcore's adapters. What a request costs is mostly how many statements it runs:
  - GET a task: the task (with labels and watchers) with the caller's role in its
    project, then the subtask roll-up with the blocking relations: 2 statements, against
    the limit API's 1
    (the session read is gone: callers of known tokens are kept per process, see
    `docs/architecture.md`, "Performance decisions").
  - The page of 100 tasks: membership, count, the page's tasks, roll-ups with
    relations (4 statements, against the limit API's 2, which computes no roll-up), and
    100 tasks turned into JSON through the response classes on the event loop (about a
    quarter of the page's CPU in a `py-spy record --gil` profile).
  - PUT a task: `BEGIN`, the task with the membership, the update, the roll-up with the
    relations, the activity insert, the outbox insert, `COMMIT` (the webhook lookup is
    gone: a project's endpoints are kept per process until a change notice). POST: `BEGIN`, the
    membership, the end of the column, the task, the activity entry, the outbox event,
    `COMMIT` (the project's custom field definitions are kept per process until a change
    notice).
  The limit API skips sessions, ETags, the activity entry, the outbox and webhooks; those
  are the features the goals require to stay on, and each costs at least one statement
  in the transaction of the change.
- **The page of 100 tasks** (the furthest from its goal). A py-spy profile of a worker
  serving it puts half of the CPU in turning the 100 task views into JSON objects through
  the response classes (`responses.to_json(of(TaskResponse, task))`: per task and per
  field, attribute look-ups, `attrs.has` checks and conversions), 12% in `json.dumps` and
  about a quarter in reading (the statements, then building the task entities). That
  rendering runs on the event loop, after the use case returns, so it also holds up the
  worker's other requests. Of what would close most of the gap, a converter worked out
  once per response class instead of the per-field walk and orjson in `wire.JSON` are
  now in place (measured in process under "Rendering" below, after this profile was
  taken); rendering the page in the thread pool with the use case is still open.
- **Connections.** A process keeps every PostgreSQL connection it opens, up to 20
  (`TASKCORE_DATABASE_POOL_SIZE`, no overflow): with the former 10 + 10, the connections
  beyond 10 were closed as they were given back, and at 16 and 64 connections 7 to 18% of
  requests opened a new one (a new backend, the prepared statements lost; about 1 ms more
  server CPU per PUT in a separate measurement). The table's "new connections per request"
  (sessions started on the database during the scenario, `pg_stat_database`) shows it
  stays at zero.
- **The thread hop.** Every use case runs in the thread pool (see `docs/architecture.md`,
  "Performance decisions"); in a `--gil` profile of GET a task, handing the call to a
  worker thread and waking it (anyio's queue, `Condition.notify`) holds about 13% of the
  worker's CPU, which the limit API, async throughout, does not pay.
- **p99 at 64 connections** follows from the rates: with 64 requests always in flight, a
  server that completes a fifth as many requests per second keeps each one waiting about
  five times as long, so the p99 goal (at most 2x the limit API's) cannot be met while the
  rate is below half the limit API's.
- **Levers still open on the hot path**, each worth about one round trip per request:
  the subtask roll-up and the blocking relations (now one statement, as the task and the
  caller's role are) read with the task instead of after it; the activity entry and the
  outbox event written by one multi-row statement (or a psycopg pipeline) at the commit.
- **Resident memory.** A taskcore worker holds about 150 MiB after the API scenarios
  (the limit API's about 47 MiB); the login scenario raises it by several hundred MiB,
  which is argon2id's memory (19 MiB per hash, 16 at once) kept by the allocator; it stayed
  between 300 and 520 MiB in every run, and API requests alone did not make it grow
  (148 to 154 MiB over 40 s of reads and writes at 16 and 64 connections).
- **In process, the library pays for what the baseline does not do.** `create_task` on
  PostgreSQL is seven round trips (`BEGIN`, the membership check, the end of the column,
  the task insert, the activity insert, the outbox insert, `COMMIT`; the project's webhook
  endpoints and custom field definitions come from the process's copies, kept until a
  change notice) against the baseline's three (`BEGIN`, one insert,
  `COMMIT`), which is where the 0.4x comes from; on SQLite, where a statement costs no
  round trip, it meets the goal. Merging them further would mean dropping the activity
  entry or the outbox event from the transaction, which is what the library is for.
  `import_tasks` writes three rows per task (the task, its activity entry, its outbox
  event) where the baseline writes one, and does per task in Python what a plain
  `executemany` does not do at all: check the fields, build the event, sanitise the
  activity details, encode the outbox payload and return a view (about 0.1 ms per task,
  profiled). On PostgreSQL the task ids come from the sequence in one query and every
  table is written with a plain `executemany`; on SQLite, whose `executemany` runs at C
  speed, the Python work per task is most of the time. A large import refreshes the
  table's statistics (`ANALYZE`), so plans chosen for a small table are not kept after it:
  without that, each later `create_task` took 20 ms instead of 2 ms until autovacuum came
  by.
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

## Rendering

`python -m benchmarks.render` times, in process and without a server, what answering a
page of 100 tasks and one task costs after the use case returns: the response classes
turned into JSON values (`of(TaskResponse, view)` then `to_json`), those values written
as bytes by `wire.JSON`, and the whole. Medians of 200 renders, ranges over 4 to 6 rounds
on this machine (load average 4 to 7):

| step | before | orjson in `wire.JSON` | and converters per class |
|---|---|---|---|
| 100 tasks: to JSON values | 4.0-8.2 ms | 4.0-8.0 ms | 1.79-1.87 ms |
| 100 tasks: values to bytes | 0.75-0.78 ms | 0.08-0.09 ms | 0.08 ms |
| 100 tasks: whole | 4.7-9.6 ms | 4.7-5.3 ms | 1.81-1.88 ms |
| 1 task: whole | 0.049-0.051 ms | 0.041 ms | 0.018-0.019 ms |

- **orjson writes the bodies** (`wire.JSON`, sorted keys as before, compact UTF-8 like
  the former `json.dumps` options), about 9 times faster. What orjson refuses and `json`
  wrote (keys that are not strings, integers beyond 64 bits) is written by `json` with the
  former options; a NaN or an infinity is now written as `null` where `json` raised
  (request bodies refuse them). Bodies parse to the same values as before and are the
  same bytes except for how some numbers are spelled (`1e16` for `1e+16`).
- **A converter per response class** (`rendering.to_json`): on first use, each class
  gets a function that reads all its fields in one `operator.attrgetter` call, drops the
  `omitted` and `unless` keys by precomputed rules, keeps `str`, `int`, `float`, `bool`
  and `None` values as they are and converts the others by a look-up on the value's type
  (enum to its value, instant to naive UTC, date, sequence, mapping, nested class),
  worked out once per type; `of` reads the read model the same way. The former walk over
  `attrs.fields` with `isinstance` and `attrs.has` per value and object cost 2.2 to 4.5
  times as much. The output is the same (a property test compares the two).
- What is left of a page's rendering is building the response objects and the JSON
  values themselves (about 18 µs per task); it still runs on the event loop.

## The board page

Case 9 (`benchmarks/pages.py`) times a project's board with 500 tasks (400 cards shown,
100 per column) on the embedded SQLite database, requested over ASGI in process. Profiled
(cProfile, and the statements counted with SQLAlchemy events), the page was about one
third template and two thirds reading: 37 statements, most of them the four columns'
`list_tasks` calls (each its own transaction and access check, a count, the tasks with
their labels, assignees and custom fields, their subtask roll-ups and blocking
relations); no Markdown or activity work is done per card. Two changes, the page showing
the same (the same markup, whitespace aside):

- the template writes what cards share once (the CSRF field and each member's badge per
  page, the move buttons and the status's words per column) instead of calling macros
  and building them for every card, and `initials` is remembered per name: the template
  alone went from 75.4 to 35.9 ms (median, same process, interleaved);
- the page reads its columns with one use case, `tasks.list_columns`: one transaction,
  one access check, a column with fewer tasks than it shows is not counted apart, and
  the roll-ups and blocking relations of all cards are read in one statement each.

Measured in one process, the page as it was (four `list_tasks`, the former template) and
as it is interleaved, 200 rounds each, load average 6.4 to 6.9 on this machine's two
cores:

| measurement | before | after |
|---|---|---|
| the whole page, wall time (median) | 95.7 ms | 74.9 ms |
| the whole page, CPU time of the process (median) | 52.9 ms | 37.6 ms |
| the use-case reads alone, wall time | 47.6 ms | 40.4 ms |
| the use-case reads alone, CPU time | 26.3 ms | 22.6 ms |

The goal (a median under 50 ms) is met in CPU time, not in wall time on this loaded
machine (the case's table above: 80.7 ms wall, 38.8 ms CPU). What is left is mostly the
reads, 11 times the CPU time of plain SQL reading the same cards' ids and titles: building
each task with its labels, watchers, assignees and custom fields, and its view.
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
            f"This page shows {mode}; the newest case finished {newest.get('finished_at')}"
            " (each case gives its own time), on:",
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
        lines.append(
            f"`{case}` ({status}; {data.get('seconds')} s, finished {data.get('finished_at')})."
            f" {_params(result.parameters)}"
        )
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
