"""The attachments area: upload, list, read, download and delete files on tasks; keep files
and rows in step.

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

Modules, one job each:

- :mod:`~taskcore.services.attachments.service`: :class:`AttachmentService` (every use
  case; reading lives here);
- :mod:`~taskcore.services.attachments.uploads`: permits, quota reservations, files being
  received, the malware scan and storing the row;
- :mod:`~taskcore.services.attachments.deletion`: single, bulk and with-the-task deletion;
- :mod:`~taskcore.services.attachments.sweep`: the sweep and its job;
- :mod:`~taskcore.services.attachments.blobs`: removing blobs with a durable record;
- :mod:`~taskcore.services.attachments.common`: what they share (finding an attachment the
  caller may see, the details of its events);
- :mod:`~taskcore.services.attachments.nofiles`: the file store of a taskcore without one.
"""

from taskcore.services.access import TASK_MISSING
from taskcore.services.attachments.deletion import MAX_BULK_TASKS, BulkDeletion
from taskcore.services.attachments.nofiles import NoFileStore
from taskcore.services.attachments.service import AttachmentService, Download
from taskcore.services.attachments.sweep import (
    DEFAULT_GRACE,
    SWEEP_BATCH,
    SWEEP_FILES,
    SweepReport,
)
from taskcore.services.attachments.uploads import (
    RESERVE_STEP,
    PendingUpload,
    SpaceReservation,
    UploadPermit,
)

__all__ = [
    "DEFAULT_GRACE",
    "MAX_BULK_TASKS",
    "RESERVE_STEP",
    "SWEEP_BATCH",
    "SWEEP_FILES",
    "TASK_MISSING",
    "AttachmentService",
    "BulkDeletion",
    "Download",
    "NoFileStore",
    "PendingUpload",
    "SpaceReservation",
    "SweepReport",
    "UploadPermit",
]
