"""taskcore's in-memory adapters run through the public contract suites, as the tests of
a third-party adapter would: for each port, one subclass of its suite and the fixtures
that build the adapter (and, for a mailer or a queue, observe it).

Run: pytest examples/test_memory_adapters.py
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from taskcore import errors
from taskcore.ports.events import EventBus
from taskcore.ports.files import FileStore
from taskcore.ports.uow import UnitOfWorkFactory
from taskcore.services.jobs import InlineQueue
from taskcore_adapters.contracts import (
    Delivered,
    EventBusContract,
    FileStoreContract,
    JobQueueContract,
    JobRecorder,
    MailerContract,
    UnitOfWorkContract,
)
from taskcore_adapters.contracts.jobs import FailedJobs, RunQueued
from taskcore_adapters.contracts.mail import Failure, Received, Refusing
from taskcore_adapters.events import LocalEventBus
from taskcore_adapters.memory import InMemoryFileStore, InMemoryStore, RecordingMailer


class TestInMemoryRepositories(UnitOfWorkContract):
    """Users, projects, members, tasks, commit and rollback: one fixture."""

    @pytest.fixture
    def uow_factory(self) -> UnitOfWorkFactory:
        return InMemoryStore()  # a fresh, empty store for each check


class TestInMemoryFiles(FileStoreContract):
    @pytest.fixture
    def store(self) -> FileStore:
        return InMemoryFileStore()


class TestLocalEvents(EventBusContract):
    @pytest.fixture
    def bus(self) -> EventBus:
        return LocalEventBus()


class TestRecordingMailer(MailerContract):
    """The mailer, what it delivered, and a way to make its backing refuse."""

    @pytest.fixture
    def mailer(self) -> RecordingMailer:
        return RecordingMailer()

    @pytest.fixture
    def delivered(self, mailer: RecordingMailer) -> Received:
        # It keeps OutgoingMail objects: Delivered.of builds the MIME message of each.
        return lambda: [Delivered.of(sent) for sent in mailer.sent]

    @pytest.fixture
    def refusing(self, mailer: RecordingMailer) -> Refusing:
        refusals: dict[Failure, errors.TaskcoreError] = {
            "temporary": errors.MailTemporaryFailure("SMTP 451 later", code=451),
            "rejected": errors.MailRejected("SMTP 550 no such user", code=550),
            "configuration": errors.MailConfigurationError("SMTP 535 refused", code=535),
        }

        @contextmanager
        def refuse(failure: Failure) -> Iterator[None]:
            mailer.fail_with[:] = [refusals[failure]] * 10
            try:
                yield
            finally:
                mailer.fail_with.clear()

        return refuse


class TestInProcessQueue(JobQueueContract):
    """The queue runs its jobs through the suite's ``runner``; ``run_queued`` waits for
    them; ``failed_jobs`` names the jobs it gave up on (this queue logs them). It runs
    scheduled jobs at once and never retries (taskcore's jobs keep their own retry
    records), so it says so."""

    honours_run_at = False
    retries_failed_jobs = False

    @pytest.fixture
    def queue(self, runner: JobRecorder) -> Iterator[InlineQueue]:
        queue = InlineQueue(runner)
        yield queue
        queue.close()

    @pytest.fixture
    def run_queued(self, queue: InlineQueue) -> RunQueued:
        def run() -> None:
            assert queue.drain(30), "jobs still running after 30 s"

        return run

    @pytest.fixture
    def failed_jobs(self, caplog: pytest.LogCaptureFixture) -> FailedJobs:
        caplog.set_level(logging.WARNING, logger="taskcore.services.jobs")

        def failed() -> list[str]:
            return [
                str(record.args[0])
                for record in caplog.records
                if record.msg == "inline job %s failed: %s" and isinstance(record.args, tuple)
            ]

        return failed
