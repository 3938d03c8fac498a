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
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

import attrs

from taskcore.errors import Unavailable
from taskcore.ports.jobs import JobQueue, JobSpec

log = logging.getLogger(__name__)

JobRunner = Callable[[Mapping[str, Any]], object]
"""Runs one job with its JSON arguments; raising makes the queue retry it."""


DEFAULT_LANES: Mapping[str, int] = MappingProxyType({"mail": 2, "webhooks": 8})
"""Threads per lane of :class:`InlineQueue`: jobs that reach other servers run there."""

MAX_LANE_BACKLOG = 10_000
"""Jobs a lane holds before it refuses more (they are durable: a sweep queues them again)."""


class _Lane:
    """A bounded pool of daemon threads running one lane's jobs.

    Jobs of one group (e.g. one project's webhooks) run in order, at most ``per_group`` at
    a time; groups take turns, so one group's backlog never delays another's jobs by more
    than one turn. Jobs without a group take turns as one group with no such limit.
    """

    def __init__(self, name: str, threads: int, backlog: int) -> None:
        self._name = name
        self._threads = threads
        self._per_group = max(1, threads // 2)
        self._backlog = backlog
        self._waiting: OrderedDict[object, deque[Callable[[], None]]] = OrderedDict()
        self._running: dict[object, int] = {}
        self._size = 0
        self._busy = 0
        self._cond = threading.Condition()
        self._workers: list[threading.Thread] = []
        self._closed = False

    def submit(self, job: Callable[[], None], group: object) -> None:
        with self._cond:
            if self._closed:
                raise Unavailable(f"The {self._name} lane is closed")
            if self._size >= self._backlog:
                raise Unavailable(f"The {self._name} lane is full")
            self._waiting.setdefault(group, deque()).append(job)
            self._size += 1
            if len(self._workers) < self._threads and self._busy + self._size > len(self._workers):
                worker = threading.Thread(
                    target=self._work,
                    name=f"taskcore-{self._name}-{len(self._workers) + 1}",
                    daemon=True,
                )
                self._workers.append(worker)
                worker.start()
            self._cond.notify()

    def _take(self) -> tuple[object, Callable[[], None]] | None:
        """The next job of the first group (in turn) that has one and may run one more."""
        for group, jobs in self._waiting.items():
            if group is not None and self._running.get(group, 0) >= self._per_group:
                continue
            job = jobs.popleft()
            if jobs:
                self._waiting.move_to_end(group)  # its next job waits for the others' turn
            else:
                del self._waiting[group]
            self._size -= 1
            return group, job
        return None

    def _work(self) -> None:
        while True:
            with self._cond:
                taken = self._take()
                while taken is None and not self._closed:
                    self._cond.wait()
                    taken = self._take()
                if taken is None:
                    return
                group, job = taken
                self._busy += 1
                self._running[group] = self._running.get(group, 0) + 1
            try:
                job()
            finally:
                with self._cond:
                    self._busy -= 1
                    self._running[group] -= 1
                    if not self._running[group]:
                        del self._running[group]
                    self._cond.notify_all()

    def wait_idle(self, deadline: float) -> bool:
        with self._cond:
            while self._size or self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
            return True

    def close(self, timeout: float) -> None:
        """Drop the jobs not started (they are durable and will be queued again) and wait
        up to ``timeout`` seconds for the running ones."""
        with self._cond:
            self._closed = True
            self._waiting.clear()
            self._size = 0
            self._cond.notify_all()
        deadline = time.monotonic() + timeout
        for worker in self._workers:
            worker.join(max(0.0, deadline - time.monotonic()))


class InlineQueue:
    """The embedded default job queue: runs each job in this process.

    A job without a lane runs at once, in the calling thread. A job with a lane (one that
    reaches another server: mail, webhooks) never does: it runs on that lane's own
    bounded pool of threads (``lanes`` says how many), so a slow or unreachable receiver
    delays neither the caller nor the other lanes. A lane not named in ``lanes`` gets one
    thread. Jobs whose spec names a ``group_by`` argument are grouped by its value (the
    webhooks of one project): groups take turns and one group runs on at most half of
    the lane's threads, so a group with a backlog of slow jobs cannot hold up the others.
    A full lane refuses jobs with ``Unavailable``; the jobs that reach other
    servers are backed by durable records that their periodic job queues again.

    A job that raises is logged and not passed to the caller (jobs record their own
    failures; event deliveries are rescheduled with back-off). ``run_at`` is ignored;
    job ids already run are ignored, as a queue still holding them would.

    Args:
        runner: Runs a job by name.
        lanes: Threads per lane; ``None`` runs every job in the calling thread, lanes
            included (for deterministic tests only: a slow receiver then blocks the caller).
        backlog: Jobs each lane holds before refusing more.
    """

    def __init__(
        self,
        runner: Callable[[str, Mapping[str, Any]], object],
        *,
        lanes: Mapping[str, int] | None = DEFAULT_LANES,
        backlog: int = MAX_LANE_BACKLOG,
    ) -> None:
        self._runner = runner
        self._seen: set[str] = set()
        self._lock = threading.Lock()
        self._sizes = None if lanes is None else dict(lanes)
        self._backlog = backlog
        self._lanes: dict[str, _Lane] = {}

    def enqueue(
        self,
        spec: JobSpec,
        args: Mapping[str, Any],
        *,
        job_id: str | None = None,
        run_at: dt.datetime | None = None,
    ) -> bool:
        lane = self._lane(spec.lane)
        if job_id is not None:
            with self._lock:
                if job_id in self._seen:
                    return False
                self._seen.add(job_id)
        if lane is None:
            self._run(spec.name, args)
            return True
        try:
            group = args.get(spec.group_by) if spec.group_by else None
            lane.submit(lambda: self._run(spec.name, args), group)
        except Unavailable:
            if job_id is not None:
                with self._lock:
                    self._seen.discard(job_id)
            raise
        return True

    def _lane(self, name: str | None) -> _Lane | None:
        if name is None or self._sizes is None:
            return None
        with self._lock:
            lane = self._lanes.get(name)
            if lane is None:
                lane = _Lane(name, max(1, self._sizes.get(name, 1)), self._backlog)
                self._lanes[name] = lane
            return lane

    def _run(self, name: str, args: Mapping[str, Any]) -> None:
        try:
            self._runner(name, args)
        except Exception as exc:  # noqa: BLE001 - recorded by the job; must not fail the caller
            log.warning("inline job %s failed: %s", name, type(exc).__name__)

    def drain(self, timeout: float = 30.0) -> bool:
        """Wait until no lane has a job queued or running.

        Returns:
            ``False`` if jobs were still queued or running after ``timeout`` seconds.
        """
        deadline = time.monotonic() + timeout
        with self._lock:
            lanes = list(self._lanes.values())
        return all(lane.wait_idle(deadline) for lane in lanes)

    def close(self, timeout: float = 10.0) -> None:
        """Stop the lanes: jobs not started are dropped (their durable records are queued
        again by the next process), running ones get ``timeout`` seconds to finish."""
        with self._lock:
            lanes = list(self._lanes.values())
        for lane in lanes:
            lane.close(timeout)


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
        queue: Where jobs go; by default they run in process (:class:`InlineQueue`).
        lanes: Threads per lane of the in-process queue (see :class:`InlineQueue`).
    """

    def __init__(
        self, queue: JobQueue | None = None, *, lanes: Mapping[str, int] | None = DEFAULT_LANES
    ) -> None:
        self._runners: dict[str, JobRunner] = {}
        self._observed: Callable[[str, Mapping[str, Any]], None] = self._run_now
        self._periodic: dict[str, PeriodicJob] = {}
        self._last_slot: dict[str, dt.datetime] = {}
        self._inline = InlineQueue(self.run, lanes=lanes)
        self._queue: JobQueue = queue if queue is not None else self._inline

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

    def drain(self, timeout: float = 30.0) -> bool:
        """Wait until the in-process lanes have run every job queued to them (jobs that
        reach other servers run there when no queue is configured).

        Returns:
            ``False`` if jobs were still queued or running after ``timeout`` seconds.
        """
        return self._inline.drain(timeout)

    def close(self, timeout: float = 10.0) -> None:
        """Stop the in-process lanes (see :meth:`InlineQueue.close`)."""
        self._inline.close(timeout)

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

    def observe(
        self,
        wrap: Callable[
            [Callable[[str, Mapping[str, Any]], None]], Callable[[str, Mapping[str, Any]], None]
        ],
    ) -> None:
        """Run every job through ``wrap`` from now on (the host's metrics or tracing),
        whether it runs in process or in a worker; wraps added later are outermost."""
        self._observed = wrap(self._observed)

    def run(self, name: str, args: Mapping[str, Any]) -> None:
        """Run the job ``name`` here and now (queues and workers call this), through the
        wraps given to :meth:`observe`.

        Raises:
            ValueError: no job has this name.
        """
        self._observed(name, args)

    def _run_now(self, name: str, args: Mapping[str, Any]) -> None:
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
