"""Storage of attachments' metadata and of the blob removals still to do."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from typing import Protocol

from taskcore.domain.attachments import Attachment, AttachmentStats, AttachmentView, BlobDeletion
from taskcore.domain.pagination import Keyset


class AttachmentRepository(Protocol):
    """Stores attachments' metadata (their blobs live in a ``FileStore``).

    Read models (:class:`AttachmentView`) carry the uploader's username and the task's
    project, read in the same query as the attachments.

    An attachment row outlives the deletion of its task until the end of the transaction,
    so :meth:`delete_for_tasks` still finds it; a transaction that deletes a task and
    leaves its attachments behind cannot commit.
    """

    def add(self, attachment: Attachment) -> Attachment:
        """Store a new attachment and return it with its id assigned.

        The task is locked against deletion until the end of the transaction.

        Raises:
            TaskNotFound: the task does not exist (also when a concurrent transaction has
                just deleted it).
        """
        ...

    def get(self, attachment_id: int) -> AttachmentView | None:
        """The attachment with this id, or ``None``."""
        ...

    def delete(self, attachment_id: int) -> Attachment | None:
        """Delete an attachment; returns it as it was, or ``None`` if there was none."""
        ...

    def delete_for_tasks(self, task_ids: Collection[int]) -> Sequence[Attachment]:
        """Delete every attachment of these tasks (also of tasks already deleted in this
        transaction); returns them as they were, by id."""
        ...

    def find(
        self, task_id: int, *, offset: int = 0, limit: int, after: Keyset | None = None
    ) -> Sequence[AttachmentView]:
        """A task's attachments, newest first (``created_at``, then id)."""
        ...

    def count(self, task_id: int) -> int:
        """How many attachments a task has."""
        ...

    def stats(self) -> AttachmentStats:
        """Counts and sizes over every attachment, in total and by extension and type."""
        ...

    def referenced_keys(self, blob_keys: Collection[str]) -> set[str]:
        """Those of ``blob_keys`` that belong to an attachment."""
        ...

    def blob_keys(self, *, after_id: int = 0, limit: int) -> Sequence[tuple[int, str]]:
        """``(id, blob_key)`` of attachments with an id above ``after_id``, by id."""
        ...

    def reserve_space(self, user_id: int, size: int, quota: int | None) -> bool:
        """Add ``size`` bytes to the storage a user uses, unless that would exceed ``quota``
        (``None``: no limit); whether it was added.

        Atomic against concurrent reservations of the same user: of several that fit only
        together, some fail. The usage counts stored files and reservations of uploads
        in progress.
        """
        ...

    def release_space(self, user_id: int, size: int) -> None:
        """Take ``size`` bytes off the storage a user uses (never below zero)."""
        ...

    def used_space(self, user_id: int) -> int:
        """The bytes a user's stored files and uploads in progress take."""
        ...


class BlobDeletionRepository(Protocol):
    """Remembers blobs to remove from the file store after their attachment rows are gone.

    Written in the same transaction as the rows' deletion, so a blob is never forgotten
    when removing it fails or the process dies before trying.
    """

    def add(self, blob_keys: Collection[str], requested_at: dt.datetime) -> None:
        """Remember blobs to remove (a key already remembered is kept as it is)."""
        ...

    def pending(self, limit: int) -> Sequence[BlobDeletion]:
        """Blobs still to remove, oldest request first (then by key)."""
        ...

    def forget(self, blob_keys: Collection[str]) -> None:
        """Drop blobs that have been removed (unknown keys are ignored)."""
        ...

    def record_failure(self, blob_key: str, error: str) -> None:
        """Count a failed attempt to remove a blob, with the error's description."""
        ...

    def count(self) -> int:
        """How many blobs are still to remove."""
        ...
