"""Page requests and pages of results."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Generic, TypeVar

import attrs

T = TypeVar("T")


@attrs.frozen(kw_only=True)
class PageRequest:
    """Which page of a list to return.

    ``page`` counts from 1. Out-of-range input is normalised by :meth:`of`, not rejected,
    as the original API did (a page below 1 is the first page; a non-positive size is the
    default; a size above the cap is the cap).
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
