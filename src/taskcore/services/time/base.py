"""What the parts of the time service share: its collaborators, and the checks and reads
every part makes."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from taskcore.domain.projects import Role
from taskcore.domain.tasks import Task, TaskPatch
from taskcore.domain.time_entries import hours_of
from taskcore.errors import TaskNotFound, Unavailable
from taskcore.ports.clock import Clock
from taskcore.ports.time import RecurrenceRules
from taskcore.ports.uow import UnitOfWork
from taskcore.services import access
from taskcore.services.access import TASK_MISSING, Actor
from taskcore.uow import Transactions, Work

DEFAULT_ZONE = "UTC"


class TimeBase:
    """The collaborators every part of :class:`TimeService` uses (set by its
    ``__init__``)."""

    _tx: Transactions
    _clock: Clock
    _rules: RecurrenceRules


def visible_task(uow: UnitOfWork, actor: Actor, task_id: int) -> tuple[Task, Role | None]:
    """A task the caller may see, and the caller's role in its project.

    Raises:
        TaskNotFound: ``Task not found or access denied``: no such task, or the caller is
            neither a member of its project nor an administrator.
    """
    return access.visible_task(uow, actor, task_id, TaskNotFound(task_id, TASK_MISSING))


def zone_of(uow: UnitOfWork, user_id: int) -> zoneinfo.ZoneInfo:
    """The time zone of a person (UTC until they choose one)."""
    user = uow.users.get(user_id)
    name = getattr(user, "timezone", None) or DEFAULT_ZONE
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(DEFAULT_ZONE)


def local_today(uow: UnitOfWork, user_id: int, now: dt.datetime) -> dt.date:
    """Today's date where the person is."""
    return now.astimezone(zone_of(uow, user_id)).date()


def sync_actual_hours(work: Work, actor_id: int, task_id: int, now: dt.datetime) -> None:
    """Make a task's ``actual_hours`` the sum of its time entries, or clear it once its
    last entry is gone, recording the task's update events in ``work``."""
    uow = work.uow
    task = uow.tasks.get(task_id)
    if task is None:
        return
    minutes = uow.time_entries.task_minutes(task_id)
    hours = None if minutes is None else hours_of(minutes)
    if task.actual_hours == hours:
        return
    edit = task.edit(TaskPatch(actual_hours=hours), now)
    saved = uow.tasks.update(task, children_changed=edit.changed_children)
    work.record(*edit.events(actor_id, saved, now))


class NoRecurrenceRules:
    """The recurrence engine of a taskcore built without one: every use refuses, naming
    the extra that provides it."""

    MESSAGE = "Recurring tasks need python-dateutil: install taskcore[time]"

    def check(self, rule: str) -> str:
        """Raises:
        Unavailable: always."""
        raise Unavailable(self.MESSAGE)

    def next_after(
        self, rule: str, *, start: dt.datetime, after: dt.datetime
    ) -> dt.datetime | None:
        """Raises:
        Unavailable: always."""
        raise Unavailable(self.MESSAGE)
