"""The wire format: JSON responses as the original system wrote them, and request bodies."""

from __future__ import annotations

import json
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from taskcore.errors import TooLarge, ValidationError
from taskcore_adapters.http.rendering import to_json
from taskcore_adapters.http.responses import ErrorResponse

MAX_JSON_BODY = 1024 * 1024
"""Largest JSON request body accepted (1 MiB)."""


def _dumps(content: Any) -> bytes:
    """``content`` as the standard library writes it: compact, sorted keys, UTF-8."""
    return json.dumps(
        content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


class JSON(Response):
    """Compact JSON with sorted keys, UTF-8, and no NaN or Infinity.

    Written by orjson (compact and UTF-8 already). What orjson refuses and the standard
    library writes (keys that are not strings, integers beyond 64 bits, tuple
    subclasses, nesting deeper than 254 levels) is written by :mod:`json` with the same
    options, and so is refused the same way what neither writes. The bytes differ from
    :mod:`json`'s only where the values are the same (``1e16`` for ``1e+16``), except
    that orjson writes a NaN or an infinity as ``null`` where :mod:`json` raised.
    """

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        try:
            return orjson.dumps(content, option=orjson.OPT_SORT_KEYS)
        except TypeError:  # orjson.JSONEncodeError
            return _dumps(content)


def error(
    status: int,
    message: str,
    headers: dict[str, str] | None = None,
    *,
    code: str | None = None,
    detail: str | None = None,
) -> JSON:
    """An error answer: :class:`~taskcore_adapters.http.responses.ErrorResponse`, with the
    machine-readable ``code`` and the longer ``detail`` (its ``message``) when given."""
    body = ErrorResponse(error=message, code=code, message=detail)
    return JSON(to_json(body), status_code=status, headers=headers)


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
