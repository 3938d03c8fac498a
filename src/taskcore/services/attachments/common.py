"""What the attachments area's use cases share: messages, access to a task or an
attachment, and the details their events carry."""

from __future__ import annotations

from typing import Final, TypedDict

import attrs

from taskcore.domain.attachments import AttachmentView
from taskcore.domain.projects import Role
from taskcore.errors import AttachmentNotFound
from taskcore.ports.clock import Clock
from taskcore.ports.files import FileStore
from taskcore.ports.uow import UnitOfWork
from taskcore.services import access
from taskcore.services.access import Actor
from taskcore.uow import Transactions

UPLOAD_DENIED: Final = "You do not have permission to upload files to this task"
DELETE_DENIED: Final = "You do not have permission to delete this attachment"


def find_attachment(
    uow: UnitOfWork, actor: Actor, attachment_id: int
) -> tuple[AttachmentView, Role | None]:
    """The attachment and the caller's role in its project (``None``: an admin).

    Raises:
        AttachmentNotFound: ``Attachment not found`` (also for non-members).
    """
    view = uow.attachments.get(attachment_id)
    missing = AttachmentNotFound(attachment_id)
    if view is None:
        raise missing
    return view, access.visible_role(uow.projects, actor, view.project_id, missing)


class EventFields(TypedDict):
    """The fields every event of an attachment carries."""

    filename: str
    task_id: int
    project_id: int | None
    file_size: int


def event_details(view: AttachmentView) -> EventFields:
    """The fields an attachment's events carry."""
    return {
        "filename": view.original_filename,
        "task_id": view.task_id,
        "project_id": view.project_id,
        "file_size": view.file_size,
    }


@attrs.frozen(kw_only=True)
class AreaPart:
    """What every part of the attachments area works with; :class:`AttachmentService`
    builds the parts from its own arguments."""

    _tx: Transactions = attrs.field(alias="transactions")
    _clock: Clock = attrs.field(alias="clock")
    _files: FileStore = attrs.field(alias="files")
