"""Small value types shared by every area."""

from __future__ import annotations

import enum
from typing import Final, Literal, TypeVar

import attrs

from taskcore.errors import ValidationError

T = TypeVar("T")


class _Unset(enum.Enum):
    """Marks a field the caller did not send, as distinct from ``None`` (clear it)."""

    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> Literal[False]:
        return False


UNSET: Final = _Unset.UNSET
"""The one value of :data:`Unset`."""

Unset = Literal[_Unset.UNSET]
"""Type of :data:`UNSET`; use as ``str | Unset`` for optional patch fields."""


@attrs.frozen
class Unparsed:
    """A field a host could not parse from its wire form (text in a request, a form or a
    file), in place of the typed value a use case takes.

    Hosts parse wire text into typed values (enums, dates, numbers) before calling the
    core; when the text does not parse they pass this instead, holding the parser's
    error. The use case raises that error where it checks the field, so a request with
    several bad fields reports the same one, in the same order, as a direct call with
    the same mistakes would (and a missing project is still 404 before any field).
    Python callers never need it: they pass typed values.
    """

    error: ValidationError


__all__ = ["UNSET", "Unparsed", "Unset"]
