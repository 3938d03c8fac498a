"""Adapters for the real clock."""

from __future__ import annotations

import datetime as dt


class SystemClock:
    """The wall clock, in UTC."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)
