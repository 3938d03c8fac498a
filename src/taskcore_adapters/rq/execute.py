"""The function rq workers call for every taskcore job.

``taskcore worker`` installs the runner of its runtime with :func:`install` before it
starts working; jobs then run by name through it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Runner = Callable[[str, Mapping[str, Any]], None]

_state: dict[str, Runner] = {}


def install(runner: Runner) -> None:
    """Make ``runner`` execute the jobs of this worker process."""
    _state["runner"] = runner


def execute(name: str, args: dict[str, Any]) -> None:
    """Run the job ``name`` with ``args`` (called by rq inside the worker).

    Raises:
        RuntimeError: the process has no runner (it was not started by ``taskcore worker``).
    """
    runner = _state.get("runner")
    if runner is None:
        raise RuntimeError("no taskcore runner installed; start workers with `taskcore worker`")
    runner(name, args)
