"""Checking what callers pass to the activity log: submitted entries' fields, filters,
dates and periods, and the page caps."""

from __future__ import annotations

import datetime as dt
from typing import Final

from taskcore.domain.pagination import PageRequest
from taskcore.errors import ValidationError

DEFAULT_DAYS: Final = 30
"""Period of the statistics and of the summaries listed, unless asked otherwise."""

MAX_DAYS: Final = 36500
"""Longest period accepted for statistics and summary lists (a century)."""

LIST_CAP: Final = 1000
"""Largest page of the full list."""

USER_LIST_CAP: Final = 200
"""Largest page of one user's or one entity's entries."""

ID_MAX: Final = 2**31 - 1


def capped(page: PageRequest, cap: int) -> PageRequest:
    """``page`` with at most ``cap`` entries per page."""
    return page if page.per_page <= cap else PageRequest(page=page.page, per_page=cap)


def check_text(value: object, field: str, limit: int, *, required: bool = False) -> str | None:
    """A submitted text field: a string of at most ``limit`` characters (not blank when
    ``required``), or ``None`` when it may be missing."""
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise ValidationError(f"{field} must be a string", field=field)
    if required and not value.strip():
        raise ValidationError(f"{field} is required", field=field)
    if len(value) > limit:
        raise ValidationError(f"{field} must be at most {limit} characters", field=field)
    return value


def storable(value: int | None) -> bool:
    """Whether an id filter can match a stored id (a larger one matches nothing)."""
    return value is None or 0 <= value <= ID_MAX


def check_id(value: object, field: str, *, required: bool = False) -> int | None:
    """A submitted id: an integer that fits a stored id, or ``None`` when it may be
    missing."""
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


def period_days(days: int | None) -> int:
    """The period asked for, :data:`DEFAULT_DAYS` when none (or less than a day), at most
    :data:`MAX_DAYS`."""
    if days is None or days < 1:
        return DEFAULT_DAYS
    return min(days, MAX_DAYS)
