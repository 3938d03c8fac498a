"""Relations between tasks: dependencies (blocks, precedes) and references (relates,
duplicates, copied from).

A relation is stored once, from its source to its target (``A blocks B``) and shown from
both sides: ``B`` sees ``blocked_by A``. Blocking and precedence are dependencies: together
they may never form a cycle.
"""

from __future__ import annotations

import datetime as dt
import enum

import attrs

from taskcore.domain.tasks import TaskStatus
from taskcore.errors import ValidationError

LAG_DAYS_MAX = 3650
"""The longest lag of a precedence, in days (about ten years)."""


class RelationKind(enum.StrEnum):
    """How a relation's source stands to its target."""

    BLOCKS = "blocks"
    RELATES = "relates"
    DUPLICATES = "duplicates"
    PRECEDES = "precedes"
    COPIED_FROM = "copied_from"

    @property
    def is_dependency(self) -> bool:
        """Whether the relation orders work (no cycles allowed)."""
        return self in (RelationKind.BLOCKS, RelationKind.PRECEDES)


DEPENDENCIES = (RelationKind.BLOCKS, RelationKind.PRECEDES)

_SEEN_FROM_TARGET = {
    RelationKind.BLOCKS: "blocked_by",
    RelationKind.RELATES: "relates",
    RelationKind.DUPLICATES: "duplicated_by",
    RelationKind.PRECEDES: "follows",
    RelationKind.COPIED_FROM: "copied_to",
}
_AS_SOURCE = {kind.value: kind for kind in RelationKind}
_AS_TARGET = {name: kind for kind, name in _SEEN_FROM_TARGET.items() if name != "relates"}
SIDES = tuple(sorted({*_AS_SOURCE, *_AS_TARGET}))
"""Every name a relation has from one of its sides."""


@attrs.define(kw_only=True)
class TaskRelation:
    """``source_id`` stands in ``kind`` to ``target_id`` (``lag_days`` only for
    ``precedes``: the target starts that many days after the source ends)."""

    id: int | None = None
    kind: RelationKind
    source_id: int
    target_id: int
    lag_days: int | None = None
    created_by: int | None = None
    created_at: dt.datetime

    @property
    def key(self) -> int:
        """The id of a stored relation.

        Raises:
            ValueError: not stored yet.
        """
        if self.id is None:
            raise ValueError("relation has no id yet")
        return self.id

    def other(self, task_id: int) -> int:
        """The task at the other end from ``task_id``."""
        return self.target_id if task_id == self.source_id else self.source_id

    def seen_from(self, task_id: int) -> str:
        """The relation's name from ``task_id``'s side (``blocks`` or ``blocked_by``)."""
        if task_id == self.source_id:
            return self.kind.value
        return _SEEN_FROM_TARGET[self.kind]


def parse_side(value: object) -> tuple[RelationKind, bool]:
    """A relation named from the side of the task it is added to: the kind, and whether
    that task is the source (``blocked_by`` is ``blocks`` with the task as target).

    Raises:
        ValidationError: ``Invalid kind. Must be one of [...]`` (field ``kind``).
    """
    if isinstance(value, str) and value in _AS_SOURCE:
        return _AS_SOURCE[value], True
    if isinstance(value, str) and value in _AS_TARGET:
        return _AS_TARGET[value], False
    raise ValidationError(f"Invalid kind. Must be one of {list(SIDES)}", field="kind")


def check_lag(kind: RelationKind, value: object) -> int | None:
    """The lag of a relation of ``kind``: whole days from 0 to :data:`LAG_DAYS_MAX`, only
    for a precedence (``None`` there means 0).

    Raises:
        ValidationError: a lag for another kind, not a whole number, or out of range
            (field ``lag_days``).
    """
    if kind is not RelationKind.PRECEDES:
        if value is not None:
            raise ValidationError("lag_days is only for precedes and follows", field="lag_days")
        return None
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError("lag_days must be a whole number of days", field="lag_days")
    if not 0 <= value <= LAG_DAYS_MAX:
        raise ValidationError(f"lag_days must be from 0 to {LAG_DAYS_MAX}", field="lag_days")
    return value


@attrs.frozen(kw_only=True)
class RelationView:
    """A relation as seen from one of its tasks.

    Attributes:
        id: The relation's id.
        kind: Its name from this side (``blocks``, ``blocked_by``, ``relates``,
            ``duplicates``, ``duplicated_by``, ``precedes``, ``follows``, ``copied_from``,
            ``copied_to``).
        task_id: The task at the other end.
        task_title: That task's title.
        task_status: That task's status.
        project_id: That task's project.
        lag_days: The lag of a precedence, else ``None``.
        created_at: When the relation was made.
    """

    id: int
    kind: str
    task_id: int
    task_title: str
    task_status: TaskStatus
    project_id: int
    lag_days: int | None
    created_at: dt.datetime


@attrs.frozen(kw_only=True)
class RelatedTask:
    """A relation with the task at its other end, as a repository reads them."""

    relation: TaskRelation
    task_id: int
    title: str
    status: TaskStatus
    project_id: int

    def view(self, seen_from: int) -> RelationView:
        return RelationView(
            id=self.relation.key,
            kind=self.relation.seen_from(seen_from),
            task_id=self.task_id,
            task_title=self.title,
            task_status=self.status,
            project_id=self.project_id,
            lag_days=self.relation.lag_days,
            created_at=self.relation.created_at,
        )
