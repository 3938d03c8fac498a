"""The activity log: written from domain events in their own transaction, read by
administrators, summarised per day and trimmed to the retention period by jobs.

:meth:`ActivityService.record` is the in-transaction handler the composition root
registers for every :class:`~taskcore.domain.events.DomainEvent`: each event becomes one
entry, committed (or rolled back) with the change it describes, so the log loses nothing
and never shows a change that did not happen. The request's address and user agent come
from :func:`taskcore.domain.origin.current_origin`, set by the host.

Modules, one job each:

- :mod:`~taskcore.services.activity.service`: :class:`ActivityService` (every use case;
  joins the parts below);
- :mod:`~taskcore.services.activity.writing`: entries from events (:meth:`record`) and
  the entries administrators submit;
- :mod:`~taskcore.services.activity.reading`: filtered lists, one user's or entity's
  entries, a task's history, statistics, summaries, health;
- :mod:`~taskcore.services.activity.housekeeping`: the cleanup and summary jobs;
- :mod:`~taskcore.services.activity.inputs`: checking fields, filters, dates and periods;
- :mod:`~taskcore.services.activity.base`: the collaborators they share.
"""

from taskcore.services.activity.housekeeping import (
    BACKFILL_DAYS,
    CLEANUP,
    DEFAULT_RETENTION_DAYS,
    DELETE_BATCH,
    MAX_SUMMARY_RANGE,
    SUMMARIZE,
)
from taskcore.services.activity.inputs import (
    DEFAULT_DAYS,
    LIST_CAP,
    MAX_DAYS,
    USER_LIST_CAP,
    parse_day,
    parse_instant,
)
from taskcore.services.activity.service import ActivityService

__all__ = [
    "BACKFILL_DAYS",
    "CLEANUP",
    "DEFAULT_DAYS",
    "DEFAULT_RETENTION_DAYS",
    "DELETE_BATCH",
    "LIST_CAP",
    "MAX_DAYS",
    "MAX_SUMMARY_RANGE",
    "SUMMARIZE",
    "USER_LIST_CAP",
    "ActivityService",
    "parse_day",
    "parse_instant",
]
