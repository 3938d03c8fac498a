"""Attachments: files attached to tasks, their metadata, and the bookkeeping of their blobs.

An attachment is a row of metadata plus a blob in the file store under a generated key
(:func:`taskcore.domain.blobs.new_blob_key`). The two are kept in step by the order of
effects: a blob is written and committed before its row, and removed only after its row
is gone; a removal that cannot happen at once is remembered as a
:class:`BlobDeletion` in the same transaction as the row's deletion, and retried.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence
from typing import Final

import attrs

from taskcore.domain import pagination
from taskcore.domain.files import file_extension
from taskcore.domain.pagination import SortValue

DEFAULT_MAX_UPLOAD_BYTES: Final = 16 * 1024 * 1024
"""The largest file accepted by default: 16 MiB."""

DEFAULT_USER_QUOTA_BYTES: Final = 1024 * 1024 * 1024
"""How many bytes of files one user may have stored by default: 1 GiB."""


class AttachmentStatus(enum.StrEnum):
    """Whether an attachment's file may be downloaded."""

    AVAILABLE = "available"
    """Scanned and found clean (or stored while no malware scanner is configured)."""
    QUARANTINED = "quarantined"
    """The scanner was unavailable when the file arrived: kept, but never served."""


@attrs.define(kw_only=True)
class Attachment:
    """A file attached to a task.

    ``filename`` is the generated name reported as the name on disk
    (``<random hex>.<extension>``); ``original_filename`` is the client's name, sanitised.
    ``mime_type`` is the type the file is served with, chosen by its extension once its
    content agreed with it, never the type the client declared.
    """

    id: int | None = None
    task_id: int
    uploaded_by: int
    filename: str
    original_filename: str
    extension: str
    file_size: int
    mime_type: str
    file_hash: str
    blob_key: str
    created_at: dt.datetime
    status: AttachmentStatus = AttachmentStatus.AVAILABLE

    @property
    def key(self) -> int:
        """The id of a stored attachment.

        Raises:
            ValueError: the attachment has not been stored yet.
        """
        if self.id is None:
            raise ValueError("attachment has no id yet")
        return self.id


@attrs.frozen(kw_only=True)
class AttachmentView:
    """An attachment as callers see it, with its task's project and the uploader's name.

    ``uploaded_by_username`` is ``Unknown`` when the account cannot be found.
    """

    id: int
    task_id: int
    project_id: int
    uploaded_by: int
    uploaded_by_username: str
    filename: str
    original_filename: str
    extension: str
    file_size: int
    mime_type: str
    file_hash: str
    blob_key: str
    created_at: dt.datetime
    status: AttachmentStatus = AttachmentStatus.AVAILABLE


@attrs.frozen(kw_only=True)
class TypeCount:
    """How many attachments share one extension or media type, and their total size."""

    value: str
    """The extension (lower case, no dot) or the media type."""
    count: int
    total_size: int


@attrs.frozen(kw_only=True)
class AttachmentStats:
    """Storage statistics over every attachment."""

    total_count: int
    total_size: int
    by_extension: Sequence[TypeCount]
    """Largest total size first, then by extension."""
    by_media_type: Sequence[TypeCount]
    """Largest total size first, then by media type."""


@attrs.frozen(kw_only=True)
class BlobDeletion:
    """A blob whose attachment row is gone and which still has to be removed from the store.

    Recorded in the same transaction as the row's deletion; forgotten once the store has
    removed the blob.
    """

    blob_key: str
    requested_at: dt.datetime
    attempts: int = 0
    """Failed attempts so far."""
    last_error: str | None = None


ATTACHMENT_ORDER = "attachments:created_at:desc"
"""Attachments are listed newest first, ties broken by id."""


def attachment_sort_value(attachment: Attachment | AttachmentView) -> SortValue:
    """The sort value of an attachment in :data:`ATTACHMENT_ORDER`."""
    return attachment.created_at


parse_attachment_sort_value = pagination.datetime_value


def stored_filename(blob_key: str, original_filename: str) -> str:
    """The generated file name reported as ``filename``: the random part of the blob key,
    with the extension of the client's name (``9f2c...e1.pdf``), or none if it has none.
    """
    random_part = blob_key.rsplit("/", 1)[-1].rsplit("-", 1)[-1]
    extension = file_extension(original_filename)
    return f"{random_part}.{extension}" if extension else random_part


def size_in_mb(size: int) -> float:
    """Bytes as MiB rounded to two places, as the statistics report them."""
    return round(size / (1024 * 1024), 2)
