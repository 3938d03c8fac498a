"""Lists over HTTP: numbered pages or keyset cursors, and the query-string filters."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from starlette.requests import Request

from taskcore.domain.pagination import CursorPage, CursorRequest, Page, PageRequest
from taskcore.errors import ValidationError
from taskcore_adapters.http.endpoint import Param
from taskcore_adapters.http.routes.common import PAGE_PARAMS, int_query, page_request, pagination

T = TypeVar("T")

Window = PageRequest | CursorRequest

WINDOW_PARAMS = (
    *PAGE_PARAMS,
    Param(
        name="cursor",
        schema={"type": "string"},
        description="page by keyset instead: empty for the first slice, then the "
        "`next_cursor` of the previous answer; `page` is then ignored",
    ),
)


def window(request: Request, *, default: int = 20, cap: int = 100) -> Window:
    """A keyset slice when the query has ``cursor`` (even empty), else a numbered page."""
    if "cursor" in request.query_params:
        return CursorRequest.of(
            request.query_params["cursor"],
            int_query(request, "per_page"),
            default=default,
            cap=cap,
        )
    return page_request(request, default=default, cap=cap)


def listed(key: str, found: Page[T] | CursorPage[T], render: Callable[[T], Any]) -> dict[str, Any]:
    """The list answer: the items under ``key``, and ``pagination`` or ``next_cursor``."""
    items = [render(item) for item in found.items]
    if isinstance(found, Page):
        return {key: items, "pagination": pagination(found)}
    return {key: items, "next_cursor": found.next_cursor}


def text_query(request: Request, name: str) -> str | None:
    """A text query parameter; empty counts as absent.

    Raises:
        ValidationError: ``<name> must not contain NUL characters``.
    """
    value = request.query_params.get(name) or None
    if value is not None and "\x00" in value:
        raise ValidationError(f"{name} must not contain NUL characters", field=name)
    return value


def bool_param(name: str, description: str) -> Param:
    """A ``true``/``false`` query parameter (read with :func:`bool_query`)."""
    schema = {"type": "string", "enum": ["true", "false"]}
    return Param(name=name, schema=schema, description=description)


def bool_query(request: Request, name: str) -> bool | None:
    """A ``true``/``false`` query parameter (any case); empty counts as absent.

    Raises:
        ValidationError: ``Invalid <name>. Must be one of ['true', 'false']``.
    """
    raw = text_query(request, name)
    if raw is None:
        return None
    value = raw.lower()
    if value not in ("true", "false"):
        raise ValidationError(f"Invalid {name}. Must be one of ['true', 'false']", field=name)
    return value == "true"
