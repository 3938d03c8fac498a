"""What the parts of the activity service share: its collaborators."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from taskcore.ports.clock import Clock
from taskcore.services.jobs import Jobs
from taskcore.uow import Transactions


class ActivityBase:
    """The collaborators every part of :class:`ActivityService` uses (set by its
    ``__init__``)."""

    _tx: Transactions
    _clock: Clock
    _jobs: Jobs
    _retention: dt.timedelta
    _new_job_id: Callable[[], str]
