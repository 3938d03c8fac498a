"""What every route needs: the taskcore instance, the body converter, authentication."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import attrs
import cattrs
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from taskcore.errors import TokenMissing
from taskcore.services.users import Principal
from taskcore_adapters.bootstrap import Runtime
from taskcore_adapters.http import parsing, wire
from taskcore_adapters.http.throttle import Throttle

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


@attrs.define
class HttpContext:
    """Shared by all routes of one application instance."""

    runtime: Runtime
    throttle: Throttle
    converter: cattrs.Converter = attrs.field(factory=parsing.make_converter)

    @property
    def core(self) -> Any:
        """The taskcore instance."""
        return self.runtime.core

    def principal(self, request: Request) -> Principal:
        """Authenticate the request's bearer token.

        Raises:
            TokenMissing: no token.
            TokenInvalid: the token does not verify, was revoked, or its user is inactive.
        """
        cached = request.scope.get("taskcore.principal")
        if isinstance(cached, Principal):
            return cached
        principal = self.runtime.core.users.authenticate(token_from(request))
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

    @staticmethod
    async def slow(func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a long call (password hashing, file I/O) in the thread pool."""
        return await run_in_threadpool(func, *args, **kwargs)
