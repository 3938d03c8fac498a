"""Paging shared by every listing: numbered pages with a total, or keyset slices."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar, overload

from taskcore.domain.pagination import (
    CursorPage,
    CursorRequest,
    Keyset,
    Page,
    PageRequest,
    SortValue,
    decode_cursor,
    encode_cursor,
)

T = TypeVar("T")
U = TypeVar("U")

Window = PageRequest | CursorRequest
"""How a caller asks for part of a list."""

Finder = Callable[[int, int, Keyset | None], Sequence[T]]
"""Fetches ``limit`` items after ``offset`` or after a keyset: ``(offset, limit, after)``."""


@overload
def fetch(
    window: PageRequest,
    *,
    order: str,
    parse: Callable[[object], SortValue],
    key: Callable[[T], tuple[SortValue, int]],
    count: Callable[[], int],
    find: Finder[T],
) -> Page[T]: ...


@overload
def fetch(
    window: CursorRequest,
    *,
    order: str,
    parse: Callable[[object], SortValue],
    key: Callable[[T], tuple[SortValue, int]],
    count: Callable[[], int],
    find: Finder[T],
) -> CursorPage[T]: ...


def fetch(
    window: Window,
    *,
    order: str,
    parse: Callable[[object], SortValue],
    key: Callable[[T], tuple[SortValue, int]],
    count: Callable[[], int],
    find: Finder[T],
) -> Page[T] | CursorPage[T]:
    """One page or slice of a list.

    A numbered page costs a count and a fetch; a keyset slice fetches one item more than
    asked, to know whether another slice follows, and counts nothing.

    Args:
        window: The page or slice wanted.
        order: The list order's name, stored in cursors.
        parse: Checks the sort value read back from a cursor.
        key: The sort value and id of an item.
        count: Counts the whole list.
        find: Fetches items.

    Raises:
        ValidationError: the cursor is invalid (field ``cursor``).
    """
    if isinstance(window, PageRequest):
        total = count()
        items = find(window.offset, window.per_page, None)
        return Page(items=items, page=window.page, per_page=window.per_page, total=total)
    after = decode_cursor(window.after, order, parse) if window.after else None
    rows = find(0, window.per_page + 1, after)
    items = rows[: window.per_page]
    next_cursor = None
    if len(rows) > window.per_page:
        value, item_id = key(items[-1])
        next_cursor = encode_cursor(order, Keyset(value=value, id=item_id))
    return CursorPage(items=items, per_page=window.per_page, next_cursor=next_cursor)


@overload
def convert(page: Page[T], func: Callable[[Sequence[T]], Sequence[U]]) -> Page[U]: ...


@overload
def convert(page: CursorPage[T], func: Callable[[Sequence[T]], Sequence[U]]) -> CursorPage[U]: ...


def convert(
    page: Page[T] | CursorPage[T], func: Callable[[Sequence[T]], Sequence[U]]
) -> Page[U] | CursorPage[U]:
    """The same page with its items converted (all at once, so lookups can be batched)."""
    if isinstance(page, Page):
        return Page(
            items=list(func(page.items)), page=page.page, per_page=page.per_page, total=page.total
        )
    return CursorPage(
        items=list(func(page.items)), per_page=page.per_page, next_cursor=page.next_cursor
    )
