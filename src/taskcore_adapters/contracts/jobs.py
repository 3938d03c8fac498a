"""The JobQueue contract suite: queued jobs run once, by name, with their arguments.

Subclass :class:`JobQueueContract` and give it three fixtures:

- ``queue``: the :class:`~taskcore.ports.jobs.JobQueue` under test, empty, whose jobs
  run through the suite's ``runner`` fixture (a :class:`JobRecorder`: request it);
- ``run_queued``: a callable that runs every job that is due and returns once they are
  done (a burst worker, or waiting for in-process threads);
- ``failed_jobs``: a callable returning the names of the jobs the queue recorded as
  failed for good, where an operator sees them (rq's failed-job registry, a log).

A queue that runs scheduled jobs at once instead of at their ``run_at`` (jobs tolerate
an early run: taskcore's in-process queue does this) sets :attr:`JobQueueContract.honours_run_at`
to ``False``; one that never retries (a failing job runs once and is recorded failed:
taskcore's in-process queue, whose jobs keep their own durable retry records) sets
:attr:`JobQueueContract.retries_failed_jobs` to ``False``. taskcore's queues pass it:
the in-process one and rq on a real Redis.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import attrs
import pytest

from taskcore.ports.jobs import JobQueue, JobSpec

__all__ = ["FailedJobs", "JobQueueContract", "JobRecorder", "RunQueued"]

RunQueued = Callable[[], None]
"""The type of the ``run_queued`` fixture."""

FailedJobs = Callable[[], list[str]]
"""The type of the ``failed_jobs`` fixture: names of the jobs recorded as failed for good."""

JOB = JobSpec(name="contract.job", retries=0, timeout_seconds=30)
MAIL = JobSpec(name="contract.mail", retries=0, timeout_seconds=30, lane="mail")
HOOK = JobSpec(
    name="contract.hook", retries=0, timeout_seconds=30, lane="webhooks", group_by="project_id"
)
# No pause between retries: the suite's run_queued runs each retry as it comes.
FLAKY = JobSpec(name="contract.flaky", retries=2, backoff_seconds=(), timeout_seconds=30)
FLAKY_MAIL = JobSpec(
    name="contract.flaky_mail", retries=2, backoff_seconds=(), timeout_seconds=30, lane="mail"
)


@attrs.frozen
class Run:
    """One run of a job: its name, its arguments, whether it ran inside ``enqueue``, and
    when it started (by the wall clock)."""

    name: str
    args: dict[str, Any]
    inside_enqueue: bool
    at: dt.datetime


class JobRecorder:
    """The runner the queue under test runs its jobs through: it records each run, and
    raises for the job names in :attr:`failing` (every run) and in :attr:`failures_left`
    (that many runs, then it succeeds)."""

    def __init__(self) -> None:
        self.runs: list[Run] = []
        self.failing: set[str] = set()
        self.failures_left: dict[str, int] = {}
        self._lock = threading.Lock()
        self._enqueuing = threading.local()

    def __call__(self, name: str, args: Mapping[str, Any]) -> None:
        inside = getattr(self._enqueuing, "active", False)
        run = Run(name, dict(args), inside, dt.datetime.now(dt.UTC))
        with self._lock:
            self.runs.append(run)
            fails = name in self.failing or self.failures_left.get(name, 0) > 0
            if name in self.failures_left and self.failures_left[name] > 0:
                self.failures_left[name] -= 1
        if fails:
            raise RuntimeError(f"job {name} fails on purpose")

    def enqueue(self, queue: JobQueue, spec: JobSpec, args: Mapping[str, Any], **kw: Any) -> bool:
        """``queue.enqueue(spec, args, **kw)``, noting that it is under way in this thread."""
        self._enqueuing.active = True
        try:
            return queue.enqueue(spec, args, **kw)
        finally:
            self._enqueuing.active = False

    def calls(self) -> list[tuple[str, dict[str, Any]]]:
        """``(name, args)`` of every run, in the order they ran."""
        with self._lock:
            return [(run.name, run.args) for run in self.runs]


class _Enqueue:
    def test_a_job_runs_once_with_its_arguments(
        self, queue: JobQueue, runner: JobRecorder, run_queued: RunQueued
    ) -> None:
        """An enqueued job runs once, by name, with JSON arguments equal to those given."""
        args = {"id": 7, "ratio": 0.5, "ok": True, "none": None, "tags": ["a", "é"], "m": {"k": 1}}
        assert runner.enqueue(queue, JOB, args) is True
        run_queued()
        run_queued()
        assert [("contract.job", args)] == runner.calls()

    def test_jobs_without_an_id_all_run(
        self, queue: JobQueue, runner: JobRecorder, run_queued: RunQueued
    ) -> None:
        """Without a job id, equal jobs are distinct: each runs."""
        assert [runner.enqueue(queue, JOB, {"n": 1}) for _ in range(2)] == [True, True]
        run_queued()
        assert runner.calls() == [("contract.job", {"n": 1})] * 2

    def test_a_failing_job_stops_nothing(
        self, queue: JobQueue, runner: JobRecorder, run_queued: RunQueued
    ) -> None:
        """A job that raises fails neither its ``enqueue`` nor the jobs queued after it."""
        failing = attrs.evolve(JOB, name="contract.broken")
        runner.failing.add(failing.name)
        assert runner.enqueue(queue, failing, {"n": 1}) is True
        assert runner.enqueue(queue, JOB, {"n": 2}) is True
        run_queued()
        assert ("contract.job", {"n": 2}) in runner.calls()


class _UniqueIds:
    def test_a_second_enqueue_with_the_same_id_is_ignored(
        self, queue: JobQueue, runner: JobRecorder, run_queued: RunQueued
    ) -> None:
        """A second enqueue with an id already queued returns ``False``; the job runs once,
        with the first arguments."""
        assert runner.enqueue(queue, JOB, {"n": 1}, job_id="once") is True
        assert runner.enqueue(queue, JOB, {"n": 2}, job_id="once") is False
        run_queued()
        assert runner.calls() == [("contract.job", {"n": 1})]

    def test_distinct_ids_stay_distinct(
        self, queue: JobQueue, runner: JobRecorder, run_queued: RunQueued
    ) -> None:
        """Ids that differ only in punctuation, or hold dots and colons (handler names),
        are different jobs."""
        ids = ["evt.1", "evt-1", "evt_1", "evt:1", "evt 1", "notifications.task_assigned-0-1"]
        assert [True] * len(ids) == [
            runner.enqueue(queue, JOB, {"id": job_id}, job_id=job_id) for job_id in ids
        ]
        run_queued()
        assert sorted(ids) == sorted(args["id"] for _, args in runner.calls())

    def test_ids_hold_across_lanes(
        self, queue: JobQueue, runner: JobRecorder, run_queued: RunQueued
    ) -> None:
        """A lane's job is unique by id too."""
        assert runner.enqueue(queue, MAIL, {"n": 1}, job_id="mail-1") is True
        assert runner.enqueue(queue, MAIL, {"n": 2}, job_id="mail-1") is False
        run_queued()
        assert runner.calls() == [("contract.mail", {"n": 1})]


class _Scheduled:
    honours_run_at: ClassVar[bool] = True

    def test_a_job_due_in_the_past_runs_now(
        self, queue: JobQueue, runner: JobRecorder, run_queued: RunQueued
    ) -> None:
        """A ``run_at`` already past runs the job like an unscheduled one."""
        past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
        assert runner.enqueue(queue, JOB, {"n": 1}, run_at=past) is True
        run_queued()
        assert runner.calls() == [("contract.job", {"n": 1})]

    def test_a_scheduled_job_keeps_its_id(self, queue: JobQueue, runner: JobRecorder) -> None:
        """While a job waits for its time, its id is taken."""
        later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
        assert runner.enqueue(queue, JOB, {"n": 1}, job_id="later", run_at=later) is True
        assert runner.enqueue(queue, JOB, {"n": 2}, job_id="later") is False

    def test_a_job_for_later_runs_at_its_time(
        self, queue: JobQueue, runner: JobRecorder, run_queued: RunQueued
    ) -> None:
        """A job for later does not run before ``run_at`` (a whole second) and runs once
        after it."""
        if not self.honours_run_at:
            pytest.skip("this queue runs scheduled jobs at once")
        now = dt.datetime.now(dt.UTC)
        run_at = (now + dt.timedelta(seconds=2)).replace(microsecond=0)
        assert runner.enqueue(queue, JOB, {"n": 1}, run_at=run_at) is True
        run_queued()
        time.sleep(max(0.0, (run_at - dt.datetime.now(dt.UTC)).total_seconds()) + 0.2)
        run_queued()
        run_queued()
        assert runner.calls() == [("contract.job", {"n": 1})]
        assert runner.runs[0].at >= run_at


class _Lanes:
    def test_lane_jobs_run_but_never_inside_enqueue(
        self, queue: JobQueue, runner: JobRecorder, run_queued: RunQueued
    ) -> None:
        """Jobs of a lane (they reach other servers) run, each once, and never in the
        caller's ``enqueue``: a slow receiver cannot hold up the caller."""
        for n in range(3):
            assert runner.enqueue(queue, MAIL, {"n": n}) is True
            assert runner.enqueue(queue, HOOK, {"n": n, "project_id": n % 2}) is True
        run_queued()
        mail = sorted(a["n"] for name, a in runner.calls() if name == "contract.mail")
        hooks = sorted(a["n"] for name, a in runner.calls() if name == "contract.hook")
        assert (mail, hooks) == ([0, 1, 2], [0, 1, 2])
        assert not any(run.inside_enqueue for run in runner.runs)

    def test_lanes_and_taskcores_own_jobs_all_run(
        self, queue: JobQueue, runner: JobRecorder, run_queued: RunQueued
    ) -> None:
        """Jobs of an unknown lane run too, like those of the known lanes and those
        without a lane."""
        other = attrs.evolve(JOB, name="contract.other", lane="reports")
        for spec in (HOOK, MAIL, JOB, other):
            runner.enqueue(queue, spec, {"project_id": 1})
        run_queued()
        assert sorted(name for name, _ in runner.calls()) == [
            "contract.hook",
            "contract.job",
            "contract.mail",
            "contract.other",
        ]


class _Retries:
    retries_failed_jobs: ClassVar[bool] = True

    def _runs_expected(self, spec: JobSpec) -> int:
        return spec.retries + 1 if self.retries_failed_jobs else 1

    @pytest.mark.parametrize("spec", [FLAKY, FLAKY_MAIL], ids=["own", "lane"])
    def test_a_failing_job_is_retried_then_recorded_failed(
        self,
        spec: JobSpec,
        queue: JobQueue,
        runner: JobRecorder,
        run_queued: RunQueued,
        failed_jobs: FailedJobs,
    ) -> None:
        """A job that keeps failing runs ``1 + retries`` times (once on a queue that never
        retries), with the same arguments, and is then recorded as failed, once."""
        runner.failing.add(spec.name)
        assert runner.enqueue(queue, spec, {"n": 1}, job_id=f"{spec.name}-1") is True
        for _ in range(spec.retries + 2):
            run_queued()
        assert runner.calls() == [(spec.name, {"n": 1})] * self._runs_expected(spec)
        assert failed_jobs() == [spec.name]

    def test_a_job_that_succeeds_on_a_retry_is_not_recorded_failed(
        self,
        queue: JobQueue,
        runner: JobRecorder,
        run_queued: RunQueued,
        failed_jobs: FailedJobs,
    ) -> None:
        """A job that fails once then succeeds runs twice and is not recorded failed."""
        if not self.retries_failed_jobs:
            pytest.skip("this queue never retries")
        runner.failures_left[FLAKY.name] = 1
        assert runner.enqueue(queue, FLAKY, {"n": 2}) is True
        for _ in range(FLAKY.retries + 2):
            run_queued()
        assert runner.calls() == [(FLAKY.name, {"n": 2})] * 2
        assert failed_jobs() == []

    def test_a_job_without_retries_runs_once(
        self,
        queue: JobQueue,
        runner: JobRecorder,
        run_queued: RunQueued,
        failed_jobs: FailedJobs,
    ) -> None:
        """``retries=0``: a failing job runs once and is recorded failed."""
        failing = attrs.evolve(JOB, name="contract.once")
        runner.failing.add(failing.name)
        assert runner.enqueue(queue, failing, {"n": 3}) is True
        run_queued()
        run_queued()
        assert runner.calls() == [(failing.name, {"n": 3})]
        assert failed_jobs() == [failing.name]


class JobQueueContract(_Enqueue, _UniqueIds, _Scheduled, _Lanes, _Retries):
    """Every check of the :class:`~taskcore.ports.jobs.JobQueue` contract.

    Subclass it (under a name starting with ``Test``) and override :meth:`queue` (built
    on the ``runner`` fixture), :meth:`run_queued` and :meth:`failed_jobs`.

    Attributes:
        honours_run_at: ``False`` for a queue that runs scheduled jobs at once.
        retries_failed_jobs: ``False`` for a queue that runs a failing job once, whatever
            its spec's ``retries``, and records it failed.
    """

    @pytest.fixture
    def runner(self) -> JobRecorder:
        """The runner the queue must run its jobs through."""
        return JobRecorder()

    @pytest.fixture
    def queue(self, runner: JobRecorder) -> JobQueue:
        """An empty queue running its jobs through ``runner``; override it."""
        raise NotImplementedError("override the `queue` fixture")

    @pytest.fixture
    def run_queued(self) -> RunQueued:
        """Run every due job and return once they are done; override it."""
        raise NotImplementedError("override the `run_queued` fixture")

    @pytest.fixture
    def failed_jobs(self) -> FailedJobs:
        """The names of the jobs the queue recorded as failed for good; override it."""
        raise NotImplementedError("override the `failed_jobs` fixture")
