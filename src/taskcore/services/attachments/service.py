"""The attachments area's service: every use case on files attached to tasks.

Reading (listing, metadata, downloads, statistics) lives here; uploading
(:mod:`~taskcore.services.attachments.uploads`), deleting
(:mod:`~taskcore.services.attachments.deletion`) and the sweep
(:mod:`~taskcore.services.attachments.sweep`) have their own modules, which this service
puts together.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, overload

import attrs

from taskcore.domain import attachments as rules
from taskcore.domain.attachments import (
    ATTACHMENT_ORDER,
    DEFAULT_MAX_UPLOAD_BYTES,
    DEFAULT_USER_QUOTA_BYTES,
    AttachmentStats,
    AttachmentStatus,
    AttachmentView,
)
from taskcore.domain.events import AttachmentDownloaded, DomainEvent
from taskcore.domain.pagination import CursorPage, CursorRequest, Page, PageRequest
from taskcore.errors import AttachmentQuarantined
from taskcore.ports.clock import Clock
from taskcore.ports.files import FileStore
from taskcore.ports.scanning import MalwareScanner, NoMalwareScanner
from taskcore.services import access, listing
from taskcore.services.access import Actor
from taskcore.services.attachments.blobs import Blobs, close_chunks
from taskcore.services.attachments.common import event_details, find_attachment
from taskcore.services.attachments.deletion import BulkDeletion, Deletions
from taskcore.services.attachments.sweep import (
    DEFAULT_GRACE,
    FileSweep,
    Progress,
    SweepReport,
)
from taskcore.services.attachments.uploads import PendingUpload, UploadPermit, Uploads
from taskcore.services.scopes import guarded
from taskcore.uow import Transactions, Work


@attrs.frozen(kw_only=True)
class Download:
    """An attachment's bytes ``start`` to ``end`` (exclusive), ready to be streamed.

    Iterate :attr:`chunks` to the end, or close it, to release the file store.
    """

    attachment: AttachmentView
    start: int
    end: int
    chunks: Iterator[bytes]


@guarded("attachments", reads=("open_download", "stats", "storage_used"))
class AttachmentService:
    """Use cases of the attachments area.

    Access follows project membership: every member (viewers included) may list, read and
    download a task's attachments; owners and members may upload; the uploader (while they
    may still write in the project), a project owner or an administrator may delete.
    Non-members are told the task or attachment does not exist. Statistics and bulk
    deletion are for administrators.

    Args:
        transactions: Opens units of work.
        clock: Source of the current time.
        files: Where the attachments' contents live.
        max_upload_bytes: The largest file accepted.
        user_quota_bytes: How many bytes of files each user may have stored (uploads in
            progress included); ``None`` for no limit.
        scanner: Scans each uploaded file for malware; by default none (every file is
            accepted unscanned).

    Raises:
        ValueError: ``max_upload_bytes`` is not positive, or ``user_quota_bytes`` is
            negative.
    """

    def __init__(
        self,
        *,
        transactions: Transactions,
        clock: Clock,
        files: FileStore,
        max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
        user_quota_bytes: int | None = DEFAULT_USER_QUOTA_BYTES,
        scanner: MalwareScanner | None = None,
    ) -> None:
        if max_upload_bytes < 1:
            raise ValueError("max_upload_bytes must be positive")
        if user_quota_bytes is not None and user_quota_bytes < 0:
            raise ValueError("user_quota_bytes must not be negative")
        self._tx = transactions
        self._clock = clock
        self._files = files
        self._max_upload_bytes = max_upload_bytes
        self._quota = user_quota_bytes
        blobs = Blobs(transactions=transactions, clock=clock, files=files)
        self._uploads = Uploads(
            transactions=transactions,
            clock=clock,
            files=files,
            blobs=blobs,
            max_upload_bytes=max_upload_bytes,
            quota=user_quota_bytes,
            scanner=scanner or NoMalwareScanner(),
        )
        self._deletions = Deletions(
            transactions=transactions, clock=clock, files=files, blobs=blobs
        )
        self._sweep = FileSweep(transactions=transactions, clock=clock, files=files, blobs=blobs)

    @property
    def max_upload_bytes(self) -> int:
        """The largest file accepted, in bytes."""
        return self._max_upload_bytes

    @property
    def user_quota_bytes(self) -> int | None:
        """How many bytes of files each user may store, or ``None`` for no limit."""
        return self._quota

    def storage_used(self, actor: Actor) -> int:
        """The bytes the caller's attachments (and uploads in progress) take."""
        with self._tx() as work:
            return work.uow.attachments.used_space(actor.user_id)

    # -- uploading ----------------------------------------------------------------------------

    def authorize_upload(self, actor: Actor, task_id: int) -> UploadPermit:
        """Check that the caller may upload to the task, before any file is received.

        Raises:
            TaskNotFound: ``Task not found or access denied``.
            ProjectRoleRequired: the caller is a viewer.
        """
        return self._uploads.authorize(actor, task_id)

    def start_upload(
        self, permit: UploadPermit, *, filename: str | None, declared_type: str | None = None
    ) -> PendingUpload:
        """Check the file's name and declared type and open a blob for its bytes.

        Args:
            permit: From :meth:`authorize_upload`.
            filename: The name the client sent (sanitised here; path parts are dropped).
            declared_type: The media type the client declared, if any; never stored.

        Raises:
            ValidationError: ``No file selected``, ``Invalid file name`` or ``File type not
                allowed. Allowed extensions: ...`` (field ``file``).
            UnsupportedType: the declared type is one a browser would render or run.
            Unavailable: the file store failed.
        """
        return self._uploads.start(permit, filename=filename, declared_type=declared_type)

    def finish_upload(self, upload: PendingUpload) -> AttachmentView:
        """Check the received file's content, commit its blob, scan it, then store its row.

        The caller's access is checked again in the transaction that stores the row. If
        anything fails the blob is discarded and the quota reservation released, so no
        file outlives a failed upload. A file the scanner cannot scan is stored
        quarantined.

        Raises:
            UnsupportedType: the content does not match the extension.
            MalwareDetected: the scanner found malware in the file.
            TaskNotFound: the task was deleted, or the caller left its project, meanwhile.
            ProjectRoleRequired: the caller became a viewer meanwhile.
            Unavailable: the file store or the database failed.
        """
        return self._uploads.finish(upload)

    def upload_attachment(
        self,
        actor: Actor,
        task_id: int,
        *,
        filename: str | None,
        content: Iterable[bytes],
        declared_type: str | None = None,
    ) -> AttachmentView:
        """Attach a file to a task in one call, streaming ``content`` into the file store.

        See :meth:`authorize_upload`, :meth:`start_upload` and :meth:`finish_upload`, which
        hosts that receive the file piece by piece call themselves.

        Raises:
            TaskNotFound: ``Task not found or access denied``.
            ProjectRoleRequired: the caller is a viewer.
            ValidationError: a bad file name or extension.
            TooLarge: ``File too large``: the content exceeds the upload limit.
            QuotaExceeded: the content would take the caller past the storage quota.
            UnsupportedType: the content does not match the extension.
            MalwareDetected: the scanner found malware in the content.
            Unavailable: the file store or the database failed.
        """
        return self._uploads.upload(
            actor, task_id, filename=filename, content=content, declared_type=declared_type
        )

    # -- reading ------------------------------------------------------------------------------

    @overload
    def list_attachments(
        self, actor: Actor, task_id: int, *, page: PageRequest = ...
    ) -> Page[AttachmentView]: ...

    @overload
    def list_attachments(
        self, actor: Actor, task_id: int, *, page: CursorRequest
    ) -> CursorPage[AttachmentView]: ...

    def list_attachments(
        self,
        actor: Actor,
        task_id: int,
        *,
        page: PageRequest | CursorRequest = PageRequest(),  # noqa: B008 - immutable
    ) -> Page[AttachmentView] | CursorPage[AttachmentView]:
        """A task's attachments, newest first, with their uploaders' names.

        Raises:
            TaskNotFound: ``Task not found or access denied``.
            ValidationError: an invalid cursor.
        """
        with self._tx() as work:
            access.task_access(work.uow, actor, task_id)
            repo = work.uow.attachments
            return listing.fetch(
                page,
                order=ATTACHMENT_ORDER,
                parse=rules.parse_attachment_sort_value,
                key=lambda a: (rules.attachment_sort_value(a), a.id),
                count=lambda: repo.count(task_id),
                find=lambda offset, limit, after: repo.find(
                    task_id, offset=offset, limit=limit, after=after
                ),
            )

    def count_attachments(self, actor: Actor, task_id: int) -> int:
        """How many attachments a task has.

        Raises:
            TaskNotFound: ``Task not found or access denied``.
        """
        with self._tx() as work:
            access.task_access(work.uow, actor, task_id)
            return work.uow.attachments.count(task_id)

    def get_attachment(self, actor: Actor, attachment_id: int) -> AttachmentView:
        """One attachment's metadata (any member of its task's project, or an administrator).

        Raises:
            AttachmentNotFound: ``Attachment not found`` (also for non-members).
        """
        with self._tx() as work:
            view, _ = find_attachment(work.uow, actor, attachment_id)
        return view

    def open_download(
        self, actor: Actor, attachment_id: int, *, start: int = 0, end: int | None = None
    ) -> Download:
        """Open an attachment's bytes ``start`` to ``end`` (exclusive; ``None``: to the
        end) for streaming, and record :class:`AttachmentDownloaded`.

        Raises:
            AttachmentNotFound: ``Attachment not found`` (also for non-members).
            AttachmentQuarantined: the file was not scanned for malware; it is never served.
            BlobNotFound: ``File not found on server``: the row exists, its blob does not.
            ValueError: a negative or inverted range.
            Unavailable: the file store or the database failed.
        """
        with self._tx() as work:
            view, _ = find_attachment(work.uow, actor, attachment_id)
            if view.status is AttachmentStatus.QUARANTINED:
                raise AttachmentQuarantined(attachment_id)
            stop = view.file_size if end is None else min(end, view.file_size)
            chunks = self._files.read(view.blob_key, start=start, end=max(stop, start))
            try:
                work.record(
                    AttachmentDownloaded(
                        occurred_at=self._clock.now(),
                        actor_id=actor.user_id,
                        entity_id=view.id,
                        **event_details(view),
                    )
                )
                work.commit()
            except BaseException:
                close_chunks(chunks)
                raise
        return Download(attachment=view, start=start, end=max(stop, start), chunks=chunks)

    def stats(self, actor: Actor) -> AttachmentStats:
        """Counts and sizes of every attachment, by extension and by media type (admins).

        Raises:
            AdminRequired: the caller is not an administrator.
        """
        access.require_admin(actor)
        with self._tx() as work:
            return work.uow.attachments.stats()

    # -- deleting -----------------------------------------------------------------------------

    def delete_attachment(self, actor: Actor, attachment_id: int) -> None:
        """Delete an attachment and its file (its uploader while a writer in the project, a
        project owner, or an administrator).

        The row is deleted, and the file's removal recorded, in one transaction; the file
        is removed right after, or by a later sweep if that fails.

        Raises:
            AttachmentNotFound: ``Attachment not found`` (also for non-members).
            PermissionDenied: ``You do not have permission to delete this attachment``.
        """
        self._deletions.delete(actor, attachment_id)

    def bulk_delete(self, actor: Actor, task_ids: Sequence[int] | None) -> BulkDeletion:
        """Delete every attachment of the given tasks and their files (administrators).

        Raises:
            AdminRequired: the caller is not an administrator.
            ValidationError: ``No task IDs provided`` (none given), or more than
                :data:`~taskcore.services.attachments.deletion.MAX_BULK_TASKS` (field
                ``task_ids``).
        """
        return self._deletions.bulk_delete(actor, task_ids)

    def on_tasks_deleted(self, work: Work, events: Sequence[DomainEvent]) -> None:
        """In-transaction handler of ``TaskDeleted`` and ``ProjectDeleted``: delete the
        attachments of the deleted tasks in the same transaction, record their removal
        and :class:`AttachmentDeleted`, and remove their files once it has committed.
        """
        self._deletions.on_tasks_deleted(work, events)

    # -- keeping files and rows in step -------------------------------------------------------

    def sweep_files(
        self,
        *,
        grace: dt.timedelta = DEFAULT_GRACE,
        check_rows: bool = True,
        progress: Progress | None = None,
    ) -> SweepReport:
        """Bring the file store back in step with the attachment rows.

        Retries the recorded blob removals; removes blobs no attachment refers to and
        partial data of uploads that never finished, when older than ``grace`` (their age
        is read from their keys); with ``check_rows``, reports attachments whose blob is
        missing (one file-store lookup per attachment). Safe to run at any time, also
        concurrently with uploads and with itself. Run it periodically (the
        :data:`~taskcore.services.attachments.sweep.SWEEP_FILES` job, or
        ``taskcore sweep-files``). ``progress``, when given, is told each step's count of
        items handled as it goes (see :data:`~taskcore.services.attachments.sweep.Progress`).

        Raises:
            Unavailable: the database or the file store failed while listing.
        """
        if progress is None:
            return self._sweep.sweep(grace=grace, check_rows=check_rows)
        return self._sweep.sweep(grace=grace, check_rows=check_rows, progress=progress)

    def run_sweep_job(self, args: Mapping[str, Any]) -> None:
        """The :data:`~taskcore.services.attachments.sweep.SWEEP_FILES` job: takes
        ``grace_seconds`` (default a day) and ``check_rows`` (default true) and logs its
        report."""
        self._sweep.run_job(args)
