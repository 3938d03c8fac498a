"""Field checks shared by the areas; each raises :class:`ValidationError` naming the field."""

from __future__ import annotations

import math
import unicodedata
from typing import Final

from taskcore.errors import ValidationError

DESCRIPTION_MAX: Final = 20_000
"""The longest description of a project or a task, in characters."""


def required_text(value: str | None, field: str, *, message: str | None = None) -> str:
    """Return ``value`` stripped, or raise if it is missing or blank.

    Args:
        value: The raw value.
        field: The field name, for the error.
        message: The error text; ``"<field> is required"`` by default.

    Raises:
        ValidationError: ``value`` is ``None`` or only white space.
    """
    text = (value or "").strip()
    if not text:
        raise ValidationError(message or f"{field} is required", field=field)
    return text


def max_length(value: str | None, field: str, limit: int) -> None:
    """Raise if ``value`` is longer than ``limit`` characters.

    Raises:
        ValidationError: the value is too long.
    """
    if value is not None and len(value) > limit:
        raise ValidationError(f"{field} must be at most {limit} characters", field=field)


def clean_description(description: str | None) -> str:
    """A description, stripped (``None`` is the empty description).

    Raises:
        ValidationError: not text (field ``description``).
    """
    if description is not None and not isinstance(description, str):
        raise ValidationError("description must be a string", field="description")
    return (description or "").strip()


def check_description_length(description: str) -> None:
    """Raise if a description is longer than 20,000 characters.

    Raises:
        ValidationError: too long (field ``description``).
    """
    max_length(description, "description", DESCRIPTION_MAX)


def no_control_characters(value: str | None, field: str) -> None:
    """Raise if ``value`` contains control characters (line breaks and tabs included).

    Raises:
        ValidationError: a control character was found.
    """
    if value is not None and any(unicodedata.category(ch) == "Cc" for ch in value):
        raise ValidationError(f"{field} must not contain control characters", field=field)


def finite_non_negative(
    value: float | None,
    field: str,
    label: str,
    *,
    maximum: float | None = None,
    decimals: int | None = None,
) -> float | None:
    """Check an optional number of hours (or similar): finite, not negative, and at most
    ``maximum``; rounded to ``decimals`` places when given.

    Args:
        value: The number, or ``None``.
        field: The field name, for the error.
        label: Human label used in the message (e.g. ``"Estimated hours"``).
        maximum: The largest value accepted (none by default).
        decimals: Decimal places kept (all by default).

    Raises:
        ValidationError: the number is NaN, infinite, negative or above ``maximum``.
    """
    if value is None:
        return None
    if not math.isfinite(value):
        raise ValidationError(f"{label} must be a number", field=field)
    if value < 0:
        raise ValidationError(f"{label} cannot be negative", field=field)
    if maximum is not None and value > maximum:
        raise ValidationError(f"{label} must be at most {maximum:g}", field=field)
    number = float(value)
    return number if decimals is None else round(number, decimals)
