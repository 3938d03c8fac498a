"""A job queue that runs each job at once, in this process: the embedded default."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from taskcore.ports.jobs import JobSpec

log = logging.getLogger(__name__)

Runner = Callable[[str, Mapping[str, Any]], None]


@attrs.frozen(kw_only=True)
class FailedJob:
    """A job that raised; kept so tests and operators can see it."""

    name: str
    args: Mapping[str, Any]
    job_id: str | None
    error: str


class InlineJobQueue:
    """Runs every job synchronously when it is enqueued (``run_at`` is ignored).

    A failing job is logged and remembered in :attr:`failed`; it is not retried here:
    work that must not be lost is retried by its owner (the outbox relay re-delivers
    events whose handlers have not succeeded). Job ids already run are ignored, like a
    queue that still holds them.

    Args:
        runner: Executes a job by name with its arguments.
    """

    def __init__(self, runner: Runner | None = None) -> None:
        self._runner = runner
        self._lock = threading.Lock()
        self.seen: set[str] = set()
        self.failed: list[FailedJob] = []

    def bind(self, runner: Runner) -> None:
        """Set the runner (it usually needs the finished runtime, built after the queue)."""
        self._runner = runner

    def enqueue(
        self,
        spec: JobSpec,
        args: Mapping[str, Any],
        *,
        job_id: str | None = None,
        run_at: dt.datetime | None = None,
    ) -> bool:
        if self._runner is None:
            raise RuntimeError("InlineJobQueue has no runner; call bind() first")
        if job_id is not None:
            with self._lock:
                if job_id in self.seen:
                    return False
                self.seen.add(job_id)
        try:
            self._runner(spec.name, args)
        except Exception as exc:
            log.warning("job %s failed: %s", spec.name, type(exc).__name__, exc_info=exc)
            self.failed.append(
                FailedJob(name=spec.name, args=dict(args), job_id=job_id, error=repr(exc))
            )
        return True
