"""Server-Sent Events streams of a project's events and of a user's inbox.

Each event's ``id`` is the subscriber's cursor (see :class:`taskcore.domain.live.Cursor`);
a client reconnecting with it as ``Last-Event-ID`` gets exactly what it missed, from the
database, on any server process. The first message (``ready``) carries the cursor too,
so a client that reconnects before any event arrived misses nothing either.

Messages: ``ready`` (``{"cursor": ...}``), one per event (its name, e.g.
``task.status_changed``, with :func:`event_json` as data), ``notification`` on the inbox
stream, ``reset`` (the subscriber was too far behind: reload the view), ``closed`` (access
was lost or the stream's time is up: ``{"reason": ...}``), and a comment line every
``heartbeat`` seconds.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Any, Final

import anyio.to_thread
import attrs

from taskcore.domain.event_base import DomainEvent, json_value
from taskcore.domain.live import (
    ACCESS_EVENTS,
    TEAM_ACCESS_EVENTS,
    Cursor,
    FeedEntry,
    InboxItem,
    project_of,
)
from taskcore.domain.projects import Role
from taskcore.errors import TaskcoreError
from taskcore.services.access import Actor
from taskcore.services.live import LiveService
from taskcore_adapters.live.broker import Broker, Round, Subscription

MEDIA_TYPE: Final = "text/event-stream"
RETRY_MS: Final = 1_000
"""How soon a browser reconnects after the stream ends."""

HEADERS: Final = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
"""No cache; no proxy buffering (nginx), or events would arrive in bursts."""


@attrs.frozen(kw_only=True)
class StreamOptions:
    """Timing of one stream.

    Attributes:
        heartbeat: Seconds between comment lines when nothing happens (keeps proxies
            from closing an idle connection, and finds clients gone).
        recheck: Seconds between checks that the subscriber may still follow.
        max_age: Seconds after which the stream ends (the client reconnects at once and
            resumes): access and credentials are verified again, servers can drain.
    """

    heartbeat: float = 15.0
    recheck: float = 30.0
    max_age: float = 600.0


def message(event: str, data: Any, *, cursor: Cursor | None = None) -> str:
    """One SSE message."""
    head = f"id: {cursor.text}\n" if cursor is not None else ""
    body = json.dumps(data, separators=(",", ":"), default=str)
    return f"{head}event: {event}\ndata: {body}\n\n"


def event_json(event: DomainEvent) -> dict[str, Any]:
    """What a stream sends of an event."""
    return {
        "event": event.name,
        "event_id": event.event_id,
        "entity_type": event.entity_type,
        "entity_id": event.entity_id,
        "entity_version": event.entity_version,
        "actor_id": event.actor_id,
        "occurred_at": event.occurred_at.isoformat(),
        "details": {k: json_value(v) for k, v in event.details.items()},
    }


def notification_json(item: InboxItem) -> dict[str, Any]:
    """What the inbox stream sends of a notification."""
    return {
        "id": item.position,
        "subject": item.subject,
        "body": item.body,
        "priority": item.priority,
        "context_data": item.context_data,
        "created_at": item.created_at.isoformat(),
    }


Authenticate = Callable[[], Actor]
"""Verifies the subscriber's credentials again (raises a core error when they no longer
hold)."""


async def _next(queue: asyncio.Queue[Round | None], timeout: float) -> Round | object | None:
    try:
        return await asyncio.wait_for(queue.get(), timeout)
    except TimeoutError:
        return _IDLE


_IDLE = object()

HEARTBEAT: Final = ": ping\n\n"


def _wait(heartbeat: float, sent: float) -> float:
    """Seconds until the next heartbeat is due."""
    return max(0.0, heartbeat - (time.monotonic() - sent))


async def open_project_stream(
    *,
    broker: Broker,
    service: LiveService,
    authenticate: Authenticate,
    project_id: int,
    cursor: Cursor | None,
    options: StreamOptions = StreamOptions(),
) -> AsyncIterator[str]:
    """Check that the caller may follow the project, take a place at the broker, and
    return the stream's messages (see the module's docstring).

    Raises:
        AuthenticationFailed: the credentials do not hold.
        ProjectNotFound: the project does not exist or the caller may not see it.
        RateLimited: the caller has too many streams open.
    """
    actor = await anyio.to_thread.run_sync(authenticate)
    role = await anyio.to_thread.run_sync(service.project_role, actor, project_id)
    sub = await broker.subscribe(actor.user_id)
    return _project_messages(
        broker=broker,
        sub=sub,
        service=service,
        authenticate=authenticate,
        actor=actor,
        role=role,
        project_id=project_id,
        cursor=cursor,
        options=options,
    )


async def _project_messages(
    *,
    broker: Broker,
    sub: Subscription,
    service: LiveService,
    authenticate: Authenticate,
    actor: Actor,
    role: Role | None,
    project_id: int,
    cursor: Cursor | None,
    options: StreamOptions,
) -> AsyncIterator[str]:
    try:
        upto = broker.event_horizon
        yield f"retry: {RETRY_MS}\n\n"
        if cursor is None:
            cursor = Cursor(upto)
            yield message("ready", {"cursor": cursor.text}, cursor=cursor)
        else:
            start = cursor
            backlog = await anyio.to_thread.run_sync(
                lambda: service.project_backlog(actor, project_id, start, upto=upto)
            )
            if not backlog.complete:
                yield message("reset", {"cursor": backlog.cursor.text}, cursor=backlog.cursor)
            else:
                yield message("ready", {"cursor": cursor.text}, cursor=cursor)
            for entry, at in backlog.items:
                yield _event_message(entry, at)
            cursor = backlog.cursor
        started = checked = sent = time.monotonic()
        while True:
            found = await _next(sub.queue, _wait(options.heartbeat, sent))
            now = time.monotonic()
            if found is None:  # fell too far behind: reconnect and catch up
                yield message("closed", {"reason": "behind"})
                return
            if now - started >= options.max_age:
                yield message("closed", {"reason": "expired"})
                return
            entries: list[FeedEntry] = []
            if isinstance(found, Round):
                entries = [e for e in found.events if not cursor.has(e.position)]
            if now - checked >= options.recheck or any(
                e.event is not None
                and (
                    (e.event.name in ACCESS_EVENTS and project_of(e.event) == project_id)
                    or e.event.name in TEAM_ACCESS_EVENTS
                )
                for e in entries
            ):
                checked = now
                allowed, role = await _recheck(service, authenticate, project_id)
                if not allowed:
                    yield message("closed", {"reason": "access"})
                    return
            if isinstance(found, Round):
                shown = {e.position for e in service.visible(entries, project_id, role)}
                for entry in entries:
                    cursor = cursor.add(entry.position)
                    if entry.position in shown:
                        sent = now
                        yield _event_message(entry, cursor, found.rendered)
                cursor = cursor.settle(found.event_watermark)
            if now - sent >= options.heartbeat:
                sent = now
                yield HEARTBEAT
    finally:
        broker.unsubscribe(sub)


def _event_message(entry: FeedEntry, cursor: Cursor, rendered: dict[int, str] | None = None) -> str:
    """An event's message with the subscriber's cursor as its id; its body is rendered
    once per reading round (``rendered``), whatever the number of streams."""
    if entry.event is None:  # never visible; kept out by LiveService.visible
        return ""
    body = rendered.get(entry.position) if rendered is not None else None
    if body is None:
        body = message(entry.event.name, event_json(entry.event))
        if rendered is not None:
            rendered[entry.position] = body
    return f"id: {cursor.text}\n{body}"


async def _recheck(
    service: LiveService, authenticate: Authenticate, project_id: int
) -> tuple[bool, Role | None]:
    """Whether the subscriber may still follow the project, and their role now."""

    def check() -> tuple[bool, Role | None]:
        try:
            return True, service.project_role(authenticate(), project_id)
        except TaskcoreError:
            return False, None

    return await anyio.to_thread.run_sync(check)


async def open_inbox_stream(
    *,
    broker: Broker,
    service: LiveService,
    authenticate: Authenticate,
    cursor: Cursor | None,
    options: StreamOptions = StreamOptions(),
) -> AsyncIterator[str]:
    """Take a place at the broker and return the messages of the caller's inbox stream:
    ``notification`` per new in-app notification of theirs.

    Raises:
        AuthenticationFailed: the credentials do not hold.
        RateLimited: the caller has too many streams open.
    """
    actor = await anyio.to_thread.run_sync(authenticate)
    sub = await broker.subscribe(actor.user_id)
    return _inbox_messages(
        broker=broker,
        sub=sub,
        service=service,
        authenticate=authenticate,
        actor=actor,
        cursor=cursor,
        options=options,
    )


async def _inbox_messages(
    *,
    broker: Broker,
    sub: Subscription,
    service: LiveService,
    authenticate: Authenticate,
    actor: Actor,
    cursor: Cursor | None,
    options: StreamOptions,
) -> AsyncIterator[str]:
    try:
        upto = broker.inbox_horizon
        yield f"retry: {RETRY_MS}\n\n"
        if cursor is None:
            cursor = Cursor(upto)
            yield message("ready", {"cursor": cursor.text}, cursor=cursor)
        else:
            start = cursor
            backlog = await anyio.to_thread.run_sync(
                lambda: service.inbox_backlog(actor, start, upto=upto)
            )
            if not backlog.complete:
                yield message("reset", {"cursor": backlog.cursor.text}, cursor=backlog.cursor)
            else:
                yield message("ready", {"cursor": cursor.text}, cursor=cursor)
            for item, at in backlog.items:
                yield message("notification", notification_json(item), cursor=at)
            cursor = backlog.cursor
        started = checked = sent = time.monotonic()
        while True:
            found = await _next(sub.queue, _wait(options.heartbeat, sent))
            now = time.monotonic()
            if found is None:
                yield message("closed", {"reason": "behind"})
                return
            if now - started >= options.max_age:
                yield message("closed", {"reason": "expired"})
                return
            if now - checked >= options.recheck:
                checked = now
                try:
                    await anyio.to_thread.run_sync(authenticate)
                except TaskcoreError:
                    yield message("closed", {"reason": "access"})
                    return
            if isinstance(found, Round):
                for item in found.inbox:
                    if cursor.has(item.position):
                        continue
                    cursor = cursor.add(item.position)
                    if item.recipient_id == actor.user_id:
                        sent = now
                        yield message("notification", notification_json(item), cursor=cursor)
                cursor = cursor.settle(found.inbox_watermark)
            if now - sent >= options.heartbeat:
                sent = now
                yield HEARTBEAT
    finally:
        broker.unsubscribe(sub)
