"""Recurrence rules on python-dateutil (see ``taskcore.ports.time.RecurrenceRules``).

:meth:`DateutilRecurrenceRules.check` reads an RFC 5545 ``RRULE`` value part by part, so
an error names the part that is wrong (``BYDAY: 'XX' is not a weekday``), refuses rules
that would repeat more often than once an hour, and puts the parts in a fixed order.
:meth:`DateutilRecurrenceRules.next_after` computes occurrences with ``dateutil.rrule``
on times aware of the rule's zone, so they keep their wall-clock time across
daylight-saving changes. ``UNTIL`` is applied here rather than by dateutil, which accepts
only UTC values with zoned starts: a date ``UNTIL`` includes that whole day in the zone,
a time without ``Z`` is a wall time in the zone, one with ``Z`` is UTC.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from dateutil.rrule import rrule, rrulestr

from taskcore.errors import ValidationError

FREQUENCIES = ("YEARLY", "MONTHLY", "WEEKLY", "DAILY", "HOURLY")
TOO_OFTEN = ("MINUTELY", "SECONDLY")
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
ORDER = (
    "FREQ",
    "INTERVAL",
    "COUNT",
    "UNTIL",
    "BYMONTH",
    "BYWEEKNO",
    "BYYEARDAY",
    "BYMONTHDAY",
    "BYDAY",
    "BYHOUR",
    "BYMINUTE",
    "BYSECOND",
    "BYSETPOS",
    "WKST",
)
COUNT_MAX = 10_000
INTERVAL_MAX = 1_000

_BYDAY = re.compile(r"^([+-]?)(\d{0,2})(MO|TU|WE|TH|FR|SA|SU)$")
_UNTIL = re.compile(r"^(\d{8})(T(\d{6})(Z?))?$")


def _refuse(part: str, problem: str) -> ValidationError:
    return ValidationError(f"Invalid recurrence rule: {part} {problem}", field="rule")


def _integers(part: str, value: str, low: int, high: int, *, signed: bool = False) -> str:
    """A comma-separated list of integers in ``low..high`` (or their negatives)."""
    items = value.split(",")
    for item in items:
        digits = item[1:] if signed and item[:1] in "+-" else item
        if not digits.isdigit() or not low <= int(digits) <= high:
            span = f"±{low}..{high}" if signed else f"{low}..{high}"
            raise _refuse(part, f"must be a list of numbers in {span}, not {item!r}")
    return ",".join(items)


def _weekdays(part: str, value: str) -> str:
    for item in value.split(","):
        match = _BYDAY.match(item)
        if match is None:
            raise _refuse(part, f"{item!r} is not a weekday (MO, TU, ... SU, as 1MO or -1FR)")
        if match.group(2) and not 1 <= int(match.group(2)) <= 53:
            raise _refuse(part, f"{item!r}: the ordinal must be in ±1..53")
    return value


def _one_number(part: str, value: str, high: int) -> str:
    if not value.isdigit() or not 1 <= int(value) <= high:
        raise _refuse(part, f"must be a whole number from 1 to {high}")
    return str(int(value))


def _frequency(part: str, value: str) -> str:
    if value in TOO_OFTEN:
        raise _refuse(part, "repeats more often than once an hour, which is not allowed")
    if value not in FREQUENCIES:
        raise _refuse(part, f"must be one of {', '.join(FREQUENCIES)}")
    return value


def _until(part: str, value: str) -> str:
    match = _UNTIL.match(value)
    valid = match is not None
    if match is not None:
        try:
            _until_instant(value, dt.UTC)
        except ValueError:
            valid = False
    if not valid:
        raise _refuse(part, "must be a date (YYYYMMDD) or a time (YYYYMMDDTHHMMSS[Z])")
    return value


def _weekday(part: str, value: str) -> str:
    if value not in WEEKDAYS:
        raise _refuse(part, f"must be one of {', '.join(WEEKDAYS)}")
    return value


_CHECKS: dict[str, Callable[[str, str], str]] = {
    "FREQ": _frequency,
    "INTERVAL": lambda p, v: _one_number(p, v, INTERVAL_MAX),
    "COUNT": lambda p, v: _one_number(p, v, COUNT_MAX),
    "UNTIL": _until,
    "BYMONTH": lambda p, v: _integers(p, v, 1, 12),
    "BYWEEKNO": lambda p, v: _integers(p, v, 1, 53, signed=True),
    "BYYEARDAY": lambda p, v: _integers(p, v, 1, 366, signed=True),
    "BYMONTHDAY": lambda p, v: _integers(p, v, 1, 31, signed=True),
    "BYDAY": _weekdays,
    "BYHOUR": lambda p, v: _integers(p, v, 0, 23),
    "BYMINUTE": lambda p, v: _integers(p, v, 0, 59),
    "BYSECOND": lambda p, v: _integers(p, v, 0, 60),
    "BYSETPOS": lambda p, v: _integers(p, v, 1, 366, signed=True),
    "WKST": _weekday,
}


def _until_instant(value: str, where: dt.tzinfo) -> dt.datetime:
    """The last instant an ``UNTIL`` value allows, in ``where`` for local forms."""
    if "T" not in value:
        day = dt.datetime.strptime(value, "%Y%m%d").replace(tzinfo=where)
        return day + dt.timedelta(days=1) - dt.timedelta(microseconds=1)
    if value.endswith("Z"):
        return dt.datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
    return dt.datetime.strptime(value, "%Y%m%dT%H%M%S").replace(tzinfo=where)


def parts(rule: str) -> dict[str, str]:
    """The rule's parts by name (upper-case), unchecked.

    Raises:
        ValidationError: a part is not ``NAME=VALUE`` or is given twice.
    """
    found: dict[str, str] = {}
    for raw in rule.strip().split(";"):
        if not raw:
            continue
        name, sep, value = raw.partition("=")
        name, value = name.strip().upper(), value.strip().upper()
        if not sep or not name or not value:
            raise _refuse(repr(raw), "is not NAME=VALUE")
        if name in found:
            raise _refuse(name, "is given twice")
        found[name] = value
    return found


class DateutilRecurrenceRules:
    """Recurrence rules computed with python-dateutil."""

    def check(self, rule: str) -> str:
        text = rule.strip()
        if text.upper().startswith("RRULE:"):
            text = text[len("RRULE:") :]
        found = parts(text)
        for name in found:
            if name not in _CHECKS:
                raise _refuse(name, "is not a part of a recurrence rule")
        if "FREQ" not in found:
            raise _refuse("FREQ", "is required")
        checked = {name: _CHECKS[name](name, found[name]) for name in ORDER if name in found}
        if "COUNT" in checked and "UNTIL" in checked:
            raise _refuse("COUNT", "and UNTIL cannot both be given")
        for name in ("BYMINUTE", "BYSECOND"):
            if len(checked.get(name, "").split(",")) > 1:
                raise _refuse(name, "repeats more often than once an hour, which is not allowed")
        canonical = ";".join(f"{name}={value}" for name, value in checked.items())
        try:
            self._rule(canonical, dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
        except (ValueError, TypeError) as exc:
            raise ValidationError(f"Invalid recurrence rule: {exc}", field="rule") from None
        return canonical

    def next_after(
        self, rule: str, *, start: dt.datetime, after: dt.datetime
    ) -> dt.datetime | None:
        found: dt.datetime | None = self._rule(rule, start).after(after, inc=False)
        if found is None:
            return None
        until = parts(rule).get("UNTIL")
        if until is not None and found > _until_instant(until, start.tzinfo or dt.UTC):
            return None
        return found

    @staticmethod
    def _rule(rule: str, start: dt.datetime) -> rrule:
        """The dateutil rule from ``start`` (``UNTIL`` left out: applied by the caller)."""
        kept = ";".join(f"{k}={v}" for k, v in parts(rule).items() if k != "UNTIL")
        parsed = rrulestr(kept, dtstart=start)
        if not isinstance(parsed, rrule):  # pragma: no cover - one RRULE gives one rule
            raise TypeError("not a single recurrence rule")
        return parsed
