"""A task's fields as callers give them, checked and put in canonical form: title,
status, instants and due dates, hours, labels, watchers, board position and search text.

The service checks each field with these before it builds a :class:`~taskcore.domain.tasks.Task`
or a :class:`~taskcore.domain.tasks.TaskPatch`, so the entity only ever holds checked values.

Use cases take typed values (:class:`~taskcore.domain.tasks.TaskStatus`, dates, numbers);
the parsers of the wire forms (:func:`check_task_status`, :func:`parse_due_date`,
:func:`parse_instant`, :func:`parse_hours`) are for hosts, which turn text into those
values (or into an :class:`~taskcore.domain.values.Unparsed` carrying the message).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

from taskcore.domain import validation
from taskcore.domain.projects import choose
from taskcore.domain.tasks import TaskStatus
from taskcore.domain.values import Unparsed
from taskcore.errors import ValidationError

TITLE_MAX = 200
LABELS_MAX = 20
LABEL_MAX = 50
WATCHERS_MAX = 100
SEARCH_MAX = 200
POSITION_LIMIT = 1e12
"""Positions stay within ±10¹², where whole steps are still exact in a float."""
HOURS_MAX = 100_000
"""The most hours a task may be estimated at or have taken (over eleven years of work):
sums over any number of tasks stay far from overflowing."""
HOURS_DECIMALS = 2
"""Hours are kept to the hundredth (36 seconds)."""

_SPACES = re.compile(r"\s+")


def check_title(title: str | None, *, message: str) -> str:
    """A task title, stripped; ``message`` is the text when it is missing or blank.

    Raises:
        ValidationError: missing or blank (field ``title``).
    """
    return validation.required_text(
        title if isinstance(title, str) else None, "title", message=message
    )


def check_title_length(title: str) -> None:
    """Raise if a title is longer than its column.

    Raises:
        ValidationError: longer than 200 characters (field ``title``).
    """
    validation.max_length(title, "title", TITLE_MAX)


def check_task_status(value: object) -> TaskStatus:
    """A task status from its name (the wire form, for hosts).

    Raises:
        ValidationError: ``Invalid status. Must be one of ['pending', 'in_progress',
            'completed', 'cancelled']``.
    """
    return choose(TaskStatus, value, what="status", field="status")


def parse_instant(value: str | dt.date | None, field: str, message: str) -> dt.datetime | None:
    """An ISO 8601 instant (a date alone, ``Z`` or an offset accepted) as aware UTC.

    A date alone is midnight UTC; a time without a zone is taken as UTC. Falsy input is
    no instant.

    Raises:
        ValidationError: ``message`` (naming ``field``) when the text does not parse.
    """
    if not value:
        return None
    try:
        if isinstance(value, dt.datetime):
            parsed = value
        elif isinstance(value, dt.date):
            parsed = dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
        else:
            parsed = dt.datetime.fromisoformat(value.strip())
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=dt.UTC)
        return parsed.astimezone(dt.UTC)
    except (TypeError, ValueError, OverflowError, AttributeError):
        raise ValidationError(message, field=field) from None


def parse_due_date(value: str | dt.date | None) -> dt.datetime | None:
    """A due date from its wire form (see :func:`parse_instant`).

    Raises:
        ValidationError: ``Invalid due_date format. Use ISO format``.
    """
    return parse_instant(value, "due_date", "Invalid due_date format. Use ISO format")


def check_instant(value: object, field: str, message: str) -> dt.datetime | None:
    """An instant as a use case takes it (``dt.date | dt.datetime | Unparsed | None``),
    as aware UTC: a datetime (one without a zone
    is taken as UTC) or a date (midnight UTC); ``None`` is no instant.

    Raises:
        ValidationError: the :class:`Unparsed` error, or ``message`` (naming ``field``)
            for a value that is no date.
        TypeError: text: hosts parse it first with :func:`parse_instant`.
    """
    if value is None:
        return None
    if isinstance(value, Unparsed):
        raise value.error
    if isinstance(value, str):
        raise TypeError(f"{field} must be a date or datetime, not text ({value!r})")
    if not isinstance(value, dt.date):
        raise ValidationError(message, field=field)
    return parse_instant(value, field, message)


def check_due_date(value: object) -> dt.datetime | None:
    """A due date as a use case takes it (see :func:`check_instant`).

    Raises:
        ValidationError: ``Invalid due_date format. Use ISO format`` or the
            :class:`Unparsed` error.
    """
    return check_instant(value, "due_date", "Invalid due_date format. Use ISO format")


def check_hours(value: object, field: str, label: str) -> float | None:
    """A number of hours as a use case takes it (``float | Decimal | Unparsed | None``:
    a float, an int or a ``Decimal``), from 0
    to :data:`HOURS_MAX`, rounded to :data:`HOURS_DECIMALS` places.

    Raises:
        ValidationError: the :class:`Unparsed` error, ``<label> must be a number`` (not
            a number, NaN or infinite), ``<label> cannot be negative`` or ``<label> must
            be at most 100000``.
        TypeError: text: hosts parse it first with :func:`parse_hours`.
    """
    if value is None:
        return None
    if isinstance(value, Unparsed):
        raise value.error
    if isinstance(value, str):
        raise TypeError(f"{field} must be a number, not text ({value!r})")
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ValidationError(f"{label} must be a number", field=field)
    try:
        number = float(value)
    except (ValueError, OverflowError):
        raise ValidationError(f"{label} must be a number", field=field) from None
    return validation.finite_non_negative(
        number, field, label, maximum=HOURS_MAX, decimals=HOURS_DECIMALS
    )


def parse_hours(value: float | str | None, field: str, label: str) -> float | None:
    """A number of hours from its wire form (for hosts): a number or numeric text, from 0
    to :data:`HOURS_MAX`, rounded to :data:`HOURS_DECIMALS` places.

    Args:
        value: The raw value; ``None`` is no value.
        field: ``estimated_hours`` or ``actual_hours``.
        label: ``Estimated hours`` or ``Actual hours``, for the messages.

    Raises:
        ValidationError: ``<label> must be a number``, ``<label> cannot be negative`` or
            ``<label> must be at most 100000``.
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValidationError(f"{label} must be a number", field=field)
    try:
        number = float(value)
    except (ValueError, OverflowError):
        raise ValidationError(f"{label} must be a number", field=field) from None
    return validation.finite_non_negative(
        number, field, label, maximum=HOURS_MAX, decimals=HOURS_DECIMALS
    )


def normalize_label(value: str) -> str:
    """One label in canonical form: trimmed, inner white space collapsed, lower case.

    Raises:
        ValidationError: not text, empty, longer than 50 characters, or with control
            characters (field ``labels``).
    """
    if not isinstance(value, str):
        raise ValidationError("Labels must be strings", field="labels")
    label = _SPACES.sub(" ", value).strip().lower()
    if not label:
        raise ValidationError("Labels cannot be empty", field="labels")
    if len(label) > LABEL_MAX:
        raise ValidationError(f"Labels must be at most {LABEL_MAX} characters", field="labels")
    validation.no_control_characters(label, "labels")
    return label


def normalize_labels(values: Iterable[str] | None) -> tuple[str, ...]:
    """A task's labels in canonical form: normalised, without duplicates, sorted.

    Raises:
        ValidationError: not a list of text, a bad label, or more than 20 labels.
    """
    if values is None:
        return ()
    if isinstance(values, str | bytes):
        raise ValidationError("Labels must be a list of strings", field="labels")
    labels = sorted({normalize_label(v) for v in values})
    if len(labels) > LABELS_MAX:
        raise ValidationError(f"A task can have at most {LABELS_MAX} labels", field="labels")
    return tuple(labels)


def normalize_watchers(values: Iterable[int] | None) -> tuple[int, ...]:
    """Watcher user ids, without duplicates, sorted.

    Raises:
        ValidationError: not a list of integers, or more than 100 watchers.
    """
    if values is None:
        return ()
    ids: set[int] = set()
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError("Watchers must be user ids", field="watchers")
        ids.add(value)
    if len(ids) > WATCHERS_MAX:
        raise ValidationError(f"A task can have at most {WATCHERS_MAX} watchers", field="watchers")
    return tuple(sorted(ids))


def check_position(value: object) -> float:
    """A board position: a finite number within ±10¹².

    Raises:
        ValidationError: ``Position must be a number`` or ``Position is out of range``.
    """
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValidationError("Position must be a number", field="position")
    if abs(value) > POSITION_LIMIT:
        raise ValidationError("Position is out of range", field="position")
    return float(value)


def check_search(value: str | None) -> str | None:
    """Free-text search, stripped; blank is no search.

    Raises:
        ValidationError: longer than 200 characters (field ``search``).
    """
    text = (value or "").strip()
    validation.max_length(text, "search", SEARCH_MAX)
    return text or None


SUBTASK_DEPTH_MAX = 5
"""The most levels a tree of subtasks may have: a top-level task is on level 1."""


def check_parent_id(value: object) -> int | None:
    """A parent task id: an integer, or ``None`` for a top-level task.

    Raises:
        ValidationError: not an integer (field ``parent_id``).
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError("parent_id must be a task id", field="parent_id")
    return value


def subtree_height(root_id: int, parent_of: Mapping[int, int | None]) -> int:
    """How many levels the subtree of ``root_id`` has (1 for a task without subtasks).

    Args:
        root_id: The subtree's top task.
        parent_of: The parent of every task below ``root_id``.
    """
    height = 1
    for task_id in parent_of:
        depth, current = 1, task_id
        while current != root_id and depth <= len(parent_of):
            parent = parent_of.get(current)
            if parent is None:
                break
            current, depth = parent, depth + 1
        height = max(height, depth)
    return height


def check_placement(task_id: int | None, parent_lineage: Sequence[int], height: int) -> None:
    """Raise unless a subtree of ``height`` levels topped by ``task_id`` (``None``: a new
    task) may go under the task whose lineage (itself, then its ancestors) is
    ``parent_lineage``.

    Raises:
        ValidationError: ``A task cannot be a subtask of itself or of its own subtasks``
            or ``Subtasks can be nested at most 5 levels deep`` (field ``parent_id``).
    """
    if task_id is not None and task_id in parent_lineage:
        raise ValidationError(
            "A task cannot be a subtask of itself or of its own subtasks", field="parent_id"
        )
    if len(parent_lineage) + height > SUBTASK_DEPTH_MAX:
        raise ValidationError(
            f"Subtasks can be nested at most {SUBTASK_DEPTH_MAX} levels deep", field="parent_id"
        )


ASSIGNEES_MAX = 20


def normalize_assignees(values: Iterable[int] | None) -> tuple[int, ...]:
    """Assignee user ids in the order given, without duplicates.

    Raises:
        ValidationError: not a list of integers, or more than 20 assignees (field
            ``assignee_ids``).
    """
    if values is None:
        return ()
    if isinstance(values, str | bytes):
        raise ValidationError("Assignees must be user ids", field="assignee_ids")
    ids: dict[int, None] = {}
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError("Assignees must be user ids", field="assignee_ids")
        ids[value] = None
    if len(ids) > ASSIGNEES_MAX:
        raise ValidationError(
            f"A task can have at most {ASSIGNEES_MAX} assignees", field="assignee_ids"
        )
    return tuple(ids)


def merge_assignees(
    assignee_id: int | None, assignee_ids: tuple[int, ...] | None
) -> tuple[int, ...]:
    """The assignees of a new task from ``assignee_id`` and ``assignee_ids`` (either may
    be missing; when both are given, ``assignee_id`` must be the first of the list).

    Raises:
        ValidationError: ``assignee_id must be the first of assignee_ids``.
    """
    if assignee_ids is None:
        return () if assignee_id is None else (assignee_id,)
    if assignee_id is not None and assignee_id != (assignee_ids[0] if assignee_ids else None):
        raise ValidationError("assignee_id must be the first of assignee_ids", field="assignee_id")
    return assignee_ids
