"""The rq worker of ``taskcore worker`` against the real Redis server."""

from __future__ import annotations

import multiprocessing
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from redis import Redis
from redis.client import PubSub
from rq.serializers import JSONSerializer

from taskcore_adapters.rq import RqJobQueue
from taskcore_adapters.worker import (
    COMMAND_READ_SECONDS,
    SCHEDULER_STOP_SECONDS,
    STOP_CHECK_SECONDS,
    Worker,
)

pytestmark = pytest.mark.redis


@pytest.fixture
def queue(redis_url: str) -> Iterator[RqJobQueue]:
    """An empty queue with a name of its own."""
    q = RqJobQueue.from_url(redis_url, queue_name=f"taskcore-test-{uuid.uuid4().hex[:10]}")
    yield q
    q.connection.close()


def test_teardown_does_not_wait_for_a_command_read_that_lost_the_race(
    queue: RqJobQueue, monkeypatch: pytest.MonkeyPatch
) -> None:
    """rq sends ``UNSUBSCRIBE`` before it stops the command-channel thread and waits for
    it; when that thread reads the reply first (as a busy machine lets it), it starts a
    read waiting for a subscription that never comes. Forced here on every teardown, an
    empty burst run still ends within a read or two, not after rq's 60-second read."""
    unsubscribe = PubSub.unsubscribe
    raced: list[bool] = []

    def unsubscribe_and_let_the_reader_win(self: PubSub, *args: Any) -> Any:
        sent = unsubscribe(self, *args)  # type: ignore[no-untyped-call]
        deadline = time.monotonic() + 10
        while self.subscribed and time.monotonic() < deadline:
            time.sleep(0.01)  # the reader thread handles the reply and reads again
        raced.append(not self.subscribed)
        return sent

    monkeypatch.setattr(PubSub, "unsubscribe", unsubscribe_and_let_the_reader_win)
    connection: Redis = queue.connection
    worker = Worker([queue.queue], connection=connection, serializer=JSONSerializer)
    before = set(threading.enumerate())

    started = time.monotonic()
    assert not worker.work(burst=True)
    elapsed = time.monotonic() - started

    assert [True] == raced
    assert elapsed < 5 * COMMAND_READ_SECONDS + 2, "the teardown waited for a stale read"
    assert not [t for t in set(threading.enumerate()) - before if t.is_alive()]


def _scheduler_that_misses_the_first_sigterm(ready: Any, stopped: Any) -> None:
    """A stand-in for rq's scheduler process at the worst moment: the first SIGTERM reaches
    it before it has its own handler (the inherited one only flags a copy of the worker),
    the next ones reach its handler, which ends it."""
    received: list[int] = []

    def handler(signum: int, frame: object) -> None:
        received.append(signum)

    signal.signal(signal.SIGTERM, handler)
    ready.set()
    while len(received) < 2:
        time.sleep(0.01)
    stopped.set()


def test_a_scheduler_that_missed_the_stop_signal_is_signalled_again(queue: RqJobQueue) -> None:
    """rq signals its scheduler process once at teardown and waits for it without a limit;
    a worker stopped just as it starts (its scheduler not yet listening) waited forever.
    taskcore's worker signals again until the scheduler has ended."""
    context = multiprocessing.get_context("fork")
    ready, stopped = context.Event(), context.Event()
    process = context.Process(
        target=_scheduler_that_misses_the_first_sigterm, args=(ready, stopped), daemon=True
    )
    process.start()
    assert ready.wait(30), "the stand-in scheduler did not start"
    worker = Worker([queue.queue], connection=queue.connection, serializer=JSONSerializer)
    worker.scheduler = SimpleNamespace(_process=process)  # type: ignore[assignment]
    stopping = threading.Thread(target=worker.stop_scheduler, daemon=True)
    started = time.monotonic()
    stopping.start()
    stopping.join(timeout=30)
    try:
        assert not stopping.is_alive(), "the worker still waits for its scheduler"
        assert stopped.is_set()  # it ended on the second signal, not by being killed
        assert time.monotonic() - started < 3 * SCHEDULER_STOP_SECONDS
    finally:
        process.kill()
        process.join()


# A worker whose SIGTERM arrives while rq is writing a log line: the signal is sent from
# the log handler itself, so rq's signal handler runs (and raises) inside ``emit``.
SIGNAL_WHILE_LOGGING = """
import logging, os, signal, sys
from rq.serializers import JSONSerializer
from taskcore_adapters.rq import RqJobQueue
from taskcore_adapters.worker import Worker

class SignalWhileLogging(logging.StreamHandler):
    sent = False
    def format(self, record):
        if not SignalWhileLogging.sent and "cleaning registries" in record.getMessage():
            SignalWhileLogging.sent = True
            os.kill(os.getpid(), signal.SIGTERM)
        return super().format(record)

logger = logging.getLogger("rq.worker")
logger.addHandler(SignalWhileLogging(sys.stdout))
logger.setLevel(logging.INFO)
queue = RqJobQueue.from_url(sys.argv[1], queue_name=sys.argv[2])
Worker([queue.queue], connection=queue.connection, serializer=JSONSerializer).work()
print("signal sent:", SignalWhileLogging.sent)
"""


def test_a_stop_signal_that_lands_in_a_log_call_still_stops_the_worker(
    queue: RqJobQueue, redis_url: str
) -> None:
    """rq's SIGTERM handler raises ``StopRequested`` wherever the idle worker is; inside a
    log call, ``logging`` swallows it (``--- Logging error ---``) and rq's worker then
    waited for jobs until killed. taskcore's worker keeps the request as a flag and looks
    at it between short waits, so it stops within a wait."""
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", SIGNAL_WHILE_LOGGING, redis_url, queue.queue.name],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert "--- Logging error ---" in done.stderr  # the exception was swallowed
    assert "StopRequested" in done.stderr
    assert 0 == done.returncode, done.stderr[-2000:]
    assert "signal sent: True" in done.stdout
    assert time.monotonic() - started < 20 + 3 * STOP_CHECK_SECONDS
