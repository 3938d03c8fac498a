"""Calendar feeds: a secret URL per user serving their tasks with due dates as a calendar.

The secret is shown once, when the feed is created or regenerated; only its SHA-256
digest is stored, so a database leak reveals no working feed URL. Whoever knows the
secret reads the feed without logging in (that is what calendar clients can do).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

import attrs

SECRET_BYTES = 32
"""Random bytes in a feed secret (43 URL-safe characters)."""
SECRET_MAX = 100
"""Longer text is never a secret: refused before hashing."""
FEED_TASKS_MAX = 2000
"""Most tasks one feed lists (the latest due dates first)."""
FEED_PAST = dt.timedelta(days=365)
"""A feed lists tasks due from a year ago on."""


def new_secret() -> str:
    """A fresh feed secret."""
    return secrets.token_urlsafe(SECRET_BYTES)


def digest(secret: str) -> str:
    """The stored form of a secret: its SHA-256, hex."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@attrs.frozen(kw_only=True)
class CalendarFeed:
    """A user's feed: the digest of its secret and when it was made."""

    user_id: int
    secret_digest: str
    created_at: dt.datetime


@attrs.frozen(kw_only=True)
class NewFeed:
    """A feed just created or regenerated, with its secret (shown this once)."""

    feed: CalendarFeed
    secret: str
    regenerated: bool


@attrs.frozen(kw_only=True)
class FeedTask:
    """A task as a calendar lists it."""

    id: int
    project_id: int
    project_name: str
    title: str
    description: str
    status: str
    due_date: dt.datetime
    updated_at: dt.datetime
    rule: str | None = None
    """The task's RFC 5545 recurrence rule, if it recurs."""
    repeats_from_due_date: bool = False
    """Whether its next occurrence is dated by the rule from the due date (so a calendar
    can show the occurrences ahead); otherwise from completion."""
    occurrence: int = 1
    """Its number in the series (a rule's ``COUNT`` counts from the first)."""


@attrs.frozen(kw_only=True)
class CalendarView:
    """What a feed serves: whose it is, their time zone and their tasks."""

    user_id: int
    username: str
    timezone: str
    tasks: tuple[FeedTask, ...]
