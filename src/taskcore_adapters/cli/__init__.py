"""The ``taskcore`` command (click): serve, worker, migrate, db, config, create-admin,
sweep-files, requeue-failed, export, import.

:func:`main` is the console script's entry point; click is imported only when it runs,
so that an install without it (a base install, the library alone) still ends with one
line naming the extra to install instead of a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from taskcore_adapters.extras import EXTRAS_HELP, missing_extra


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``taskcore`` console script: runs the command ``argv`` names
    (the process's arguments by default) and answers its exit status (2 for a usage
    error, with click's message)."""
    try:
        from taskcore_adapters.cli.app import run
    except ModuleNotFoundError as exc:  # click (the cli extra) is missing
        print(EXTRAS_HELP, file=sys.stderr)
        print(f"taskcore: error: {missing_extra(exc)}", file=sys.stderr)
        return 2
    return run(argv)


__all__ = ["main"]
