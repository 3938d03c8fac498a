"""Recurring tasks: a task's RFC 5545 recurrence rule, how its next occurrence is dated,
and the wall-clock arithmetic across time zones.

A recurring task carries a rule (``FREQ=WEEKLY;BYDAY=MO,WE``) and a mode: repeat from the
due date (the next occurrence is the rule's next date after the current due date,
counted from the series' first due date) or from completion (the rule restarts at the
completion time, at the due date's time of day). Rules are computed in the time zone of
the person who set them, on wall-clock times, so a task due at 09:00 stays at 09:00
across daylight-saving changes; the due dates are stored in UTC.

The rule's engine (python-dateutil) is behind the
:class:`~taskcore.ports.time.RecurrenceRules` port; this module only converts times.
"""

from __future__ import annotations

import datetime as dt
import enum
import zoneinfo

import attrs

from taskcore.domain.projects import choose
from taskcore.errors import ValidationError

RULE_MAX = 500
"""The longest rule text accepted."""
TIMEZONE_MAX = 64


class RecurrenceMode(enum.StrEnum):
    """What the next occurrence's due date is counted from."""

    DUE_DATE = "due_date"
    COMPLETION = "completion"


@attrs.define(kw_only=True)
class TaskRecurrence:
    """A task's place in a recurring series.

    ``series_start``: the first occurrence's due date (UTC), from which the rule counts
    (``COUNT``, ``INTERVAL``, ``BYSETPOS``); ``occurrence``: this task's number in the
    series (1 for the first); ``previous_task_id``: the occurrence it was created from;
    ``next_task_id``: the occurrence created when this one was completed (set once, so
    completing it again after re-opening creates nothing).
    """

    task_id: int
    rule: str
    mode: RecurrenceMode
    timezone: str
    series_start: dt.datetime
    occurrence: int = 1
    previous_task_id: int | None = None
    next_task_id: int | None = None
    created_by: int | None = None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int = 1


def check_mode(value: object) -> RecurrenceMode:
    """A recurrence mode from its name (``due_date`` when not given).

    Raises:
        ValidationError: not ``due_date`` or ``completion`` (field ``mode``).
    """
    if value is None:
        return RecurrenceMode.DUE_DATE
    return choose(RecurrenceMode, value, what="mode", field="mode")


def check_rule_text(value: object) -> str:
    """A rule's text, stripped, without a leading ``RRULE:``.

    Raises:
        ValidationError: missing, not text, or longer than 500 characters (field
            ``rule``).
    """
    if not isinstance(value, str) or not value.strip():
        raise ValidationError("rule is required (an RFC 5545 RRULE)", field="rule")
    text = value.strip()
    if text.upper().startswith("RRULE:"):
        text = text[len("RRULE:") :]
    if len(text) > RULE_MAX:
        raise ValidationError(f"rule must be at most {RULE_MAX} characters", field="rule")
    return text


def check_timezone(value: object, *, field: str = "timezone") -> str:
    """An IANA time zone name (``Europe/Paris``, ``UTC``).

    Raises:
        ValidationError: not a known time zone (naming ``field``).
    """
    if not isinstance(value, str) or not value or len(value) > TIMEZONE_MAX:
        raise ValidationError(f"{field} must be an IANA time zone name", field=field)
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(f"Unknown time zone: {value}", field=field) from None
    return value


def rule_part(rule: str, name: str) -> str | None:
    """The value of one part of a checked rule (``COUNT``), or ``None``."""
    for part in rule.split(";"):
        key, _, value = part.partition("=")
        if key == name:
            return value
    return None


def without_parts(rule: str, *names: str) -> str:
    """A checked rule without the named parts."""
    return ";".join(p for p in rule.split(";") if p.partition("=")[0] not in names)


def zone(name: str) -> zoneinfo.ZoneInfo:
    """The time zone called ``name`` (UTC if it is unknown)."""
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def wall_time(instant: dt.datetime, where: zoneinfo.ZoneInfo) -> dt.datetime:
    """An aware instant as the naive wall-clock time it is in ``where``."""
    return instant.astimezone(where).replace(tzinfo=None)


def instant(wall: dt.datetime, where: zoneinfo.ZoneInfo) -> dt.datetime:
    """A naive wall-clock time in ``where`` as an aware UTC instant.

    A wall time that happens twice (the hour repeated when clocks go back) is the first
    of the two; one that does not exist (skipped when clocks go forward) is read with the
    offset before the change, so it lands as far after the gap's start as it was
    meant to.
    """
    return wall.replace(tzinfo=where, fold=0).astimezone(dt.UTC)
