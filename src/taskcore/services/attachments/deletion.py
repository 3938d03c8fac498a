"""Deleting attachments: one at a time, in bulk, and with their deleted tasks.

The row is deleted, its size given back to its uploader's quota and its blob's removal
recorded in one transaction; the blob is removed once that has committed (see
:mod:`taskcore.services.attachments.blobs`).

Deleting a task or a project deletes its attachments in the same transaction: the
composition root registers :meth:`AttachmentService.on_tasks_deleted` as an
in-transaction handler of :class:`~taskcore.domain.events.TaskDeleted` and
:class:`~taskcore.domain.events.ProjectDeleted`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import attrs

from taskcore.domain.attachments import Attachment
from taskcore.domain.events import AttachmentDeleted, DomainEvent, ProjectDeleted, TaskDeleted
from taskcore.domain.projects import Role
from taskcore.errors import PermissionDenied, ValidationError
from taskcore.ports.uow import UnitOfWork
from taskcore.services import access
from taskcore.services.access import Actor
from taskcore.services.attachments.blobs import Blobs
from taskcore.services.attachments.common import (
    DELETE_DENIED,
    AreaPart,
    EventFields,
    event_details,
    find_attachment,
)
from taskcore.uow import Work

NO_TASK_IDS: Final = "No task IDs provided"

MAX_BULK_TASKS: Final = 1000
"""Most task ids one bulk deletion may name."""

MAX_ID: Final = 2**31 - 1
"""Largest id a stored row can have; larger task ids name nothing."""


@attrs.frozen(kw_only=True)
class BulkDeletion:
    """What a bulk deletion removed."""

    deleted_count: int
    """Attachment rows deleted."""
    deleted_files: int
    """Blobs removed at once; the others stay recorded and the sweep removes them."""


@attrs.frozen(kw_only=True)
class Deletions(AreaPart):
    """The deletion use cases, documented on :class:`AttachmentService`."""

    _blobs: Blobs = attrs.field(alias="blobs")

    def delete(self, actor: Actor, attachment_id: int) -> None:
        """See :meth:`AttachmentService.delete_attachment`."""
        with self._tx() as work:
            uow = work.uow
            view, role = find_attachment(uow, actor, attachment_id)
            uploader = view.uploaded_by == actor.user_id and role is not None and role.can_write
            if not (actor.is_admin or uploader or role is Role.OWNER):
                raise PermissionDenied(DELETE_DENIED)
            uow.attachments.delete(attachment_id)
            uow.attachments.release_space(view.uploaded_by, view.file_size)
            now = self._clock.now()
            uow.blob_deletions.add([view.blob_key], now)
            work.record(
                AttachmentDeleted(
                    occurred_at=now,
                    actor_id=actor.user_id,
                    entity_id=view.id,
                    **event_details(view),
                    with_task=False,
                )
            )
            work.commit()
        self._blobs.remove([view.blob_key])

    def bulk_delete(self, actor: Actor, task_ids: Sequence[int] | None) -> BulkDeletion:
        """See :meth:`AttachmentService.bulk_delete`."""
        access.require_admin(actor)
        if not task_ids:
            raise ValidationError(NO_TASK_IDS, field="task_ids")
        if len(task_ids) > MAX_BULK_TASKS:
            raise ValidationError(
                f"task_ids must hold at most {MAX_BULK_TASKS} ids", field="task_ids"
            )
        wanted = {t for t in task_ids if 0 < t <= MAX_ID}
        with self._tx() as work:
            uow = work.uow
            removed = uow.attachments.delete_for_tasks(wanted) if wanted else []
            _free_space(uow, removed)
            now = self._clock.now()
            projects = {t: uow.tasks.project_id_of(t) for t in {a.task_id for a in removed}}
            keys = [a.blob_key for a in removed]
            if keys:
                uow.blob_deletions.add(keys, now)
            work.record(
                *(
                    AttachmentDeleted(
                        occurred_at=now,
                        actor_id=actor.user_id,
                        entity_id=a.key,
                        **_row_details(a, projects[a.task_id]),
                        with_task=False,
                    )
                    for a in removed
                )
            )
            work.commit()
        return BulkDeletion(deleted_count=len(removed), deleted_files=self._blobs.remove(keys))

    def on_tasks_deleted(self, work: Work, events: Sequence[DomainEvent]) -> None:
        """See :meth:`AttachmentService.on_tasks_deleted`."""
        causes: dict[int, ProjectDeleted | TaskDeleted] = {}
        for event in events:
            if isinstance(event, ProjectDeleted):
                task_ids = list(event.task_ids)
            elif isinstance(event, TaskDeleted):
                task_ids = [event.entity_id]
            else:
                continue
            for task_id in task_ids:
                causes.setdefault(task_id, event)
        if not causes:
            return
        removed = work.uow.attachments.delete_for_tasks(list(causes))
        if not removed:
            return
        _free_space(work.uow, removed)
        keys = [a.blob_key for a in removed]
        work.uow.blob_deletions.add(keys, self._clock.now())
        work.record(
            *(
                AttachmentDeleted(
                    occurred_at=causes[a.task_id].occurred_at,
                    actor_id=causes[a.task_id].actor_id,
                    entity_id=a.key,
                    **_row_details(a, causes[a.task_id].project_id),
                    with_task=True,
                )
                for a in removed
            )
        )

        def remove() -> None:
            self._blobs.remove(keys)

        work.on_commit(remove)


def _row_details(attachment: Attachment, project_id: int | None) -> EventFields:
    return {
        "filename": attachment.original_filename,
        "task_id": attachment.task_id,
        "project_id": project_id,
        "file_size": attachment.file_size,
    }


def _free_space(uow: UnitOfWork, removed: Sequence[Attachment]) -> None:
    """Give the space of deleted attachments back to their uploaders' quotas."""
    freed: dict[int, int] = {}
    for attachment in removed:
        freed[attachment.uploaded_by] = freed.get(attachment.uploaded_by, 0) + attachment.file_size
    for user_id, size in sorted(freed.items()):
        uow.attachments.release_space(user_id, size)
