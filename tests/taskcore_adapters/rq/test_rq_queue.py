"""The rq job queue against the real Redis server."""

# rq leaves some of its own functions untyped.
# mypy: disable-error-code="no-untyped-call"

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from redis import Redis
from rq.registry import FailedJobRegistry, ScheduledJobRegistry
from rq.serializers import JSONSerializer

from taskcore import errors
from taskcore.ports.jobs import JobSpec
from taskcore_adapters.rq import RqJobQueue
from taskcore_adapters.rq import execute as rq_execute
from taskcore_adapters.rq.queue import rq_job_id
from taskcore_adapters.worker import Worker

pytestmark = pytest.mark.redis

SPEC = JobSpec(name="test.job", retries=2, backoff_seconds=(0,), timeout_seconds=30)


@pytest.fixture
def queue(redis_url: str) -> Iterator[RqJobQueue]:
    """A queue with a name of its own, emptied afterwards."""
    q = RqJobQueue.from_url(redis_url, queue_name=f"taskcore-test-{uuid.uuid4().hex[:10]}")
    yield q
    for rq_queue in q.queues:
        rq_queue.empty()
        for registry in (FailedJobRegistry(queue=rq_queue), ScheduledJobRegistry(queue=rq_queue)):
            for job_id in registry.get_job_ids():
                registry.remove(job_id, delete_job=True)
    q.connection.close()


class Recorder:
    def __init__(self, fail_times: int = 0) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.fail_times = fail_times

    def __call__(self, name: str, args: Mapping[str, Any]) -> None:
        self.calls.append((name, dict(args)))
        if len(self.calls) <= self.fail_times:
            raise RuntimeError("temporary failure")


def work(queue: RqJobQueue) -> None:
    Worker(queue.queues, connection=queue.connection, serializer=JSONSerializer).work(burst=True)


class TestRqJobQueue:
    def test_job_runs_with_its_arguments(self, queue: RqJobQueue) -> None:
        """An enqueued job runs in the worker with its name and JSON arguments."""
        recorder = Recorder()
        rq_execute.install(recorder)
        assert queue.enqueue(SPEC, {"event_id": "e1", "n": 3})
        work(queue)
        assert [("test.job", {"event_id": "e1", "n": 3})] == recorder.calls

    def test_same_job_id_is_queued_once(self, queue: RqJobQueue) -> None:
        """A second enqueue with a job id still queued is ignored."""
        recorder = Recorder()
        rq_execute.install(recorder)
        job_id = f"evt-{uuid.uuid4().hex}"
        assert queue.enqueue(SPEC, {"n": 1}, job_id=job_id)
        assert not queue.enqueue(SPEC, {"n": 2}, job_id=job_id)
        work(queue)
        assert [("test.job", {"n": 1})] == recorder.calls

    def test_job_id_with_dots_is_accepted(self, queue: RqJobQueue) -> None:
        """A job id holding characters rq refuses (dots) is queued, once, and runs."""
        recorder = Recorder()
        rq_execute.install(recorder)
        job_id = f"evt-{uuid.uuid4().hex}-notifications.task_assigned-0-1"
        assert (True, False) == (
            queue.enqueue(SPEC, {"n": 1}, job_id=job_id),
            queue.enqueue(SPEC, {"n": 1}, job_id=job_id),
        )
        work(queue)
        assert [("test.job", {"n": 1})] == recorder.calls

    def test_failure_is_retried_then_succeeds(self, queue: RqJobQueue) -> None:
        """A job failing once is retried and then succeeds; nothing is left failed."""
        recorder = Recorder(fail_times=1)
        rq_execute.install(recorder)
        queue.enqueue(SPEC, {"n": 1})
        for _ in range(3):
            work(queue)
        assert 2 == len(recorder.calls)
        assert 0 == FailedJobRegistry(queue=queue.queue).count

    def test_exhausted_retries_land_in_failed_registry(self, queue: RqJobQueue) -> None:
        """A job that keeps failing runs 1 + retries times and is kept as failed."""
        recorder = Recorder(fail_times=99)
        rq_execute.install(recorder)
        doomed = f"doomed-{uuid.uuid4().hex}"
        queue.enqueue(SPEC, {"n": 1}, job_id=doomed)
        for _ in range(4):
            work(queue)
        assert 3 == len(recorder.calls)
        assert [rq_job_id(f"{queue.queue.name}-{doomed}")] == FailedJobRegistry(
            queue=queue.queue
        ).get_job_ids()

    def test_scheduled_job_waits(self, queue: RqJobQueue) -> None:
        """A job for later is in the scheduled registry, not run by a worker now."""
        recorder = Recorder()
        rq_execute.install(recorder)
        later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
        later_id = f"later-{uuid.uuid4().hex}"
        assert queue.enqueue(SPEC, {"n": 1}, job_id=later_id, run_at=later)
        work(queue)
        assert [] == recorder.calls
        assert [rq_job_id(f"{queue.queue.name}-{later_id}")] == ScheduledJobRegistry(
            queue=queue.queue
        ).get_job_ids()


def test_unreachable_redis_is_unavailable() -> None:
    """Enqueueing while Redis is unreachable raises Unavailable, not a Redis error."""
    queue = RqJobQueue(Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=1))
    with pytest.raises(errors.Unavailable):
        queue.enqueue(SPEC, {"n": 1})


class TestLanes:
    MAIL = JobSpec(name="test.mail", retries=0, lane="mail")
    HOOK = JobSpec(name="test.hook", retries=0, lane="webhooks")

    def test_lane_jobs_go_to_their_lanes_queue(self, queue: RqJobQueue) -> None:
        """Jobs of a lane wait in ``<name>-<lane>``, the others in the queue itself."""
        queue.enqueue(SPEC, {"n": 1})
        queue.enqueue(self.MAIL, {"n": 2})
        queue.enqueue(self.HOOK, {"n": 3})
        queue.enqueue(self.HOOK, {"n": 4})
        assert (1, 1, 2) == (
            queue.queue.count,
            queue.lane("mail").count,
            queue.lane("webhooks").count,
        )
        name = queue.queue.name
        assert [name, f"{name}-mail", f"{name}-webhooks", f"{name}-imports"] == [
            q.name for q in queue.queues
        ]

    def test_workers_serve_taskcores_jobs_then_mail_then_webhooks(self, queue: RqJobQueue) -> None:
        """Webhook jobs queued first still run after the mail and taskcore's own jobs."""
        recorder = Recorder()
        rq_execute.install(recorder)
        queue.enqueue(self.HOOK, {"n": 1})
        queue.enqueue(self.MAIL, {"n": 2})
        queue.enqueue(SPEC, {"n": 3})
        work(queue)
        assert ["test.job", "test.mail", "test.hook"] == [name for name, _ in recorder.calls]

    def test_a_worker_given_one_lane_serves_only_it(self, queue: RqJobQueue) -> None:
        """A worker for the webhooks lane leaves the other jobs queued."""
        recorder = Recorder()
        rq_execute.install(recorder)
        queue.enqueue(SPEC, {"n": 1})
        queue.enqueue(self.HOOK, {"n": 2})
        Worker(
            [queue.lane("webhooks")], connection=queue.connection, serializer=JSONSerializer
        ).work(burst=True)
        assert [("test.hook", {"n": 2})] == recorder.calls
        assert 1 == queue.queue.count
