"""Timesheets: time per person, project and week over a period, and a project's
estimates against the time spent."""

from __future__ import annotations

import datetime as dt

import attrs

from taskcore.domain import time_entries as rules
from taskcore.domain.tasks import TaskCriteria, TaskOrder
from taskcore.domain.time_entries import TimeEntryCriteria, Timesheet, hours_of
from taskcore.errors import ProjectNotFound
from taskcore.services import access
from taskcore.services.access import Actor
from taskcore.services.time.base import TimeBase, local_today
from taskcore.services.time.entries import scope

DEFAULT_WEEKS = 4
"""A timesheet without ``from`` covers the four weeks up to ``to``."""
SUMMARY_TASKS_MAX = 1000
"""Most tasks an estimate-versus-spent summary lists."""


@attrs.frozen(kw_only=True)
class TaskTime:
    """One task's estimate against the time logged on it."""

    task_id: int
    title: str
    status: str
    estimated_hours: float | None
    spent_hours: float
    remaining_hours: float | None
    """The estimate minus the time spent (negative: over the estimate); ``None`` without
    an estimate."""


@attrs.frozen(kw_only=True)
class ProjectTime:
    """A project's estimates against the time spent: totals and per task (the tasks with
    an estimate or time logged)."""

    project_id: int
    estimated_hours: float
    spent_hours: float
    tasks: tuple[TaskTime, ...]


class Timesheets(TimeBase):
    """Reports of the time logged."""

    def timesheet(
        self,
        actor: Actor,
        *,
        date_from: str | dt.date | None = None,
        date_to: str | dt.date | None = None,
        project_id: int | None = None,
        user_id: int | None = None,
    ) -> Timesheet:
        """Time per person, project and week (Monday to Sunday) from ``date_from`` to
        ``date_to`` (inclusive; by default the four weeks up to today), with totals.

        Who is covered follows :meth:`Entries.list_entries`: a project's members see its
        whole team, anyone sees their own time, and another person's only in the
        projects both share.

        Raises:
            ProjectNotFound: the project does not exist or the caller is not a member.
            ValidationError: a malformed date, ``to`` before ``from``, or more than 366
                days.
        """
        end_given = rules.optional_date(date_to, "to")
        start_given = rules.optional_date(date_from, "from")
        with self._tx(read_only=True) as work:
            uow = work.uow
            end = end_given or local_today(uow, actor.user_id, self._clock.now())
            start = start_given or rules.week_start(end) - dt.timedelta(weeks=DEFAULT_WEEKS - 1)
            rules.check_period(start, end)
            criteria = scope(
                uow,
                actor,
                TimeEntryCriteria(
                    project_id=project_id, user_id=user_id, date_from=start, date_to=end
                ),
            )
            days = uow.time_entries.daily_minutes(criteria)
        rows = rules.fold_weeks(days)
        return Timesheet(
            date_from=start,
            date_to=end,
            rows=rows,
            total_minutes=sum(r.minutes for r in rows),
            billable_minutes=sum(r.billable_minutes for r in rows),
        )

    def project_time(self, actor: Actor, project_id: int) -> ProjectTime:
        """A project's estimates against the time spent (members and administrators).

        Raises:
            ProjectNotFound: the project does not exist or the caller is not a member.
        """
        with self._tx(read_only=True) as work:
            uow = work.uow
            access.visible_role(uow.projects, actor, project_id, ProjectNotFound(project_id))
            spent = uow.time_entries.minutes_by_task(project_id)
            found = uow.tasks.find(
                TaskCriteria(project_id=project_id),
                TaskOrder(descending=False),
                offset=0,
                limit=SUMMARY_TASKS_MAX,
            )
        tasks = []
        for task in found:
            minutes = spent.get(task.key)
            if minutes is None and task.estimated_hours is None:
                continue
            hours = hours_of(minutes) if minutes is not None else task.actual_hours or 0.0
            remaining = (
                None if task.estimated_hours is None else round(task.estimated_hours - hours, 2)
            )
            tasks.append(
                TaskTime(
                    task_id=task.key,
                    title=task.title,
                    status=task.status.value,
                    estimated_hours=task.estimated_hours,
                    spent_hours=hours,
                    remaining_hours=remaining,
                )
            )
        return ProjectTime(
            project_id=project_id,
            estimated_hours=round(sum(t.estimated_hours or 0.0 for t in tasks), 2),
            spent_hours=round(sum(t.spent_hours for t in tasks), 2),
            tasks=tuple(tasks),
        )
