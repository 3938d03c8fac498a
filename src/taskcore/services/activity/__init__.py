"""The activity log: written from domain events, read by administrators, summarised and
trimmed by jobs."""

from taskcore.services.activity.service import (
    CLEANUP,
    DEFAULT_RETENTION_DAYS,
    DELETE_BATCH,
    LIST_CAP,
    SUMMARIZE,
    USER_LIST_CAP,
    ActivityService,
)

__all__ = [
    "CLEANUP",
    "DEFAULT_RETENTION_DAYS",
    "DELETE_BATCH",
    "LIST_CAP",
    "SUMMARIZE",
    "USER_LIST_CAP",
    "ActivityService",
]
