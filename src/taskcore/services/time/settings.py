"""Each person's time zone: the one their dates are computed in (recurring tasks they set,
their timesheets' "today", the days their timers log, their calendar feed)."""

from __future__ import annotations

from taskcore.domain import recurrence as rules
from taskcore.domain.events import change
from taskcore.domain.time_events import TimeZoneChanged
from taskcore.errors import UserNotFound
from taskcore.services.access import Actor
from taskcore.services.time.base import TimeBase


class Settings(TimeBase):
    """The caller's time zone."""

    def timezone(self, actor: Actor) -> str:
        """The caller's time zone (``UTC`` until they choose one).

        Raises:
            UserNotFound: the account no longer exists.
        """
        with self._tx(read_only=True) as work:
            user = work.uow.users.get(actor.user_id)
            if user is None:
                raise UserNotFound(actor.user_id)
            return user.timezone

    def set_timezone(self, actor: Actor, timezone: object) -> str:
        """Choose the caller's time zone (an IANA name such as ``Europe/Paris``). Dates
        computed from now on use it; recurring tasks keep the zone they were set in.

        Raises:
            ValidationError: not a known time zone (field ``timezone``).
            UserNotFound: the account no longer exists.
        """
        name = rules.check_timezone(timezone)
        with self._tx() as work:
            users = work.uow.users
            user = users.get(actor.user_id)
            if user is None:
                raise UserNotFound(actor.user_id)
            if user.timezone == name:
                return name
            old = user.timezone
            user.timezone = name
            users.update(user)
            work.record(
                TimeZoneChanged(
                    occurred_at=self._clock.now(),
                    actor_id=actor.user_id,
                    entity_id=actor.user_id,
                    changes={"timezone": change(old, name)},
                )
            )
            work.commit()
        return name
