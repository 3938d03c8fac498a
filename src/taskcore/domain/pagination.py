"""Page requests and pages of results.

Two ways to page through a list:

- by number (:class:`PageRequest` → :class:`Page`), with the total count;
- by keyset (:class:`CursorRequest` → :class:`CursorPage`): an opaque cursor names the
  last item seen (its sort value and id), so deep pages cost the same as the first and
  stay stable while items are added or removed.

Keyset order is the sort value then the id, both ascending or both descending; items
without a sort value (``None``) come last in either direction.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import math
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

import attrs

from taskcore.errors import ValidationError

T = TypeVar("T")

SortValue = int | float | str | dt.datetime | None
"""What a list may be sorted by (besides the id that breaks ties)."""

CURSOR_INT_MAX = 2**31 - 1
"""Largest id or integer sort value a cursor may carry: what a stored integer column holds,
so a tampered cursor is refused rather than handed to the database."""


@attrs.frozen(kw_only=True)
class PageRequest:
    """Which page of a list to return.

    ``page`` counts from 1. Out-of-range input is normalised by :meth:`of`, not rejected
    (a page below 1 is the first page; a non-positive size is the default; a size above
    the cap is the cap).
    """

    page: int = 1
    per_page: int = 20

    @property
    def offset(self) -> int:
        """Number of items before this page."""
        return (self.page - 1) * self.per_page

    @classmethod
    def of(
        cls, page: int | None, per_page: int | None, *, default: int = 20, cap: int = 100
    ) -> PageRequest:
        """Normalise raw page numbers.

        Args:
            page: Requested page (1-based); ``None`` or < 1 means 1.
            per_page: Requested size; ``None`` or < 1 means ``default``; capped at ``cap``.
            default: Size used when none is given.
            cap: Largest size allowed.

        Returns:
            The normalised request.
        """
        p = page if page is not None and page >= 1 else 1
        size = per_page if per_page is not None and per_page >= 1 else default
        return cls(page=p, per_page=min(size, cap))


@attrs.frozen(kw_only=True)
class Page(Generic[T]):
    """One page of results and the total count of the whole list."""

    items: Sequence[T]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        """Number of pages in the whole list (0 when it is empty)."""
        return math.ceil(self.total / self.per_page) if self.per_page else 0


@attrs.frozen(kw_only=True)
class CursorRequest:
    """Which slice of a list to return when paging by keyset.

    ``after`` is the ``next_cursor`` of the previous slice, or ``None`` for the first.
    """

    after: str | None = None
    per_page: int = 20

    @classmethod
    def of(
        cls, after: str | None, per_page: int | None, *, default: int = 20, cap: int = 100
    ) -> CursorRequest:
        """Normalise a raw cursor and size (an empty cursor means the first slice).

        Args:
            after: The cursor returned with the previous slice, if any.
            per_page: Requested size; ``None`` or < 1 means ``default``; capped at ``cap``.
            default: Size used when none is given.
            cap: Largest size allowed.
        """
        size = per_page if per_page is not None and per_page >= 1 else default
        return cls(after=after or None, per_page=min(size, cap))


@attrs.frozen(kw_only=True)
class CursorPage(Generic[T]):
    """One slice of a list paged by keyset; ``next_cursor`` is ``None`` on the last one."""

    items: Sequence[T]
    per_page: int
    next_cursor: str | None


@attrs.frozen(kw_only=True)
class Keyset:
    """A position in a sorted list: the sort value and id of the last item seen."""

    value: SortValue
    id: int


def follows(value: SortValue, item_id: int, after: Keyset, *, descending: bool) -> bool:
    """Whether an item sorted by ``(value, item_id)`` comes after ``after``.

    ``None`` values sort last in both directions; ties on the value are broken by the id
    in the same direction. Values must be mutually comparable.
    """
    if after.value is None:
        if value is not None:
            return False
        return item_id < after.id if descending else item_id > after.id
    if value is None:
        return True
    if value == after.value:
        return item_id < after.id if descending else item_id > after.id
    return bool(value < after.value) if descending else bool(value > after.value)  # type: ignore[operator]


def encode_cursor(order: str, keyset: Keyset) -> str:
    """An opaque cursor for ``keyset`` in the list order named ``order``."""
    value = keyset.value.isoformat() if isinstance(keyset.value, dt.datetime) else keyset.value
    raw = json.dumps({"o": order, "v": value, "i": keyset.id}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, order: str, parse_value: Callable[[object], SortValue]) -> Keyset:
    """Read a cursor made by :func:`encode_cursor` for the same list order.

    Args:
        cursor: The opaque cursor.
        order: The order the cursor must have been made for.
        parse_value: Checks and converts the stored sort value; raises ``ValueError`` or
            ``TypeError`` when it is not of the expected kind.

    Raises:
        ValidationError: ``Invalid cursor`` (field ``cursor``) for anything malformed,
            tampered with, or made for another list or order.
    """
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        if not isinstance(data, dict) or data.get("o") != order:
            raise ValueError("cursor made for another order")
        item_id = data["i"]
        if type(item_id) is not int or not 0 <= item_id <= CURSOR_INT_MAX:
            raise TypeError("cursor id is not a stored id")
        return Keyset(value=parse_value(data["v"]), id=item_id)
    except (ValueError, TypeError, KeyError, UnicodeError, OverflowError, binascii.Error):
        raise ValidationError("Invalid cursor", field="cursor") from None


def datetime_value(raw: object) -> dt.datetime:
    """Parse a cursor's datetime sort value (ISO 8601, aware)."""
    if not isinstance(raw, str):
        raise TypeError("expected an ISO datetime")
    value = dt.datetime.fromisoformat(raw)
    if value.tzinfo is None:
        raise ValueError("expected an aware datetime")
    return value.astimezone(dt.UTC)


def optional_datetime_value(raw: object) -> dt.datetime | None:
    """Parse a cursor's nullable datetime sort value."""
    return None if raw is None else datetime_value(raw)


def number_value(raw: object) -> float:
    """Parse a cursor's numeric sort value (finite; never a boolean)."""
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
        raise TypeError("expected a number")
    return float(raw)


def integer_value(raw: object) -> int:
    """Parse a cursor's integer sort value (never a boolean; within ±:data:`CURSOR_INT_MAX`)."""
    if type(raw) is not int or abs(raw) > CURSOR_INT_MAX:
        raise TypeError("expected an integer")
    return raw
