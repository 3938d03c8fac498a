"""Where the current request came from, without any HTTP type in the core.

A host sets the :class:`Origin` of each request with :func:`origin_scope`; the core reads
it with :func:`current_origin` (the activity log records it with every entry). The value
lives in a :class:`contextvars.ContextVar`, so concurrent requests never see each other's
origin, and it follows a call into a thread pool that copies the context (as Starlette's
and anyio's do).
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager

import attrs

USER_AGENT_MAX = 500
"""Longest user agent kept; longer ones are cut, never refused."""


def _cut_user_agent(value: str | None) -> str | None:
    return None if value is None else value[:USER_AGENT_MAX]


@attrs.frozen(kw_only=True)
class Origin:
    """The client behind a request.

    Attributes:
        ip_address: The client's address, or ``None`` when unknown.
        user_agent: The ``User-Agent`` it sent (at most :data:`USER_AGENT_MAX` characters),
            or ``None``.
    """

    ip_address: str | None = None
    user_agent: str | None = attrs.field(default=None, converter=_cut_user_agent)


UNKNOWN = Origin()
"""The origin of work no request started (jobs, scripts)."""

_current: contextvars.ContextVar[Origin] = contextvars.ContextVar(
    "taskcore_origin", default=UNKNOWN
)


@contextmanager
def origin_scope(origin: Origin) -> Iterator[Origin]:
    """Make ``origin`` the current origin inside the block (and in threads that copy the
    context from it); the previous one is restored on leaving."""
    token = _current.set(origin)
    try:
        yield origin
    finally:
        _current.reset(token)


def current_origin() -> Origin:
    """The origin set by the innermost :func:`origin_scope`, or :data:`UNKNOWN`."""
    return _current.get()
