"""The job registry: named jobs, the queue they go to, and periodic jobs by time slot."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Mapping
from typing import Any

import pytest

from taskcore.errors import Unavailable
from taskcore.ports.jobs import JobSpec
from taskcore.services import events, notifications, webhooks
from taskcore.services.jobs import InlineQueue, Jobs, PeriodicJob

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
        "time.send_digests": dt.timedelta(minutes=15),
        "time.send_reminders": dt.timedelta(minutes=1),
        "transfer.resume": dt.timedelta(minutes=5),
        "webhooks.retry_due": dt.timedelta(minutes=1),
    } == periodic


class TestLanes:
    """Jobs that reach other servers run on their lane's own threads, never the caller's."""

    MAIL = JobSpec(name="area.mail", lane="mail")
    HOOK = JobSpec(name="area.hook", lane="webhooks")

    def test_a_lane_job_never_runs_in_the_callers_thread(self) -> None:
        """enqueue returns while the lane's job is still blocked; the job ran elsewhere."""
        jobs = Jobs(lanes={"mail": 1})
        release = threading.Event()
        threads: list[str] = []

        def send(_: Mapping[str, Any]) -> None:
            threads.append(threading.current_thread().name)
            release.wait(10)

        jobs.register(self.MAIL, send)
        started = time.monotonic()
        assert jobs.enqueue(self.MAIL, {})
        assert time.monotonic() - started < 1.0
        assert not jobs.drain(0.2), "the job is still blocked"
        release.set()
        assert jobs.drain(5)
        assert [threading.current_thread().name] != threads
        assert threads[0].startswith("taskcore-mail-")
        jobs.close()

    def test_a_blocked_lane_holds_up_neither_other_lanes_nor_plain_jobs(self) -> None:
        """Every webhooks thread hangs; mail and lane-less jobs still run at once."""
        jobs = Jobs(lanes={"webhooks": 2, "mail": 1})
        release = threading.Event()
        sent: list[int] = []
        plain = Recorder()
        jobs.register(self.HOOK, lambda _: release.wait(10))
        jobs.register(self.MAIL, lambda args: sent.append(int(args["n"])))
        jobs.register(DAILY, plain)
        for _ in range(10):
            jobs.enqueue(self.HOOK, {})
        jobs.enqueue(self.MAIL, {"n": 1})
        jobs.enqueue(DAILY, {"n": 2})
        assert [{"n": 2}] == plain.calls  # lane-less: in the caller's thread, at once
        deadline = time.monotonic() + 5
        while not sent and time.monotonic() < deadline:
            time.sleep(0.01)
        assert [1] == sent
        release.set()
        assert jobs.drain(5)
        jobs.close()

    def test_threads_per_lane_are_bounded(self) -> None:
        """Twenty hanging jobs on a lane of three threads: three run at a time."""
        jobs = Jobs(lanes={"webhooks": 3})
        release = threading.Event()
        running: list[int] = []
        most = [0]
        lock = threading.Lock()

        def hang(_: Mapping[str, Any]) -> None:
            with lock:
                running.append(1)
                most[0] = max(most[0], len(running))
            release.wait(10)
            with lock:
                running.pop()

        jobs.register(self.HOOK, hang)
        for _ in range(20):
            jobs.enqueue(self.HOOK, {})
        time.sleep(0.3)
        assert 3 == most[0]
        release.set()
        assert jobs.drain(5)
        assert 3 == most[0]
        jobs.close()

    def test_groups_take_turns_and_use_at_most_half_the_threads(self) -> None:
        """A group with 50 hanging jobs runs on 2 of 4 threads; a job of another group
        queued after them runs at once."""
        grouped = JobSpec(name="area.grouped", lane="webhooks", group_by="project_id")
        jobs = Jobs(lanes={"webhooks": 4})
        release = threading.Event()
        ran: list[int] = []
        busy_running: list[int] = []

        def job(args: Mapping[str, Any]) -> None:
            if args["project_id"] == 1:
                busy_running.append(1)
                release.wait(10)
            else:
                ran.append(int(args["project_id"]))

        jobs.register(grouped, job)
        for _ in range(50):
            jobs.enqueue(grouped, {"project_id": 1})
        jobs.enqueue(grouped, {"project_id": 2})
        deadline = time.monotonic() + 5
        while not ran and time.monotonic() < deadline:
            time.sleep(0.01)
        assert [2] == ran
        assert 2 == len(busy_running)
        release.set()
        assert jobs.drain(10)
        assert 50 == len(busy_running)
        jobs.close()

    def test_a_full_lane_refuses_and_forgets_the_job_id(self) -> None:
        """Past its backlog a lane raises Unavailable; the same id can be queued later."""
        release = threading.Event()
        queue = InlineQueue(lambda name, args: release.wait(10), lanes={"mail": 1}, backlog=2)
        assert queue.enqueue(self.MAIL, {}, job_id="a")  # running
        assert queue.enqueue(self.MAIL, {}, job_id="b")
        time.sleep(0.1)
        assert queue.enqueue(self.MAIL, {}, job_id="c")
        with pytest.raises(Unavailable):
            queue.enqueue(self.MAIL, {}, job_id="d")
        release.set()
        assert queue.drain(5)
        assert queue.enqueue(self.MAIL, {}, job_id="d")
        assert not queue.enqueue(self.MAIL, {}, job_id="a")
        assert queue.drain(5)
        queue.close()

    def test_close_drops_queued_jobs_and_refuses_new_ones(self) -> None:
        """After close the jobs not started never run and enqueue is refused."""
        release = threading.Event()
        ran: list[int] = []

        def job(name: str, args: Mapping[str, Any]) -> None:
            release.wait(10)
            ran.append(int(args["n"]))

        queue = InlineQueue(job, lanes={"mail": 1})
        for n in range(5):
            queue.enqueue(self.MAIL, {"n": n})
        time.sleep(0.1)
        release.set()
        queue.close(5)
        assert len(ran) < 5
        with pytest.raises(Unavailable):
            queue.enqueue(self.MAIL, {"n": 9})

    def test_without_lanes_every_job_runs_in_the_callers_thread(self) -> None:
        """lanes=None (deterministic tests) runs lane jobs at once, in the caller."""
        jobs = Jobs(lanes=None)
        seen: list[str] = []
        jobs.register(self.MAIL, lambda _: seen.append(threading.current_thread().name))
        jobs.enqueue(self.MAIL, {})
        assert [threading.current_thread().name] == seen

    def test_the_library_puts_mail_and_webhooks_on_lanes(self) -> None:
        """The jobs that reach other servers are the ones with a lane."""
        assert "mail" == notifications.SEND.lane
        assert "webhooks" == webhooks.DELIVER.lane
        assert events.DELIVER.lane is None
