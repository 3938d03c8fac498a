"""Uploading: the caller's permit, the quota reservation, the file being received, and
storing it once its content is checked and scanned.

A file is streamed into the ``FileStore`` under a generated key, counted, hashed and
checked (its content must agree with its extension) while it arrives; only once the blob
is committed is its row written. If the row cannot be committed, the blob is removed.

An upload reserves space against its uploader's quota as its bytes arrive (in steps of
:data:`RESERVE_STEP`, each an atomic compare-and-add on the user's usage, committed at
once so concurrent uploads see it); the reservation is released if the upload fails and
becomes the file's size when its row is stored.

Once its blob is committed and before its row is stored, a file is scanned by the
:class:`~taskcore.ports.scanning.MalwareScanner`: an infected file is removed and refused
(:class:`~taskcore.errors.MalwareDetected`); when the scanner is unavailable the
attachment is stored quarantined and never served (fail closed).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Final

import attrs

from taskcore.domain import attachments as rules
from taskcore.domain.attachments import Attachment, AttachmentStatus, AttachmentView
from taskcore.domain.events import AttachmentUploaded
from taskcore.domain.files import (
    HashingWriter,
    accept_filename,
    check_content,
    file_extension,
    new_blob_key,
)
from taskcore.errors import (
    AttachmentNotFound,
    MalwareDetected,
    QuotaExceeded,
    TaskcoreError,
    Unavailable,
)
from taskcore.ports.files import CHUNK_SIZE
from taskcore.ports.scanning import MalwareScanner, NoMalwareScanner, ScanResult, Verdict
from taskcore.services import access
from taskcore.services.access import Actor
from taskcore.services.attachments.blobs import Blobs, close_chunks
from taskcore.services.attachments.common import (
    UPLOAD_DENIED,
    AreaPart,
    event_details,
)
from taskcore.uow import Transactions

log = logging.getLogger(__name__)

RESERVE_STEP: Final = CHUNK_SIZE
"""How much quota an upload reserves first while its bytes arrive; each later step
reserves as much again as is already reserved (less when only less is left)."""


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
class Uploads(AreaPart):
    """The upload use cases, documented on :class:`AttachmentService`."""

    _blobs: Blobs = attrs.field(alias="blobs")
    _max_upload_bytes: int = attrs.field(alias="max_upload_bytes")
    _quota: int | None = attrs.field(alias="quota")
    _scanner: MalwareScanner = attrs.field(alias="scanner")

    def authorize(self, actor: Actor, task_id: int) -> UploadPermit:
        """See :meth:`AttachmentService.authorize_upload`."""
        with self._tx() as work:
            project_id, role = access.task_access(work.uow, actor, task_id)
            access.require_write(actor, role, project_id, UPLOAD_DENIED)
        return UploadPermit(actor=actor, task_id=task_id, project_id=project_id)

    def start(
        self, permit: UploadPermit, *, filename: str | None, declared_type: str | None
    ) -> PendingUpload:
        """See :meth:`AttachmentService.start_upload`."""
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

    def finish(self, upload: PendingUpload) -> AttachmentView:
        """See :meth:`AttachmentService.finish_upload`."""
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
            self._blobs.discard(blob.key)
            _release(upload)
            raise

    def upload(
        self,
        actor: Actor,
        task_id: int,
        *,
        filename: str | None,
        content: Iterable[bytes],
        declared_type: str | None,
    ) -> AttachmentView:
        """See :meth:`AttachmentService.upload_attachment`."""
        permit = self.authorize(actor, task_id)
        upload = self.start(permit, filename=filename, declared_type=declared_type)
        try:
            for chunk in content:
                upload.write(chunk)
        except BaseException:
            _abort(upload.writer)
            _release(upload)
            raise
        return self.finish(upload)

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
                close_chunks(chunks)
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
            project_id, role = access.task_access(uow, actor, task_id)
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
            work.record(
                AttachmentUploaded(
                    occurred_at=now,
                    actor_id=actor.user_id,
                    entity_id=view.id,
                    **event_details(view),
                    quarantined=status is AttachmentStatus.QUARANTINED,
                )
            )
            work.commit()
        if reservation is not None:
            reservation.reserved = 0  # it became the stored file's size
        return view


def _release(upload: PendingUpload) -> None:
    if upload.reservation is not None:
        upload.reservation.release()


def _abort(writer: HashingWriter) -> None:
    """Discard a blob being written; a failure leaves partial data to the sweep."""
    try:
        writer.abort()
    except TaskcoreError:
        log.warning("could not discard an unfinished upload", exc_info=True)
