"""Attachments: upload, list, read, download and delete files on tasks; keep files and rows
in step.

A file is streamed into the ``FileStore`` under a generated key, counted, hashed and
checked (its content must agree with its extension) while it arrives; only once the blob
is committed is its row written. If the row cannot be committed, the blob is removed.
Deleting goes the other way round: the row is deleted and the blob's removal recorded in
one transaction, then the blob is removed; a removal that fails stays recorded and
:meth:`AttachmentService.sweep_files` retries it. The sweep also removes blobs no row
refers to (left by a crash between the two steps) and reports rows whose blob is missing.

Each user's files count against a storage quota. An upload reserves space as its bytes
arrive (in steps of :data:`RESERVE_STEP`, each an atomic compare-and-add on the user's
usage, committed at once so concurrent uploads see it); the reservation is released if
the upload fails and becomes the file's size when its row is stored; deleting the
attachment frees its size. Concurrent uploads therefore never take a user past the quota.

Once its blob is committed and before its row is stored, a file is scanned by the
:class:`~taskcore.ports.scanning.MalwareScanner`: an infected file is removed and refused
(:class:`~taskcore.errors.MalwareDetected`); when the scanner is unavailable the
attachment is stored quarantined and never served (fail closed).

Deleting a task or a project deletes its attachments in the same transaction: the
composition root registers :meth:`AttachmentService.on_tasks_deleted` as an
in-transaction handler of :class:`~taskcore.domain.events.TaskDeleted` and
:class:`~taskcore.domain.events.ProjectDeleted`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from typing import Any, Final, overload

import attrs

from taskcore.domain import attachments as rules
from taskcore.domain.attachments import (
    ATTACHMENT_ORDER,
    DEFAULT_MAX_UPLOAD_BYTES,
    DEFAULT_USER_QUOTA_BYTES,
    Attachment,
    AttachmentStats,
    AttachmentStatus,
    AttachmentView,
)
from taskcore.domain.events import (
    AttachmentDeleted,
    AttachmentDownloaded,
    AttachmentUploaded,
    DomainEvent,
    ProjectDeleted,
)
from taskcore.domain.files import (
    HashingWriter,
    accept_filename,
    blob_key_created,
    check_content,
    file_extension,
    new_blob_key,
)
from taskcore.domain.pagination import CursorPage, CursorRequest, Page, PageRequest
from taskcore.domain.projects import Role
from taskcore.errors import (
    AdminRequired,
    AttachmentNotFound,
    AttachmentQuarantined,
    MalwareDetected,
    PermissionDenied,
    QuotaExceeded,
    TaskcoreError,
    TaskNotFound,
    Unavailable,
    ValidationError,
)
from taskcore.ports.clock import Clock
from taskcore.ports.files import CHUNK_SIZE, BlobWriter, FileStore
from taskcore.ports.jobs import JobSpec
from taskcore.ports.scanning import MalwareScanner, NoMalwareScanner, ScanResult, Verdict
from taskcore.ports.uow import UnitOfWork
from taskcore.services import access, listing
from taskcore.services.access import Actor
from taskcore.uow import Transactions, Work

log = logging.getLogger(__name__)

TASK_MISSING: Final = "Task not found or access denied"
NO_TASK_IDS: Final = "No task IDs provided"
UPLOAD_DENIED: Final = "You do not have permission to upload files to this task"
DELETE_DENIED: Final = "You do not have permission to delete this attachment"
NO_FILE_STORE: Final = "File storage is not configured"

MAX_BULK_TASKS: Final = 1000
"""Most task ids one bulk deletion may name."""

MAX_ID: Final = 2**31 - 1
"""Largest id a stored row can have; larger task ids name nothing."""

SWEEP_BATCH: Final = 500
"""How many keys or rows the sweep handles per query."""

DEFAULT_GRACE: Final = dt.timedelta(hours=24)
"""How old a blob without a row (or partial data) must be before the sweep removes it.
It must exceed the longest upload: a blob is committed before its row."""

RESERVE_STEP: Final = CHUNK_SIZE
"""How much quota an upload reserves first while its bytes arrive; each later step
reserves as much again as is already reserved (less when only less is left)."""

SWEEP_FILES: Final = JobSpec(name="attachments.sweep_files", retries=0, timeout_seconds=3600)
"""The periodic job that runs :meth:`AttachmentService.sweep_files`."""


class NoFileStore:
    """The file store of a taskcore built without one: every read or write is
    :class:`~taskcore.errors.Unavailable`; listing finds nothing."""

    def open_writer(self, key: str) -> BlobWriter:
        raise Unavailable(NO_FILE_STORE)

    def read(
        self, key: str, *, start: int = 0, end: int | None = None, chunk_size: int = CHUNK_SIZE
    ) -> Iterator[bytes]:
        raise Unavailable(NO_FILE_STORE)

    def size(self, key: str) -> int | None:
        raise Unavailable(NO_FILE_STORE)

    def delete(self, key: str) -> None:
        raise Unavailable(NO_FILE_STORE)

    def keys(self, prefix: str = "") -> Iterator[str]:
        return iter(())

    def partial_keys(self) -> Iterator[str]:
        return iter(())


@attrs.frozen(kw_only=True)
class UploadPermit:
    """The caller may upload to this task (checked before the request body is read)."""

    actor: Actor
    task_id: int
    project_id: int


class SpaceReservation:
    """Storage reserved against one user's quota for one upload.

    Each reservation is its own short transaction, committed at once, so that concurrent
    uploads of the same user see each other's reservations.

    Args:
        transactions: Opens units of work.
        user_id: Whose quota.
        quota: The quota in bytes, or ``None`` for no limit (usage is still counted).
        max_bytes: The most the upload may need.
    """

    def __init__(
        self, *, transactions: Transactions, user_id: int, quota: int | None, max_bytes: int
    ) -> None:
        self._tx = transactions
        self.user_id = user_id
        self.quota = quota
        self._max_bytes = max_bytes
        self.reserved = 0
        """Bytes reserved and not yet released or converted."""

    def cover(self, size: int) -> None:
        """Make sure at least ``size`` bytes are reserved.

        Raises:
            QuotaExceeded: the quota does not leave room for ``size`` bytes.
            Unavailable: the database failed.
        """
        missing = size - self.reserved
        if missing <= 0:
            return
        # Steps grow with the upload (as much again as is reserved), so a large file costs
        # a few reservations, not one per chunk; a step the quota refuses is retried with
        # exactly what is missing.
        step = max(missing, min(max(RESERVE_STEP, self.reserved), self._max_bytes - self.reserved))
        if self._reserve(step) or (step > missing and self._reserve(missing)):
            return
        with self._tx() as work:
            used = work.uow.attachments.used_space(self.user_id)
        raise QuotaExceeded(limit=self.quota or 0, used=used)

    def _reserve(self, size: int) -> bool:
        with self._tx() as work:
            done = work.uow.attachments.reserve_space(self.user_id, size, self.quota)
            work.commit()
        if done:
            self.reserved += size
        return done

    def release(self) -> None:
        """Give back everything reserved. Never raises a taskcore error: if the database
        fails, the space stays counted (see ``docs/attachments.md``)."""
        if self.reserved == 0:
            return
        try:
            with self._tx() as work:
                work.uow.attachments.release_space(self.user_id, self.reserved)
                work.commit()
        except TaskcoreError:
            log.warning(
                "could not release %d reserved bytes of user %d",
                self.reserved,
                self.user_id,
                exc_info=True,
            )
        self.reserved = 0


class PendingUpload:
    """A file being received: pass its bytes to :meth:`write` as they arrive, then hand it
    to :meth:`AttachmentService.finish_upload`, or :meth:`abort` it.

    Nothing is visible in the file store until the upload is finished. With a
    ``reservation``, every write first makes sure the uploader's quota has room for it.
    """

    def __init__(
        self,
        *,
        permit: UploadPermit,
        writer: HashingWriter,
        original_filename: str,
        declared_type: str | None,
        reservation: SpaceReservation | None = None,
        max_bytes: int | None = None,
    ) -> None:
        self.permit = permit
        self.writer = writer
        self.original_filename = original_filename
        self.declared_type = declared_type
        self.reservation = reservation
        self._max_bytes = max_bytes

    @property
    def size(self) -> int:
        """Bytes received so far."""
        return self.writer.size

    def write(self, data: bytes) -> None:
        """Take the next bytes of the file.

        Raises:
            TooLarge: the file would exceed the upload limit (it has been discarded).
            QuotaExceeded: the file would take its uploader past the storage quota (it
                has been discarded, and its reservation released).
            Unavailable: the file store or the database failed.
        """
        wanted = self.writer.size + len(data)
        fits = self._max_bytes is None or wanted <= self._max_bytes
        if self.reservation is not None and fits:
            try:
                self.reservation.cover(wanted)
            except BaseException:
                _abort(self.writer)
                self.reservation.release()
                raise
        self.writer.write(data)

    def abort(self) -> None:
        """Discard what was received and release its reservation.

        Raises:
            Unavailable: the file store failed; the partial data is left to the sweep.
        """
        if self.reservation is not None:
            self.reservation.release()
        self.writer.abort()


@attrs.frozen(kw_only=True)
class Download:
    """An attachment's bytes ``start`` to ``end`` (exclusive), ready to be streamed.

    Iterate :attr:`chunks` to the end, or close it, to release the file store.
    """

    attachment: AttachmentView
    start: int
    end: int
    chunks: Iterator[bytes]


@attrs.frozen(kw_only=True)
class BulkDeletion:
    """What a bulk deletion removed."""

    deleted_count: int
    """Attachment rows deleted."""
    deleted_files: int
    """Blobs removed at once; the others stay recorded and the sweep removes them."""


@attrs.frozen(kw_only=True)
class SweepReport:
    """What one run of :meth:`AttachmentService.sweep_files` did and found."""

    deletions_completed: int
    """Recorded blob removals that succeeded now."""
    deletions_pending: int
    """Recorded blob removals still outstanding (they failed again, or were not reached)."""
    orphans_removed: Sequence[str]
    """Keys of blobs no attachment referred to, removed."""
    partials_removed: Sequence[str]
    """Keys whose partial data (an upload that never finished) was removed."""
    unrecognised_keys: Sequence[str]
    """Keys whose age cannot be told (not made by taskcore); left alone."""
    failures: int
    """Removals the file store refused; they are tried again by the next sweep."""
    missing_blobs: Sequence[int]
    """Ids of attachments whose blob is missing from the file store."""


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
        self._scanner: MalwareScanner = scanner or NoMalwareScanner()

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
        with self._tx() as work:
            project_id, role = _task_access(work.uow, actor, task_id)
            access.require_write(actor, role, project_id, UPLOAD_DENIED)
        return UploadPermit(actor=actor, task_id=task_id, project_id=project_id)

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
        name = accept_filename(filename)
        check_content(file_extension(name), b"", declared=declared_type)
        key = new_blob_key(self._clock.now())
        writer = HashingWriter(
            self._files.open_writer(key), key=key, max_bytes=self._max_upload_bytes
        )
        reservation = SpaceReservation(
            transactions=self._tx,
            user_id=permit.actor.user_id,
            quota=self._quota,
            max_bytes=self._max_upload_bytes,
        )
        return PendingUpload(
            permit=permit,
            writer=writer,
            original_filename=name,
            declared_type=declared_type,
            reservation=reservation,
            max_bytes=self._max_upload_bytes,
        )

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
        writer = upload.writer
        extension = file_extension(upload.original_filename)
        try:
            media_type = check_content(extension, writer.head, declared=upload.declared_type)
            writer.commit()
        except BaseException:
            _abort(writer)
            _release(upload)
            raise
        blob = writer.stored(media_type)
        try:
            status = self._scan(blob.key)
            return self._store(upload, blob.key, blob.size, blob.sha256, media_type, status=status)
        except BaseException:
            self._discard(blob.key)
            _release(upload)
            raise

    def _scan(self, key: str) -> AttachmentStatus:
        """The status a committed blob gets from the malware scanner.

        Raises:
            MalwareDetected: the scanner found malware.
        """
        if isinstance(self._scanner, NoMalwareScanner):
            return AttachmentStatus.AVAILABLE
        try:
            chunks = self._files.read(key)
            try:
                result = self._scanner.scan(chunks)
            finally:
                _close(chunks)
        except Unavailable as exc:
            result = ScanResult.unavailable(str(exc))
        if result.verdict is Verdict.INFECTED:
            signature = result.signature or "unknown"
            log.warning("upload %s refused: malware %s", key, signature)
            raise MalwareDetected(signature)
        if result.verdict is Verdict.UNAVAILABLE:
            log.warning("upload %s quarantined: the malware scan failed: %s", key, result.detail)
            return AttachmentStatus.QUARANTINED
        return AttachmentStatus.AVAILABLE

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
        permit = self.authorize_upload(actor, task_id)
        upload = self.start_upload(permit, filename=filename, declared_type=declared_type)
        try:
            for chunk in content:
                upload.write(chunk)
        except BaseException:
            _abort(upload.writer)
            _release(upload)
            raise
        return self.finish_upload(upload)

    def _store(
        self,
        upload: PendingUpload,
        key: str,
        size: int,
        sha256: str,
        media_type: str,
        *,
        status: AttachmentStatus,
    ) -> AttachmentView:
        actor = upload.permit.actor
        task_id = upload.permit.task_id
        with self._tx() as work:
            uow = work.uow
            project_id, role = _task_access(uow, actor, task_id)
            access.require_write(actor, role, project_id, UPLOAD_DENIED)
            now = self._clock.now()
            stored = uow.attachments.add(
                Attachment(
                    task_id=task_id,
                    uploaded_by=actor.user_id,
                    filename=rules.stored_filename(key, upload.original_filename),
                    original_filename=upload.original_filename,
                    extension=file_extension(upload.original_filename),
                    file_size=size,
                    mime_type=media_type,
                    file_hash=sha256,
                    blob_key=key,
                    created_at=now,
                    status=status,
                )
            )
            reservation = upload.reservation
            if reservation is not None and reservation.reserved > size:
                uow.attachments.release_space(actor.user_id, reservation.reserved - size)
            elif reservation is None:  # a hand-made upload reserved nothing: count it now
                uow.attachments.reserve_space(actor.user_id, size, None)
            view = uow.attachments.get(stored.key)
            if view is None:  # pragma: no cover - read back in the same transaction
                raise AttachmentNotFound(stored.key)
            details = _details(view)
            if status is AttachmentStatus.QUARANTINED:
                details["quarantined"] = True
            work.record(
                AttachmentUploaded(
                    occurred_at=now, actor_id=actor.user_id, entity_id=view.id, details=details
                )
            )
            work.commit()
        if reservation is not None:
            reservation.reserved = 0  # it became the stored file's size
        return view

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
            _task_access(work.uow, actor, task_id)
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
            _task_access(work.uow, actor, task_id)
            return work.uow.attachments.count(task_id)

    def get_attachment(self, actor: Actor, attachment_id: int) -> AttachmentView:
        """One attachment's metadata (any member of its task's project, or an administrator).

        Raises:
            AttachmentNotFound: ``Attachment not found`` (also for non-members).
        """
        with self._tx() as work:
            view, _ = _attachment(work.uow, actor, attachment_id)
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
            view, _ = _attachment(work.uow, actor, attachment_id)
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
                        details=_details(view),
                    )
                )
                work.commit()
            except BaseException:
                _close(chunks)
                raise
        return Download(attachment=view, start=start, end=max(stop, start), chunks=chunks)

    def stats(self, actor: Actor) -> AttachmentStats:
        """Counts and sizes of every attachment, by extension and by media type (admins).

        Raises:
            AdminRequired: the caller is not an administrator.
        """
        if not actor.is_admin:
            raise AdminRequired()
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
        with self._tx() as work:
            uow = work.uow
            view, role = _attachment(uow, actor, attachment_id)
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
                    details={**_details(view), "with_task": False},
                )
            )
            work.commit()
        self._remove_blobs([view.blob_key])

    def bulk_delete(self, actor: Actor, task_ids: Sequence[int] | None) -> BulkDeletion:
        """Delete every attachment of the given tasks and their files (administrators).

        Raises:
            AdminRequired: the caller is not an administrator.
            ValidationError: ``No task IDs provided`` (none given), or more than
                :data:`MAX_BULK_TASKS` (field ``task_ids``).
        """
        if not actor.is_admin:
            raise AdminRequired()
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
                        details={
                            **_row_details(a, projects[a.task_id]),
                            "with_task": False,
                        },
                    )
                    for a in removed
                )
            )
            work.commit()
        return BulkDeletion(deleted_count=len(removed), deleted_files=self._remove_blobs(keys))

    def on_tasks_deleted(self, work: Work, events: Sequence[DomainEvent]) -> None:
        """In-transaction handler of ``TaskDeleted`` and ``ProjectDeleted``: delete the
        attachments of the deleted tasks in the same transaction, record their removal
        and :class:`AttachmentDeleted`, and remove their files once it has committed.
        """
        causes: dict[int, DomainEvent] = {}
        for event in events:
            if isinstance(event, ProjectDeleted):
                task_ids = [int(t) for t in event.details.get("task_ids", [])]
            else:
                task_ids = [event.entity_id]
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
                    details={
                        **_row_details(a, causes[a.task_id].details.get("project_id")),
                        "with_task": True,
                    },
                )
                for a in removed
            )
        )

        def remove() -> None:
            self._remove_blobs(keys)

        work.on_commit(remove)

    # -- keeping files and rows in step -------------------------------------------------------

    def sweep_files(
        self, *, grace: dt.timedelta = DEFAULT_GRACE, check_rows: bool = True
    ) -> SweepReport:
        """Bring the file store back in step with the attachment rows.

        Retries the recorded blob removals; removes blobs no attachment refers to and
        partial data of uploads that never finished, when older than ``grace`` (their age
        is read from their keys); with ``check_rows``, reports attachments whose blob is
        missing (one file-store lookup per attachment). Safe to run at any time, also
        concurrently with uploads and with itself. Run it periodically (the
        :data:`SWEEP_FILES` job, or ``taskcore sweep-files``).

        Raises:
            Unavailable: the database or the file store failed while listing.
        """
        cutoff = self._clock.now() - grace
        with self._tx() as work:
            pending = [d.blob_key for d in work.uow.blob_deletions.pending(SWEEP_BATCH * 20)]
        completed = self._remove_blobs(pending)
        orphans: list[str] = []
        partials: list[str] = []
        unrecognised: list[str] = []
        failures = 0
        batch: list[str] = []
        for key in self._files.keys():  # noqa: SIM118 - a FileStore, not a dict
            created = blob_key_created(key)
            if created is None:
                unrecognised.append(key)
            elif created <= cutoff:
                batch.append(key)
            if len(batch) >= SWEEP_BATCH:
                failures += self._remove_orphans(batch, orphans)
                batch = []
        if batch:
            failures += self._remove_orphans(batch, orphans)
        for key in self._files.partial_keys():
            created = blob_key_created(key)
            if created is None:
                unrecognised.append(key)
            elif created <= cutoff:
                if self._try_delete(key):
                    partials.append(key)
                else:
                    failures += 1
        missing = self._missing_blobs() if check_rows else []
        with self._tx() as work:
            still_pending = work.uow.blob_deletions.count()
        return SweepReport(
            deletions_completed=completed,
            deletions_pending=still_pending,
            orphans_removed=orphans,
            partials_removed=partials,
            unrecognised_keys=unrecognised,
            failures=failures,
            missing_blobs=missing,
        )

    def run_sweep_job(self, args: Mapping[str, Any]) -> None:
        """The :data:`SWEEP_FILES` job: takes ``grace_seconds`` (default a day) and
        ``check_rows`` (default true) and logs its report."""
        grace = dt.timedelta(
            seconds=float(args.get("grace_seconds", DEFAULT_GRACE.total_seconds()))
        )
        report = self.sweep_files(grace=grace, check_rows=bool(args.get("check_rows", True)))
        log.info(
            "file sweep: %d removals completed, %d pending, %d orphans and %d unfinished "
            "uploads removed, %d failures, attachments without a file: %s",
            report.deletions_completed,
            report.deletions_pending,
            len(report.orphans_removed),
            len(report.partials_removed),
            report.failures,
            list(report.missing_blobs),
        )

    def _remove_orphans(self, keys: Sequence[str], removed: list[str]) -> int:
        """Delete those of ``keys`` no attachment refers to; returns how many failed."""
        with self._tx() as work:
            known = work.uow.attachments.referenced_keys(keys)
        failed = 0
        for key in keys:
            if key in known:
                continue
            if self._try_delete(key):
                removed.append(key)
            else:
                failed += 1
        return failed

    def _missing_blobs(self) -> list[int]:
        missing: list[int] = []
        after = 0
        while True:
            with self._tx() as work:
                rows = work.uow.attachments.blob_keys(after_id=after, limit=SWEEP_BATCH)
            if not rows:
                return missing
            missing.extend(ident for ident, key in rows if self._files.size(key) is None)
            after = rows[-1][0]

    def _try_delete(self, key: str) -> bool:
        try:
            self._files.delete(key)
        except TaskcoreError:
            log.warning("could not remove blob %s", key, exc_info=True)
            return False
        return True

    def _remove_blobs(self, keys: Collection[str]) -> int:
        """Remove recorded blobs from the store and forget those removed; returns how many.

        Never raises a taskcore error: what fails stays recorded for the sweep.
        """
        if not keys:
            return 0
        done: list[str] = []
        failed: dict[str, str] = {}
        for key in keys:
            try:
                self._files.delete(key)
            except TaskcoreError as exc:
                log.warning("could not remove blob %s; the sweep will retry", key, exc_info=True)
                failed[key] = f"{type(exc).__name__}: {exc}"
            else:
                done.append(key)
        try:
            with self._tx() as work:
                work.uow.blob_deletions.forget(done)
                for key, error in failed.items():
                    work.uow.blob_deletions.record_failure(key, error)
                work.commit()
        except TaskcoreError:
            log.warning("could not update the blob removal records", exc_info=True)
        return len(done)

    def _discard(self, key: str) -> None:
        """Remove the blob of an upload whose row was not stored; if that fails, record
        its removal; if that fails too, the orphan sweep will find it."""
        if self._try_delete(key):
            return
        try:
            with self._tx() as work:
                work.uow.blob_deletions.add([key], self._clock.now())
                work.commit()
        except TaskcoreError:
            log.warning("could not record the removal of blob %s", key, exc_info=True)


def _task_access(uow: UnitOfWork, actor: Actor, task_id: int) -> tuple[int, Role | None]:
    """The task's project and the caller's role in it."""
    project_id = uow.tasks.project_id_of(task_id)
    missing = TaskNotFound(task_id, TASK_MISSING)
    if project_id is None:
        raise missing
    return project_id, access.visible_role(uow.projects, actor, project_id, missing)


def _attachment(
    uow: UnitOfWork, actor: Actor, attachment_id: int
) -> tuple[AttachmentView, Role | None]:
    """The attachment and the caller's role in its project (``None``: an admin)."""
    view = uow.attachments.get(attachment_id)
    missing = AttachmentNotFound(attachment_id)
    if view is None:
        raise missing
    return view, access.visible_role(uow.projects, actor, view.project_id, missing)


def _details(view: AttachmentView) -> dict[str, object]:
    return {
        "filename": view.original_filename,
        "task_id": view.task_id,
        "project_id": view.project_id,
        "file_size": view.file_size,
    }


def _row_details(attachment: Attachment, project_id: object) -> dict[str, object]:
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


def _release(upload: PendingUpload) -> None:
    if upload.reservation is not None:
        upload.reservation.release()


def _abort(writer: HashingWriter) -> None:
    """Discard a blob being written; a failure leaves partial data to the sweep."""
    try:
        writer.abort()
    except TaskcoreError:
        log.warning("could not discard an unfinished upload", exc_info=True)


def _close(chunks: Iterator[bytes]) -> None:
    close: Callable[[], object] | None = getattr(chunks, "close", None)
    if close is not None:
        close()
