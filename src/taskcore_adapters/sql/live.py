"""The live feeds in SQL: the outbox and the in-app notifications, read by row id."""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import Connection, func, select

from taskcore.domain.live import FeedEntry, InboxItem
from taskcore.domain.notifications import IN_APP
from taskcore_adapters.sql import events as codec
from taskcore_adapters.sql.tables import notification_queue, outbox

log = logging.getLogger(__name__)

_EVENTS = select(outbox.c.id, outbox.c.name, outbox.c.payload)
_INBOX = select(
    notification_queue.c.id,
    notification_queue.c.recipient_id,
    notification_queue.c.subject,
    notification_queue.c.body,
    notification_queue.c.priority,
    notification_queue.c.context_data,
    notification_queue.c.created_at,
).where(notification_queue.c.notification_type == IN_APP)


def _entry(row: Any) -> FeedEntry:
    try:
        event = codec.decode(row.name, row.payload)
    except (KeyError, ValueError, TypeError):
        # An event this version does not know (written by a newer one): its position
        # still counts, so readers move past it.
        log.warning("outbox row %s (%s) not readable; skipped", row.id, row.name)
        event = None
    return FeedEntry(position=row.id, event=event)


def _item(row: Any) -> InboxItem:
    return InboxItem(
        position=row.id,
        recipient_id=row.recipient_id,
        subject=row.subject,
        body=row.body,
        priority=row.priority,
        context_data=row.context_data,
        created_at=row.created_at,
    )


class SqlAlchemyLiveFeed:
    """The outbox and ``notification_queue`` read in id order (see
    ``taskcore.ports.live.LiveFeed``)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def event_head(self) -> int:
        return int(self._conn.execute(select(func.max(outbox.c.id))).scalar() or 0)

    def events_after(self, position: int, limit: int) -> Sequence[FeedEntry]:
        rows = self._conn.execute(
            _EVENTS.where(outbox.c.id > position).order_by(outbox.c.id).limit(limit)
        ).all()
        return [_entry(r) for r in rows]

    def events_at(self, positions: Collection[int]) -> Sequence[FeedEntry]:
        if not positions:
            return []
        rows = self._conn.execute(
            _EVENTS.where(outbox.c.id.in_(sorted(positions))).order_by(outbox.c.id)
        ).all()
        return [_entry(r) for r in rows]

    def inbox_head(self) -> int:
        q = notification_queue
        return int(self._conn.execute(select(func.max(q.c.id))).scalar() or 0)

    def inbox_after(self, position: int, limit: int) -> Sequence[InboxItem]:
        q = notification_queue
        rows = self._conn.execute(_INBOX.where(q.c.id > position).order_by(q.c.id).limit(limit))
        return [_item(r) for r in rows.all()]

    def inbox_at(self, positions: Collection[int]) -> Sequence[InboxItem]:
        if not positions:
            return []
        q = notification_queue
        rows = self._conn.execute(_INBOX.where(q.c.id.in_(sorted(positions))).order_by(q.c.id))
        return [_item(r) for r in rows.all()]
