"""The wire parsers the hosts share: text into the typed values of the use cases, with
the messages the API has always answered, or an ``Unparsed`` holding them."""

from __future__ import annotations

import datetime as dt

import pytest

from taskcore.domain.projects import Priority, ProjectStatus
from taskcore.domain.tasks import TaskStatus
from taskcore.domain.values import UNSET, Unparsed
from taskcore_adapters import wire_fields as wire

STATUS_ERROR = "Invalid status. Must be one of ['pending', 'in_progress', 'completed', 'cancelled']"
PRIORITY_ERROR = "Invalid priority. Must be one of ['low', 'medium', 'high', 'critical']"
PROJECT_STATUS_ERROR = "Invalid status. Must be one of ['active', 'completed', 'archived']"


def _refusal(value: object) -> tuple[str, str | None]:
    assert isinstance(value, Unparsed), value
    return value.error.message, value.error.field


def test_names_become_enums() -> None:
    assert (TaskStatus.IN_PROGRESS, Priority.HIGH, ProjectStatus.ARCHIVED) == (
        wire.task_status("in_progress"),
        wire.priority("high"),
        wire.project_status("archived"),
    )


@pytest.mark.parametrize(
    ("parsed", "expected"),
    [
        (lambda: wire.task_status("done"), (STATUS_ERROR, "status")),
        (lambda: wire.task_status(""), (STATUS_ERROR, "status")),
        (lambda: wire.priority("urgent"), (PRIORITY_ERROR, "priority")),
        (lambda: wire.project_status("closed"), (PROJECT_STATUS_ERROR, "status")),
        (
            lambda: wire.due_date("2026-02-30"),
            ("Invalid due_date format. Use ISO format", "due_date"),
        ),
        (
            lambda: wire.instant("soon", "due_before"),
            ("Invalid due_before format. Use ISO format", "due_before"),
        ),
        (
            lambda: wire.hours("lots", "estimated_hours"),
            ("Estimated hours must be a number", "estimated_hours"),
        ),
        (
            lambda: wire.hours("nan", "actual_hours"),
            ("Actual hours must be a number", "actual_hours"),
        ),
        (
            lambda: wire.project_date("1/2/2026", "start_date"),
            ("Invalid date format. Use YYYY-MM-DD", "start_date"),
        ),
    ],
)
def test_bad_text_is_unparsed_with_the_wire_message(
    parsed: object, expected: tuple[str, str]
) -> None:
    assert callable(parsed)
    assert expected == _refusal(parsed())


def test_dates_and_hours() -> None:
    """ISO instants become aware UTC; empty text is no date; numeric text becomes a
    number; numbers pass to the use case's range check unchanged."""
    assert dt.datetime(2026, 3, 1, 8, tzinfo=dt.UTC) == wire.due_date("2026-03-01T10:00+02:00")
    assert dt.datetime(2026, 3, 1, tzinfo=dt.UTC) == wire.instant("2026-03-01", "due_after")
    assert (None, None) == (wire.due_date(""), wire.project_date("", "end_date"))
    assert dt.date(2026, 1, 2) == wire.project_date("2026-01-02", "start_date")
    assert (1.23, -5) == (wire.hours("1.234", "actual_hours"), wire.hours(-5, "actual_hours"))


def test_none_and_unset_pass_through() -> None:
    """The use case decides what no value means (a default, clearing, or an error)."""
    assert [None, UNSET, None, UNSET, None, UNSET] == [
        wire.task_status(None),
        wire.task_status(UNSET),
        wire.priority(None),
        wire.hours(UNSET, "estimated_hours"),
        wire.due_date(None),
        wire.project_date(UNSET, "start_date"),
    ]


def test_arguments_parse_only_the_typed_fields() -> None:
    """A mapping of wire values becomes use-case arguments: typed fields parsed, values
    already typed and the other fields left alone."""
    assert {
        "title": "t",
        "status": TaskStatus.COMPLETED,
        "due_date": dt.date(2026, 1, 1),
        "estimated_hours": 2.5,
    } == wire.task_arguments(
        {
            "title": "t",
            "status": "completed",
            "due_date": dt.date(2026, 1, 1),
            "estimated_hours": "2.5",
        }
    )
    assert {"name": "x", "start_date": dt.date(2026, 1, 1), "priority": Priority.LOW} == (
        wire.project_arguments({"name": "x", "start_date": "2026-01-01", "priority": "low"})
    )
    filters = wire.filter_arguments({"status": "x", "due_after": "2026-01-01", "label": "ui"})
    assert _refusal(filters["status"]) == (STATUS_ERROR, "status")
    assert (dt.datetime(2026, 1, 1, tzinfo=dt.UTC), "ui") == (
        filters["due_after"],
        filters["label"],
    )
