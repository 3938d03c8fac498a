"""Task and project fields from their wire form (JSON text, form fields, CSV cells, the
command line) into the typed values taskcore's use cases take.

One function per field, shared by every host (the API, the pages, imports, the
command line), so each wire message is written once: the parsers themselves are the
pure ones of :mod:`taskcore.domain.task_fields` and :mod:`taskcore.domain.projects`.
Text that does not parse becomes an :class:`~taskcore.domain.values.Unparsed` holding
the parser's error, which the use case raises where it checks that field: a request
with several bad fields reports the same one as before, after the project's and the
caller's checks. ``None`` and :data:`~taskcore.domain.values.UNSET` pass through
unchanged (the use case decides what they mean).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, overload

from taskcore.domain import projects, task_fields
from taskcore.domain.projects import Priority, ProjectStatus
from taskcore.domain.tasks import TaskStatus
from taskcore.domain.values import UNSET, Unparsed, Unset
from taskcore.errors import ValidationError

__all__ = [
    "due_date",
    "filter_arguments",
    "hours",
    "instant",
    "parsed",
    "priority",
    "project_arguments",
    "project_date",
    "project_status",
    "task_arguments",
    "task_status",
]

V = TypeVar("V")
R = TypeVar("R")


def parsed(parse: Callable[[V], R], value: V) -> R | Unparsed:
    """``parse(value)``, or an :class:`Unparsed` holding the ``ValidationError`` it raised."""
    try:
        return parse(value)
    except ValidationError as exc:
        return Unparsed(exc)


@overload
def task_status(value: str | None) -> TaskStatus | Unparsed | None: ...
@overload
def task_status(value: str | Unset | None) -> TaskStatus | Unparsed | Unset | None: ...
def task_status(value: str | Unset | None) -> TaskStatus | Unparsed | Unset | None:
    """A task status from its name (``Invalid status. Must be one of [...]``)."""
    if value is None or value is UNSET:
        return value
    return parsed(task_fields.check_task_status, value)


@overload
def priority(value: str | None) -> Priority | Unparsed | None: ...
@overload
def priority(value: str | Unset | None) -> Priority | Unparsed | Unset | None: ...
def priority(value: str | Unset | None) -> Priority | Unparsed | Unset | None:
    """A priority from its name (``Invalid priority. Must be one of [...]``)."""
    if value is None or value is UNSET:
        return value
    return parsed(projects.check_priority, value)


@overload
def project_status(value: str | None) -> ProjectStatus | Unparsed | None: ...
@overload
def project_status(value: str | Unset | None) -> ProjectStatus | Unparsed | Unset | None: ...
def project_status(value: str | Unset | None) -> ProjectStatus | Unparsed | Unset | None:
    """A project status from its name (``Invalid status. Must be one of [...]``)."""
    if value is None or value is UNSET:
        return value
    return parsed(projects.check_project_status, value)


@overload
def due_date(value: str | None) -> dt.datetime | Unparsed | None: ...
@overload
def due_date(value: str | Unset | None) -> dt.datetime | Unparsed | Unset | None: ...
def due_date(value: str | Unset | None) -> dt.datetime | Unparsed | Unset | None:
    """A due date from ISO 8601 text; empty text is no date (``Invalid due_date format.
    Use ISO format``)."""
    if value is None or value is UNSET:
        return value
    return parsed(task_fields.parse_due_date, value)


def instant(value: str | None, field: str) -> dt.datetime | Unparsed | None:
    """An instant filter (``due_before``, ``due_after``) from ISO 8601 text; empty text is
    none (``Invalid <field> format. Use ISO format``)."""
    if value is None:
        return None
    message = f"Invalid {field} format. Use ISO format"
    return parsed(lambda text: task_fields.parse_instant(text, field, message), value)


@overload
def hours(value: float | str | None, field: str) -> float | Unparsed | None: ...
@overload
def hours(value: float | str | Unset | None, field: str) -> float | Unparsed | Unset | None: ...
def hours(value: float | str | Unset | None, field: str) -> float | Unparsed | Unset | None:
    """Hours (``estimated_hours``, ``actual_hours``) from a number or numeric text
    (``Estimated hours must be a number`` ...); numbers pass through for the use case's
    range check."""
    if value is None or value is UNSET or not isinstance(value, str):
        return value
    label = field.replace("_", " ").capitalize()
    return parsed(lambda text: task_fields.parse_hours(text, field, label), value)


@overload
def project_date(value: str | None, field: str) -> dt.date | Unparsed | None: ...
@overload
def project_date(value: str | Unset | None, field: str) -> dt.date | Unparsed | Unset | None: ...
def project_date(value: str | Unset | None, field: str) -> dt.date | Unparsed | Unset | None:
    """A project's start or end date from ``YYYY-MM-DD``; empty text is no date
    (``Invalid date format. Use YYYY-MM-DD``)."""
    if value is None or value is UNSET:
        return value
    return parsed(lambda text: projects.parse_date(text, field), value)


def task_arguments(values: Mapping[str, Any]) -> dict[str, Any]:
    """The keyword arguments of ``create_task``, ``update_task`` or a ``TaskDraft`` from
    their wire values: ``status``, ``priority``, ``due_date`` and the hours parsed as
    above, the other fields unchanged."""
    found = dict(values)
    for name, parse in _TASK_PARSERS.items():
        if name in found:
            found[name] = parse(found[name])
    return found


def filter_arguments(values: Mapping[str, Any]) -> dict[str, Any]:
    """The keyword arguments of ``TaskFilters`` from their wire values: ``status``,
    ``priority``, ``due_before`` and ``due_after`` parsed as above, the rest unchanged."""
    found = dict(values)
    for name, parse in _FILTER_PARSERS.items():
        if name in found:
            found[name] = parse(found[name])
    return found


def project_arguments(values: Mapping[str, Any]) -> dict[str, Any]:
    """The keyword arguments of ``create_project`` or ``update_project`` from their wire
    values: ``status``, ``priority`` and the dates parsed as above, the rest unchanged."""
    found = dict(values)
    for name, parse in _PROJECT_PARSERS.items():
        if name in found:
            found[name] = parse(found[name])
    return found


def _wire_text(parse: Callable[[str | None], object]) -> Callable[[Any], object]:
    """``parse`` for text (and ``None``); any other value passes as it is."""
    return lambda value: parse(value) if value is None or isinstance(value, str) else value


_TASK_PARSERS: dict[str, Callable[[Any], object]] = {
    "status": _wire_text(task_status),
    "priority": _wire_text(priority),
    "due_date": _wire_text(due_date),
    "estimated_hours": lambda value: hours(value, "estimated_hours"),
    "actual_hours": lambda value: hours(value, "actual_hours"),
}
_FILTER_PARSERS: dict[str, Callable[[Any], object]] = {
    "status": _wire_text(task_status),
    "priority": _wire_text(priority),
    "due_before": _wire_text(lambda value: instant(value, "due_before")),
    "due_after": _wire_text(lambda value: instant(value, "due_after")),
}
_PROJECT_PARSERS: dict[str, Callable[[Any], object]] = {
    "status": _wire_text(project_status),
    "priority": _wire_text(priority),
    "start_date": _wire_text(lambda value: project_date(value, "start_date")),
    "end_date": _wire_text(lambda value: project_date(value, "end_date")),
}
