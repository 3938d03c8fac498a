"""Many open live-update streams beside the load: each follows a project's Server-Sent
Events stream as a browser does (reconnecting with ``Last-Event-ID`` when the server ends
it) and records every event it receives, so the load case can check that no stream
missed or repeated one.

The streams run as tasks of one asyncio loop in a thread of their own, over plain
sockets (HTTP/1.1, chunked), so 500 of them cost one thread and 500 file descriptors.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import threading
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

import attrs

from taskcore.domain.projects import Role
from taskcore.services.live import LiveService
from taskcore_adapters.bootstrap import from_settings
from taskcore_adapters.config import Settings

CONNECT_RETRY_SECONDS: Final = 0.5


@attrs.define
class Follower:
    """What one stream saw."""

    token: str
    ready: bool = False
    event_ids: list[str] = attrs.Factory(list)
    connects: int = 0
    refused: Counter[int] = attrs.Factory(Counter)
    closed: Counter[str] = attrs.Factory(Counter)
    resets: int = 0
    last_id: str | None = None


class Streams:
    """``count`` followers of ``path`` on ``port``, ``tokens`` used in turn."""

    def __init__(self, port: int, path: str, tokens: Sequence[str], count: int) -> None:
        self.port = port
        self.path = path
        self.followers = [Follower(token=tokens[i % len(tokens)]) for i in range(count)]
        self._loop = asyncio.new_event_loop()
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="live-streams", daemon=True)

    def __enter__(self) -> Streams:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout=30)

    def wait_ready(self, limit: float) -> float | None:
        """Seconds until every stream had its ``ready`` message; ``None`` past ``limit``."""
        started = time.monotonic()
        while time.monotonic() - started < limit:
            if all(f.ready for f in self.followers):
                return time.monotonic() - started
            time.sleep(0.1)
        return None

    def wait_for(self, expected: set[str], limit: float) -> float | None:
        """Seconds until every stream has every event of ``expected``; ``None`` past
        ``limit``."""
        started = time.monotonic()
        while time.monotonic() - started < limit:
            if all(expected <= set(f.event_ids) for f in self.followers):
                return time.monotonic() - started
            time.sleep(0.1)
        return None

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._main())
        self._loop.close()

    async def _main(self) -> None:
        self._stop = asyncio.Event()
        tasks = [asyncio.create_task(self._follow(f)) for f in self.followers]
        await self._stop.wait()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _follow(self, follower: Follower) -> None:
        while True:
            # a dropped connection: reconnect as a browser does
            with contextlib.suppress(OSError, asyncio.IncompleteReadError, ValueError):
                await self._connect(follower)
            await asyncio.sleep(CONNECT_RETRY_SECONDS)

    async def _connect(self, follower: Follower) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        try:
            head = [
                f"GET {self.path} HTTP/1.1",
                f"Host: 127.0.0.1:{self.port}",
                f"Authorization: Bearer {follower.token}",
                "Accept: text/event-stream",
            ]
            if follower.last_id is not None:
                head.append(f"Last-Event-ID: {follower.last_id}")
            writer.write(("\r\n".join(head) + "\r\n\r\n").encode())
            await writer.drain()
            follower.connects += 1
            status = int((await reader.readline()).split()[1])
            while (await reader.readline()) not in (b"\r\n", b""):
                pass  # the response's headers
            if status != 200:
                follower.refused[status] += 1
                return
            buffer = ""
            while size := int((await reader.readline()).strip() or b"0", 16):
                buffer += (await reader.readexactly(size + 2))[:-2].decode()
                *blocks, buffer = buffer.split("\n\n")
                for block in blocks:
                    _handle(follower, block)
        finally:
            writer.close()


def _handle(follower: Follower, block: str) -> None:
    """One SSE message (or comment) of the stream."""
    fields: dict[str, str] = {}
    for line in block.split("\n"):
        name, _, value = line.partition(": ")
        if name in ("id", "event", "data"):
            fields[name] = value
    if "id" in fields:
        follower.last_id = fields["id"]
    event = fields.get("event")
    if event == "ready":
        follower.ready = True
    elif event == "reset":
        follower.resets += 1
    elif event == "closed":
        follower.closed[json.loads(fields["data"])["reason"]] += 1
    elif event is not None:
        follower.event_ids.append(json.loads(fields["data"])["event_id"])


def summary(followers: Sequence[Follower], expected: set[str]) -> dict[str, Any]:
    """What the streams saw against what they should have: counts of streams missing
    events, holding repeats or events not expected, reconnects and refusals."""
    missing = [len(expected - set(f.event_ids)) for f in followers]
    repeated = [len(f.event_ids) - len(set(f.event_ids)) for f in followers]
    refused: Counter[int] = Counter()
    closed: Counter[str] = Counter()
    for f in followers:
        refused.update(f.refused)
        closed.update(f.closed)
    return {
        "streams": len(followers),
        "expected_events": len(expected),
        "streams_missing_events": sum(1 for m in missing if m),
        "events_missing_at_most": max(missing, default=0),
        "streams_with_repeats": sum(1 for r in repeated if r),
        "resets": sum(f.resets for f in followers),
        "reconnects": sum(max(0, f.connects - 1) for f in followers),
        "refused": {str(k): v for k, v in refused.items()},
        "closed": dict(closed),
    }


def visible_events(url: str, work: Path, after: int, project_id: int) -> set[str]:
    """The ids of the committed events above outbox position ``after`` that a member's
    stream of ``project_id`` carries, read from the database as the server reads them."""
    runtime = from_settings(
        Settings(data_dir=work, database_url=url, secret_key=secrets.token_urlsafe(48)),
        migrate=False,
    )
    try:
        live = LiveService(transactions=runtime.core.transactions)
        found: set[str] = set()
        while batch := live.read_events(after):
            shown = live.visible(batch, project_id, Role.MEMBER)
            found.update(e.event.event_id for e in shown if e.event is not None)
            after = max(e.position for e in batch)
        return found
    finally:
        runtime.close()
