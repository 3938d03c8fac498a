"""One reader of the live feeds per process, fanning out to the streams it serves.

While at least one stream is open, the broker reads the outbox and the in-app
notifications every ``interval`` seconds (one query each, in a worker thread, whatever the
number of streams) and hands every new row to every subscriber's queue; each stream
filters what its subscriber may see. The rows come from the database (or the memory
store), never from this process's memory of what it wrote, so a change made through
any server process reaches the streams of every other one.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections.abc import Sequence
from typing import Any, Final

import anyio.to_thread
import attrs

from taskcore.domain.live import GAP_WAIT_SECONDS, Cursor, FeedEntry, GapTracker, InboxItem
from taskcore.errors import RateLimited
from taskcore.services.live import LiveService

log = logging.getLogger(__name__)

MAX_STREAMS_PER_USER: Final = 8
"""Open streams per user and server process; one more is refused with 429."""

QUEUE_LIMIT: Final = 1_000
"""Rounds a subscriber may fall behind before its stream is ended (it reconnects and
catches up from the database with ``Last-Event-ID``)."""

LOOKBACK: Final = 64
"""Positions below the head a starting broker checks for transactions still committing."""


@attrs.frozen(kw_only=True)
class Round:
    """What one reading round found, and how far each feed is settled."""

    events: Sequence[FeedEntry]
    inbox: Sequence[InboxItem]
    event_watermark: int
    inbox_watermark: int
    rendered: dict[int, str] = attrs.field(factory=dict, eq=False)
    """Each event's message body by position, rendered once for every stream."""


@attrs.define(eq=False)
class Subscription:
    """One open stream's place at the broker."""

    user_id: int
    queue: asyncio.Queue[Round | None] = attrs.field(factory=asyncio.Queue)
    overflowed: bool = False

    def put(self, found: Round) -> None:
        if self.overflowed:
            return
        if self.queue.qsize() >= QUEUE_LIMIT:
            self.overflowed = True
            self.queue.put_nowait(None)
            return
        self.queue.put_nowait(found)


@attrs.define(eq=False)
class Broker:
    """The feed reader of one runtime in one event loop.

    Args:
        service: The live-update use cases.
        interval: Seconds between reading rounds.
        max_streams_per_user: See :data:`MAX_STREAMS_PER_USER`.
        gap_wait: Seconds a missing position is waited for.
    """

    service: LiveService
    interval: float = 0.25
    max_streams_per_user: int = MAX_STREAMS_PER_USER
    gap_wait: float = GAP_WAIT_SECONDS
    _subscribers: set[Subscription] = attrs.field(factory=set)
    _events: GapTracker | None = None
    _inbox: GapTracker | None = None
    _task: asyncio.Task[None] | None = None
    _ready: asyncio.Event | None = None

    @property
    def open_streams(self) -> int:
        """How many streams this broker serves."""
        return len(self._subscribers)

    async def subscribe(self, user_id: int) -> Subscription:
        """Register a stream of ``user_id`` and wait until the broker has read the present.

        Raises:
            RateLimited: the user has :attr:`max_streams_per_user` streams open already.
        """
        if sum(1 for s in self._subscribers if s.user_id == user_id) >= self.max_streams_per_user:
            raise RateLimited("Too many open event streams", retry_after=5)
        sub = Subscription(user_id)
        self._subscribers.add(sub)
        if self._task is None or self._task.done():
            self._ready = asyncio.Event()
            self._task = asyncio.get_running_loop().create_task(self._run(self._ready))
        if self._ready is not None:
            await self._ready.wait()
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        """Forget a stream (the reader stops when none is left)."""
        self._subscribers.discard(sub)

    @property
    def event_horizon(self) -> int:
        """The highest event position read so far."""
        return self._events.cursor.highest if self._events else 0

    @property
    def inbox_horizon(self) -> int:
        """The highest notification id read so far."""
        return self._inbox.cursor.highest if self._inbox else 0

    async def _start(self) -> None:
        """Begin a little below the heads, so that transactions still committing there
        are waited for like any gap."""
        heads = await anyio.to_thread.run_sync(self.service.heads)
        now = time.monotonic()
        events = GapTracker(Cursor(max(0, heads[0] - LOOKBACK)), wait=self.gap_wait)
        inbox = GapTracker(Cursor(max(0, heads[1] - LOOKBACK)), wait=self.gap_wait)
        found = await anyio.to_thread.run_sync(self._read, events, inbox)
        events.take((e.position for e in found.events), now)
        inbox.take((i.position for i in found.inbox), now)
        self._events, self._inbox = events, inbox

    def _read(self, events: GapTracker, inbox: GapTracker) -> Round:
        """One round's reads (in a worker thread)."""
        return Round(
            events=self.service.read_events(events.cursor.highest, events.cursor.gaps()),
            inbox=self.service.read_inbox(inbox.cursor.highest, inbox.cursor.gaps()),
            event_watermark=0,
            inbox_watermark=0,
        )

    async def _run(self, ready: asyncio.Event) -> None:
        try:
            while True:
                try:
                    await self._start()
                    break
                except Exception:  # the database is briefly down: try again
                    log.exception("live updates: reading the feeds' heads failed")
                    await asyncio.sleep(1.0)
            ready.set()
            while self._subscribers:
                await asyncio.sleep(self.interval)
                try:
                    self._round(await anyio.to_thread.run_sync(self._read, *self._trackers()))
                except Exception:  # keep serving; the next round reads the same rows
                    log.exception("live updates: reading the feeds failed")
        finally:
            ready.set()

    def _trackers(self) -> tuple[GapTracker, GapTracker]:
        if self._events is None or self._inbox is None:
            raise RuntimeError("the broker has not started")
        return self._events, self._inbox

    def _round(self, found: Round) -> None:
        events, inbox = self._trackers()
        now = time.monotonic()
        new_events = [e for e in found.events if not events.cursor.has(e.position)]
        new_inbox = [i for i in found.inbox if not inbox.cursor.has(i.position)]
        marks = (events.cursor.watermark, inbox.cursor.watermark)
        events.take((e.position for e in new_events), now)
        inbox.take((i.position for i in new_inbox), now)
        if (
            not new_events
            and not new_inbox
            and marks
            == (
                events.cursor.watermark,
                inbox.cursor.watermark,
            )
        ):
            return
        settled = Round(
            events=new_events,
            inbox=new_inbox,
            event_watermark=events.cursor.watermark,
            inbox_watermark=inbox.cursor.watermark,
        )
        for sub in list(self._subscribers):
            sub.put(settled)


_BROKERS: weakref.WeakKeyDictionary[Any, dict[asyncio.AbstractEventLoop, Broker]] = (
    weakref.WeakKeyDictionary()
)


def broker_for(owner: Any, service: LiveService, **options: Any) -> Broker:
    """The broker of ``owner`` (a hashable object standing for one taskcore instance, such
    as its ``Transactions``) in the running event loop, made on first use."""
    loop = asyncio.get_running_loop()
    by_loop = _BROKERS.setdefault(owner, {})
    for stale in [other for other in by_loop if other.is_closed()]:
        del by_loop[stale]
    broker = by_loop.get(loop)
    if broker is None:
        broker = by_loop[loop] = Broker(service, **options)
    return broker
