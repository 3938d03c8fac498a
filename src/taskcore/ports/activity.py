"""The activity log's storage: entries, their queries and aggregates, and daily summaries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Protocol

from taskcore.domain.activity import (
    ActivityCriteria,
    ActivityEntry,
    ActivitySummary,
    ActivityTotals,
    ActivityView,
    DayCount,
    NameCount,
)


class ActivityRepository(Protocol):
    """Stores activity entries and daily summaries.

    Lists are newest first (``created_at``, then ``id``, descending). Aggregates are
    computed by the store (in SQL on a database), never by loading the entries. Summaries
    are unique per date; :meth:`save_summary` is an upsert that concurrent callers may run
    for the same date without failing or duplicating it.
    """

    def add(self, entry: ActivityEntry) -> ActivityEntry:
        """Store a new entry; returns it with its id."""
        ...

    def add_many(self, entries: Sequence[ActivityEntry]) -> None:
        """Store new entries at once, in their order (their ids are not returned)."""
        ...

    def find(
        self, criteria: ActivityCriteria, *, offset: int = 0, limit: int
    ) -> Sequence[ActivityView]:
        """Matching entries, newest first, with their users' names."""
        ...

    def count(self, criteria: ActivityCriteria) -> int:
        """How many entries match."""
        ...

    def totals(
        self, start: dt.datetime, end: dt.datetime | None = None, *, top: int
    ) -> ActivityTotals:
        """Aggregates over the entries created at or after ``start`` and before ``end``
        (``None``: no upper bound), with ``top`` entries in each top list."""
        ...

    def daily_counts(self, start: dt.datetime) -> Sequence[DayCount]:
        """Entries per UTC day created at or after ``start``, oldest day first; days without
        entries are left out."""
        ...

    def delete_older_than(self, cutoff: dt.datetime, *, limit: int) -> int:
        """Delete up to ``limit`` of the oldest entries created before ``cutoff``.

        Returns:
            How many were deleted (fewer than ``limit`` means none are left).
        """
        ...

    def save_summary(
        self,
        *,
        date: dt.date,
        total_activities: int,
        unique_users: int,
        top_actions: Sequence[NameCount],
        now: dt.datetime,
    ) -> ActivitySummary:
        """Create the summary of ``date``, or update it if it exists (keeping its id and
        ``created_at``); returns the stored summary."""
        ...

    def summaries(self, start: dt.date, end: dt.date) -> Sequence[ActivitySummary]:
        """Summaries of the dates from ``start`` to ``end`` inclusive, newest first."""
        ...
