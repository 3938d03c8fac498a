"""Projects, their members and the rules that keep them valid."""

from __future__ import annotations

import datetime as dt
import enum
from typing import TypeVar

import attrs

from taskcore.domain import validation
from taskcore.domain.values import Unparsed
from taskcore.errors import ValidationError

NAME_MAX = 200
"""Longest project name, in characters (descriptions are bounded by
:data:`~taskcore.domain.validation.DESCRIPTION_MAX`), so rows stay sane."""

E = TypeVar("E", bound=enum.StrEnum)


class ProjectStatus(enum.StrEnum):
    """Where a project stands."""

    ACTIVE = "active"
    COMPLETED = "completed"
    ARCHIVED = "archived"


class Priority(enum.StrEnum):
    """How urgent a project or task is; ordered by :attr:`rank`."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        """0 for low up to 3 for critical, for sorting by urgency rather than by name."""
        return PRIORITY_RANKS[self]


PRIORITY_RANKS: dict[Priority, int] = {p: i for i, p in enumerate(Priority)}
"""Each priority's rank: low 0, medium 1, high 2, critical 3."""


class Role(enum.StrEnum):
    """A member's role in a project.

    Owners manage the project and its members; members work on it (tasks, comments);
    viewers only read. System administrators may do everything without being members.
    """

    OWNER = "owner"
    MEMBER = "member"
    VIEWER = "viewer"

    @property
    def can_write(self) -> bool:
        """Whether this role may create and change tasks and comments."""
        return self in (Role.OWNER, Role.MEMBER)

    @property
    def can_manage(self) -> bool:
        """Whether this role may change the project itself and its membership."""
        return self is Role.OWNER


@attrs.define(kw_only=True)
class Project:
    """A body of work that groups tasks and the people working on them.

    ``owner_id`` is the user who created the project (the API's ``owner_id``);
    who may do what is decided by membership roles, not by this field.
    """

    id: int | None = None
    name: str
    description: str = ""
    status: ProjectStatus = ProjectStatus.ACTIVE
    priority: Priority = Priority.MEDIUM
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    owner_id: int
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int = 1

    @property
    def key(self) -> int:
        """The id of a stored project.

        Raises:
            ValueError: the project has not been stored yet.
        """
        if self.id is None:
            raise ValueError("project has no id yet")
        return self.id


@attrs.frozen(kw_only=True)
class ProjectView:
    """A project as a caller sees it: 11 keys plus ``version`` and ``role``.

    ``role`` is the caller's role in the project, or ``None`` for an administrator who is
    not a member.
    """

    id: int
    name: str
    description: str
    status: ProjectStatus
    priority: Priority
    start_date: dt.date | None
    end_date: dt.date | None
    created_at: dt.datetime
    updated_at: dt.datetime
    owner_id: int
    task_count: int
    version: int
    role: Role | None

    @classmethod
    def of(cls, project: Project, *, task_count: int, role: Role | None) -> ProjectView:
        """The view of a stored project, with its number of tasks and the caller's role."""
        return cls(
            id=project.key,
            name=project.name,
            description=project.description,
            status=project.status,
            priority=project.priority,
            start_date=project.start_date,
            end_date=project.end_date,
            created_at=project.created_at,
            updated_at=project.updated_at,
            owner_id=project.owner_id,
            task_count=task_count,
            version=project.version,
            role=role,
        )


@attrs.frozen(kw_only=True)
class ProjectAccess:
    """Whether a project exists and the role a given user holds in it (``None``: none)."""

    project_id: int
    role: Role | None


@attrs.frozen(kw_only=True)
class ProjectCriteria:
    """Which projects a listing returns.

    Args:
        viewer_id: The caller, whose role is reported on each project.
        member_id: Only projects this user belongs to; ``None`` for every project.
        status: Only projects with this status.
    """

    viewer_id: int
    member_id: int | None
    status: ProjectStatus | None = None


@attrs.frozen(kw_only=True)
class Membership:
    """A user's role in a project."""

    project_id: int
    user_id: int
    role: Role
    added_at: dt.datetime


@attrs.frozen(kw_only=True)
class MemberView:
    """A member as listed: the membership plus the user's name."""

    project_id: int
    user_id: int
    username: str
    full_name: str | None
    role: Role
    added_at: dt.datetime


def choose(kind: type[E], value: object, *, what: str, field: str) -> E:
    """The member of ``kind`` named ``value``.

    Raises:
        ValidationError: ``Invalid <what>. Must be one of [<values>]`` (naming ``field``),
            the allowed values in Python list notation (``['low', 'medium']``).
    """
    if isinstance(value, str):
        try:
            return kind(value)
        except ValueError:
            pass
    choices = [member.value for member in kind]
    raise ValidationError(f"Invalid {what}. Must be one of {choices}", field=field)


def given(kind: type[E], value: E | Unparsed | None, *, what: str, field: str) -> E:
    """The member of ``kind`` a use case was given (a host's :class:`Unparsed` raises its
    error here, where the use case checks the field).

    Raises:
        ValidationError: the :class:`Unparsed` error, or ``Invalid <what>. Must be one of
            [<values>]`` for ``None`` or another non-member.
        TypeError: text: hosts parse wire text first (with :func:`choose` or the
            ``check_*`` parsers), Python callers pass the enum.
    """
    if isinstance(value, kind):
        return value
    if isinstance(value, Unparsed):
        raise value.error
    if isinstance(value, str):
        raise TypeError(f"{field} must be a {kind.__name__}, not text ({value!r})")
    return choose(kind, value, what=what, field=field)


def check_name(name: str | None, *, message: str) -> str:
    """A project name, stripped; ``message`` is the text when it is missing or blank.

    Raises:
        ValidationError: missing or blank (field ``name``).
    """
    return validation.required_text(
        name if isinstance(name, str) else None, "name", message=message
    )


def check_name_length(name: str) -> None:
    """Raise if a name is longer than its column.

    Raises:
        ValidationError: longer than 200 characters (field ``name``).
    """
    validation.max_length(name, "name", NAME_MAX)


def parse_date(value: str | dt.date | None, field: str) -> dt.date | None:
    """A calendar date given as ``YYYY-MM-DD`` (or a date); falsy input is no date.

    The wire form, for hosts (requests, forms, files); use cases take dates
    (:func:`check_date`).

    Raises:
        ValidationError: ``Invalid date format. Use YYYY-MM-DD`` (naming ``field``).
    """
    if not value:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.datetime.strptime(value, "%Y-%m-%d").date()  # noqa: DTZ007 - a date only
    except (TypeError, ValueError):
        raise ValidationError("Invalid date format. Use YYYY-MM-DD", field=field) from None


def check_date(value: object, field: str) -> dt.date | None:
    """A project's date as a use case takes it (``dt.date | Unparsed | None``): a date (a
    datetime's date), or ``None``.

    Raises:
        ValidationError: the :class:`Unparsed` error, or ``Invalid date format. Use
            YYYY-MM-DD`` for a value that is no date.
        TypeError: text: hosts parse it first with :func:`parse_date`.
    """
    if value is None:
        return None
    if isinstance(value, Unparsed):
        raise value.error
    if isinstance(value, str):
        raise TypeError(f"{field} must be a date, not text ({value!r})")
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    raise ValidationError("Invalid date format. Use YYYY-MM-DD", field=field)


def check_date_range(start: dt.date | None, end: dt.date | None) -> None:
    """Raise if a project would end before it starts.

    Raises:
        ValidationError: ``End date cannot be before start date`` (field ``end_date``).
    """
    if start is not None and end is not None and end < start:
        raise ValidationError("End date cannot be before start date", field="end_date")


def check_project_status(value: object) -> ProjectStatus:
    """A project status from its name.

    Raises:
        ValidationError: ``Invalid status. Must be one of ['active', 'completed', 'archived']``.
    """
    return choose(ProjectStatus, value, what="status", field="status")


def check_priority(value: object) -> Priority:
    """A priority from its name.

    Raises:
        ValidationError: ``Invalid priority. Must be one of ['low', 'medium', 'high',
            'critical']``.
    """
    return choose(Priority, value, what="priority", field="priority")


def check_role(value: object) -> Role:
    """A membership role from its name.

    Raises:
        ValidationError: ``Invalid role. Must be one of ['owner', 'member', 'viewer']``.
    """
    return choose(Role, value, what="role", field="role")
