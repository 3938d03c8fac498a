"""Small value types shared by every area."""

from __future__ import annotations

import enum
from typing import Final, Literal, TypeVar

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

__all__ = ["UNSET", "Unset"]
