"""``python -m benchmarks [--quick] [--case NAME ...] [--report-only]``."""

from __future__ import annotations

import argparse
import importlib
import sys
import time

from benchmarks.report import write_doc
from benchmarks.runner import Context, run_case
from benchmarks.support import machine

CASES = {
    "http_api": "benchmarks.http_api",
    "library": "benchmarks.library",
    "scale": "benchmarks.scale",
    "attachments": "benchmarks.attachments",
    "events": "benchmarks.events",
    "startup": "benchmarks.startup",
    "reports": "benchmarks.reports",
    "pages": "benchmarks.pages",
    "transfer": "benchmarks.transfer",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sizes, a few minutes")
    parser.add_argument(
        "--case", action="append", choices=sorted(CASES), help="run only this case (repeatable)"
    )
    parser.add_argument(
        "--report-only", action="store_true", help="only regenerate docs/performance.md"
    )
    args = parser.parse_args(argv)
    if not args.report_only:
        ctx = Context(
            quick=args.quick,
            machine=machine(),
            log=lambda text: print(f"   … {text}", file=sys.stderr, flush=True),
        )
        print(f"machine: {ctx.machine}")
        started = time.perf_counter()
        failed = []
        for name in args.case or list(CASES):
            result = run_case(importlib.import_module(CASES[name]), ctx)
            if result.status == "failed":
                failed.append(name)
        print(f"\nall cases: {time.perf_counter() - started:.0f} s")
    doc = write_doc(list(CASES))
    print(f"wrote {doc}")
    if not args.report_only and failed:
        print(f"failed cases: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
