"""A worker killed in the middle of a job loses nothing and applies the effect once."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from taskcore.domain.events import DomainEvent, UserRegistered
from taskcore.domain.pagination import PageRequest
from taskcore.ports.deliveries import DeliveryStatus
from taskcore.services.events import LEASE, HandlerSpec
from taskcore.uow import Work
from taskcore_adapters.bootstrap import from_settings
from taskcore_adapters.config import Settings
from taskcore_adapters.memory import ManualClock
from taskcore_adapters.rq import RqJobQueue
from taskcore_adapters.security import Argon2PasswordHasher
from taskcore_adapters.worker import run

pytestmark = [pytest.mark.redis, pytest.mark.slow]

# The worker process: its handler applies the effect, signals that it is inside the job,
# and waits to be killed before its transaction can commit.
WORKER = """
import sys, time
from pathlib import Path
from taskcore.domain.events import UserRegistered
from taskcore.services.events import HandlerSpec
from taskcore_adapters.bootstrap import from_settings
from taskcore_adapters.config import Settings
from taskcore_adapters.rq import RqJobQueue
from taskcore_adapters.worker import run

data_dir, database_url, redis_url, queue_name, marker = sys.argv[1:6]

def bump(work, event):
    work.uow.users.record_login(event.entity_id, event.occurred_at)
    Path(marker).write_text("inside the job")
    time.sleep(120)

settings = Settings(
    data_dir=Path(data_dir), database_url=database_url, queue_url=redis_url, secret_key="s" * 40
)
runtime = from_settings(settings, migrate=False)
runtime.core.events.register(
    HandlerSpec(name="bump", events=(UserRegistered,), func=bump)
)
run(runtime, RqJobQueue.from_url(redis_url, queue_name=queue_name), burst=True)
"""


def bump(work: Work, event: DomainEvent) -> None:
    work.uow.users.record_login(event.entity_id, event.occurred_at)


def test_killed_worker_job_runs_again_once(
    tmp_path: Path,
    database_url: str,
    redis_url: str,
    queue: RqJobQueue,
    hasher: Argon2PasswordHasher,
) -> None:
    """After SIGKILL mid-job the effect is absent; once the lease ends it is applied once."""
    clock = ManualClock(dt.datetime.now(dt.UTC))
    settings = Settings(
        data_dir=tmp_path, database_url=database_url, queue_url=redis_url, secret_key="s" * 40
    )
    runtime = from_settings(settings, password_hasher=hasher, migrate=False, clock=clock)
    try:
        runtime.core.events.register(HandlerSpec(name="bump", events=(UserRegistered,), func=bump))
        runtime.core.jobs.use_queue(queue)
        user = runtime.core.users.register(
            username="dave", email="dave@example.com", password="long enough", full_name="D"
        )
        assert 1 == queue.queue.count

        marker = tmp_path / "inside"
        script = [str(tmp_path), database_url, redis_url, queue.queue.name, str(marker)]
        worker = subprocess.Popen(
            [sys.executable, "-c", WORKER, *script],
            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        )
        try:
            deadline = time.monotonic() + 60
            while not marker.exists() and worker.poll() is None:
                assert time.monotonic() < deadline, "the worker never started the job"
                time.sleep(0.05)
            assert worker.poll() is None, "the worker ended before it was killed"
        finally:
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=10)

        def state() -> tuple[int, list[DeliveryStatus]]:
            with runtime.core.transactions() as work:
                stored = work.uow.users.get(user.id)
            assert stored is not None
            statuses = [
                status
                for status in DeliveryStatus
                for d in runtime.core.events.list_deliveries(True, status, PageRequest()).items
                if d.handler == "bump"
            ]
            return stored.login_count, statuses

        assert (0, [DeliveryStatus.PENDING]) == state()  # the killed transaction left nothing

        run(runtime, queue, burst=True)  # within the lease: nothing is queued again
        assert (0, [DeliveryStatus.PENDING]) == state()

        clock.advance(seconds=LEASE.total_seconds() + 1)
        run(runtime, queue, burst=True)
        run(runtime, queue, burst=True)
        assert (1, [DeliveryStatus.DONE]) == state()
    finally:
        runtime.close()
