"""Time entries: log, list, read, edit and delete; each write keeps the task's
``actual_hours`` equal to the sum of its entries, in the same transaction."""

from __future__ import annotations

import datetime as dt
from typing import TypedDict

from taskcore.domain import time_entries as rules
from taskcore.domain.events import Change, change, json_value
from taskcore.domain.pagination import Page, PageRequest
from taskcore.domain.projects import Role
from taskcore.domain.time_entries import TimeEntry, TimeEntryCriteria, TimeEntryView
from taskcore.domain.time_events import TimeEntryDeleted, TimeEntryEdited, TimeEntryLogged
from taskcore.domain.values import UNSET, Unset
from taskcore.errors import NotFound, PermissionDenied, ProjectNotFound, ValidationError
from taskcore.ports.uow import UnitOfWork
from taskcore.services import access
from taskcore.services.access import Actor
from taskcore.services.time.base import (
    TimeBase,
    local_today,
    sync_actual_hours,
    visible_task,
)

ENTRY_MISSING = "Time entry not found"
LOG_DENIED = "You do not have permission to log time on this task"
EDIT_DENIED = "You do not have permission to change this time entry"


class Entries(TimeBase):
    """Time entries on tasks.

    Every member of a project sees its entries; owners and members log their own time
    (viewers cannot); a person edits and deletes their own entries while they may still
    write in the project; project owners edit and delete any entry in their projects;
    administrators do anything.
    """

    def log_time(
        self,
        actor: Actor,
        task_id: int,
        *,
        minutes: object,
        work_date: str | dt.date | None,
        note: str | None = None,
        billable: bool = False,
    ) -> TimeEntryView:
        """Log the caller's time on a task.

        Raises:
            TaskNotFound: ``Task not found or access denied``.
            ProjectRoleRequired: the caller is a viewer.
            ValidationError: bad ``minutes`` (1 to 1440), ``work_date`` (``YYYY-MM-DD``,
                not in the future) or ``note`` (at most 2,000 characters).
        """
        with self._tx() as work:
            uow = work.uow
            task, role = visible_task(uow, actor, task_id)
            access.require_write(actor, role, task.project_id, LOG_DENIED)
            now = self._clock.now()
            entry = TimeEntry(
                task_id=task_id,
                user_id=actor.user_id,
                work_date=rules.check_work_date(work_date, local_today(uow, actor.user_id, now)),
                minutes=rules.check_minutes(minutes),
                note=rules.check_note(note),
                billable=billable,
                created_at=now,
                updated_at=now,
            )
            view = add_entry(uow, entry)
            work.record(logged(view, actor.user_id, now))
            sync_actual_hours(work, actor.user_id, task_id, now)
            work.commit()
        return view

    def get_entry(self, actor: Actor, entry_id: int) -> TimeEntryView:
        """One entry (members of its project and administrators).

        Raises:
            NotFound: ``Time entry not found``: no such entry, or the caller may not see
                it.
        """
        with self._tx(read_only=True) as work:
            view, _ = visible_entry(work.uow, actor, entry_id)
            return view

    def list_entries(
        self,
        actor: Actor,
        *,
        task_id: int | None = None,
        project_id: int | None = None,
        user_id: int | None = None,
        date_from: str | dt.date | None = None,
        date_to: str | dt.date | None = None,
        page: PageRequest = PageRequest(),  # noqa: B008 - immutable
    ) -> Page[TimeEntryView]:
        """Entries, latest work date first.

        With a task or a project, that one's entries (members and administrators);
        otherwise the caller's own, or with ``user_id`` that person's entries in the
        projects the caller is a member of (all of them for an administrator).

        Raises:
            TaskNotFound: ``Task not found or access denied``.
            ProjectNotFound: the project does not exist or the caller is not a member.
            ValidationError: a malformed ``from`` or ``to`` date.
        """
        criteria = TimeEntryCriteria(
            task_id=task_id,
            project_id=project_id,
            user_id=user_id,
            date_from=rules.optional_date(date_from, "from"),
            date_to=rules.optional_date(date_to, "to"),
        )
        with self._tx(read_only=True) as work:
            uow = work.uow
            criteria = scope(uow, actor, criteria)
            repo = uow.time_entries
            total = repo.count(criteria)
            items = repo.find(criteria, offset=page.offset, limit=page.per_page)
        return Page(items=items, page=page.page, per_page=page.per_page, total=total)

    def edit_entry(
        self,
        actor: Actor,
        entry_id: int,
        *,
        minutes: object = UNSET,
        work_date: str | dt.date | Unset | None = UNSET,
        note: str | Unset | None = UNSET,
        billable: bool | Unset = UNSET,
        expected_version: int | None = None,
    ) -> TimeEntryView:
        """Change an entry (only the fields given).

        Raises:
            NotFound: ``Time entry not found``.
            PermissionDenied: ``You do not have permission to change this time entry``.
            VersionMismatch: ``expected_version`` is not the current version.
            ValidationError: a bad value, as in :meth:`log_time`.
        """
        with self._tx() as work:
            uow = work.uow
            view, role = visible_entry(uow, actor, entry_id)
            require_change(actor, view, role)
            access.check_version(view.version, expected_version)
            now = self._clock.now()
            entry = view.entry()
            changes: dict[str, Change] = {}
            new: dict[str, object] = {}
            if minutes is not UNSET:
                new["minutes"] = rules.check_minutes(minutes)
            if work_date is not UNSET:
                today = local_today(uow, actor.user_id, now)
                new["work_date"] = rules.check_work_date(work_date, today)
            if note is not UNSET:
                new["note"] = rules.check_note(note)
            if billable is not UNSET:
                new["billable"] = billable
            for field, value in new.items():
                old = getattr(entry, field)
                if old != value:
                    changes[field] = change(json_value(old), json_value(value))
                    setattr(entry, field, value)
            if not changes:
                return view
            entry.updated_at = now
            uow.time_entries.update(entry)
            after = uow.time_entries.get(entry_id)
            if after is None:  # pragma: no cover - read back in the same transaction
                raise NotFound(ENTRY_MISSING)
            work.record(
                TimeEntryEdited(
                    occurred_at=now,
                    actor_id=actor.user_id,
                    entity_id=entry_id,
                    entity_version=after.version,
                    changes=changes,
                    **fields_of(after),
                )
            )
            sync_actual_hours(work, actor.user_id, after.task_id, now)
            work.commit()
        return after

    def delete_entry(
        self, actor: Actor, entry_id: int, *, expected_version: int | None = None
    ) -> None:
        """Delete an entry.

        Raises:
            NotFound: ``Time entry not found``.
            PermissionDenied: ``You do not have permission to change this time entry``.
            VersionMismatch: ``expected_version`` is not the current version.
        """
        with self._tx() as work:
            uow = work.uow
            view, role = visible_entry(uow, actor, entry_id)
            require_change(actor, view, role)
            access.check_version(view.version, expected_version)
            now = self._clock.now()
            uow.time_entries.delete(entry_id)
            work.record(
                TimeEntryDeleted(
                    occurred_at=now,
                    actor_id=actor.user_id,
                    entity_id=entry_id,
                    entity_version=view.version,
                    **fields_of(view),
                )
            )
            sync_actual_hours(work, actor.user_id, view.task_id, now)
            work.commit()


def add_entry(uow: UnitOfWork, entry: TimeEntry) -> TimeEntryView:
    """Store an entry and read it back as callers see it."""
    stored = uow.time_entries.add(entry)
    view = uow.time_entries.get(stored.key)
    if view is None:  # pragma: no cover - read back in the same transaction
        raise NotFound(ENTRY_MISSING)
    return view


def logged(
    view: TimeEntryView, actor_id: int, now: dt.datetime, *, from_timer: bool = False
) -> TimeEntryLogged:
    """The :class:`TimeEntryLogged` event of a new entry."""
    return TimeEntryLogged(
        occurred_at=now,
        actor_id=actor_id,
        entity_id=view.id,
        entity_version=view.version,
        from_timer=from_timer,
        capped=view.capped,
        **fields_of(view),
    )


class EntryFields(TypedDict):
    project_id: int
    task_id: int
    user_id: int
    work_date: str
    minutes: int
    billable: bool


def fields_of(view: TimeEntryView) -> EntryFields:
    """The fields every event of an entry carries."""
    return {
        "project_id": view.project_id,
        "task_id": view.task_id,
        "user_id": view.user_id,
        "work_date": view.work_date.isoformat(),
        "minutes": view.minutes,
        "billable": view.billable,
    }


def visible_entry(
    uow: UnitOfWork, actor: Actor, entry_id: int
) -> tuple[TimeEntryView, Role | None]:
    """An entry the caller may see, and the caller's role in its project.

    Raises:
        NotFound: ``Time entry not found``: no such entry, or the caller is neither a
            member of its project nor an administrator.
    """
    view = uow.time_entries.get(entry_id)
    if view is None:
        raise NotFound(ENTRY_MISSING)
    role = access.visible_role(uow.projects, actor, view.project_id, NotFound(ENTRY_MISSING))
    return view, role


def require_change(actor: Actor, view: TimeEntryView, role: Role | None) -> None:
    """Raise unless the caller may edit or delete the entry.

    Raises:
        PermissionDenied: the caller is neither its author (while a writer in the
            project), a project owner, nor an administrator.
    """
    own = view.user_id == actor.user_id and role is not None and role.can_write
    if not (actor.is_admin or own or role is Role.OWNER):
        raise PermissionDenied(EDIT_DENIED)


def scope(uow: UnitOfWork, actor: Actor, criteria: TimeEntryCriteria) -> TimeEntryCriteria:
    """``criteria`` narrowed to what the caller may see (see
    :meth:`Entries.list_entries`).

    Raises:
        TaskNotFound, ProjectNotFound: the caller may not see the task or project.
        ValidationError: ``to`` before ``from``.
    """
    if criteria.date_from and criteria.date_to and criteria.date_to < criteria.date_from:
        raise ValidationError("to must not be before from", field="to")
    if criteria.task_id is not None:
        visible_task(uow, actor, criteria.task_id)
        return criteria
    if criteria.project_id is not None:
        access.visible_role(
            uow.projects, actor, criteria.project_id, ProjectNotFound(criteria.project_id)
        )
        return criteria
    if criteria.user_id is None:
        return TimeEntryCriteria(
            user_id=actor.user_id, date_from=criteria.date_from, date_to=criteria.date_to
        )
    if actor.is_admin or criteria.user_id == actor.user_id:
        return criteria
    return TimeEntryCriteria(
        user_id=criteria.user_id,
        member_id=actor.user_id,
        date_from=criteria.date_from,
        date_to=criteria.date_to,
    )
