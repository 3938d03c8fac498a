"""The job registry: named jobs, the queue they go to, and periodic jobs by time slot."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import pytest

from taskcore.ports.jobs import JobSpec
from taskcore.services.jobs import Jobs, PeriodicJob

DAILY = JobSpec(name="area.daily")
HOURLY = JobSpec(name="area.hourly")


class Recorder:
    def __init__(self) -> None:
        self.calls: list[Mapping[str, Any]] = []

    def __call__(self, args: Mapping[str, Any]) -> None:
        self.calls.append(dict(args))


class RecordingQueue:
    def __init__(self) -> None:
        self.ids: set[str] = set()
        self.queued: list[tuple[str, str | None]] = []

    def enqueue(
        self,
        spec: JobSpec,
        args: Mapping[str, Any],
        *,
        job_id: str | None = None,
        run_at: dt.datetime | None = None,
    ) -> bool:
        if job_id is not None and job_id in self.ids:
            return False
        if job_id is not None:
            self.ids.add(job_id)
        self.queued.append((spec.name, job_id))
        return True


def at(hour: int, minute: int = 0, day: int = 1) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=dt.UTC)


def test_inline_jobs_run_at_once_and_once_per_id() -> None:
    """The default queue runs a job when it is enqueued, and ignores an id it has run."""
    jobs, recorder = Jobs(), Recorder()
    jobs.register(DAILY, recorder)
    assert jobs.enqueue(DAILY, {"n": 1}, job_id="x")
    assert not jobs.enqueue(DAILY, {"n": 2}, job_id="x")
    assert [{"n": 1}] == recorder.calls


def test_a_failing_inline_job_does_not_fail_the_caller() -> None:
    """An inline job that raises is logged; the enqueue still reports it queued."""
    jobs = Jobs()

    def boom(args: Mapping[str, Any]) -> None:
        raise RuntimeError("boom")

    jobs.register(DAILY, boom)
    assert jobs.enqueue(DAILY, {})


def test_duplicate_and_unknown_names_are_errors() -> None:
    """A name is registered once; running or scheduling an unknown name fails loudly."""
    jobs = Jobs()
    jobs.register(DAILY, Recorder())
    with pytest.raises(ValueError, match="duplicate job"):
        jobs.register(DAILY, Recorder())
    with pytest.raises(ValueError, match="unknown job"):
        jobs.run("area.nothing", {})
    with pytest.raises(ValueError, match="unknown job"):
        jobs.every(HOURLY, dt.timedelta(hours=1))


def test_periodic_slots_are_aligned_and_offset() -> None:
    """A daily job with a two-hour offset has its slot at 02:00 UTC."""
    job = PeriodicJob(spec=DAILY, interval=dt.timedelta(days=1), offset=dt.timedelta(hours=2))
    assert at(2, day=1) == job.slot(at(23, 59, day=1))
    assert at(2, day=1) == job.slot(at(2, day=1))
    assert at(2, day=1) - dt.timedelta(days=1) == job.slot(at(1, 59, day=1))


def test_run_due_enqueues_each_slot_once() -> None:
    """Each periodic job is enqueued once per slot, with an id naming the slot, starting
    with the first slot that begins after the first call."""
    queue = RecordingQueue()
    jobs = Jobs(queue)
    jobs.register(DAILY, Recorder())
    jobs.register(HOURLY, Recorder())
    jobs.every(DAILY, dt.timedelta(days=1), offset=dt.timedelta(hours=2))
    jobs.every(HOURLY, dt.timedelta(hours=1), args={"k": 1})
    assert [] == jobs.run_due(at(10))  # start-up: nothing runs at once
    assert [] == jobs.run_due(at(10, 30))
    assert ["area.hourly"] == jobs.run_due(at(11))
    assert [] == jobs.run_due(at(11, 59))
    assert ["area.daily", "area.hourly"] == jobs.run_due(at(2, day=2))
    assert 3 == len(queue.queued)
    assert len({job_id for _, job_id in queue.queued}) == 3


def test_two_schedulers_enqueue_a_slot_once() -> None:
    """Two processes sharing a queue enqueue each slot once, thanks to the slot's job id."""
    queue = RecordingQueue()
    first, second = Jobs(queue), Jobs(queue)
    for jobs in (first, second):
        jobs.register(HOURLY, Recorder())
        jobs.every(HOURLY, dt.timedelta(hours=1))
        jobs.run_due(at(10))
        jobs.run_due(at(11))
    assert [("area.hourly", "periodic-area-hourly-" + str(int(at(11).timestamp())))] == (
        queue.queued
    )


def test_a_slot_is_tried_again_when_the_queue_is_down() -> None:
    """If the queue refuses a periodic job, the next round tries the same slot again."""

    class Down(RecordingQueue):
        def enqueue(self, spec: JobSpec, args: Mapping[str, Any], **kw: Any) -> bool:
            raise RuntimeError("queue down")

    queue = Down()
    jobs = Jobs(queue)
    jobs.register(HOURLY, Recorder())
    jobs.every(HOURLY, dt.timedelta(hours=1))
    jobs.run_due(at(9, 30))
    assert [] == jobs.run_due(at(10))
    good = RecordingQueue()
    jobs.use_queue(good)
    assert ["area.hourly"] == jobs.run_due(at(10, 5))


def test_the_library_registers_its_periodic_jobs() -> None:
    """A built taskcore schedules its own housekeeping; nobody has to add it by hand."""
    from taskcore_adapters.testing import World

    periodic = {job.spec.name: job.interval for job in World.create().core.jobs.periodic}
    assert {
        "activity.cleanup": dt.timedelta(days=1),
        "activity.summarize": dt.timedelta(days=1),
        "attachments.sweep_files": dt.timedelta(days=1),
        "events.purge": dt.timedelta(days=1),
        "notifications.dispatch": dt.timedelta(minutes=1),
        "reports.purge_expired": dt.timedelta(hours=1),
        "webhooks.retry_due": dt.timedelta(minutes=1),
    } == periodic
