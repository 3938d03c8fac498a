"""Live updates: who may follow a project's events or their own inbox, and reading the
committed events and in-app notifications a stream has not delivered yet.

A host keeps one reader per process (:meth:`LiveService.read_events`,
:meth:`LiveService.read_inbox`, no caller: nothing leaves the process unfiltered) and hands
each subscriber what :meth:`LiveService.visible` lets through; a subscriber resuming from a
cursor first reads what it missed through :meth:`LiveService.project_backlog` or
:meth:`LiveService.inbox_backlog`, which check access themselves.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import Final, Generic, TypeVar

import attrs

from taskcore.domain.live import (
    Cursor,
    FeedEntry,
    InboxItem,
    visible_in_project,
)
from taskcore.domain.projects import Role
from taskcore.errors import ProjectNotFound
from taskcore.services import access
from taskcore.services.access import Actor
from taskcore.services.scopes import guarded
from taskcore.uow import Transactions

T = TypeVar("T")

READ_BATCH: Final = 500
"""Rows read per query."""

MAX_BACKLOG: Final = 20_000
"""The most positions a resuming stream catches up on; further behind, it starts again
from the present and is told to reload."""


@attrs.frozen(kw_only=True)
class Backlog(Generic[T]):
    """What a resuming subscriber missed.

    Attributes:
        items: The entries it may see, oldest first, each with the subscriber's cursor
            once it is delivered (every position read up to it counted, visible or not).
        cursor: Its cursor once all are delivered.
        complete: ``False`` when it was too far behind: ``items`` is empty and ``cursor``
            is the present; the subscriber should reload its view.
    """

    items: Sequence[tuple[T, Cursor]]
    cursor: Cursor
    complete: bool = True


@guarded("tasks", reads=("project_role", "inbox_backlog", "project_backlog"))
class LiveService:
    """Use cases of live updates.

    A project's stream is open to its members and to administrators; each subscriber sees
    the project's events (not others'), invitations only when an owner or administrator
    (see :func:`taskcore.domain.live.visible_in_project`). A user's inbox stream carries
    only their own in-app notifications.

    Args:
        transactions: Opens units of work.
    """

    def __init__(self, *, transactions: Transactions) -> None:
        self._tx = transactions

    def project_role(self, actor: Actor, project_id: int) -> Role | None:
        """The caller's role in a project whose stream they may follow (``None``: an
        administrator who is not a member).

        Raises:
            ProjectNotFound: the project does not exist or the caller may not see it.
        """
        with self._tx(read_only=True) as work:
            return access.visible_role(
                work.uow.projects, actor, project_id, ProjectNotFound(project_id)
            )

    def heads(self) -> tuple[int, int]:
        """The highest positions of the event feed and of the inbox feed."""
        with self._tx(read_only=True) as work:
            return work.uow.live.event_head(), work.uow.live.inbox_head()

    def read_events(
        self, after: int, missing: Collection[int] = (), *, limit: int = READ_BATCH
    ) -> Sequence[FeedEntry]:
        """Events above ``after`` and at the ``missing`` positions, oldest first: the
        process-wide reader's round (no caller; filter with :meth:`visible`)."""
        with self._tx(read_only=True) as work:
            feed = work.uow.live
            found = list(feed.events_at(missing)) if missing else []
            found.extend(feed.events_after(after, limit))
        return found

    def read_inbox(
        self, after: int, missing: Collection[int] = (), *, limit: int = READ_BATCH
    ) -> Sequence[InboxItem]:
        """In-app notifications above ``after`` and at the ``missing`` ids, oldest first:
        the process-wide reader's round (no caller; filter by recipient)."""
        with self._tx(read_only=True) as work:
            feed = work.uow.live
            found = list(feed.inbox_at(missing)) if missing else []
            found.extend(feed.inbox_after(after, limit))
        return found

    @staticmethod
    def visible(
        entries: Iterable[FeedEntry], project_id: int, role: Role | None
    ) -> list[FeedEntry]:
        """The entries a subscriber with ``role`` in ``project_id`` may see."""
        return [
            e
            for e in entries
            if e.event is not None and visible_in_project(e.event, project_id, role)
        ]

    def project_backlog(
        self, actor: Actor, project_id: int, cursor: Cursor, *, upto: int
    ) -> Backlog[FeedEntry]:
        """The events of a project the caller has not had since ``cursor``, up to position
        ``upto`` (what the process-wide reader has reached).

        Raises:
            ProjectNotFound: the project does not exist or the caller may not see it.
        """
        role = self.project_role(actor, project_id)
        if upto - cursor.watermark > MAX_BACKLOG:
            return Backlog(items=(), cursor=Cursor(upto), complete=False)
        found: list[tuple[FeedEntry, Cursor]] = []
        missing = cursor.gaps()
        after = cursor.highest
        while True:
            batch = [e for e in self.read_events(after, missing) if e.position <= upto]
            missing = []
            shown = {e.position for e in self.visible(batch, project_id, role)}
            for entry in batch:
                cursor = cursor.add(entry.position)
                if entry.position in shown:
                    found.append((entry, cursor))
            fresh = [e.position for e in batch if e.position > after]
            if not fresh or max(fresh) >= upto:
                break
            after = max(fresh)
        return Backlog(items=found, cursor=cursor)

    def inbox_backlog(self, actor: Actor, cursor: Cursor, *, upto: int) -> Backlog[InboxItem]:
        """The caller's in-app notifications they have not had since ``cursor``, up to id
        ``upto``."""
        if upto - cursor.watermark > MAX_BACKLOG:
            return Backlog(items=(), cursor=Cursor(upto), complete=False)
        found: list[tuple[InboxItem, Cursor]] = []
        missing = cursor.gaps()
        after = cursor.highest
        while True:
            batch = [i for i in self.read_inbox(after, missing) if i.position <= upto]
            missing = []
            for item in batch:
                cursor = cursor.add(item.position)
                if item.recipient_id == actor.user_id:
                    found.append((item, cursor))
            fresh = [i.position for i in batch if i.position > after]
            if not fresh or max(fresh) >= upto:
                break
            after = max(fresh)
        return Backlog(items=found, cursor=cursor)
