"""The threads the API's blocking calls run on: reads and writes wait in separate queues.

Every use case the API calls runs in a worker thread (:meth:`HttpContext.slow`). With one
pool for all, a burst of writes (which SQLite runs one at a time) fills it, and a read
arriving behind the burst waits for the writes queued before it: during 48 parallel task
creations in a project with 100 webhooks, another user's reads took seconds. Requests
with a safe method (``GET``, ``HEAD``, ``OPTIONS``) therefore take their threads from a
pool of their own, :data:`READ_THREADS` per event loop; the others use anyio's default
pool (40 threads). :func:`bind` marks the request; :func:`limiter` picks the pool.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Final

from anyio import CapacityLimiter
from anyio.lowlevel import RunVar
from starlette.requests import Request
from starlette.responses import Response

READ_THREADS: Final = 40
"""Threads per event loop for the blocking calls of safe requests."""
SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})

Endpoint = Callable[[Request], Awaitable[Response]]
"""A Starlette endpoint function."""

_reading: ContextVar[bool] = ContextVar("taskcore_reading", default=False)
_read_pool: RunVar[CapacityLimiter] = RunVar("taskcore_read_threads")


def reading() -> bool:
    """Whether the current request is a safe one (its blocking calls, which see the
    request's context, run on the read pool)."""
    return _reading.get()


def limiter() -> CapacityLimiter | None:
    """The pool of the current request's blocking calls: the read pool for a safe
    request, else ``None`` (anyio's default pool)."""
    if not reading():
        return None
    try:
        return _read_pool.get()
    except LookupError:
        pool = CapacityLimiter(READ_THREADS)
        _read_pool.set(pool)
        return pool


def bind(endpoint: Endpoint) -> Endpoint:
    """``endpoint``, whose blocking calls use the read pool when the request is safe."""

    async def marked(request: Request) -> Response:
        token = _reading.set(request.method in SAFE_METHODS)
        try:
            return await endpoint(request)
        finally:
            _reading.reset(token)

    return marked
