"""Paging shared by the in-memory repositories (the counterpart of ``sql/support.py``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from taskcore.domain.pagination import Keyset, SortValue, follows

T = TypeVar("T")


def window(
    items: Sequence[T],
    key: Callable[[T], tuple[SortValue, int]],
    *,
    descending: bool,
    offset: int,
    limit: int,
    after: Keyset | None,
) -> list[T]:
    """Order items by ``key`` (values, then ids; ``None`` values last) and cut a page."""
    present = [i for i in items if key(i)[0] is not None]
    missing = [i for i in items if key(i)[0] is None]
    sort_key: Callable[[T], Any] = key
    present.sort(key=sort_key, reverse=descending)
    missing.sort(key=lambda i: key(i)[1], reverse=descending)
    ordered = present + missing
    if after is not None:
        return [i for i in ordered if follows(*key(i), after, descending=descending)][:limit]
    return ordered[offset : offset + limit]
