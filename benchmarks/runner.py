"""The shared harness: measurements, statistics, goals, the printed table and the files.

A case module exposes ``NAME``, ``TITLE`` and ``run(ctx) -> CaseResult``. Every
measurement is a :class:`Row` holding one value per round (or per call); its summary is
the median and the spread (the interquartile range when there are at least eight values,
else the minimum and maximum). A row may name a baseline row of the same case: the ratio
is ``median / baseline median`` and a :class:`Goal` says whether that ratio (or the median
itself) meets the target set in the project's performance goals.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import statistics
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"


@dataclass
class Goal:
    """A target for a row: ``ratio`` (to the baseline) or ``value`` (the median itself)
    compared with ``op`` (``>=`` or ``<=``) against ``target``."""

    on: str
    op: str
    target: float
    text: str

    def met(self, value: float | None) -> bool | None:
        if value is None:
            return None
        return value >= self.target if self.op == ">=" else value <= self.target


@dataclass
class Row:
    """One measurement of a case."""

    name: str
    unit: str
    values: list[float]
    higher_is_better: bool = True
    baseline: str | None = None
    goal: Goal | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def median(self) -> float:
        return statistics.median(self.values) if self.values else float("nan")

    @property
    def spread(self) -> tuple[str, float, float]:
        """``("IQR", q1, q3)`` for eight values or more, else ``("range", min, max)``."""
        if len(self.values) >= 8:
            q1, _, q3 = statistics.quantiles(self.values, n=4)
            return "IQR", q1, q3
        if not self.values:
            return "range", float("nan"), float("nan")
        return "range", min(self.values), max(self.values)


@dataclass
class CaseResult:
    """What a case measured, with its parameters and remarks."""

    case: str
    title: str
    status: str = "ok"
    parameters: dict[str, Any] = field(default_factory=dict)
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str | None = None

    def row(self, name: str) -> Row | None:
        return next((r for r in self.rows if r.name == name), None)


@dataclass
class Context:
    """What the runner hands every case."""

    quick: bool
    machine: dict[str, Any]
    log: Callable[[str], None]


def ratio(result: CaseResult, row: Row) -> float | None:
    """``row``'s median divided by its baseline's median, if it has one."""
    if row.baseline is None:
        return None
    base = result.row(row.baseline)
    if base is None or not base.values or base.median == 0 or not row.values:
        return None
    return row.median / base.median


def goal_met(result: CaseResult, row: Row) -> bool | None:
    if row.goal is None:
        return None
    value = ratio(result, row) if row.goal.on == "ratio" else row.median
    return row.goal.met(value)


def fmt(value: float) -> str:
    """A number with three significant digits (or a thousands separator when large)."""
    if math.isnan(value):
        return "-"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


def table_rows(result: CaseResult) -> list[list[str]]:
    """The rows of a case's table: measurement, median, spread, n, ratio, goal, met."""
    out = []
    for row in result.rows:
        kind, low, high = row.spread
        r = ratio(result, row)
        met = goal_met(result, row)
        out.append(
            [
                row.name,
                f"{fmt(row.median)} {row.unit}",
                f"{fmt(low)}-{fmt(high)} ({kind})",
                str(len(row.values)),
                "-" if r is None else f"{r:.2f}x {row.baseline}",
                "-" if row.goal is None else row.goal.text,
                {None: "", True: "yes", False: "**no**"}[met],
            ]
        )
    return out


HEADERS = ["measurement", "median", "spread", "n", "ratio to baseline", "goal", "met"]


def print_table(result: CaseResult) -> None:
    print(f"\n== {result.case}: {result.title} [{result.status}]")
    if result.error:
        print(f"   error: {result.error.strip().splitlines()[-1]}")
    rows = [HEADERS, *table_rows(result)]
    widths = [max(len(r[i].replace("**", "")) for r in rows) for i in range(len(HEADERS))]
    for i, r in enumerate(rows):
        print("  ".join(c.replace("**", "").ljust(w) for c, w in zip(r, widths, strict=True)))
        if i == 0:
            print("  ".join("-" * w for w in widths))
    for row in result.rows:
        if row.extra:
            details = ", ".join(f"{k} {v}" for k, v in row.extra.items())
            print(f"   {row.name}: {details}")
    for note in result.notes:
        print(f"   note: {note}")


def to_json(result: CaseResult, *, quick: bool, machine: dict[str, Any], seconds: float) -> Any:
    data = asdict(result)
    for raw, row in zip(data["rows"], result.rows, strict=True):
        kind, low, high = row.spread
        raw["median"] = row.median
        raw["spread"] = {"kind": kind, "low": low, "high": high}
        raw["ratio"] = ratio(result, row)
        raw["goal_met"] = goal_met(result, row)
    data["quick"] = quick
    data["machine"] = machine
    data["seconds"] = round(seconds, 1)
    data["finished_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    return data


def from_json(data: dict[str, Any]) -> CaseResult:
    rows = []
    for raw in data.get("rows", []):
        goal = Goal(**raw["goal"]) if raw.get("goal") else None
        rows.append(
            Row(
                name=raw["name"],
                unit=raw["unit"],
                values=raw["values"],
                higher_is_better=raw["higher_is_better"],
                baseline=raw["baseline"],
                goal=goal,
                extra=raw.get("extra", {}),
            )
        )
    return CaseResult(
        case=data["case"],
        title=data["title"],
        status=data["status"],
        parameters=data.get("parameters", {}),
        rows=rows,
        notes=data.get("notes", []),
        error=data.get("error"),
    )


def run_case(module: Any, ctx: Context) -> CaseResult:
    """Run one case module; a failure becomes a ``failed`` result with the traceback."""
    started = time.perf_counter()
    try:
        result: CaseResult = module.run(ctx)
    except Exception:  # noqa: BLE001 - a broken case must not stop the others
        result = CaseResult(
            case=module.NAME, title=module.TITLE, status="failed", error=traceback.format_exc()
        )
    seconds = time.perf_counter() - started
    RESULTS.mkdir(parents=True, exist_ok=True)
    data = to_json(result, quick=ctx.quick, machine=ctx.machine, seconds=seconds)
    (RESULTS / f"{module.NAME}.json").write_text(json.dumps(data, indent=2) + "\n")
    print_table(result)
    print(f"   ({seconds:.1f} s)")
    return result
