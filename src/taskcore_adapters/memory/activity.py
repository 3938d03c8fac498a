"""The activity log in memory (see ``taskcore.ports.activity.ActivityRepository``)."""

from __future__ import annotations

import copy
import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence

import attrs

from taskcore.domain.activity import (
    SYSTEM_USERNAME,
    UNKNOWN_USERNAME,
    ActivityCriteria,
    ActivityEntry,
    ActivitySummary,
    ActivityTotals,
    ActivityView,
    DayCount,
    NameCount,
)
from taskcore.domain.users import User


def _top(values: Iterable[str], limit: int) -> list[NameCount]:
    counts = Counter(values)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [NameCount(name=name, count=count) for name, count in ranked[:limit]]


class InMemoryActivityRepository:
    """Entries and summaries in dicts shared with the rest of the in-memory store.

    Args:
        entries: Entries by id.
        summaries: Summaries by date.
        users: The users table, for usernames.
        allocate: Gives the next id of a table.
    """

    def __init__(
        self,
        entries: dict[int, ActivityEntry],
        summaries: dict[dt.date, ActivitySummary],
        users: Mapping[int, User],
        allocate: Callable[[str], int],
    ) -> None:
        self._entries = entries
        self._summaries = summaries
        self._users = users
        self._allocate = allocate

    def add(self, entry: ActivityEntry) -> ActivityEntry:
        stored = attrs.evolve(entry, id=self._allocate("activity_logs"))
        self._entries[self._key(stored)] = stored
        return copy.deepcopy(stored)

    def add_many(self, entries: Sequence[ActivityEntry]) -> None:
        for entry in entries:
            self.add(entry)

    @staticmethod
    def _key(entry: ActivityEntry) -> int:
        if entry.id is None:  # pragma: no cover - stored entries have ids
            raise ValueError("entry without an id")
        return entry.id

    def _username(self, user_id: int | None) -> str:
        if user_id is None:
            return SYSTEM_USERNAME
        user = self._users.get(user_id)
        return user.username if user is not None else UNKNOWN_USERNAME

    def _matching(self, criteria: ActivityCriteria) -> list[ActivityEntry]:
        found = [e for e in self._entries.values() if criteria.matches(e)]
        found.sort(key=lambda e: (e.created_at, self._key(e)), reverse=True)
        return found

    def find(
        self, criteria: ActivityCriteria, *, offset: int = 0, limit: int
    ) -> Sequence[ActivityView]:
        return [
            ActivityView(entry=copy.deepcopy(e), username=self._username(e.user_id))
            for e in self._matching(criteria)[offset : offset + limit]
        ]

    def count(self, criteria: ActivityCriteria) -> int:
        return sum(1 for e in self._entries.values() if criteria.matches(e))

    def _between(self, start: dt.datetime, end: dt.datetime | None) -> list[ActivityEntry]:
        return [
            e
            for e in self._entries.values()
            if e.created_at >= start and (end is None or e.created_at < end)
        ]

    def totals(
        self, start: dt.datetime, end: dt.datetime | None = None, *, top: int
    ) -> ActivityTotals:
        rows = self._between(start, end)
        return ActivityTotals(
            total=len(rows),
            unique_users=len({e.user_id for e in rows if e.user_id is not None}),
            top_actions=_top((e.action for e in rows), top),
            top_entity_types=_top((e.entity_type for e in rows), top),
        )

    def daily_counts(self, start: dt.datetime) -> Sequence[DayCount]:
        counts = Counter(e.created_at.astimezone(dt.UTC).date() for e in self._between(start, None))
        return [DayCount(date=day, count=counts[day]) for day in sorted(counts)]

    def delete_older_than(self, cutoff: dt.datetime, *, limit: int) -> int:
        old = sorted(
            (e for e in self._entries.values() if e.created_at < cutoff),
            key=lambda e: (e.created_at, self._key(e)),
        )[:limit]
        for entry in old:
            del self._entries[self._key(entry)]
        return len(old)

    def save_summary(
        self,
        *,
        date: dt.date,
        total_activities: int,
        unique_users: int,
        top_actions: Sequence[NameCount],
        now: dt.datetime,
    ) -> ActivitySummary:
        current = self._summaries.get(date)
        stored = ActivitySummary(
            id=current.id if current else self._allocate("activity_summaries"),
            date=date,
            total_activities=total_activities,
            unique_users=unique_users,
            top_actions=list(top_actions),
            created_at=current.created_at if current else now,
            updated_at=now,
        )
        self._summaries[date] = stored
        return stored

    def summaries(self, start: dt.date, end: dt.date) -> Sequence[ActivitySummary]:
        return sorted(
            (s for d, s in self._summaries.items() if start <= d <= end),
            key=lambda s: s.date,
            reverse=True,
        )
