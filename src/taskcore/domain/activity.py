"""The activity log: one entry per domain event, who did what to which object, from where.

Entries are written in the same transaction as the change they describe, so the log
never misses a committed change and never shows one that was rolled back. ``details``
hold what the event says about the change (changed fields, old → new), never secrets:
:func:`sanitize_details` drops every key that names a password, token, secret or
credential, at any depth.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Mapping
from typing import Any, Final

import attrs

from taskcore.domain.events import DomainEvent, json_value
from taskcore.domain.origin import USER_AGENT_MAX, Origin

SERVICE_NAME: Final = "taskcore"
"""``service_name`` of the entries taskcore writes from its own events."""

SUBMITTED_SERVICE_NAME: Final = "unknown"
"""``service_name`` of a submitted entry that names none."""

SYSTEM_USERNAME: Final = "System"
"""``username`` listed for entries without a user (system actions)."""

UNKNOWN_USERNAME: Final = "Unknown"
"""``username`` listed for entries whose user no longer exists (or never did)."""

ACTION_MAX: Final = 50
ENTITY_TYPE_MAX: Final = 50
IP_ADDRESS_MAX: Final = 45
SESSION_ID_MAX: Final = 100
SERVICE_NAME_MAX: Final = 50
TOP_LIMIT: Final = 10
"""Entries in each top list (actions, entity types)."""

DAILY_DAYS: Final = 7
"""Days covered by the daily counts of the statistics (the last seven UTC days)."""

_SECRET_KEY = re.compile(
    r"password|passwd|passphrase|pwd|secret|token|(api|access|private)[-_ ]?key"
    r"|authorization|bearer|cookie|credential|session|signature",
    re.IGNORECASE,
)
"""Key names whose values are never stored (matched anywhere in the key)."""


@functools.lru_cache(maxsize=4096)
def is_secret_key(key: str) -> bool:
    """Whether a details key names something secret (password, token, secret, key...)."""
    return _SECRET_KEY.search(key) is not None


def sanitize_details(details: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """``details`` fit for the log: keys naming secrets dropped at any depth (in nested
    objects and in objects inside arrays), values made JSON (dates as ISO text, enumerations
    as their value, tuples as arrays).

    Returns:
        The cleaned details; ``None`` stays ``None``.
    """
    if details is None:
        return None
    return _clean_mapping(details)


def _clean_mapping(value: Mapping[Any, Any]) -> dict[str, Any]:
    return {str(k): _clean(v) for k, v in value.items() if not is_secret_key(str(k))}


def _clean(value: object) -> object:
    if isinstance(value, Mapping):
        return _clean_mapping(value)
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return json_value(value)


@attrs.frozen(kw_only=True)
class ActivityEntry:
    """One activity-log entry, as stored (``id`` is ``None`` until it is)."""

    id: int | None = None
    user_id: int | None
    action: str
    entity_type: str
    entity_id: int
    details: dict[str, Any] | None = None
    ip_address: str | None = None
    user_agent: str | None = None
    session_id: str | None = None
    service_name: str = SERVICE_NAME
    created_at: dt.datetime


@attrs.frozen(kw_only=True)
class ActivityView:
    """An entry with the name of its user: ``System`` without one, ``Unknown`` when the
    user does not exist."""

    entry: ActivityEntry
    username: str

    @property
    def id(self) -> int:
        """The entry's id."""
        return self.entry.id or 0


def entry_from_event(event: DomainEvent, origin: Origin) -> ActivityEntry:
    """The entry recording ``event``, made by a request from ``origin``."""
    user_agent = origin.user_agent[:USER_AGENT_MAX] if origin.user_agent is not None else None
    ip = origin.ip_address[:IP_ADDRESS_MAX] if origin.ip_address is not None else None
    return ActivityEntry(
        user_id=event.actor_id,
        action=event.action[:ACTION_MAX],
        entity_type=event.entity_type[:ENTITY_TYPE_MAX],
        entity_id=event.entity_id,
        details=sanitize_details(event.details),
        ip_address=ip,
        user_agent=user_agent,
        service_name=SERVICE_NAME,
        created_at=event.occurred_at,
    )


@attrs.frozen(kw_only=True)
class ActivityCriteria:
    """Which entries a list or count takes; ``None`` means any.

    ``start`` and ``end`` bound ``created_at`` inclusively.
    """

    user_id: int | None = None
    action: str | None = None
    entity_type: str | None = None
    entity_id: int | None = None
    start: dt.datetime | None = None
    end: dt.datetime | None = None

    def matches(self, entry: ActivityEntry) -> bool:
        """Whether ``entry`` is one of these."""
        return (
            (self.user_id is None or entry.user_id == self.user_id)
            and (self.action is None or entry.action == self.action)
            and (self.entity_type is None or entry.entity_type == self.entity_type)
            and (self.entity_id is None or entry.entity_id == self.entity_id)
            and (self.start is None or entry.created_at >= self.start)
            and (self.end is None or entry.created_at <= self.end)
        )


@attrs.frozen(kw_only=True)
class NameCount:
    """How many entries have one action (or one entity type)."""

    name: str
    count: int


@attrs.frozen(kw_only=True)
class DayCount:
    """How many entries one UTC day has."""

    date: dt.date
    count: int


@attrs.frozen(kw_only=True)
class ActivityTotals:
    """Aggregates over the entries created in a period.

    Attributes:
        total: How many entries.
        unique_users: How many distinct users (entries without a user not counted).
        top_actions: The most frequent actions, most frequent first (ties by name).
        top_entity_types: The most frequent entity types, likewise.
    """

    total: int
    unique_users: int
    top_actions: list[NameCount]
    top_entity_types: list[NameCount]


@attrs.frozen(kw_only=True)
class ActivityStats:
    """The statistics answer: totals over ``period_days`` and the last seven days' counts
    (oldest first, days without entries included with 0)."""

    period_days: int
    totals: ActivityTotals
    daily: list[DayCount]


@attrs.frozen(kw_only=True)
class ActivitySummary:
    """The stored summary of one UTC day (one per date)."""

    id: int | None = None
    date: dt.date
    total_activities: int
    unique_users: int
    top_actions: list[NameCount]
    created_at: dt.datetime
    updated_at: dt.datetime


@attrs.frozen(kw_only=True)
class ActivityHealth:
    """What the health check reports about the log."""

    total_logs: int
    recent_logs_24h: int


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The first instant of ``day`` (UTC) and of the next day."""
    start = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
    return start, start + dt.timedelta(days=1)
