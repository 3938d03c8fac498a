"""The activity log's jobs: deleting entries past the retention period and writing daily
summaries, on schedule or on an administrator's request."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from typing import Any, Final

from taskcore.domain.activity import TOP_LIMIT, ActivitySummary, day_bounds
from taskcore.errors import ValidationError
from taskcore.ports.jobs import JobSpec
from taskcore.services.access import Actor, require_admin
from taskcore.services.activity.base import ActivityBase
from taskcore.services.activity.inputs import parse_day

log = logging.getLogger(__name__)

CLEANUP: Final = JobSpec(
    name="activity.cleanup", retries=3, backoff_seconds=(60, 300, 1800), timeout_seconds=3600
)
"""The job that deletes entries older than the retention period (daily at 02:00 UTC)."""

SUMMARIZE: Final = JobSpec(
    name="activity.summarize", retries=3, backoff_seconds=(60, 300, 1800), timeout_seconds=3600
)
"""The job that writes daily summaries (daily at 01:00 UTC, for the day before)."""

DEFAULT_RETENTION_DAYS: Final = 90
"""Days entries are kept by default (``TASKCORE_LOG_RETENTION_DAYS`` in the server)."""

DELETE_BATCH: Final = 1000
"""Entries deleted per transaction by the cleanup, so no transaction holds locks long."""

BACKFILL_DAYS: Final = 7
"""Days before yesterday the scheduled summary fills in when they have no summary yet."""

MAX_SUMMARY_RANGE: Final = 366
"""Most days one summary job may cover."""


class Housekeeping(ActivityBase):
    """The cleanup and summary jobs."""

    def start_cleanup(self, actor: Actor) -> str:
        """Enqueue the retention cleanup now (administrators).

        Returns:
            The job id.

        Raises:
            AdminRequired: the caller is not an administrator.
        """
        require_admin(actor)
        job_id = self._new_job_id()
        self._jobs.enqueue(CLEANUP, {}, job_id=job_id)
        return job_id

    def start_summary(
        self, actor: Actor, *, start_date: object = None, end_date: object = None
    ) -> str:
        """Enqueue the summary of the days from ``start_date`` to ``end_date`` (ISO dates;
        ``end_date`` defaults to yesterday, ``start_date`` to ``end_date``); without
        either, yesterday's and missing recent days' (administrators).

        Returns:
            The job id.

        Raises:
            AdminRequired: the caller is not an administrator.
            ValidationError: ``Invalid start_date format`` (or ``end_date``), the start is
                after the end, the end is in the future, or the range is longer than
                366 days.
        """
        require_admin(actor)
        args: dict[str, Any] = {}
        if start_date is not None or end_date is not None:
            first, last = self._range(start_date, end_date)
            args = {"start_date": first.isoformat(), "end_date": last.isoformat()}
        job_id = self._new_job_id()
        self._jobs.enqueue(SUMMARIZE, args, job_id=job_id)
        return job_id

    def _range(self, start_date: object, end_date: object) -> tuple[dt.date, dt.date]:
        today = self._clock.now().astimezone(dt.UTC).date()
        last = (
            parse_day(end_date, "end_date")
            if end_date is not None
            else today - dt.timedelta(days=1)
        )
        first = parse_day(start_date, "start_date") if start_date is not None else last
        if first > last:
            raise ValidationError("start_date must not be after end_date", field="start_date")
        if last > today:
            raise ValidationError("end_date must not be in the future", field="end_date")
        if (last - first).days + 1 > MAX_SUMMARY_RANGE:
            raise ValidationError(
                f"A summary covers at most {MAX_SUMMARY_RANGE} days", field="start_date"
            )
        return first, last

    def cleanup(self) -> int:
        """Delete the entries older than the retention period, in batches of
        :data:`DELETE_BATCH` (one transaction each).

        Returns:
            How many were deleted.
        """
        cutoff = self._clock.now() - self._retention
        deleted = 0
        while True:
            with self._tx() as work:
                gone = work.uow.activity.delete_older_than(cutoff, limit=DELETE_BATCH)
                work.commit()
            deleted += gone
            if gone < DELETE_BATCH:
                return deleted

    def summarize(
        self, start: dt.date | None = None, end: dt.date | None = None
    ) -> list[ActivitySummary]:
        """Write the summary of each day from ``start`` to ``end`` (UTC days; re-running
        updates them, never duplicates). Days without entries get none.

        Without dates: yesterday, and each of the seven days before it that has no
        summary yet (days a stopped scheduler missed).

        Returns:
            The summaries written, oldest first.
        """
        yesterday = self._clock.now().astimezone(dt.UTC).date() - dt.timedelta(days=1)
        if start is None and end is None:
            first = yesterday - dt.timedelta(days=BACKFILL_DAYS)
            with self._tx() as work:
                done = {s.date for s in work.uow.activity.summaries(first, yesterday)}
            days = [
                day
                for day in (first + dt.timedelta(days=n) for n in range(BACKFILL_DAYS + 1))
                if day == yesterday or day not in done
            ]
        else:
            last = end or yesterday
            first = start or last
            days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
        written = []
        for day in days:
            summary = self._summarize_day(day)
            if summary is not None:
                written.append(summary)
        return written

    def _summarize_day(self, day: dt.date) -> ActivitySummary | None:
        begin, end = day_bounds(day)
        with self._tx() as work:
            repo = work.uow.activity
            totals = repo.totals(begin, end, top=TOP_LIMIT)
            if totals.total == 0:
                return None
            summary = repo.save_summary(
                date=day,
                total_activities=totals.total,
                unique_users=totals.unique_users,
                top_actions=totals.top_actions,
                now=self._clock.now(),
            )
            work.commit()
        return summary

    def run_cleanup_job(self, args: Mapping[str, Any]) -> None:
        """The :data:`CLEANUP` job (no arguments); logs how many entries it deleted."""
        log.info("activity cleanup: %d entries deleted", self.cleanup())

    def run_summary_job(self, args: Mapping[str, Any]) -> None:
        """The :data:`SUMMARIZE` job: optional ``start_date`` and ``end_date`` (ISO
        dates); logs the days it summarised."""
        start = args.get("start_date")
        end = args.get("end_date")
        written = self.summarize(
            parse_day(start, "start_date") if start is not None else None,
            parse_day(end, "end_date") if end is not None else None,
        )
        log.info(
            "activity summary: %s", ", ".join(s.date.isoformat() for s in written) or "no days"
        )
