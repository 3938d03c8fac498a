"""Background jobs: named work with JSON arguments, run later and possibly elsewhere."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Protocol

import attrs


@attrs.frozen(kw_only=True)
class JobSpec:
    """How a named job runs: its retries, the pauses between them, and its time limit.

    Attributes:
        name: Stable job name, e.g. ``events.deliver``.
        retries: How many times a failed run is retried (0 = never).
        backoff_seconds: Pause before each retry; the last value repeats.
        timeout_seconds: A run taking longer is stopped and counts as failed.
        lane: ``None`` for a job that only touches taskcore's own data; otherwise the name
            of the lane of a job that reaches another server (``mail``, ``webhooks``).
            Such a job never runs in the thread that queues it: a queue runs each lane
            apart (its own threads, or its own queue), so a slow receiver holds up
            neither the caller nor the jobs of another lane.
        group_by: The argument whose value groups a lane's jobs for fairness (e.g.
            ``project_id``): a queue that runs lanes itself lets groups take turns.
    """

    name: str
    retries: int = 5
    backoff_seconds: tuple[int, ...] = (5, 30, 120, 600, 1800)
    timeout_seconds: int = 300
    lane: str | None = None
    group_by: str | None = None

    def backoff(self, attempt: int) -> int:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        if not self.backoff_seconds:
            return 0
        return self.backoff_seconds[min(attempt, len(self.backoff_seconds)) - 1]


class JobQueue(Protocol):
    """Hands jobs to something that runs them.

    Implementations run each job through the runner they were built with, retry a failing
    job as its :class:`JobSpec` says, and record jobs that failed for good where an
    operator can see them. ``job_id`` makes an enqueue idempotent: a second enqueue with
    an id that is still queued, running or scheduled is ignored.
    """

    def enqueue(
        self,
        spec: JobSpec,
        args: Mapping[str, Any],
        *,
        job_id: str | None = None,
        run_at: dt.datetime | None = None,
    ) -> bool:
        """Queue ``spec.name`` with JSON-serialisable ``args``.

        Returns:
            ``False`` if a job with ``job_id`` already exists (nothing was queued).
        """
        ...
