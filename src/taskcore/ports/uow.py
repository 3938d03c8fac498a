"""The unit of work: one transaction over every repository."""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self

from taskcore.ports.deliveries import DeliveryRepository
from taskcore.ports.repositories import (
    AttachmentRepository,
    BlobDeletionRepository,
    CommentRepository,
    Outbox,
    ProjectRepository,
    RevokedTokenRepository,
    TaskRepository,
    UserRepository,
)


class UnitOfWork(Protocol):
    """One atomic transaction.

    Used as a context manager. Nothing is kept unless :meth:`commit` is called before the
    block ends; leaving the block without committing, or by an exception, rolls back.
    Implementations translate their own connection failures into
    :class:`~taskcore.errors.Unavailable`.
    """

    @property
    def users(self) -> UserRepository:
        """User accounts."""
        ...

    @property
    def revoked_tokens(self) -> RevokedTokenRepository:
        """Revoked access tokens."""
        ...

    @property
    def projects(self) -> ProjectRepository:
        """Projects and their memberships."""
        ...

    @property
    def tasks(self) -> TaskRepository:
        """Tasks, with their labels and watchers."""
        ...

    @property
    def comments(self) -> CommentRepository:
        """Comments on tasks."""
        ...

    @property
    def deliveries(self) -> DeliveryRepository:
        """Which handler has processed which event."""
        ...

    @property
    def attachments(self) -> AttachmentRepository:
        """Attachments' metadata."""
        ...

    @property
    def blob_deletions(self) -> BlobDeletionRepository:
        """Blobs to remove from the file store once their attachments are gone."""
        ...

    @property
    def outbox(self) -> Outbox:
        """Events waiting to be published."""
        ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None:
        """Make every change of this unit durable, together."""
        ...

    def rollback(self) -> None:
        """Discard every change of this unit."""
        ...


class UnitOfWorkFactory(Protocol):
    """Creates a fresh :class:`UnitOfWork` per use-case call."""

    def __call__(self) -> UnitOfWork: ...
