"""The activity log: written from domain events in their own transaction, read by
administrators, summarised per day and trimmed to the retention period by jobs.

:meth:`ActivityService.record` is the in-transaction handler the composition root
registers for every :class:`~taskcore.domain.events.DomainEvent`: each event becomes one
entry, committed (or rolled back) with the change it describes, so the log loses nothing
and never shows a change that did not happen. The request's address and user agent come
from :func:`taskcore.domain.origin.current_origin`, set by the host.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from taskcore.domain.activity import (
    ACTION_MAX,
    DAILY_DAYS,
    ENTITY_TYPE_MAX,
    IP_ADDRESS_MAX,
    SERVICE_NAME_MAX,
    SESSION_ID_MAX,
    SUBMITTED_SERVICE_NAME,
    TOP_LIMIT,
    ActivityCriteria,
    ActivityEntry,
    ActivityHealth,
    ActivityStats,
    ActivitySummary,
    ActivityView,
    DayCount,
    day_bounds,
    entry_from_event,
    sanitize_details,
)
from taskcore.domain.events import DomainEvent
from taskcore.domain.origin import USER_AGENT_MAX, current_origin
from taskcore.domain.pagination import Page, PageRequest
from taskcore.domain.values import UNSET
from taskcore.errors import PermissionDenied, TaskNotFound, ValidationError
from taskcore.ports.clock import Clock
from taskcore.ports.jobs import JobSpec
from taskcore.services.access import Actor, require_admin, visible_role
from taskcore.services.jobs import Jobs
from taskcore.uow import Transactions, Work

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

DEFAULT_DAYS: Final = 30
"""Period of the statistics and of the summaries listed, unless asked otherwise."""

MAX_DAYS: Final = 36500
"""Longest period accepted for statistics and summary lists (a century)."""

LIST_CAP: Final = 1000
"""Largest page of the full list."""

USER_LIST_CAP: Final = 200
"""Largest page of one user's or one entity's entries."""

ID_MAX: Final = 2**31 - 1
ACCESS_DENIED: Final = "Access denied"


def _capped(page: PageRequest, cap: int) -> PageRequest:
    return page if page.per_page <= cap else PageRequest(page=page.page, per_page=cap)


def _text(value: object, field: str, limit: int, *, required: bool = False) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise ValidationError(f"{field} must be a string", field=field)
    if required and not value.strip():
        raise ValidationError(f"{field} is required", field=field)
    if len(value) > limit:
        raise ValidationError(f"{field} must be at most {limit} characters", field=field)
    return value


def _storable(value: int | None) -> bool:
    """Whether an id filter can match a stored id (a larger one matches nothing)."""
    return value is None or 0 <= value <= ID_MAX


def _id(value: object, field: str, *, required: bool = False) -> int | None:
    if value is None and not required:
        return None
    if type(value) is not int:
        raise ValidationError(f"{field} must be an integer", field=field)
    if not 0 <= value <= ID_MAX:
        raise ValidationError(f"{field} must be a valid id", field=field)
    return value


def parse_day(value: object, field: str) -> dt.date:
    """A ``YYYY-MM-DD`` date.

    Raises:
        ValidationError: ``Invalid <field> format``.
    """
    if not isinstance(value, str) or len(value) != 10:
        raise ValidationError(f"Invalid {field} format", field=field)
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationError(f"Invalid {field} format", field=field) from None


def parse_instant(value: str | dt.datetime | None, field: str) -> dt.datetime | None:
    """An ISO 8601 date or date and time (UTC when it names no zone), as an aware datetime.

    Raises:
        ValidationError: ``Invalid <field> format``.
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        parsed = value
    else:
        try:
            parsed = dt.datetime.fromisoformat(value)
        except (TypeError, ValueError):
            raise ValidationError(f"Invalid {field} format", field=field) from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=dt.UTC)
    try:
        return parsed.astimezone(dt.UTC)
    except OverflowError:  # "0001-01-01T00:00+01:00" is before the first representable instant
        raise ValidationError(f"Invalid {field} format", field=field) from None


def _days(days: int | None) -> int:
    if days is None or days < 1:
        return DEFAULT_DAYS
    return min(days, MAX_DAYS)


class ActivityService:
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

    # -- writing -------------------------------------------------------------------------

    def record(self, work: Work, events: Sequence[DomainEvent]) -> None:
        """Write one entry per event into ``work``'s transaction (the in-transaction
        handler for every domain event), with the current request's origin."""
        origin = current_origin()
        work.uow.activity.add_many([entry_from_event(event, origin) for event in events])

    def log(
        self,
        actor: Actor,
        *,
        action: object,
        entity_type: object,
        entity_id: object,
        user_id: object = None,
        details: object = None,
        ip_address: object = None,
        user_agent: object = None,
        session_id: object = None,
        service_name: object = None,
    ) -> ActivityEntry:
        """Store an entry submitted by an administrator (``POST /api/activities``).

        ``action``, ``entity_type`` and ``entity_id`` must be given (a field passed as
        :data:`~taskcore.domain.values.UNSET` is missing; ``None`` is a wrong type);
        the other fields may be ``None`` or ``UNSET``. ``details`` lose every key naming a
        secret; ``user_agent`` is cut to 500 characters; ``service_name`` defaults to
        ``unknown``.

        Raises:
            AdminRequired: the caller is not an administrator.
            ValidationError: a field has the wrong type or is too long (naming it).
        """
        require_admin(actor)
        required = {"action": action, "entity_type": entity_type, "entity_id": entity_id}
        for name, value in required.items():
            if value is UNSET:
                raise ValidationError(f"{name} is required", field=name)
        user_id, details, ip_address, user_agent, session_id, service_name = (
            None if v is UNSET else v
            for v in (user_id, details, ip_address, user_agent, session_id, service_name)
        )
        checked_action = _text(action, "action", ACTION_MAX, required=True)
        checked_type = _text(entity_type, "entity_type", ENTITY_TYPE_MAX, required=True)
        checked_id = _id(entity_id, "entity_id", required=True)
        checked_user = _id(user_id, "user_id")
        if details is not None and not isinstance(details, Mapping):
            raise ValidationError("details must be an object", field="details")
        if user_agent is not None and not isinstance(user_agent, str):
            raise ValidationError("user_agent must be a string", field="user_agent")
        entry = ActivityEntry(
            user_id=checked_user,
            action=checked_action or "",
            entity_type=checked_type or "",
            entity_id=checked_id or 0,
            details=sanitize_details(details),
            ip_address=_text(ip_address, "ip_address", IP_ADDRESS_MAX),
            user_agent=user_agent[:USER_AGENT_MAX] if user_agent is not None else None,
            session_id=_text(session_id, "session_id", SESSION_ID_MAX),
            service_name=_text(service_name, "service_name", SERVICE_NAME_MAX)
            or SUBMITTED_SERVICE_NAME,
            created_at=self._clock.now(),
        )
        with self._tx() as work:
            stored = work.uow.activity.add(entry)
            work.commit()
        return stored

    # -- reading -------------------------------------------------------------------------

    def _page(self, criteria: ActivityCriteria, page: PageRequest) -> Page[ActivityView]:
        with self._tx() as work:
            repo = work.uow.activity
            return Page(
                items=repo.find(criteria, offset=page.offset, limit=page.per_page),
                page=page.page,
                per_page=page.per_page,
                total=repo.count(criteria),
            )

    def list_activities(
        self,
        actor: Actor,
        *,
        user_id: int | None = None,
        action: str | None = None,
        entity_type: str | None = None,
        entity_id: int | None = None,
        start_date: str | dt.datetime | None = None,
        end_date: str | dt.datetime | None = None,
        page: PageRequest = PageRequest(per_page=50),  # noqa: B008 - immutable
    ) -> Page[ActivityView]:
        """Entries matching every given filter, newest first (administrators; at most
        1,000 per page). ``start_date`` and ``end_date`` bound ``created_at`` inclusively:
        ISO 8601 text (without a zone it is UTC) or aware datetimes.

        Raises:
            AdminRequired: the caller is not an administrator.
            ValidationError: ``Invalid start_date format`` (or ``end_date``).
        """
        require_admin(actor)
        page = _capped(page, LIST_CAP)
        criteria = ActivityCriteria(
            user_id=user_id,
            action=action,
            entity_type=entity_type,
            entity_id=entity_id,
            start=parse_instant(start_date, "start_date"),
            end=parse_instant(end_date, "end_date"),
        )
        if not all(_storable(i) for i in (user_id, entity_id)):
            return Page(items=[], page=page.page, per_page=page.per_page, total=0)
        return self._page(criteria, page)

    def user_activities(
        self,
        actor: Actor,
        user_id: int,
        *,
        action: str | None = None,
        entity_type: str | None = None,
        page: PageRequest = PageRequest(per_page=50),  # noqa: B008 - immutable
    ) -> Page[ActivityView]:
        """One user's entries, newest first (the user and administrators; at most 200 per
        page).

        Raises:
            PermissionDenied: ``Access denied``: the caller is someone else.
        """
        if actor.user_id != user_id and not actor.is_admin:
            raise PermissionDenied(ACCESS_DENIED)
        criteria = ActivityCriteria(user_id=user_id, action=action, entity_type=entity_type)
        return self._page(criteria, _capped(page, USER_LIST_CAP))

    def entity_activities(
        self,
        actor: Actor,
        entity_type: str,
        entity_id: int,
        *,
        page: PageRequest = PageRequest(per_page=50),  # noqa: B008 - immutable
    ) -> Page[ActivityView]:
        """The entries about one object, newest first (administrators; at most 200 per
        page).

        Raises:
            AdminRequired: the caller is not an administrator.
            ValidationError: ``entity_type`` holds a NUL character.
        """
        require_admin(actor)
        if "\x00" in entity_type:
            raise ValidationError(
                "entity_type must not contain NUL characters", field="entity_type"
            )
        criteria = ActivityCriteria(entity_type=entity_type, entity_id=entity_id)
        return self._page(criteria, _capped(page, USER_LIST_CAP))

    def task_history(
        self,
        actor: Actor,
        task_id: int,
        *,
        page: PageRequest = PageRequest(per_page=50),  # noqa: B008 - immutable
    ) -> Page[ActivityView]:
        """The entries about one task, newest first, for anyone who may see the task (its
        project's members and administrators; at most 200 per page).

        Raises:
            TaskNotFound: no such task, or the caller may not see it (ids reveal nothing).
        """
        with self._tx() as work:
            project_id = work.uow.tasks.project_id_of(task_id)
            if project_id is None:
                raise TaskNotFound(task_id)
            visible_role(work.uow.projects, actor, project_id, TaskNotFound(task_id))
        criteria = ActivityCriteria(entity_type="task", entity_id=task_id)
        return self._page(criteria, _capped(page, USER_LIST_CAP))

    def stats(self, actor: Actor, *, days: int | None = None) -> ActivityStats:
        """Totals and top lists over the last ``days`` days (30 by default), and the
        entries per UTC day of the last seven days, oldest first (administrators).

        Raises:
            AdminRequired: the caller is not an administrator.
        """
        require_admin(actor)
        period = _days(days)
        now = self._clock.now()
        today = now.astimezone(dt.UTC).date()
        first_day = today - dt.timedelta(days=DAILY_DAYS - 1)
        with self._tx() as work:
            repo = work.uow.activity
            totals = repo.totals(now - dt.timedelta(days=period), top=TOP_LIMIT)
            counted = {d.date: d.count for d in repo.daily_counts(day_bounds(first_day)[0])}
        daily = [
            DayCount(date=day, count=counted.get(day, 0))
            for day in (first_day + dt.timedelta(days=n) for n in range(DAILY_DAYS))
        ]
        return ActivityStats(period_days=period, totals=totals, daily=daily)

    def list_summaries(self, actor: Actor, *, days: int | None = None) -> list[ActivitySummary]:
        """The daily summaries of the last ``days`` days (30 by default), newest first
        (administrators).

        Raises:
            AdminRequired: the caller is not an administrator.
        """
        require_admin(actor)
        today = self._clock.now().astimezone(dt.UTC).date()
        start = today - dt.timedelta(days=_days(days))
        with self._tx() as work:
            return list(work.uow.activity.summaries(start, today))

    def health(self) -> ActivityHealth:
        """How many entries there are, and how many from the last 24 hours (for the public
        health check: counts only)."""
        since = self._clock.now() - dt.timedelta(hours=24)
        with self._tx() as work:
            repo = work.uow.activity
            return ActivityHealth(
                total_logs=repo.count(ActivityCriteria()),
                recent_logs_24h=repo.count(ActivityCriteria(start=since)),
            )

    # -- jobs ----------------------------------------------------------------------------

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
