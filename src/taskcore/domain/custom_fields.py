"""Custom fields: per-project definitions of extra task fields, their typed values and
the filters on them.

A value is stored by the definition's id, so renaming a field's key or label keeps its
values; deleting a definition deletes them.
"""

from __future__ import annotations

import datetime as dt
import enum
import math
import re
from collections.abc import Callable, Iterable, Mapping

import attrs

from taskcore.domain import pagination, validation
from taskcore.domain.pagination import SortValue
from taskcore.errors import ValidationError

KEY_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,39}")
LABEL_MAX = 100
OPTIONS_MAX = 100
OPTION_MAX = 100
TEXT_MAX = 2000
FIELDS_MAX = 50
"""The most custom fields a project may define."""

CustomValue = str | float | bool | int | tuple[str, ...]
"""A checked value: text (text, URL, single select, a date as ``YYYY-MM-DD``), a number,
a boolean, a user id, or the chosen options of a multi select."""


class FieldType(enum.StrEnum):
    """What a custom field holds."""

    TEXT = "text"
    NUMBER = "number"
    DATE = "date"
    BOOLEAN = "boolean"
    SINGLE_SELECT = "single_select"
    MULTI_SELECT = "multi_select"
    USER = "user"
    URL = "url"

    @property
    def has_options(self) -> bool:
        return self in (FieldType.SINGLE_SELECT, FieldType.MULTI_SELECT)

    @property
    def ordered(self) -> bool:
        """Whether ``__gte`` and ``__lte`` filters apply."""
        return self in (FieldType.NUMBER, FieldType.DATE, FieldType.TEXT)


@attrs.define(kw_only=True)
class FieldDefinition:
    """One custom field of a project."""

    id: int | None = None
    project_id: int
    key: str
    label: str
    type: FieldType
    required: bool = False
    options: tuple[str, ...] = ()
    position: int = 0
    created_at: dt.datetime

    @property
    def ident(self) -> int:
        """The id of a stored definition.

        Raises:
            ValueError: not stored yet.
        """
        if self.id is None:
            raise ValueError("custom field has no id yet")
        return self.id


def check_key(value: object) -> str:
    """A field key: a lower-case letter, then up to 39 letters, digits or ``_``.

    Raises:
        ValidationError: field ``key``.
    """
    if not isinstance(value, str) or not KEY_PATTERN.fullmatch(value):
        raise ValidationError(
            "key must be a lower-case letter followed by up to 39 letters, digits or _",
            field="key",
        )
    return value


def check_label(value: object) -> str:
    """A field label: text of 1 to 100 characters, stripped.

    Raises:
        ValidationError: field ``label``.
    """
    text = validation.required_text(
        value if isinstance(value, str) else None, "label", message="label is required"
    )
    validation.max_length(text, "label", LABEL_MAX)
    validation.no_control_characters(text, "label")
    return text


def check_type(value: object) -> FieldType:
    """A field type by name.

    Raises:
        ValidationError: ``Invalid type. Must be one of [...]`` (field ``type``).
    """
    if isinstance(value, str) and value in FieldType.__members__.values():
        return FieldType(value)
    raise ValidationError(
        f"Invalid type. Must be one of {[t.value for t in FieldType]}", field="type"
    )


def check_options(kind: FieldType, values: Iterable[object] | None) -> tuple[str, ...]:
    """The options of a select (1 to 100 distinct texts, kept in order); none for other
    types.

    Raises:
        ValidationError: field ``options``.
    """
    if not kind.has_options:
        if values:
            raise ValidationError("options are only for select fields", field="options")
        return ()
    found: dict[str, None] = {}
    for value in values or ():
        if not isinstance(value, str) or not value.strip() or len(value) > OPTION_MAX:
            raise ValidationError(
                f"options must be texts of 1 to {OPTION_MAX} characters", field="options"
            )
        found[value.strip()] = None
    if not found or len(found) > OPTIONS_MAX:
        raise ValidationError(
            f"A select field needs 1 to {OPTIONS_MAX} distinct options", field="options"
        )
    return tuple(found)


def check_value(
    definition: FieldDefinition, value: object, is_member: Callable[[int], bool]
) -> CustomValue | None:
    """``value`` checked against ``definition`` (``None`` clears it).

    Raises:
        ValidationError: the value does not fit (field ``custom_fields.<key>``).
    """
    field = f"custom_fields.{definition.key}"
    if value is None:
        return None

    def bad(what: str) -> ValidationError:
        return ValidationError(f"{field} must be {what}", field=field)

    match definition.type:
        case FieldType.TEXT:
            if not isinstance(value, str) or len(value) > TEXT_MAX:
                raise bad(f"a text of at most {TEXT_MAX} characters")
            return value
        case FieldType.URL:
            if (
                not isinstance(value, str)
                or len(value) > TEXT_MAX
                or not re.fullmatch(r"https?://[^\s/$.?#][^\s]*", value)
            ):
                raise bad("an http or https URL")
            return value
        case FieldType.NUMBER:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise bad("a number")
            if not math.isfinite(value) or abs(value) > 1e15:
                raise bad("a finite number")
            return float(value)
        case FieldType.BOOLEAN:
            if not isinstance(value, bool):
                raise bad("a boolean")
            return value
        case FieldType.DATE:
            try:
                return dt.date.fromisoformat(value).isoformat()  # type: ignore[arg-type]
            except (TypeError, ValueError):
                raise bad("a date (YYYY-MM-DD)") from None
        case FieldType.SINGLE_SELECT:
            if value not in definition.options:
                raise bad(f"one of {list(definition.options)}")
            return str(value)
        case FieldType.MULTI_SELECT:
            if not isinstance(value, list | tuple) or any(
                v not in definition.options for v in value
            ):
                raise bad(f"a list of options among {list(definition.options)}")
            return tuple(o for o in definition.options if o in value)
        case FieldType.USER:
            if isinstance(value, bool) or not isinstance(value, int) or not is_member(value):
                raise bad("the id of a member of the project")
            return value


class FilterOp(enum.StrEnum):
    """How a custom-field filter compares."""

    EQ = "eq"
    GTE = "gte"
    LTE = "lte"
    IN = "in"


@attrs.frozen(kw_only=True)
class FieldFilter:
    """Only tasks whose value of the field ``field_id`` compares by ``op`` with
    ``values`` (one value, several for ``in``)."""

    field_id: int
    type: FieldType
    op: FilterOp
    values: tuple[CustomValue, ...]

    def matches(self, value: CustomValue | None) -> bool:
        if value is None:
            return False
        if isinstance(value, tuple):
            chosen = set(value)
            return any(v in chosen for v in self.values)
        match self.op:
            case FilterOp.EQ | FilterOp.IN:
                return value in self.values
            case FilterOp.GTE:
                return value >= self.values[0]  # type: ignore[operator]
            case FilterOp.LTE:
                return value <= self.values[0]  # type: ignore[operator]


def parse_filter(definition: FieldDefinition, op: FilterOp, raw: str) -> FieldFilter:
    """A filter on ``definition`` from query text (``in``: comma-separated).

    Raises:
        ValidationError: a value that does not fit the field, or ``gte``/``lte`` on a
            field that has no order (field ``cf.<key>``).
    """
    field = f"cf.{definition.key}"
    if op in (FilterOp.GTE, FilterOp.LTE) and not definition.type.ordered:
        raise ValidationError(f"{field} cannot be compared with __{op.value}", field=field)
    texts = raw.split(",") if op is FilterOp.IN else [raw]
    values: list[CustomValue] = []
    for text in texts:
        try:
            values.append(_query_value(definition.type, text))
        except ValueError:
            raise ValidationError(
                f"Invalid {field}: not a {definition.type.value} value", field=field
            ) from None
    return FieldFilter(field_id=definition.ident, type=definition.type, op=op, values=tuple(values))


def _query_value(kind: FieldType, text: str) -> CustomValue:
    match kind:
        case FieldType.NUMBER:
            number = float(text)
            if not math.isfinite(number):
                raise ValueError(text)
            return number
        case FieldType.USER:
            return int(text)
        case FieldType.BOOLEAN:
            if text not in ("true", "false"):
                raise ValueError(text)
            return text == "true"
        case FieldType.DATE:
            return dt.date.fromisoformat(text).isoformat()
        case _:
            return text


@attrs.frozen(kw_only=True)
class FieldSort:
    """A task order by a custom field's value (tasks without one last)."""

    key: str
    field_id: int
    type: FieldType

    def value(self, values: Mapping[str, CustomValue]) -> SortValue:
        """The sort value of a task with these custom-field values (booleans as 0/1)."""
        value = values.get(self.key)
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, tuple):  # pragma: no cover - multi selects are not sortable
            return None
        return value

    def parser(self) -> Callable[[object], SortValue]:
        """Checks the sort value stored in a cursor for this order."""
        match self.type:
            case FieldType.NUMBER:
                return _optional(pagination.number_value)
            case FieldType.BOOLEAN | FieldType.USER:
                return _optional(pagination.integer_value)
            case _:
                return _optional(_text_value)


def _text_value(raw: object) -> str:
    if not isinstance(raw, str):
        raise TypeError("expected a text")
    return raw


def _optional(parse: Callable[[object], SortValue]) -> Callable[[object], SortValue]:
    return lambda raw: None if raw is None else parse(raw)


def field_sort(definition: FieldDefinition) -> FieldSort:
    """The order by ``definition``'s values.

    Raises:
        ValidationError: a multi select, which has no order (field ``sort``).
    """
    if definition.type is FieldType.MULTI_SELECT:
        raise ValidationError(f"cf.{definition.key} cannot be sorted by", field="sort")
    return FieldSort(key=definition.key, field_id=definition.ident, type=definition.type)
