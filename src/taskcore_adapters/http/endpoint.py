"""Endpoints described once: the route and its OpenAPI operation come from the same object."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import attrs
from starlette.requests import Request
from starlette.responses import Response

Handler = Callable[[Request], Awaitable[Response]]
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
        handler: The endpoint function.
        summary: One line for the OpenAPI document.
        tag: The area, for grouping.
        auth: Whether a bearer token is required.
        body: Request body schema (JSON), if any.
        responses: Status code → (description, response body schema or ``None``).
        params: Path, query and header parameters.
        etag: Whether the 200 and 201 answers carry an ``ETag`` header.
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
