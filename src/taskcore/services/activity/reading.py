"""Reading the activity log: filtered lists, one user's or one entity's entries, a task's
history, statistics, daily summaries and the log's health."""

from __future__ import annotations

import datetime as dt
from typing import Final

from taskcore.domain.activity import (
    DAILY_DAYS,
    TOP_LIMIT,
    ActivityCriteria,
    ActivityHealth,
    ActivityStats,
    ActivitySummary,
    ActivityView,
    DayCount,
    day_bounds,
)
from taskcore.domain.pagination import Page, PageRequest
from taskcore.errors import PermissionDenied, TaskNotFound, ValidationError
from taskcore.services.access import Actor, require_admin, visible_role
from taskcore.services.activity.base import ActivityBase
from taskcore.services.activity.inputs import (
    LIST_CAP,
    USER_LIST_CAP,
    capped,
    parse_instant,
    period_days,
    storable,
)

ACCESS_DENIED: Final = "Access denied"


class Reading(ActivityBase):
    """The administrators' (and task members') views of the log."""

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
        page = capped(page, LIST_CAP)
        criteria = ActivityCriteria(
            user_id=user_id,
            action=action,
            entity_type=entity_type,
            entity_id=entity_id,
            start=parse_instant(start_date, "start_date"),
            end=parse_instant(end_date, "end_date"),
        )
        if not all(storable(i) for i in (user_id, entity_id)):
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
        return self._page(criteria, capped(page, USER_LIST_CAP))

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
        return self._page(criteria, capped(page, USER_LIST_CAP))

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
        return self._page(criteria, capped(page, USER_LIST_CAP))

    def stats(self, actor: Actor, *, days: int | None = None) -> ActivityStats:
        """Totals and top lists over the last ``days`` days (30 by default), and the
        entries per UTC day of the last seven days, oldest first (administrators).

        Raises:
            AdminRequired: the caller is not an administrator.
        """
        require_admin(actor)
        period = period_days(days)
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
        start = today - dt.timedelta(days=period_days(days))
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
