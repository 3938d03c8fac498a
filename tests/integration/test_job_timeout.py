"""Jobs running past their ``job_timeout`` are stopped by a real rq worker (T56): retried or
failed as their spec says, and the jobs queued behind them run normally."""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from typing import Any

import pytest
from rq.job import Job
from rq.registry import FailedJobRegistry, FinishedJobRegistry

from taskcore.domain.events import DomainEvent, UserRegistered
from taskcore.domain.pagination import PageRequest
from taskcore.ports.deliveries import DeliveryStatus
from taskcore.ports.jobs import JobSpec
from taskcore.services import events
from taskcore.services.events import HandlerSpec
from taskcore.uow import Work
from taskcore_adapters.bootstrap import Runtime
from taskcore_adapters.rq import RqJobQueue
from taskcore_adapters.worker import run

pytestmark = [pytest.mark.redis, pytest.mark.slow]

TIMEOUT = int(os.environ.get("TASKCORE_TEST_JOB_TIMEOUT", "2"))
"""The job timeout under test, in seconds."""

OVERRUN = TIMEOUT * 10
"""How long a stuck job would sleep if nothing stopped it."""


def failure_of(queue: RqJobQueue, job_id: str) -> str:
    """The recorded traceback of a failed job."""
    job = Job.fetch(job_id, connection=queue.connection, serializer=queue.queue.serializer)
    result = job.latest_result()
    assert result is not None
    return str(result.exc_string)


@pytest.mark.parametrize("retries", [0, 1])
def test_a_stuck_job_times_out_and_the_next_runs(
    runtime: Runtime, queue: RqJobQueue, retries: int
) -> None:
    """A job sleeping past its timeout is stopped after ``TIMEOUT`` seconds per attempt,
    tried ``retries + 1`` times, then failed with ``JobTimeoutException``; the job queued
    behind it finishes."""
    stuck = JobSpec(name="test.stuck", retries=retries, backoff_seconds=(), timeout_seconds=TIMEOUT)
    quick = JobSpec(name="test.quick", retries=0, timeout_seconds=TIMEOUT)
    attempts: list[float] = []
    done: list[Mapping[str, Any]] = []

    def sleep_too_long(args: Mapping[str, Any]) -> None:
        attempts.append(time.monotonic())
        time.sleep(OVERRUN)
        done.append(args)  # never reached

    runtime.core.jobs.register(stuck, sleep_too_long)
    runtime.core.jobs.register(quick, done.append)
    assert queue.enqueue(stuck, {"n": 1}, job_id="stuck")
    assert queue.enqueue(quick, {"n": 2}, job_id="quick")

    started = time.monotonic()
    run(runtime, queue, burst=True)
    elapsed = time.monotonic() - started

    assert retries + 1 == len(attempts)
    assert [{"n": 2}] == done
    assert elapsed < (retries + 1) * TIMEOUT + OVERRUN / 2, "the timeout did not stop the job"
    failed = FailedJobRegistry(queue=queue.queue).get_job_ids()
    finished = FinishedJobRegistry(queue=queue.queue).get_job_ids()
    assert [f"{queue.queue.name}-stuck"] == failed
    assert [f"{queue.queue.name}-quick"] == finished
    assert "JobTimeoutException" in failure_of(queue, failed[0])


def test_a_stuck_event_handler_is_rolled_back_and_recorded(
    runtime: Runtime, queue: RqJobQueue, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An event delivery stopped by its timeout leaves no effect, is recorded as a failed
    attempt for the dispatcher's own retry, and the delivery behind it succeeds."""
    monkeypatch.setattr(
        events, "DELIVER", JobSpec(name="events.deliver", retries=0, timeout_seconds=TIMEOUT)
    )
    stuck_users: set[int] = set()

    def bump(work: Work, event: DomainEvent) -> None:
        work.uow.users.record_login(event.entity_id, event.occurred_at)
        if event.entity_id in stuck_users:
            time.sleep(OVERRUN)

    runtime.core.events.register(HandlerSpec(name="bump", events=(UserRegistered,), func=bump))
    runtime.core.jobs.use_queue(queue)
    users = runtime.core.users
    slow = users.register(
        username="slow", email="s@example.com", password="long enough", full_name="S"
    )
    stuck_users.add(slow.id)
    fast = users.register(
        username="fast", email="f@example.com", password="long enough", full_name="F"
    )

    started = time.monotonic()
    run(runtime, queue, burst=True)
    assert time.monotonic() - started < TIMEOUT + OVERRUN / 2, "the timeout did not stop the job"

    with runtime.core.transactions() as work:
        logins = {
            user.username: user.login_count
            for user in (work.uow.users.get(slow.id), work.uow.users.get(fast.id))
            if user is not None
        }
    assert {"slow": 0, "fast": 1} == logins
    deliveries = {
        d.event_id: d
        for status in DeliveryStatus
        for d in runtime.core.events.list_deliveries(True, status, PageRequest()).items
        if d.handler == "bump"
    }
    statuses = sorted((d.status, d.attempts) for d in deliveries.values())
    assert sorted([(DeliveryStatus.DONE, 1), (DeliveryStatus.PENDING, 1)]) == statuses
    pending = next(d for d in deliveries.values() if d.status == DeliveryStatus.PENDING)
    assert pending.last_error is not None
    assert pending.last_error.startswith("JobTimeoutException")
