"""The wire format: JSON responses as the original system wrote them, and request bodies."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from taskcore.errors import TooLarge, ValidationError

MAX_JSON_BODY = 1024 * 1024
"""Largest JSON request body accepted (1 MiB)."""


def iso(value: dt.datetime | None) -> str | None:
    """A datetime as the original wrote it: naive UTC ISO 8601, no zone suffix."""
    if value is None:
        return None
    return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat()


class JSON(Response):
    """Compact JSON with sorted keys, UTF-8, and no NaN or Infinity."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return json.dumps(
            content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        ).encode("utf-8")


def error(status: int, message: str, headers: dict[str, str] | None = None) -> JSON:
    """The error envelope ``{"error": message}``."""
    return JSON({"error": message}, status_code=status, headers=headers)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


async def read_body(request: Request, limit: int = MAX_JSON_BODY) -> bytes:
    """The raw body, read as a stream and refused as soon as it passes ``limit`` bytes.

    Raises:
        TooLarge: the body is larger than ``limit``.
    """
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise TooLarge("Request body too large", limit=limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge("Request body too large", limit=limit)
        chunks.append(chunk)
    return b"".join(chunks)


async def read_json(request: Request, *, allow_empty: bool = False) -> dict[str, Any]:
    """Parse a JSON object body.

    A body that is not JSON is a 400 (the original answered 500); a falsy body (``{}``,
    ``null``, ``[]``, ...) is ``Invalid JSON payload`` as in the original, or an empty
    object with ``allow_empty`` (for handlers that report a missing field instead).

    Raises:
        ValidationError: not JSON, falsy, or not an object.
        TooLarge: larger than 1 MiB.
    """
    raw = await read_body(request)
    try:
        data = json.loads(raw, parse_constant=_reject_constant) if raw.strip() else None
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise ValidationError("Request body must be valid JSON") from None
    if not data:
        if allow_empty:
            return {}
        raise ValidationError("Invalid JSON payload")
    if not isinstance(data, dict):
        raise ValidationError("Request body must be a JSON object")
    return data
