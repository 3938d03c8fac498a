"""``taskcore worker``: rq workers for taskcore's queue, plus the outbox relay loop.

Each worker process builds its own runtime from the settings, installs it as the runner of
rq jobs, and runs a background thread that relays the outbox and re-queues due event
deliveries every few seconds (so nothing committed is lost even if a web process died
between its commit and its enqueue). Jobs run in the worker process itself (rq's
``SimpleWorker``): no fork, so database connection pools are never shared between
processes. Run several workers for parallelism.

rq reads its command channel (``rq`` shutdown, stop-job and kill-horse commands) in a
thread; taskcore's workers read it in rounds of :data:`COMMAND_READ_SECONDS`, so a
stopping worker (and every round of a burst run) never waits long for that thread, and a
stopping worker signals its scheduler process until it has ended.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
from collections.abc import Sequence
from multiprocessing.process import BaseProcess

from rq import Queue, SimpleWorker
from rq.job import Job
from rq.serializers import JSONSerializer

from taskcore_adapters.bootstrap import Runtime
from taskcore_adapters.rq import RqJobQueue
from taskcore_adapters.rq import execute as rq_execute

log = logging.getLogger(__name__)

COMMAND_READ_SECONDS = 1.0
"""How long the command-channel thread waits in one read: the longest a stopping worker
waits for it."""

STOP_CHECK_SECONDS = 2
"""The longest an idle worker waits for a job before it looks again whether it was asked
to stop (see :meth:`Worker._shutdown`)."""

SCHEDULER_STOP_SECONDS = 2.0
"""How long a stopping worker waits for its scheduler process before it signals it again
(the scheduler checks for a stop about once a second)."""


class Worker(SimpleWorker):
    """rq's ``SimpleWorker`` that always hears a warm shutdown, and whose command-channel
    thread stops within a second.

    rq's SIGTERM handler, when no job is running, raises ``StopRequested`` in whatever code
    the main thread is running. If that is a logging call (rq logs on every round),
    ``logging.Handler.emit`` catches the exception, prints ``--- Logging error ---`` and
    carries on: the request was lost, and the worker waited for jobs until killed. So a
    stop request here also sets the flag rq checks before taking each job, and an idle
    worker waits for a job in rounds of :data:`STOP_CHECK_SECONDS`, looking at that flag
    between rounds.

    rq reads the channel in redis-py's ``PubSubWorkerThread`` with 60-second reads, and at
    teardown sends ``UNSUBSCRIBE`` *before* telling that thread to stop, then waits for
    it. If the thread reads the unsubscribe reply before it is told to stop (a busy
    machine switches threads exactly there), it starts another read, which waits for a
    subscription that never comes, and the teardown waited the full 60 seconds (at the end
    of any round of a burst run, or of a stopped worker). With short reads the thread sees
    the stop within one read.
    """

    def _shutdown(self) -> None:
        """Flag the stop, then let rq stop (at once when idle, after the job when busy)."""
        self._stop_requested = True  # kept even if rq's StopRequested is swallowed
        super()._shutdown()  # type: ignore[no-untyped-call]

    def dequeue_job_and_maintain_ttl(
        self, timeout: int | None, max_idle_time: int | None = None
    ) -> tuple[Job, Queue] | None:
        """Wait for the next job in rounds of :data:`STOP_CHECK_SECONDS`; ``None`` once a
        stop was requested (the work loop then ends)."""
        if timeout is None or max_idle_time is not None:  # burst, or rq's own idle limit
            return super().dequeue_job_and_maintain_ttl(timeout, max_idle_time)
        while not self._stop_requested:
            result = super().dequeue_job_and_maintain_ttl(
                min(timeout, STOP_CHECK_SECONDS), max_idle_time=STOP_CHECK_SECONDS
            )
            if result is not None:
                return result
        return None

    def subscribe(self) -> None:
        """Subscribe to this worker's command channel, read in short rounds."""
        self.log.info("Worker %s: subscribing to channel %s", self.name, self.pubsub_channel_name)
        self.pubsub = self.connection.pubsub()
        self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
        # rq annotates the attribute with its initial ``None`` only.
        self.pubsub_thread = self.pubsub.run_in_thread(  # type: ignore[assignment]
            sleep_time=COMMAND_READ_SECONDS,
            daemon=True,
            exception_handler=self._pubsub_exception_handler,
        )

    def stop_scheduler(self) -> None:
        """Stop the scheduler process, sending SIGTERM again until it has ended.

        rq forks the scheduler and sends it one SIGTERM at teardown. The child installs its
        own handler only once it runs; a signal that arrives before (a worker stopped just
        as it starts, on a busy machine) runs the handler inherited from this process, which
        only flags this process's copy of the worker, and rq then waited forever for a
        scheduler that never heard it. Each round waits up to
        :data:`SCHEDULER_STOP_SECONDS`.
        """
        # rq annotates the attribute with its initial ``None`` only.
        process: BaseProcess | None = getattr(self.scheduler, "_process", None)
        if process is None or not process.pid:
            return
        while process.exitcode is None:
            with contextlib.suppress(OSError):
                os.kill(process.pid, signal.SIGTERM)
            process.join(SCHEDULER_STOP_SECONDS)


def run(
    runtime: Runtime,
    queue: RqJobQueue,
    *,
    burst: bool = False,
    interval: float = 2.0,
    lanes: Sequence[str] | None = None,
) -> bool:
    """Work on ``queue`` with ``runtime`` until stopped (or, with ``burst``, until the
    outbox and the queue are both empty).

    Args:
        runtime: Runs the jobs.
        queue: Where they come from.
        burst: Stop once there is nothing left to do.
        interval: Seconds between relay rounds.
        lanes: Serve only these lanes (``default`` is taskcore's own jobs), in this
            order; every lane by default (taskcore's own jobs, then mail, then webhooks).

    Returns:
        Whether any job was processed.
    """
    rq_execute.install(runtime.core.run_job)  # timed and traced: see parts.observe_jobs
    queues = queue.queues if not lanes else [queue.lane(name) for name in lanes]
    worker = Worker(queues, connection=queue.connection, serializer=JSONSerializer)
    if burst:
        # Relay, work, and again: jobs may commit events of their own.
        processed = False
        while True:
            runtime.core.tick()
            if not worker.work(burst=True, with_scheduler=True, logging_level="INFO"):
                return processed
            processed = True
    _stop_on_early_sigterm(worker)
    stop = threading.Event()
    relay = threading.Thread(
        target=runtime.core.pump, args=(stop, interval), name="taskcore-relay", daemon=True
    )
    relay.start()
    try:
        return bool(worker.work(burst=False, with_scheduler=True, logging_level="INFO"))
    finally:
        stop.set()
        runtime.core.wake()
        relay.join(timeout=10)


def _stop_on_early_sigterm(worker: Worker) -> None:
    """Make a SIGTERM that comes before rq installs its own handler (which it does only
    after registering the worker and starting its scheduler) a warm shutdown too, instead
    of the default of ending the process at once, relay round and all: rq then stops
    before its first job, deregisters, and the relay thread finishes its round."""
    if threading.current_thread() is not threading.main_thread():
        return  # signal handlers can only be set in the main thread

    def request_stop(signum: int, frame: object) -> None:
        worker._stop_requested = True  # rq checks it before taking each job

    signal.signal(signal.SIGTERM, request_stop)
