"""Endpoints described once: the route and its OpenAPI operation come from the same object."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import attrs
from starlette.requests import Request
from starlette.responses import Response

from taskcore_adapters.http import threads
from taskcore_adapters.http.context import HttpContext

Handler = Callable[[HttpContext, Request], Awaitable[Response]]
"""An endpoint function: the application's context and the request."""
Schema = dict[str, Any]


@attrs.frozen(kw_only=True)
class Param:
    """A path or query parameter."""

    name: str
    where: str = "query"
    schema: Schema = attrs.field(factory=lambda: {"type": "integer"})
    description: str = ""


@attrs.frozen(kw_only=True)
class Endpoint:
    """One HTTP operation.

    Attributes:
        method: HTTP method.
        path: Starlette path, e.g. ``/api/users/{user_id:int}``.
        handler: The endpoint function, called with the context and the request.
        summary: One line for the OpenAPI document.
        tag: The area, for grouping.
        auth: Whether a bearer token is required.
        body: Request body schema (JSON), if any.
        responses: Status code → (description, response body schema or ``None``).
        params: Path, query and header parameters.
        etag: Whether the 200 and 201 answers carry an ``ETag`` header.
        idempotent: Whether the operation creates something and accepts an
            ``Idempotency-Key`` (see :mod:`taskcore_adapters.http.idempotency`).
    """

    method: str
    path: str
    handler: Handler
    summary: str
    tag: str
    auth: bool = True
    body: Schema | None = None
    body_content_type: str = "application/json"
    responses: Mapping[int, tuple[str, Schema | None]] = attrs.field(factory=dict)
    params: Sequence[Param] = ()
    etag: bool = False
    idempotent: bool = False


def bind(handler: Handler, ctx: HttpContext) -> Callable[[Request], Awaitable[Response]]:
    """``handler`` as a Starlette endpoint serving ``ctx``."""

    async def endpoint(request: Request) -> Response:
        return await handler(ctx, request)

    return threads.bind(endpoint)
