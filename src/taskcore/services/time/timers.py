"""Running timers: one per person; stopping one logs the time since it started as an
entry, capped at a day and flagged when it ran longer."""

from __future__ import annotations

import datetime as dt

from taskcore.domain import time_entries as rules
from taskcore.domain.time_entries import RunningTimer, TimeEntry, TimeEntryView, TimerView
from taskcore.domain.time_events import TimerStarted, TimerStopped
from taskcore.errors import Conflict
from taskcore.services import access
from taskcore.services.access import Actor
from taskcore.services.time.base import TimeBase, sync_actual_hours, visible_task, zone_of
from taskcore.services.time.entries import LOG_DENIED, add_entry, logged
from taskcore.uow import Work

NO_TIMER = "No timer is running"


class Timers(TimeBase):
    """Each person's running timer."""

    def current_timer(self, actor: Actor) -> TimerView | None:
        """The caller's running timer, or ``None``."""
        with self._tx(read_only=True) as work:
            return work.uow.timers.get(actor.user_id)

    def start_timer(
        self, actor: Actor, task_id: int, *, note: str | None = None
    ) -> tuple[TimerView, TimeEntryView | None]:
        """Start the caller's timer on a task (owners and members). A timer already
        running, on this task or another, is stopped first and logged.

        Returns:
            The new timer, and the entry the stopped one logged (``None`` if none ran).

        Raises:
            TaskNotFound: ``Task not found or access denied``.
            ProjectRoleRequired: the caller is a viewer.
            ValidationError: a note longer than 2,000 characters.
            Conflict: another request started a timer for the caller at the same moment.
        """
        text = rules.check_note(note)
        with self._tx() as work:
            uow = work.uow
            task, role = visible_task(uow, actor, task_id)
            access.require_write(actor, role, task.project_id, LOG_DENIED)
            now = self._clock.now()
            stopped = self._stop(work, actor, now)
            uow.timers.start(
                RunningTimer(user_id=actor.user_id, task_id=task_id, started_at=now, note=text)
            )
            work.record(
                TimerStarted(
                    occurred_at=now,
                    actor_id=actor.user_id,
                    entity_id=task_id,
                    project_id=task.project_id,
                    user_id=actor.user_id,
                    started_at=now.isoformat(),
                )
            )
            timer = uow.timers.get(actor.user_id)
            if timer is None:  # pragma: no cover - read back in the same transaction
                raise Conflict(NO_TIMER)
            work.commit()
        return timer, stopped

    def stop_timer(self, actor: Actor) -> TimeEntryView:
        """Stop the caller's timer and log its time as an entry on the day it started
        (in the caller's time zone).

        The entry lasts the time the timer ran, to the nearest minute and at least one;
        a timer left running more than 24 hours logs 24 hours, flagged ``capped``.

        Raises:
            Conflict: ``No timer is running``.
        """
        with self._tx() as work:
            stopped = self._stop(work, actor, self._clock.now())
            if stopped is None:
                raise Conflict(NO_TIMER)
            work.commit()
        return stopped

    def _stop(self, work: Work, actor: Actor, now: dt.datetime) -> TimeEntryView | None:
        """Stop the caller's running timer, if any, logging its entry."""
        uow = work.uow
        timer = uow.timers.get(actor.user_id)
        if timer is None:
            return None
        uow.timers.stop(actor.user_id)
        span = rules.timer_span(timer.started_at, now)
        started_day = timer.started_at.astimezone(zone_of(uow, actor.user_id)).date()
        view = add_entry(
            uow,
            TimeEntry(
                task_id=timer.task_id,
                user_id=actor.user_id,
                work_date=started_day,
                minutes=span.minutes,
                note=timer.note,
                capped=span.capped,
                created_at=now,
                updated_at=now,
            ),
        )
        work.record(
            logged(view, actor.user_id, now, from_timer=True),
            TimerStopped(
                occurred_at=now,
                actor_id=actor.user_id,
                entity_id=timer.task_id,
                project_id=timer.project_id,
                user_id=actor.user_id,
                time_entry_id=view.id,
                minutes=view.minutes,
                capped=view.capped,
            ),
        )
        sync_actual_hours(work, actor.user_id, timer.task_id, now)
        return view
