"""Reminders on tasks: at a date-time, or some time before the task's due date. A
periodic job sends each one once, to the task's assignee and watchers, in the app and by
e-mail as each prefers."""

from __future__ import annotations

import datetime as dt

import attrs

from taskcore.errors import ValidationError

BEFORE_MAX = 60 * 24 * 60
"""The longest a relative reminder may come before the due date: 60 days, in minutes."""
PER_TASK_MAX = 20
"""Most reminders one task may carry."""
SEND_BATCH = 100
"""Reminders one run of the job claims at most."""


@attrs.define(kw_only=True)
class TaskReminder:
    """One reminder. Exactly one of ``remind_at`` (absolute) and ``before_minutes``
    (relative to the due date) is set; ``fire_at`` is when it is due (``None``: a
    relative reminder on a task without a due date). ``sent_at`` is set once it was
    handled, sent or ``skipped`` (its task was completed or cancelled by then)."""

    id: int | None = None
    task_id: int
    created_by: int | None
    remind_at: dt.datetime | None = None
    before_minutes: int | None = None
    fire_at: dt.datetime | None = None
    sent_at: dt.datetime | None = None
    skipped: bool = False
    created_at: dt.datetime

    @property
    def key(self) -> int:
        """The id of a stored reminder.

        Raises:
            ValueError: not stored yet.
        """
        if self.id is None:
            raise ValueError("reminder has no id yet")
        return self.id


def fire_time(
    remind_at: dt.datetime | None, before_minutes: int | None, due: dt.datetime | None
) -> dt.datetime | None:
    """When a reminder is due: its own time, or ``before_minutes`` before ``due``."""
    if remind_at is not None:
        return remind_at
    if before_minutes is None or due is None:
        return None
    return due - dt.timedelta(minutes=before_minutes)


def check_before(value: object) -> int:
    """Minutes before the due date.

    Raises:
        ValidationError: not a whole number from 0 to 86,400 (field ``before_minutes``).
    """
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= BEFORE_MAX:
        raise ValidationError(
            f"before_minutes must be a whole number from 0 to {BEFORE_MAX}",
            field="before_minutes",
        )
    return value


DIGEST_TASKS_MAX = 50
"""Most tasks one digest lists (the earliest due first)."""


@attrs.frozen(kw_only=True)
class DigestSubscription:
    """A person's daily digest: sent once a day at ``hour`` (0-23) in their time zone;
    ``last_sent_on`` is the local day it last went out (or was found empty)."""

    user_id: int
    hour: int
    last_sent_on: dt.date | None = None


def check_hour(value: object) -> int:
    """The local hour a digest goes out.

    Raises:
        ValidationError: not a whole number from 0 to 23 (field ``hour``).
    """
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 23:
        raise ValidationError("hour must be a whole number from 0 to 23", field="hour")
    return value
