"""The time area: time entries, running timers, timesheets, calendar feeds, recurring
tasks and each person's time zone.

A task's ``actual_hours`` is the sum of its time entries once it has any: every write of
an entry updates it in the same transaction (recording the task's ``task.updated``), and
setting it directly on a task with entries is refused by
:meth:`TimeService.guard_actual_hours`, the in-transaction handler the composition root
registers for task updates. Tasks without entries take ``actual_hours`` directly, as
before; deleting a task's last entry clears it.

Modules, one job each:

- :mod:`~taskcore.services.time.service`: :class:`TimeService` (joins the parts below);
- :mod:`~taskcore.services.time.entries`: logging, listing, editing and deleting entries;
- :mod:`~taskcore.services.time.timers`: each person's running timer;
- :mod:`~taskcore.services.time.timesheets`: timesheets and estimates against time spent;
- :mod:`~taskcore.services.time.feeds`: calendar feeds;
- :mod:`~taskcore.services.time.recurrences`: recurring tasks and their next occurrence;
- :mod:`~taskcore.services.time.reminders`: reminders and the job that sends them once;
- :mod:`~taskcore.services.time.settings`: each person's time zone;
- :mod:`~taskcore.services.time.handlers`: reactions to other areas' events;
- :mod:`~taskcore.services.time.base`: the collaborators and checks they share.
"""

from taskcore.services.time.recurrences import RecurrenceView
from taskcore.services.time.reminders import (
    DIGEST_INTERVAL,
    SEND_DIGESTS,
    SEND_INTERVAL,
    SEND_REMINDERS,
)
from taskcore.services.time.service import TimeService
from taskcore.services.time.timesheets import ProjectTime, TaskTime

__all__ = [
    "DIGEST_INTERVAL",
    "SEND_DIGESTS",
    "SEND_INTERVAL",
    "SEND_REMINDERS",
    "ProjectTime",
    "RecurrenceView",
    "TaskTime",
    "TimeService",
]
