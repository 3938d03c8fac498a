"""Optimistic concurrency over HTTP: strong ``ETag`` headers and ``If-Match`` preconditions.

A versioned resource (project, task, comment) is tagged ``"<id>-<version>"``. A ``PUT`` or
``DELETE`` carrying ``If-Match`` succeeds only while the resource still has that version;
otherwise it answers 412 and changes nothing. Without ``If-Match`` the last write wins.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable
from typing import TypeVar

import attrs
from starlette.requests import Request

from taskcore.errors import VersionMismatch
from taskcore_adapters.http.endpoint import Param

T = TypeVar("T")

NO_MATCH = "If-Match does not match the current version"
"""The 412 text for an ``If-Match`` that cannot name a version of the resource."""

RETRIES = 10
"""How often a write without ``If-Match`` is tried when concurrent writes get first."""

BACKOFF_MS = 5
"""Upper bound of the random pause before a retry, in milliseconds, per attempt so far."""

_TAG = re.compile(r'"([0-9]{1,10})-([0-9]{1,18})"')
"""A strong tag ``"<id>-<version>"``; numbers longer than any id or version never match
(and are never converted)."""

IF_MATCH = Param(
    name="If-Match",
    where="header",
    schema={"type": "string"},
    description='an ETag from an earlier answer (`"<id>-<version>"`), or `*`; when the '
    "resource no longer has that version the request fails with 412 and changes nothing",
)


def etag(resource_id: int, version: int) -> str:
    """The strong entity tag of one version of a resource."""
    return f'"{resource_id}-{version}"'


def etag_header(resource_id: int, version: int) -> dict[str, str]:
    """The ``ETag`` header for one version of a resource."""
    return {"ETag": etag(resource_id, version)}


@attrs.frozen
class Precondition:
    """What ``If-Match`` asks for: any version (``versions is None``) or one of these."""

    versions: frozenset[int] | None

    def expected(self, current: Callable[[], int]) -> int | None:
        """The version to hand to the use case.

        Args:
            current: Reads the resource's current version; called only when several
                versions are acceptable.

        Raises:
            VersionMismatch: several versions are acceptable and the current one is not
                among them.
        """
        if self.versions is None:
            return None
        if len(self.versions) == 1:
            return next(iter(self.versions))
        now = current()
        if now not in self.versions:
            raise VersionMismatch()
        return now


def if_match(request: Request, resource_id: int) -> Precondition:
    """Read ``If-Match`` for the resource ``resource_id``.

    Absent or ``*`` accepts any version. Otherwise the header must be a comma-separated
    list of strong tags; tags of other resources are ignored (they never match), and weak
    tags never match (``If-Match`` compares strongly).

    Raises:
        VersionMismatch: no tag in the header names a version of this resource (malformed,
            weak only, or for another resource): 412.
    """
    raw = request.headers.get("if-match")
    if raw is None or raw.strip() == "*":
        return Precondition(None)
    versions: set[int] = set()
    for part in raw.split(","):
        found = _TAG.fullmatch(part.strip())
        if found is not None and int(found.group(1)) == resource_id:
            versions.add(int(found.group(2)))
    if not versions:
        raise VersionMismatch(NO_MATCH)
    return Precondition(frozenset(versions))


def last_write_wins(write: Callable[[], T], expected: int | None) -> T:
    """Run a conditional write; unconditional ones are retried when they lose a race.

    A write with an expected version fails with :class:`VersionMismatch` when the resource
    changed; one without (no ``If-Match``) is retried on the newer version instead, after
    a short random pause, so that the last write wins as the client asked. Runs in a
    worker thread (it may sleep).

    Raises:
        VersionMismatch: ``expected`` is given and is not the current version, or the
            resource kept changing through every retry.
    """
    for attempt in range(1, RETRIES):
        try:
            return write()
        except VersionMismatch:
            if expected is not None:
                raise
        time.sleep(secrets.randbelow(BACKOFF_MS * attempt + 1) / 1000)
    return write()
