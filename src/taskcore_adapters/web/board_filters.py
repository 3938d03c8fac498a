"""The board's filter bar: assignee, label, priority and due date, read from the address
(``?assignee=2&label=cms&priority=high&due=overdue``) and applied to every column by the
core's task filters."""

from __future__ import annotations

from typing import Final

import attrs
from starlette.datastructures import QueryParams

from taskcore import errors
from taskcore_adapters.http.parsing import whole_number

DUE_CHOICES: Final = (("", "any time"), ("overdue", "overdue"), ("on_time", "not overdue"))
"""The due-date filter's choices: value and text."""

FIELDS: Final = ("assignee", "label", "priority", "due")


@attrs.frozen(kw_only=True)
class BoardFilter:
    """What the board shows: only the tasks matching every chosen filter."""

    assignee_id: int | None = None
    label: str | None = None
    priority: str | None = None
    overdue: bool | None = None
    values: dict[str, str] = attrs.field(factory=dict)
    """The filters as chosen, for the form."""

    @property
    def active(self) -> bool:
        """Whether any filter is chosen."""
        return any(self.values.values())


def board_filter(params: QueryParams) -> BoardFilter:
    """The filters of the board's address (none chosen: everything).

    Raises:
        ValidationError: an assignee that is not a user id, or an unknown due choice,
            naming the field; the core checks the priority and the label.
    """
    values = {name: params.get(name, "").strip() for name in FIELDS}
    assignee_id = None
    if values["assignee"]:
        assignee_id = whole_number(values["assignee"], digits=18)
        if assignee_id is None:
            raise errors.ValidationError("assignee must be a user id", field="assignee")
    if values["due"] not in {value for value, _ in DUE_CHOICES}:
        raise errors.ValidationError("due must be overdue or on_time", field="due")
    overdue = {"overdue": True, "on_time": False}.get(values["due"])
    return BoardFilter(
        assignee_id=assignee_id,
        label=values["label"] or None,
        priority=values["priority"] or None,
        overdue=overdue,
        values=values,
    )
