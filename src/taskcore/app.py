"""The composition of the core: build every service from the ports it is handed."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from taskcore.domain.attachments import DEFAULT_MAX_UPLOAD_BYTES
from taskcore.domain.events import ProjectDeleted, TaskDeleted
from taskcore.ports.clock import Clock
from taskcore.ports.events import EventBus
from taskcore.ports.files import FileStore
from taskcore.ports.jobs import JobQueue
from taskcore.ports.security import PasswordHasher, TokenService
from taskcore.ports.uow import UnitOfWorkFactory
from taskcore.services.attachments import SWEEP_FILES, AttachmentService, NoFileStore
from taskcore.services.comments import CommentService
from taskcore.services.events import EventDispatcher, HandlerSpec
from taskcore.services.jobs import Jobs
from taskcore.services.projects import ProjectService
from taskcore.services.tasks import TaskService
from taskcore.services.users import UserService
from taskcore.uow import Transactions

log = logging.getLogger(__name__)


@attrs.frozen(kw_only=True)
class Taskcore:
    """A ready taskcore instance: one attribute per use-case area.

    Instances share nothing; several can live in one process.
    """

    users: UserService
    projects: ProjectService
    tasks: TaskService
    comments: CommentService
    attachments: AttachmentService
    events: EventDispatcher
    jobs: Jobs
    transactions: Transactions
    clock: Clock

    def run_job(self, name: str, args: Mapping[str, Any]) -> None:
        """Run a background job by name (job queues and workers call this).

        Raises:
            ValueError: no job has this name.
        """
        self.jobs.run(name, args)

    def tick(self) -> None:
        """One round of background housekeeping: relay the outbox, re-queue event
        deliveries that are due, and enqueue periodic jobs whose time has come."""
        self.events.relay()
        self.events.retry_due()
        self.jobs.run_due(self.clock.now())

    def pump(self, stop: threading.Event, interval: float = 2.0) -> None:
        """Call :meth:`tick` every ``interval`` seconds until ``stop`` is set (the worker
        and the embedded server run this in a thread). A failing round (database or queue
        briefly down) is logged and tried again next round."""
        while not stop.is_set():
            try:
                self.tick()
            except Exception:  # keep pumping; the next round retries
                log.exception("background round failed")
            stop.wait(interval)


def build(
    *,
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    password_hasher: PasswordHasher,
    token_service: TokenService,
    event_bus: EventBus | None = None,
    job_queue: JobQueue | None = None,
    event_handlers: Sequence[HandlerSpec] = (),
    file_store: FileStore | None = None,
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
) -> Taskcore:
    """Assemble taskcore from its ports.

    Args:
        uow_factory: Makes a unit of work per use-case call.
        clock: Source of the current time (aware UTC).
        password_hasher: Hashes and verifies passwords.
        token_service: Mints and verifies access tokens.
        event_bus: Receives events after commit, if given.
        job_queue: Where background jobs go; by default they run inline, in process.
        event_handlers: Consumers of domain events, each run once per event.
        file_store: Where attachments' files live; without one, uploads and downloads
            fail with ``Unavailable``.
        max_upload_bytes: The largest attachment accepted (16 MiB by default).

    Returns:
        The assembled instance.
    """
    transactions = Transactions(uow_factory, event_bus)
    jobs = Jobs(job_queue)
    events = EventDispatcher(
        transactions=transactions, clock=clock, jobs=jobs, handlers=event_handlers
    )
    transactions.after_commit(events.relay_now)
    attachments = AttachmentService(
        transactions=transactions,
        clock=clock,
        files=file_store or NoFileStore(),
        max_upload_bytes=max_upload_bytes,
    )
    # Deleting a task or project deletes its attachments in the same transaction.
    transactions.handle_in_transaction((TaskDeleted, ProjectDeleted), attachments.on_tasks_deleted)
    jobs.register(SWEEP_FILES, attachments.run_sweep_job)
    jobs.every(SWEEP_FILES, dt.timedelta(days=1), offset=dt.timedelta(hours=3))
    return Taskcore(
        users=UserService(
            transactions=transactions,
            clock=clock,
            hasher=password_hasher,
            tokens=token_service,
        ),
        projects=ProjectService(transactions=transactions, clock=clock),
        tasks=TaskService(transactions=transactions, clock=clock),
        comments=CommentService(transactions=transactions, clock=clock),
        attachments=attachments,
        events=events,
        jobs=jobs,
        transactions=transactions,
        clock=clock,
    )
