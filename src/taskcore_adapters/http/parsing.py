"""Strict structuring of JSON bodies into request classes (cattrs, a private converter).

cattrs' default converter coerces (``"false"`` becomes ``True``, ``12.7`` becomes ``12``);
this one accepts only the JSON type each field declares and names the field otherwise.
"""

from __future__ import annotations

import math
import types
import typing
from typing import Any, TypeVar

import cattrs
from cattrs.errors import ClassValidationError, ForbiddenExtraKeysError

from taskcore.domain.values import Unset
from taskcore.errors import ValidationError

T = TypeVar("T")


class WrongType(TypeError):
    """A JSON value of the wrong type; ``expected`` reads like ``"a string"``."""

    def __init__(self, expected: str) -> None:
        super().__init__(expected)
        self.expected = expected


def _string(value: Any, _: Any) -> str:
    if type(value) is not str:
        raise WrongType("a string")
    return value


def _integer(value: Any, _: Any) -> int:
    if type(value) is not int:
        raise WrongType("an integer")
    return value


def _number(value: Any, _: Any) -> float:
    if type(value) not in (int, float) or not math.isfinite(value):
        raise WrongType("a number")
    return float(value)


def _boolean(value: Any, _: Any) -> bool:
    if type(value) is not bool:
        raise WrongType("a boolean")
    return bool(value)


def _is_union(tp: Any) -> bool:
    return typing.get_origin(tp) in (typing.Union, types.UnionType)


def _has_unset(tp: Any) -> bool:
    return _is_union(tp) and Unset in typing.get_args(tp)


def make_converter(*, forbid_extra_keys: bool = False) -> cattrs.Converter:
    """A converter with strict hooks for ``str``, ``int``, ``float`` and ``bool``."""
    converter = cattrs.Converter(forbid_extra_keys=forbid_extra_keys)
    converter.register_structure_hook(str, _string)
    converter.register_structure_hook(int, _integer)
    converter.register_structure_hook(float, _number)
    converter.register_structure_hook(bool, _boolean)

    def unset_union(tp: Any) -> Any:
        rest = tuple(a for a in typing.get_args(tp) if a != Unset)
        inner: Any = rest[0] if len(rest) == 1 else typing.Union[rest]  # noqa: UP007
        return lambda value, _: converter.structure(value, inner)

    def optional_union(tp: Any) -> Any:
        rest = tuple(a for a in typing.get_args(tp) if a is not type(None))
        inner: Any = rest[0] if len(rest) == 1 else typing.Union[rest]  # noqa: UP007
        return lambda value, _: None if value is None else converter.structure(value, inner)

    converter.register_structure_hook_factory(_has_unset, unset_union)
    converter.register_structure_hook_factory(
        lambda tp: _is_union(tp) and type(None) in typing.get_args(tp) and not _has_unset(tp),
        optional_union,
    )
    return converter


def structure(converter: cattrs.Converter, data: dict[str, Any], cls: type[T]) -> T:
    """Build ``cls`` from ``data``, or raise a :class:`ValidationError` naming the field.

    Raises:
        ValidationError: ``<field> must be <type>`` for the first bad field.
    """
    try:
        return converter.structure(data, cls)
    except ClassValidationError as group:
        field, problem = _first_problem(group)
        raise ValidationError(f"{field} {problem}", field=field) from None
    except ForbiddenExtraKeysError as exc:
        extra = sorted(exc.extra_fields)[0]
        raise ValidationError(f"{extra} is not an accepted field", field=extra) from None


def _first_problem(group: ClassValidationError) -> tuple[str, str]:
    for exc in group.exceptions:
        name = "body"
        for note in getattr(exc, "__notes__", []):
            name = getattr(note, "name", name)
        if isinstance(exc, WrongType):
            return name, f"must be {exc.expected}"
        if isinstance(exc, ClassValidationError):
            inner, problem = _first_problem(exc)
            return f"{name}.{inner}", problem
        if isinstance(exc, ForbiddenExtraKeysError):
            return sorted(exc.extra_fields)[0], "is not an accepted field"
        return name, "is invalid"
    return "body", "is invalid"
