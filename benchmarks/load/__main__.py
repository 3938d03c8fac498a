"""``python -m benchmarks.load [--smoke] [--storm] [--soak] [--duration S] [--users N]
[--streams N]``.

Runs the chosen cases (the smoke load when none is chosen) one after the other on one
stack, prints each case's routes and checks, writes
``benchmarks/results/load-<case>.json`` and exits 1 when any check failed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from benchmarks.load import cases
from benchmarks.load.stack import now_iso, running
from benchmarks.runner import RESULTS
from benchmarks.support import machine


def _print(outcome: cases.Outcome) -> None:
    print(f"\n== {outcome.test} {outcome.case}: {outcome.title}")
    print(f"   parameters: {outcome.parameters}")
    for key in ("routes", "background_before_storm", "background_during_storm", "storm"):
        routes = outcome.report.get(key)
        if not routes:
            continue
        print(f"   {key.replace('_', ' ')}:")
        for name, found in routes.items():
            print(
                f"     {name:45} n={found['requests']:6} p50={found['p50_ms']:8.1f} ms "
                f"p95={found['p95_ms']:8.1f} ms  statuses {found['statuses']}"
            )
    for key, value in outcome.report.items():
        if key in (
            "routes",
            "background_before_storm",
            "background_during_storm",
            "storm",
            "samples",
        ):
            continue
        print(f"   {key}: {value}")
    for check in outcome.checks:
        mark = "ok  " if check["ok"] else "FAIL"
        print(f"   [{mark}] {check['check']}: {check['detail']}")


def _write(outcome: cases.Outcome, about: dict[str, Any], seconds: float) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    data = {
        "case": outcome.case,
        "test": outcome.test,
        "title": outcome.title,
        "passed": outcome.passed,
        "finished_at": now_iso(),
        "seconds": round(seconds, 1),
        "machine": about,
        "parameters": outcome.parameters,
        "checks": outcome.checks,
        "report": outcome.report,
    }
    path = RESULTS / f"load-{outcome.case}.json"
    path.write_text(json.dumps(data, indent=2) + "\n")
    print(f"   wrote {path}")


def log(text: str) -> None:
    print(f"   … {text}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.load", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="T77: the API mix (60 s)")
    parser.add_argument("--storm", action="store_true", help="T78: login storm (30 s)")
    parser.add_argument("--soak", action="store_true", help="T79: soak (600 s; not for CI)")
    parser.add_argument(
        "--duration", type=int, help="seconds of load of each chosen case (default per case)"
    )
    parser.add_argument("--users", type=int, help="simulated users of the mix (smoke 50, soak 30)")
    parser.add_argument(
        "--streams", type=int, help="live-update streams open during the smoke (default 500)"
    )
    args = parser.parse_args(argv)
    chosen = [n for n in ("smoke", "storm", "soak") if getattr(args, n)] or ["smoke"]
    about = machine()
    print(f"machine: {about}")
    failed = []
    with running(log) as stack:
        for name in chosen:
            started = time.perf_counter()
            log(f"case {name}")
            extra: dict[str, int] = {}
            if args.duration:
                extra["seconds"] = args.duration
            if args.users and name != "storm":
                extra["users"] = args.users
            if args.streams is not None and name == "smoke":
                extra["streams"] = args.streams
            outcome: cases.Outcome = getattr(cases, name)(stack, **extra)
            _print(outcome)
            _write(outcome, about, time.perf_counter() - started)
            if not outcome.passed:
                failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
