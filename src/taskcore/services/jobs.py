"""Background jobs: one registry of named jobs, one queue they go to, and periodic jobs.

Each area registers its jobs (a :class:`~taskcore.ports.jobs.JobSpec` and the function
that runs it) with the shared :class:`Jobs`, and enqueues through it. Where the jobs run
is decided once, by the queue: :class:`InlineQueue` (the embedded default) runs them at
once in this process; a queue adapter (rq on Redis) runs them in workers, which call
:meth:`Jobs.run` by name.

Periodic jobs (retention, summaries, sweeps, dispatch of scheduled mail) are registered by
the library with :meth:`Jobs.every`; whoever runs the schedule (the worker, or the server
in embedded mode) calls :meth:`Jobs.run_due` now and then. Each run of a periodic job has a
stable id derived from its time slot, so several schedulers enqueue it once.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from taskcore.ports.jobs import JobQueue, JobSpec

log = logging.getLogger(__name__)

JobRunner = Callable[[Mapping[str, Any]], object]
"""Runs one job with its JSON arguments; raising makes the queue retry it."""


class InlineQueue:
    """The embedded default job queue: runs each job at once, in this process.

    A job that raises is logged and not passed to the caller (jobs record their own
    failures; event deliveries are rescheduled with back-off). ``run_at`` is ignored;
    job ids already run are ignored, as a queue still holding them would.
    """

    def __init__(self, runner: Callable[[str, Mapping[str, Any]], object]) -> None:
        self._runner = runner
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def enqueue(
        self,
        spec: JobSpec,
        args: Mapping[str, Any],
        *,
        job_id: str | None = None,
        run_at: dt.datetime | None = None,
    ) -> bool:
        if job_id is not None:
            with self._lock:
                if job_id in self._seen:
                    return False
                self._seen.add(job_id)
        try:
            self._runner(spec.name, args)
        except Exception as exc:  # noqa: BLE001 - recorded by the job; must not fail the caller
            log.warning("inline job %s failed: %s", spec.name, type(exc).__name__)
        return True


@attrs.frozen(kw_only=True)
class PeriodicJob:
    """A job the library runs on a schedule.

    Attributes:
        spec: The job.
        interval: How often it runs; slots are aligned to the Unix epoch, so a daily job
            runs once per UTC day.
        offset: Shift of each slot from its aligned start (a daily job with a two-hour
            offset runs at 02:00 UTC).
        args: Its arguments.
    """

    spec: JobSpec
    interval: dt.timedelta
    offset: dt.timedelta = dt.timedelta(0)
    args: Mapping[str, Any] = attrs.field(factory=dict)

    def slot(self, now: dt.datetime) -> dt.datetime:
        """The start of the latest slot at or before ``now``."""
        epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + self.offset
        periods = (now - epoch) // self.interval
        return epoch + periods * self.interval


class Jobs:
    """The registry of named jobs and the queue they are sent to (itself a ``JobQueue``).

    Args:
        queue: Where jobs go; by default they run inline, in process.
    """

    def __init__(self, queue: JobQueue | None = None) -> None:
        self._runners: dict[str, JobRunner] = {}
        self._periodic: dict[str, PeriodicJob] = {}
        self._last_slot: dict[str, dt.datetime] = {}
        self._queue: JobQueue = queue if queue is not None else InlineQueue(self.run)

    def register(self, spec: JobSpec, runner: JobRunner) -> None:
        """Make ``spec.name`` runnable by :meth:`run`.

        Raises:
            ValueError: a job with this name is registered already.
        """
        if spec.name in self._runners:
            raise ValueError(f"duplicate job {spec.name!r}")
        self._runners[spec.name] = runner

    def every(
        self,
        spec: JobSpec,
        interval: dt.timedelta,
        *,
        offset: dt.timedelta = dt.timedelta(0),
        args: Mapping[str, Any] | None = None,
    ) -> None:
        """Run the registered job ``spec`` once per ``interval`` (see :class:`PeriodicJob`)."""
        if spec.name not in self._runners:
            raise ValueError(f"unknown job {spec.name!r}")
        self._periodic[spec.name] = PeriodicJob(
            spec=spec, interval=interval, offset=offset, args=dict(args or {})
        )

    @property
    def names(self) -> list[str]:
        """Every registered job name."""
        return sorted(self._runners)

    @property
    def periodic(self) -> list[PeriodicJob]:
        """The periodic jobs, by name."""
        return [self._periodic[name] for name in sorted(self._periodic)]

    def use_queue(self, queue: JobQueue) -> None:
        """Send jobs to ``queue`` from now on."""
        self._queue = queue

    def enqueue(
        self,
        spec: JobSpec,
        args: Mapping[str, Any],
        *,
        job_id: str | None = None,
        run_at: dt.datetime | None = None,
    ) -> bool:
        """Queue a registered job (see ``JobQueue.enqueue``)."""
        return self._queue.enqueue(spec, args, job_id=job_id, run_at=run_at)

    def run(self, name: str, args: Mapping[str, Any]) -> None:
        """Run the job ``name`` here and now (queues and workers call this).

        Raises:
            ValueError: no job has this name.
        """
        runner = self._runners.get(name)
        if runner is None:
            raise ValueError(f"unknown job {name!r}")
        runner(args)

    def run_due(self, now: dt.datetime) -> list[str]:
        """Enqueue every periodic job whose current slot has not been enqueued yet.

        The first call only notes the current slots: a job first runs when its next slot
        begins, so starting (or restarting) a process never triggers every housekeeping
        job at once. Job ids name the slot, so several processes calling this enqueue each
        slot once (where the queue keeps ids).

        Returns:
            The names of the jobs enqueued.
        """
        started = []
        for job in self.periodic:
            slot = job.slot(now)
            last = self._last_slot.get(job.spec.name)
            if last is None:
                self._last_slot[job.spec.name] = slot
                continue
            if last == slot:
                continue
            job_id = f"periodic-{job.spec.name.replace('.', '-')}-{int(slot.timestamp())}"
            try:
                self.enqueue(job.spec, job.args, job_id=job_id)
            except Exception:  # the queue is down: try this slot again next round
                log.exception("could not enqueue periodic job %s", job.spec.name)
                continue
            self._last_slot[job.spec.name] = slot
            started.append(job.spec.name)
        return started
