"""Blobs: the keys files are stored under, what a stored blob is, and the ranges read.

Blobs are stored under keys the core generates (:func:`new_blob_key`), never under
anything a client sent; file stores guard their paths with :func:`check_blob_key` and
:func:`check_key_prefix`, and the reads they accept with :func:`check_byte_range`.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from typing import Final

import attrs

CHUNK_SIZE: Final = 1024 * 1024
"""Default size of the pieces a blob is read in (1 MiB)."""

_BLOB_KEY: Final = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]*(?:/[A-Za-z0-9_-][A-Za-z0-9_.-]*)*")
_KEY_PREFIX: Final = re.compile(
    r"(?:[A-Za-z0-9_-][A-Za-z0-9_.-]*/)*(?:[A-Za-z0-9_-][A-Za-z0-9_.-]*)?"
)
_KEY_TIME: Final = re.compile(r"(\d{4})/(\d{2})/(\d{2})/(\d{2})(\d{2})(\d{2})-[0-9a-f]{32}")
_MAX_KEY_LENGTH: Final = 512


@attrs.frozen(kw_only=True)
class StoredBlob:
    """A blob written to the file store: where it is and what it holds."""

    key: str
    """The generated storage key."""
    size: int
    """Length in bytes."""
    sha256: str
    """SHA-256 of the content, lower-case hex."""
    media_type: str
    """The type to serve it with, from :data:`~taskcore.domain.files.MEDIA_TYPES`."""


# -- blob keys ------------------------------------------------------------------------------


def new_blob_key(now: dt.datetime) -> str:
    """A fresh, unguessable storage key that records when it was made.

    Keys look like ``2026/03/01/093015-<32 hex digits>``: 128 random bits after the UTC
    time, so the orphan sweep can tell a blob's age from its key with the injected clock,
    the same way on every storage backend.

    Args:
        now: The current time, timezone-aware.

    Raises:
        ValueError: ``now`` is naive.
    """
    if now.tzinfo is None:
        raise ValueError("new_blob_key needs an aware datetime")
    utc = now.astimezone(dt.UTC)
    return f"{utc:%Y/%m/%d/%H%M%S}-{secrets.token_hex(16)}"


def blob_key_created(key: str) -> dt.datetime | None:
    """When a key made by :func:`new_blob_key` was made (to the second), else ``None``."""
    match = _KEY_TIME.fullmatch(key)
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(part) for part in match.groups())
    try:
        return dt.datetime(year, month, day, hour, minute, second, tzinfo=dt.UTC)
    except ValueError:
        return None


def check_blob_key(key: str) -> str:
    """Return ``key`` if it is a well-formed blob key, for stores to guard their paths.

    A key is one or more ``/``-separated segments of ASCII letters, digits, ``_``, ``-``
    and ``.``; no segment starts with a dot, so ``.`` and ``..`` are impossible and names
    starting with a dot are left to the stores for their own bookkeeping.

    Raises:
        ValueError: the key is malformed (keys come from the core, so this is a bug).
    """
    if len(key) > _MAX_KEY_LENGTH or _BLOB_KEY.fullmatch(key) is None:
        raise ValueError(f"malformed blob key: {key!r}")
    return key


def check_key_prefix(prefix: str) -> str:
    """Return ``prefix`` if it is the start of a well-formed blob key (``""`` included).

    Raises:
        ValueError: no well-formed key starts with ``prefix``.
    """
    if len(prefix) > _MAX_KEY_LENGTH or _KEY_PREFIX.fullmatch(prefix) is None:
        raise ValueError(f"malformed blob key prefix: {prefix!r}")
    return prefix


def check_byte_range(start: int, end: int | None, chunk_size: int) -> None:
    """Refuse a byte range or chunk size that ``FileStore.read`` does not accept.

    Raises:
        ValueError: ``start`` or ``end`` is negative, ``end < start``, or ``chunk_size < 1``.
    """
    if start < 0 or (end is not None and end < start):
        raise ValueError(f"invalid byte range {start}..{end}")
    if chunk_size < 1:
        raise ValueError("chunk_size must be positive")
