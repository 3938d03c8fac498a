"""The time service: every use case of the time area, joined from its parts."""

from __future__ import annotations

from taskcore.ports.clock import Clock
from taskcore.ports.time import RecurrenceRules
from taskcore.services.scopes import guarded
from taskcore.services.time.entries import Entries
from taskcore.services.time.feeds import Feeds
from taskcore.services.time.handlers import Handlers
from taskcore.services.time.recurrences import Recurrences
from taskcore.services.time.reminders import Reminders
from taskcore.services.time.settings import Settings
from taskcore.services.time.timers import Timers
from taskcore.services.time.timesheets import Timesheets
from taskcore.uow import Transactions


@guarded(
    "tasks",
    reads=(
        "calendar_feed",
        "current_timer",
        "digest_subscription",
        "due_between",
        "project_time",
        "timesheet",
        "timezone",
    ),
)
class TimeService(Entries, Timers, Timesheets, Feeds, Recurrences, Reminders, Settings, Handlers):
    """Use cases of the time area: time entries, timers, timesheets, calendar feeds,
    recurring tasks, reminders and each person's time zone.

    Args:
        transactions: Opens units of work.
        clock: Source of the current time.
        rules: Computes recurrence rules.
    """

    def __init__(self, *, transactions: Transactions, clock: Clock, rules: RecurrenceRules) -> None:
        self._tx = transactions
        self._clock = clock
        self._rules = rules
