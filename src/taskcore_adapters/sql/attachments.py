"""Attachments' metadata and pending blob removals in SQL (see
``taskcore.ports.attachments``).

Reads join the task (for its project) and the uploader (for the name), so a page of
attachments is one query. Statistics group by the stored extension and media type, which
PostgreSQL and SQLite compute alike.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterator, Sequence
from typing import Any, TypeVar

import attrs
from sqlalchemy import Connection, Select, case, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from taskcore.domain.attachments import (
    Attachment,
    AttachmentStats,
    AttachmentStatus,
    AttachmentView,
    BlobDeletion,
    TypeCount,
)
from taskcore.domain.pagination import Keyset
from taskcore.errors import TaskNotFound
from taskcore_adapters.sql.support import keyset_after, keyset_order
from taskcore_adapters.sql.tables import (
    attachment_usage,
    attachments,
    blob_deletions,
    tasks,
    users,
)

T = TypeVar("T")

IN_CHUNK = 1000
"""Most values bound in one ``IN (...)`` (both databases cap the parameters of a query)."""

MAX_ERROR = 2000
"""Longest error description kept for a failed blob removal."""

_VIEW: Select[Any] = select(
    attachments,
    tasks.c.project_id,
    func.coalesce(users.c.username, "Unknown").label("uploaded_by_username"),
).select_from(
    attachments.join(tasks, tasks.c.id == attachments.c.task_id).outerjoin(
        users, users.c.id == attachments.c.uploaded_by
    )
)


def _chunks(values: Collection[T]) -> Iterator[list[T]]:
    items = list(values)
    for start in range(0, len(items), IN_CHUNK):
        yield items[start : start + IN_CHUNK]


def _attachment(row: Any) -> Attachment:
    return Attachment(
        id=row.id,
        task_id=row.task_id,
        uploaded_by=row.uploaded_by,
        filename=row.filename,
        original_filename=row.original_filename,
        extension=row.extension,
        file_size=row.file_size,
        mime_type=row.mime_type,
        file_hash=row.file_hash,
        blob_key=row.blob_key,
        created_at=row.created_at,
        status=AttachmentStatus(row.status),
    )


def _view(row: Any) -> AttachmentView:
    return AttachmentView(
        id=row.id,
        task_id=row.task_id,
        project_id=row.project_id,
        uploaded_by=row.uploaded_by,
        uploaded_by_username=row.uploaded_by_username,
        filename=row.filename,
        original_filename=row.original_filename,
        extension=row.extension,
        file_size=row.file_size,
        mime_type=row.mime_type,
        file_hash=row.file_hash,
        blob_key=row.blob_key,
        created_at=row.created_at,
        status=AttachmentStatus(row.status),
    )


class SqlAlchemyAttachmentRepository:
    """Attachments in SQL."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, attachment: Attachment) -> Attachment:
        # FOR KEY SHARE (PostgreSQL; SQLite serialises writers anyway): a concurrent deletion
        # of the task waits for this transaction, and then deletes this attachment too.
        task = self._conn.execute(
            select(tasks.c.id)
            .where(tasks.c.id == attachment.task_id)
            .with_for_update(read=True, key_share=True)
        ).first()
        if task is None:
            raise TaskNotFound(attachment.task_id)
        values = attrs.asdict(attachment)
        del values["id"]
        values["status"] = attachment.status.value
        new_id = self._conn.execute(
            insert(attachments).values(**values).returning(attachments.c.id)
        ).scalar_one()
        return attrs.evolve(attachment, id=new_id)

    def get(self, attachment_id: int) -> AttachmentView | None:
        row = self._conn.execute(_VIEW.where(attachments.c.id == attachment_id)).first()
        return _view(row) if row else None

    def delete(self, attachment_id: int) -> Attachment | None:
        row = self._conn.execute(
            delete(attachments).where(attachments.c.id == attachment_id).returning(attachments)
        ).first()
        return _attachment(row) if row else None

    def delete_for_tasks(self, task_ids: Collection[int]) -> Sequence[Attachment]:
        gone: list[Attachment] = []
        for chunk in _chunks(task_ids):
            rows = self._conn.execute(
                delete(attachments).where(attachments.c.task_id.in_(chunk)).returning(attachments)
            ).all()
            gone.extend(_attachment(row) for row in rows)
        return sorted(gone, key=lambda a: a.key)

    def find(
        self, task_id: int, *, offset: int = 0, limit: int, after: Keyset | None = None
    ) -> Sequence[AttachmentView]:
        how = {"descending": True, "nullable": False}
        query = (
            _VIEW.where(attachments.c.task_id == task_id)
            .order_by(*keyset_order(attachments.c.created_at, attachments.c.id, **how))
            .limit(limit)
        )
        if after is not None:
            query = query.where(
                keyset_after(attachments.c.created_at, attachments.c.id, after, **how)
            )
        else:
            query = query.offset(offset)
        return [_view(row) for row in self._conn.execute(query)]

    def count(self, task_id: int) -> int:
        return self._conn.execute(
            select(func.count()).select_from(attachments).where(attachments.c.task_id == task_id)
        ).scalar_one()

    def _grouped(self, column: Any) -> list[TypeCount]:
        size = func.coalesce(func.sum(attachments.c.file_size), 0)
        rows = self._conn.execute(
            select(column, func.count(), size).group_by(column).order_by(size.desc(), column)
        ).all()
        return [
            TypeCount(value=value, count=count, total_size=int(total))
            for value, count, total in rows
        ]

    def stats(self) -> AttachmentStats:
        count, total = self._conn.execute(
            select(func.count(), func.coalesce(func.sum(attachments.c.file_size), 0))
        ).one()
        return AttachmentStats(
            total_count=count,
            total_size=int(total),
            by_extension=self._grouped(attachments.c.extension),
            by_media_type=self._grouped(attachments.c.mime_type),
        )

    def referenced_keys(self, blob_keys: Collection[str]) -> set[str]:
        found: set[str] = set()
        for chunk in _chunks(blob_keys):
            found.update(
                self._conn.execute(
                    select(attachments.c.blob_key).where(attachments.c.blob_key.in_(chunk))
                ).scalars()
            )
        return found

    def blob_keys(self, *, after_id: int = 0, limit: int) -> Sequence[tuple[int, str]]:
        rows = self._conn.execute(
            select(attachments.c.id, attachments.c.blob_key)
            .where(attachments.c.id > after_id)
            .order_by(attachments.c.id)
            .limit(limit)
        ).all()
        return [(row.id, row.blob_key) for row in rows]

    def reserve_space(self, user_id: int, size: int, quota: int | None) -> bool:
        dialect = postgresql if self._conn.dialect.name == "postgresql" else sqlite
        self._conn.execute(
            dialect.insert(attachment_usage)
            .values(user_id=user_id, used_bytes=0)
            .on_conflict_do_nothing(index_elements=["user_id"])
        )
        # One statement: the row lock (PostgreSQL re-checks the condition after waiting
        # for it; SQLite has one writer at a time) makes check and add atomic.
        query = (
            update(attachment_usage)
            .where(attachment_usage.c.user_id == user_id)
            .values(used_bytes=attachment_usage.c.used_bytes + size)
        )
        if quota is not None:
            query = query.where(attachment_usage.c.used_bytes + size <= quota)
        return self._conn.execute(query).rowcount == 1

    def release_space(self, user_id: int, size: int) -> None:
        used = attachment_usage.c.used_bytes
        self._conn.execute(
            update(attachment_usage)
            .where(attachment_usage.c.user_id == user_id)
            .values(used_bytes=case((used > size, used - size), else_=0))
        )

    def used_space(self, user_id: int) -> int:
        used = self._conn.execute(
            select(attachment_usage.c.used_bytes).where(attachment_usage.c.user_id == user_id)
        ).scalar_one_or_none()
        return int(used or 0)


class SqlAlchemyBlobDeletionRepository:
    """Pending blob removals in SQL."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, blob_keys: Collection[str], requested_at: dt.datetime) -> None:
        if not blob_keys:
            return
        dialect = postgresql if self._conn.dialect.name == "postgresql" else sqlite
        for chunk in _chunks(blob_keys):
            self._conn.execute(
                dialect.insert(blob_deletions)
                .values(
                    [
                        {"blob_key": key, "requested_at": requested_at, "attempts": 0}
                        for key in chunk
                    ]
                )
                .on_conflict_do_nothing(index_elements=["blob_key"])
            )

    def pending(self, limit: int) -> Sequence[BlobDeletion]:
        rows = self._conn.execute(
            select(blob_deletions)
            .order_by(blob_deletions.c.requested_at, blob_deletions.c.blob_key)
            .limit(limit)
        ).all()
        return [
            BlobDeletion(
                blob_key=row.blob_key,
                requested_at=row.requested_at,
                attempts=row.attempts,
                last_error=row.last_error,
            )
            for row in rows
        ]

    def forget(self, blob_keys: Collection[str]) -> None:
        for chunk in _chunks(blob_keys):
            self._conn.execute(delete(blob_deletions).where(blob_deletions.c.blob_key.in_(chunk)))

    def record_failure(self, blob_key: str, error: str) -> None:
        self._conn.execute(
            update(blob_deletions)
            .where(blob_deletions.c.blob_key == blob_key)
            .values(attempts=blob_deletions.c.attempts + 1, last_error=error[:MAX_ERROR])
        )

    def count(self) -> int:
        return self._conn.execute(select(func.count()).select_from(blob_deletions)).scalar_one()
