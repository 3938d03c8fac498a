"""The JobQueue contract (the public suite :class:`taskcore_adapters.contracts.JobQueueContract`)
on taskcore's in-process queue and on rq against the real Redis server."""

# rq leaves some of its own functions untyped.
# mypy: disable-error-code="no-untyped-call"

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator

import pytest

from taskcore.ports.jobs import JobQueue
from taskcore.services.jobs import InlineQueue
from taskcore_adapters.contracts import JobQueueContract, JobRecorder
from taskcore_adapters.contracts.jobs import FailedJobs, RunQueued


class TestInlineQueue(JobQueueContract):
    """Scheduled jobs run at once in process (taskcore's jobs tolerate an early run); a
    failing job runs once and is logged (the jobs keep their own durable retry records)."""

    honours_run_at = False
    retries_failed_jobs = False

    @pytest.fixture
    def queue(self, runner: JobRecorder) -> Iterator[InlineQueue]:
        inline = InlineQueue(runner)
        yield inline
        inline.close()

    @pytest.fixture
    def run_queued(self, queue: InlineQueue) -> RunQueued:
        def run() -> None:
            assert queue.drain(30), "the lanes did not finish"

        return run

    @pytest.fixture
    def failed_jobs(self, caplog: pytest.LogCaptureFixture) -> FailedJobs:
        caplog.set_level(logging.WARNING, logger="taskcore.services.jobs")

        def failed() -> list[str]:
            return [
                str(record.args[0])
                for record in caplog.records
                if record.name == "taskcore.services.jobs"
                and record.msg == "inline job %s failed: %s"
                and isinstance(record.args, tuple)
            ]

        return failed


@pytest.mark.redis
class TestRqJobQueue(JobQueueContract):
    @pytest.fixture
    def queue(self, runner: JobRecorder, redis_url: str) -> Iterator[JobQueue]:
        from rq.registry import FailedJobRegistry, ScheduledJobRegistry

        from taskcore_adapters.rq import RqJobQueue
        from taskcore_adapters.rq import execute as rq_execute

        rq_execute.install(runner)
        rq = RqJobQueue.from_url(redis_url, queue_name=f"taskcore-test-{uuid.uuid4().hex[:10]}")
        yield rq
        for rq_queue in rq.queues:
            rq_queue.empty()
            for registry in (
                FailedJobRegistry(queue=rq_queue),
                ScheduledJobRegistry(queue=rq_queue),
            ):
                for job_id in registry.get_job_ids():
                    registry.remove(job_id, delete_job=True)
        rq.connection.close()

    @pytest.fixture
    def run_queued(self, queue: JobQueue) -> RunQueued:
        from rq.serializers import JSONSerializer

        from taskcore_adapters.rq import RqJobQueue
        from taskcore_adapters.worker import Worker

        assert isinstance(queue, RqJobQueue)

        def run() -> None:
            worker = Worker(queue.queues, connection=queue.connection, serializer=JSONSerializer)
            worker.work(burst=True, with_scheduler=True)

        return run

    @pytest.fixture
    def failed_jobs(self, queue: JobQueue) -> FailedJobs:
        from rq.registry import FailedJobRegistry

        from taskcore_adapters.rq import RqJobQueue

        assert isinstance(queue, RqJobQueue)

        def failed() -> list[str]:
            names: list[str] = []
            for rq_queue in queue.queues:
                ids = FailedJobRegistry(queue=rq_queue).get_job_ids()
                for job in rq_queue.job_class.fetch_many(
                    ids, connection=queue.connection, serializer=rq_queue.serializer
                ):
                    if job is not None:
                        names.append(str(job.args[0]))
            return sorted(names)

        return failed
