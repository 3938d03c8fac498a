"""The attachments area: files on tasks (see :mod:`taskcore.services.attachments.service`)."""

from taskcore.services.attachments.service import (
    DEFAULT_GRACE,
    MAX_BULK_TASKS,
    RESERVE_STEP,
    SWEEP_BATCH,
    SWEEP_FILES,
    TASK_MISSING,
    AttachmentService,
    BulkDeletion,
    Download,
    NoFileStore,
    PendingUpload,
    SpaceReservation,
    SweepReport,
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
