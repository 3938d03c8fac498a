"""How a response class becomes JSON, and how one is filled from a read model.

:func:`doc` gives a field of a response class (:mod:`~taskcore_adapters.http.responses`,
:mod:`~taskcore_adapters.http.answers`, :mod:`~taskcore_adapters.http.figures`) its
description, its ``source`` and its options (``omitted``, ``unless``); :func:`to_json`
writes a response as a JSON object, through a converter worked out once per class;
:func:`of` copies the fields of a response class from the read model of the same names.
"""

from __future__ import annotations

import datetime as dt
import enum
import operator
from collections.abc import Callable
from typing import Any, Final, TypeVar

import attrs
from attrs import AttrsInstance

R = TypeVar("R", bound=AttrsInstance)


def iso(value: dt.datetime | None) -> str | None:
    """A datetime as the original wrote it: naive UTC ISO 8601, no zone suffix."""
    if value is None:
        return None
    if value.tzinfo is dt.UTC:
        return value.isoformat()[:-6]  # without "+00:00"
    return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat()


def doc(
    text: str | None = None,
    *,
    source: str | None = None,
    omitted: bool = False,
    unless: str | None = None,
    **schema: Any,
) -> dict[str, Any]:
    """Field metadata.

    Args:
        text: A description for the OpenAPI schema.
        source: The read model's attribute the field is copied from by :func:`of`, when
            its name differs.
        omitted: The key is left out of the JSON when its value is ``None`` (and is not
            required by the schema, whose type is then not nullable).
        unless: The key is left out of the JSON when the field of this name has a value
            (a list's ``next_cursor`` when it has ``pagination``).
        **schema: JSON Schema keywords added to the field's schema (``maxItems``).
    """
    metadata: dict[str, Any] = {}
    if text is not None:
        metadata["description"] = text
    if source is not None:
        metadata["source"] = source
    if omitted:
        metadata["omitted"] = True
    if unless is not None:
        metadata["unless"] = unless
    if schema:
        metadata["schema"] = schema
    return metadata


def of(cls: type[R], view: object, **given: Any) -> R:
    """A ``cls`` of the ``given`` values and, for its other fields, of the attributes of
    ``view`` with the same names (or their ``source``)."""
    key = (cls, tuple(given))
    copy = _COPIES.get(key)
    if copy is None:
        copy = _COPIES[key] = _copier(cls, key[1])
    return cls(**copy(view), **given)


def to_json(response: AttrsInstance) -> dict[str, Any]:
    """``response`` as a JSON object: enums by value, instants as naive UTC ISO 8601,
    dates as ``YYYY-MM-DD``, sequences as lists, mappings as objects (enum keys by value),
    nested response classes as objects; an ``omitted`` field without a value is left
    out, and so is a field whose ``unless`` field has one."""
    kind = type(response)
    convert = _OBJECTS.get(kind)
    if convert is None:
        convert = _OBJECTS[kind] = _object_converter(kind)
    return convert(response)


# -- the conversions, worked out once per class ----------------------------------------
#
# Walking ``attrs.fields`` and testing each value's type for every object was half of the
# CPU time of a page of tasks; instead each response class gets, on first use, a function
# that reads its fields in one call and converts each value by a look-up on the value's
# type (also worked out once per type). Values of the types JSON has already (``str``,
# ``int``, ``float``, ``bool``, ``None``; not their subclasses, such as enums) are kept
# as they are.

Converter = Callable[[Any], Any]

_PLAIN: Final = frozenset({str, int, float, bool, type(None)})
_OBJECTS: dict[type[Any], Converter] = {}
_VALUES: dict[type[Any], Converter] = {}
_COPIES: dict[tuple[type[Any], tuple[str, ...]], Callable[[Any], dict[str, Any]]] = {}


def _copier(cls: type[AttrsInstance], given: tuple[str, ...]) -> Callable[[Any], dict[str, Any]]:
    """The function reading, from a read model, the fields of ``cls`` not ``given``."""
    copied = [
        (f.name, f.metadata.get("source", f.name))
        for f in attrs.fields(cls)
        if f.init and f.name not in given
    ]
    names = tuple(name for name, _ in copied)
    if not names:
        return lambda _: {}
    read = operator.attrgetter(*(source for _, source in copied), copied[0][1])
    return lambda view: dict(zip(names, read(view), strict=False))


def _wire(value: Any) -> Any:
    """``value`` as a JSON value."""
    try:
        convert = _VALUES[value.__class__]
    except KeyError:
        convert = _VALUES[value.__class__] = _value_converter(value.__class__)
    return convert(value)


def _same(value: Any) -> Any:
    return value


def _enum(value: enum.Enum) -> Any:
    return value.value


def _mapping(value: dict[Any, Any]) -> dict[Any, Any]:
    plain = _PLAIN
    wire = _wire
    return {
        (key if key.__class__ in plain else wire(key)): (
            item if item.__class__ in plain else wire(item)
        )
        for key, item in value.items()
    }


def _sequence(value: list[Any] | tuple[Any, ...]) -> list[Any]:
    plain = _PLAIN
    wire = _wire
    return [item if item.__class__ in plain else wire(item) for item in value]


def _date(value: dt.date) -> str:
    return value.isoformat()


def _value_converter(kind: type[Any]) -> Converter:
    """How a value of type ``kind`` is written (the first that applies, in this order)."""
    if kind in _PLAIN:
        return _same
    if issubclass(kind, enum.Enum):
        return _enum
    if issubclass(kind, dict):
        return _mapping
    if issubclass(kind, dt.datetime):
        return iso
    if issubclass(kind, dt.date):
        return _date
    if issubclass(kind, list | tuple):
        return _sequence
    if attrs.has(kind):
        return to_json
    return _same


def _object_converter(cls: type[AttrsInstance]) -> Callable[[Any], dict[str, Any]]:
    """The function writing a ``cls`` as a JSON object (see :func:`to_json`)."""
    fields = attrs.fields(cls)
    names = tuple(f.name for f in fields)
    read = operator.attrgetter(*names, names[0]) if names else (lambda _: ())
    plain = _PLAIN
    wire = _wire
    rules = tuple(
        (index, f.metadata.get("unless"), bool(f.metadata.get("omitted")))
        for index, f in enumerate(fields)
        if f.metadata.get("unless") is not None or f.metadata.get("omitted")
    )
    if not rules:

        def convert(response: Any) -> dict[str, Any]:
            return {
                name: value if value.__class__ in plain else wire(value)
                for name, value in zip(names, read(response), strict=False)
            }

        return convert

    positions = {name: index for index, name in enumerate(names)}
    dropped_if = tuple(
        (index, None if unless is None else positions[unless], omitted)
        for index, unless, omitted in rules
    )

    def convert_with_rules(response: Any) -> dict[str, Any]:
        values = read(response)
        shown = list(names)
        for index, unless, omitted in dropped_if:
            if (unless is not None and values[unless] is not None) or (
                omitted and values[index] is None
            ):
                shown[index] = ""
        return {
            name: value if value.__class__ in plain else wire(value)
            for name, value in zip(shown, values, strict=False)
            if name
        }

    return convert_with_rules
