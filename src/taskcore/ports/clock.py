"""Time, as a port, so tests control it."""

from __future__ import annotations

import datetime as dt
from typing import Protocol


class Clock(Protocol):
    """Tells the current time.

    Implementations return aware datetimes in UTC.
    """

    def now(self) -> dt.datetime:
        """The current time, timezone-aware, in UTC."""
        ...
