"""The composition of the core: build every service from the ports it is handed."""

from __future__ import annotations

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
from taskcore.services.attachments import AttachmentService, NoFileStore
from taskcore.services.comments import CommentService
from taskcore.services.events import EventDispatcher, HandlerSpec
from taskcore.services.projects import ProjectService
from taskcore.services.tasks import TaskService
from taskcore.services.users import UserService
from taskcore.uow import Transactions


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
    transactions: Transactions

    def run_job(self, name: str, args: Mapping[str, Any]) -> None:
        """Run a background job by name (job queues and workers call this).

        Raises:
            ValueError: no job has this name.
        """
        if not (self.events.run_job(name, args) or self.attachments.run_job(name, args)):
            raise ValueError(f"unknown job {name!r}")


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
    events = EventDispatcher(
        transactions=transactions, clock=clock, queue=job_queue, handlers=event_handlers
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
        transactions=transactions,
    )
