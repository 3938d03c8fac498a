"""The activity service: one object with every use case of the activity log.

Each job lives in its own module and :class:`ActivityService` joins them:

* :mod:`~taskcore.services.activity.writing`: entries from events and submitted ones;
* :mod:`~taskcore.services.activity.reading`: lists, histories, statistics, summaries;
* :mod:`~taskcore.services.activity.housekeeping`: the cleanup and summary jobs;
* :mod:`~taskcore.services.activity.inputs`: checking the callers' fields and filters.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable

from taskcore.ports.clock import Clock
from taskcore.services.activity.housekeeping import DEFAULT_RETENTION_DAYS, Housekeeping
from taskcore.services.activity.reading import Reading
from taskcore.services.activity.writing import Writing
from taskcore.services.jobs import Jobs
from taskcore.services.scopes import guarded
from taskcore.uow import Transactions


@guarded(
    "tasks",
    reads=("entity_activities", "stats", "task_history", "user_activities"),
    areas={"start_cleanup": "admin", "start_summary": "admin"},
)
class ActivityService(Writing, Reading, Housekeeping):
    """Use cases of the activity log.

    Args:
        transactions: Opens units of work.
        clock: Source of the current time.
        jobs: Where the cleanup and summary jobs are enqueued.
        retention_days: Entries older than this are deleted by the cleanup.
        new_job_id: Makes the id of a job started on request.
    """

    def __init__(
        self,
        *,
        transactions: Transactions,
        clock: Clock,
        jobs: Jobs,
        retention_days: int = DEFAULT_RETENTION_DAYS,
        new_job_id: Callable[[], str] = lambda: uuid.uuid4().hex,
    ) -> None:
        if retention_days < 1:
            raise ValueError("retention_days must be at least 1")
        self._tx = transactions
        self._clock = clock
        self._jobs = jobs
        self._retention = dt.timedelta(days=retention_days)
        self._new_job_id = new_job_id
