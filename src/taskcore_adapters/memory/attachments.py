"""Attachments' metadata and pending blob removals in memory (see
``taskcore.ports.attachments``)."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Collection, Sequence

import attrs

from taskcore.domain.attachments import (
    Attachment,
    AttachmentStats,
    AttachmentView,
    BlobDeletion,
    TypeCount,
)
from taskcore.domain.pagination import Keyset, SortValue, follows
from taskcore.errors import TaskNotFound
from taskcore_adapters.memory.tables import Tables


def _sort_key(attachment: Attachment) -> tuple[SortValue, int]:
    return attachment.created_at, attachment.key


def _by_size(groups: dict[str, list[Attachment]]) -> list[TypeCount]:
    counts = [
        TypeCount(value=value, count=len(items), total_size=sum(a.file_size for a in items))
        for value, items in groups.items()
    ]
    return sorted(counts, key=lambda c: (-c.total_size, c.value))


class InMemoryAttachmentRepository:
    """Attachments in memory (see ``taskcore.ports.attachments.AttachmentRepository``)."""

    def __init__(self, tables: Tables) -> None:
        self._t = tables

    def add(self, attachment: Attachment) -> Attachment:
        if attachment.task_id not in self._t.tasks:
            raise TaskNotFound(attachment.task_id)
        stored = attrs.evolve(attachment, id=self._t.allocate("attachments"))
        self._t.attachments[stored.key] = stored
        return copy.deepcopy(stored)

    def _view(self, attachment: Attachment) -> AttachmentView:
        uploader = self._t.users.get(attachment.uploaded_by)
        return AttachmentView(
            id=attachment.key,
            task_id=attachment.task_id,
            project_id=self._t.tasks[attachment.task_id].project_id,
            uploaded_by=attachment.uploaded_by,
            uploaded_by_username=uploader.username if uploader else "Unknown",
            filename=attachment.filename,
            original_filename=attachment.original_filename,
            extension=attachment.extension,
            file_size=attachment.file_size,
            mime_type=attachment.mime_type,
            file_hash=attachment.file_hash,
            blob_key=attachment.blob_key,
            created_at=attachment.created_at,
            status=attachment.status,
        )

    def get(self, attachment_id: int) -> AttachmentView | None:
        found = self._t.attachments.get(attachment_id)
        if found is None or found.task_id not in self._t.tasks:
            return None
        return self._view(found)

    def delete(self, attachment_id: int) -> Attachment | None:
        return self._t.attachments.pop(attachment_id, None)

    def delete_for_tasks(self, task_ids: Collection[int]) -> Sequence[Attachment]:
        wanted = set(task_ids)
        gone = sorted(
            (a for a in self._t.attachments.values() if a.task_id in wanted), key=lambda a: a.key
        )
        for attachment in gone:
            del self._t.attachments[attachment.key]
        return gone

    def find(
        self, task_id: int, *, offset: int = 0, limit: int, after: Keyset | None = None
    ) -> Sequence[AttachmentView]:
        ordered = sorted(
            (a for a in self._t.attachments.values() if a.task_id == task_id),
            key=_sort_key,
            reverse=True,
        )
        if after is not None:
            page = [a for a in ordered if follows(*_sort_key(a), after, descending=True)][:limit]
        else:
            page = ordered[offset : offset + limit]
        return [self._view(a) for a in page]

    def count(self, task_id: int) -> int:
        return sum(1 for a in self._t.attachments.values() if a.task_id == task_id)

    def stats(self) -> AttachmentStats:
        rows = list(self._t.attachments.values())
        extensions: dict[str, list[Attachment]] = {}
        media_types: dict[str, list[Attachment]] = {}
        for attachment in rows:
            extensions.setdefault(attachment.extension, []).append(attachment)
            media_types.setdefault(attachment.mime_type, []).append(attachment)
        return AttachmentStats(
            total_count=len(rows),
            total_size=sum(a.file_size for a in rows),
            by_extension=_by_size(extensions),
            by_media_type=_by_size(media_types),
        )

    def referenced_keys(self, blob_keys: Collection[str]) -> set[str]:
        wanted = set(blob_keys)
        return {a.blob_key for a in self._t.attachments.values() if a.blob_key in wanted}

    def blob_keys(self, *, after_id: int = 0, limit: int) -> Sequence[tuple[int, str]]:
        ids = sorted(k for k in self._t.attachments if k > after_id)[:limit]
        return [(k, self._t.attachments[k].blob_key) for k in ids]

    def reserve_space(self, user_id: int, size: int, quota: int | None) -> bool:
        used = self._t.attachment_usage.get(user_id, 0)
        if quota is not None and used + size > quota:
            return False
        self._t.attachment_usage[user_id] = used + size
        return True

    def release_space(self, user_id: int, size: int) -> None:
        if user_id in self._t.attachment_usage:
            used = self._t.attachment_usage[user_id]
            self._t.attachment_usage[user_id] = max(used - size, 0)

    def used_space(self, user_id: int) -> int:
        return self._t.attachment_usage.get(user_id, 0)


class InMemoryBlobDeletionRepository:
    """Pending blob removals in memory (see
    ``taskcore.ports.attachments.BlobDeletionRepository``)."""

    def __init__(self, tables: Tables) -> None:
        self._t = tables

    def add(self, blob_keys: Collection[str], requested_at: dt.datetime) -> None:
        for key in blob_keys:
            self._t.blob_deletions.setdefault(
                key, BlobDeletion(blob_key=key, requested_at=requested_at)
            )

    def pending(self, limit: int) -> Sequence[BlobDeletion]:
        ordered = sorted(
            self._t.blob_deletions.values(), key=lambda d: (d.requested_at, d.blob_key)
        )
        return ordered[:limit]

    def forget(self, blob_keys: Collection[str]) -> None:
        for key in blob_keys:
            self._t.blob_deletions.pop(key, None)

    def record_failure(self, blob_key: str, error: str) -> None:
        found = self._t.blob_deletions.get(blob_key)
        if found is not None:
            self._t.blob_deletions[blob_key] = attrs.evolve(
                found, attempts=found.attempts + 1, last_error=error
            )

    def count(self) -> int:
        return len(self._t.blob_deletions)
