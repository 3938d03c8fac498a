"""Strict structuring of JSON bodies into request classes (cattrs, a private converter).

cattrs' default converter coerces (``"false"`` becomes ``True``, ``12.7`` becomes ``12``);
this one accepts only the JSON type each field declares and names the field otherwise.
Strings holding NUL or unpaired surrogates (``"\\u0000"``, ``"\\ud800"``), which no database
text column and no UTF-8 answer can carry, are refused too.
"""

from __future__ import annotations

import math
import types
import typing
from typing import Any, NewType, TypeVar

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
    if "\x00" in value:
        raise WrongType("a string without NUL characters")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise WrongType("valid Unicode text") from None
    return value


INT64 = range(-(2**63), 2**63)
"""Integers a database column can hold; JSON allows any size."""


ID_MAX = 2**31 - 1
"""The largest key the tables hold."""

Id = NewType("Id", int)
"""The type of a request field that names a row (a user, a task): a JSON integer from 0 to
:data:`ID_MAX`."""


INTEGER_DIGITS_MAX = 20
"""The most characters a whole number typed in a query string, a header or a form may have
(any 64-bit integer fits); a longer one is refused before it is converted, since ``int()``
raises on more than 4,300 digits and works slowly up to there."""

QUERY_DIGITS_MAX = 4300
"""The most digits an integer query parameter may have: ``int()``'s own limit. Shorter
numbers are read and then clamped or matched as they always were (``page=10**30`` is the
last page), a longer one is refused before it is converted."""

_DIGITS = frozenset("0123456789")


def oversized_integer(text: str, digits: int = QUERY_DIGITS_MAX) -> bool:
    """Whether ``text`` is a whole number (optionally signed) of more than ``digits``
    characters."""
    body = text.strip().lstrip("+-")
    return len(body) > digits and set(body) <= _DIGITS


def whole_number(text: str | None, *, digits: int = INTEGER_DIGITS_MAX) -> int | None:
    """``text`` as a whole number if it is one to ``digits`` ASCII digits, else ``None``.

    ``str.isdigit`` accepts characters ``int()`` refuses (``"²"``) and any length; this
    checks both before converting, so no text can make the conversion raise.
    """
    if text is None or not 0 < len(text) <= digits or not set(text) <= _DIGITS:
        return None
    return int(text)


def _integer(value: Any, _: Any) -> int:
    if type(value) is not int:
        raise WrongType("an integer")
    if value not in INT64:
        raise WrongType("a 64-bit integer")
    return value


def _id(value: Any, _: Any) -> Id:
    if type(value) is not int:
        raise WrongType("an integer")
    if not 0 <= value <= ID_MAX:
        raise WrongType("a valid id")
    return Id(value)


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


_SCALARS: dict[Any, tuple[str, str]] = {
    str: ("a string", "strings"),
    int: ("an integer", "integers"),
    float: ("a number", "numbers"),
    bool: ("a boolean", "booleans"),
    Id: ("an id", "ids"),
}
"""Each scalar type's name in messages: one value, and an array of them."""


def _is_scalar_list(tp: Any) -> bool:
    args = typing.get_args(tp)
    return typing.get_origin(tp) is list and len(args) == 1 and args[0] in _SCALARS


def _is_scalar_union(tp: Any) -> bool:
    return _is_union(tp) and all(a in _SCALARS for a in typing.get_args(tp))


def _has_unset(tp: Any) -> bool:
    return _is_union(tp) and Unset in typing.get_args(tp)


def make_converter(*, forbid_extra_keys: bool = False) -> cattrs.Converter:
    """A converter with strict hooks for ``str``, ``int``, ``float``, ``bool`` and :data:`Id`.

    Arrays of those (``list[str]``) must be JSON arrays whose every item has the type;
    unions of them (``float | str``) take a value of any of their types.
    """
    converter = cattrs.Converter(forbid_extra_keys=forbid_extra_keys)
    converter.register_structure_hook(str, _string)
    converter.register_structure_hook(int, _integer)
    converter.register_structure_hook(float, _number)
    converter.register_structure_hook(bool, _boolean)
    converter.register_structure_hook(Id, _id)

    def unset_union(tp: Any) -> Any:
        rest = tuple(a for a in typing.get_args(tp) if a != Unset)
        inner: Any = rest[0] if len(rest) == 1 else typing.Union[rest]  # noqa: UP007
        return lambda value, _: converter.structure(value, inner)

    def optional_union(tp: Any) -> Any:
        rest = tuple(a for a in typing.get_args(tp) if a is not type(None))
        inner: Any = rest[0] if len(rest) == 1 else typing.Union[rest]  # noqa: UP007
        return lambda value, _: None if value is None else converter.structure(value, inner)

    def scalar_list(tp: Any) -> Any:
        item = typing.get_args(tp)[0]
        expected = f"an array of {_SCALARS[item][1]}"

        def structure_list(value: Any, _: Any) -> list[Any]:
            if type(value) is not list:
                raise WrongType(expected)
            try:
                return [converter.structure(v, item) for v in value]
            except WrongType:
                raise WrongType(expected) from None

        return structure_list

    def scalar_union(tp: Any) -> Any:
        members = typing.get_args(tp)
        expected = " or ".join(_SCALARS[a][0] for a in members)

        def structure_one(value: Any, _: Any) -> Any:
            for member in members:
                try:
                    return converter.structure(value, member)
                except WrongType:
                    continue
            raise WrongType(expected)

        return structure_one

    converter.register_structure_hook_factory(_is_scalar_list, scalar_list)
    converter.register_structure_hook_factory(_is_scalar_union, scalar_union)
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
