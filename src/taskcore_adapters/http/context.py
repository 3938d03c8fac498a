"""What every route needs: the taskcore instance, the body converter, authentication."""

from __future__ import annotations

import datetime as dt
import functools
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import anyio.to_thread
import attrs
import cattrs
from starlette.requests import Request

from taskcore.errors import TokenMissing
from taskcore.services.users import Principal
from taskcore_adapters.bootstrap import Runtime
from taskcore_adapters.http import parsing, threads, wire
from taskcore_adapters.http.throttle import Throttle
from taskcore_adapters.sql.engine import AUTH, change_listener

T = TypeVar("T")

BEARER = "Bearer "


def token_from(request: Request) -> str:
    """The token of the ``Authorization`` header: ``Bearer <t>`` or the raw token.

    Raises:
        TokenMissing: no header, or an empty one.
    """
    value = request.headers.get("authorization", "")
    token = value[len(BEARER) :] if value.startswith(BEARER) else value
    token = token.strip()
    if not token:
        raise TokenMissing()
    return token


class KnownTokens:
    """The callers of the bearer tokens this process verified lately, kept only while
    every change to users, sessions and revoked tokens is announced to it (PostgreSQL
    change notices, :func:`taskcore_adapters.sql.engine.change_listener`).

    Any such change anywhere drops everything (a logout, a password change or a
    deactivation in any process is refused by the next request here), and so does a lost
    notice connection or a change of the signing keys. An entry lasts at most
    :attr:`SECONDS`, and never past its token's expiry, so a login session that simply
    runs out is noticed within that time. A read that raced with a change is not kept:
    entries are stored only if no change arrived since the read began (``generation``).
    Without change notices (SQLite, or while the listener is reconnecting) nothing is
    kept and every request reads the session, as before.
    """

    SECONDS = 10.0
    LIMIT = 10_000

    def __init__(self, runtime: Runtime) -> None:
        self._listener = change_listener(runtime.engine)
        self._keyring = runtime.keyring
        self._kids = None if self._keyring is None else self._keyring.kids
        self._entries: dict[str, tuple[Principal, float]] = {}
        self._lock = threading.Lock()
        self.generation = 0
        if self._listener is not None:
            self._listener.subscribe(AUTH, self.clear)

    def clear(self) -> None:
        with self._lock:
            self.generation += 1
            self._entries.clear()

    def get(self, token: str) -> Principal | None:
        entry = self._entries.get(token)
        if entry is None or self._listener is None or not self._listener.live:
            return None
        if time.monotonic() >= entry[1]:
            return None
        if self._keyring is not None and self._keyring.kids != self._kids:
            self._kids = self._keyring.kids
            self.clear()
            return None
        return entry[0]

    def put(self, token: str, principal: Principal, generation: int) -> None:
        if self._listener is None or not self._listener.live:
            return
        lasts = self.SECONDS
        if principal.token_expires_at is not None:
            left = (principal.token_expires_at - dt.datetime.now(dt.UTC)).total_seconds()
            lasts = min(lasts, left)
        with self._lock:
            if generation != self.generation or lasts <= 0:
                return
            if len(self._entries) >= self.LIMIT:
                self._entries.clear()
            self._entries[token] = (principal, time.monotonic() + lasts)


@attrs.define
class HttpContext:
    """Shared by all routes of one application instance."""

    runtime: Runtime
    throttle: Throttle
    converter: cattrs.Converter = attrs.field(factory=parsing.make_converter)
    tokens: KnownTokens = attrs.field(
        default=attrs.Factory(lambda ctx: KnownTokens(ctx.runtime), takes_self=True)
    )

    @property
    def core(self) -> Any:
        """The taskcore instance."""
        return self.runtime.core

    def known_principal(self, request: Request) -> Principal | None:
        """The caller of the request's token if this request or this process already
        verified it (see :class:`KnownTokens`), without any I/O."""
        cached = request.scope.get("taskcore.principal")
        if isinstance(cached, Principal):
            return cached
        value = request.headers.get("authorization", "")
        token = value[len(BEARER) :] if value.startswith(BEARER) else value
        principal = self.tokens.get(token.strip())
        if principal is not None:
            request.scope["taskcore.principal"] = principal
        return principal

    def principal(self, request: Request) -> Principal:
        """Authenticate the request's bearer token.

        Raises:
            TokenMissing: no token.
            TokenInvalid: the token does not verify, was revoked, or its user is inactive.
        """
        known = self.known_principal(request)
        if known is not None:
            return known
        token = token_from(request)
        generation = self.tokens.generation
        principal = self.runtime.core.users.authenticate(
            token, address=self.client_address(request)
        )
        self.tokens.put(token, principal, generation)
        request.scope["taskcore.principal"] = principal
        return principal

    async def body(self, request: Request, cls: type[T], *, allow_empty: bool = False) -> T:
        """Read and strictly structure a JSON object body into ``cls``."""
        data = await wire.read_json(request, allow_empty=allow_empty)
        return parsing.structure(self.converter, data, cls)

    @staticmethod
    def client_address(request: Request) -> str:
        """The peer address (set from proxy headers only by a server configured to trust them)."""
        return request.client.host if request.client else "unknown"

    async def slow(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a call that may block (a use case, password hashing, file I/O) in the
        thread pool; authenticating a caller this process already knows is answered on
        the event loop (no I/O, see :meth:`known_principal`). A safe request's calls run
        on the read threads (:mod:`.threads`), so they never queue behind writes."""
        if func == self.principal and args:
            known = self.known_principal(args[0])
            if known is not None:
                return known  # type: ignore[return-value]
        return await anyio.to_thread.run_sync(
            functools.partial(func, *args, **kwargs), limiter=threads.limiter()
        )
