"""The JSON objects the API answers, each described once.

A response class lists the keys of one object with their types (the domain's enums for
fixed sets of values) and, in ``metadata`` (:func:`doc`), a description where one helps.
The JSON comes from :func:`to_json`, the OpenAPI schema from
:func:`taskcore_adapters.http.schemas.response_schema`; :func:`of` copies the fields
from the read model of the same names.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any, Final, TypeVar

import attrs
from attrs import AttrsInstance

from taskcore.domain.invitations import InvitationStatus
from taskcore.domain.projects import Priority, ProjectStatus, Role
from taskcore.domain.tasks import TaskStatus
from taskcore_adapters.http.wire import iso

R = TypeVar("R", bound=AttrsInstance)

NAIVE_UTC: Final = "naive UTC ISO 8601, no zone suffix"
"""How the API writes an instant."""


def doc(text: str) -> dict[str, str]:
    """Field metadata: a description for the OpenAPI schema."""
    return {"description": text}


def of(cls: type[R], view: object) -> R:
    """A ``cls`` of the attributes of ``view`` with the same names."""
    return cls(**{f.name: getattr(view, f.name) for f in attrs.fields(cls)})


def to_json(response: AttrsInstance) -> dict[str, Any]:
    """``response`` as a JSON object: enums by value, instants as naive UTC ISO 8601,
    dates as ``YYYY-MM-DD``, sequences as lists."""
    return {f.name: _wire(getattr(response, f.name)) for f in attrs.fields(type(response))}


def _wire(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime):
        return iso(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_wire(item) for item in value]
    return value


@attrs.frozen(kw_only=True)
class TaskResponse:
    """A task: the original's 13 keys plus labels, watchers, position and version."""

    id: int
    title: str
    description: str
    status: TaskStatus
    priority: Priority
    due_date: dt.datetime | None = attrs.field(metadata=doc(NAIVE_UTC))
    completed_at: dt.datetime | None = attrs.field(metadata=doc(NAIVE_UTC))
    estimated_hours: float | None
    actual_hours: float | None
    created_at: dt.datetime
    updated_at: dt.datetime
    project_id: int
    assignee_id: int | None
    labels: tuple[str, ...]
    watchers: tuple[int, ...]
    position: float = attrs.field(metadata=doc("order within the status column"))
    version: int


@attrs.frozen(kw_only=True)
class ProjectResponse:
    """A project: the original's 11 keys plus ``version`` and the caller's ``role``."""

    id: int
    name: str
    description: str
    status: ProjectStatus
    priority: Priority
    start_date: dt.date | None = attrs.field(metadata=doc("YYYY-MM-DD"))
    end_date: dt.date | None = attrs.field(metadata=doc("YYYY-MM-DD"))
    created_at: dt.datetime
    updated_at: dt.datetime
    owner_id: int = attrs.field(metadata=doc("the user who created the project"))
    task_count: int
    version: int
    role: Role | None


@attrs.frozen(kw_only=True)
class MemberResponse:
    """A project member: the membership and the user's names."""

    project_id: int
    user_id: int
    username: str
    full_name: str | None
    role: Role
    added_at: dt.datetime


@attrs.frozen(kw_only=True)
class InvitationResponse:
    """An invitation to a project, with the project's name and both usernames."""

    id: int
    project_id: int
    project_name: str
    user_id: int
    username: str
    role: Role
    invited_by: int | None
    invited_by_username: str | None
    status: InvitationStatus
    created_at: dt.datetime
    expires_at: dt.datetime
    responded_at: dt.datetime | None = attrs.field(metadata=doc(NAIVE_UTC))


@attrs.frozen(kw_only=True)
class CommentResponse:
    """A comment: the original's keys and ``author_name``, plus project, mentions and
    version."""

    id: int
    content: str
    created_at: dt.datetime
    updated_at: dt.datetime
    task_id: int
    author_id: int
    author_name: str
    project_id: int
    mentions: tuple[str, ...]
    version: int


_PRIVATE = "null unless the caller is the user or an admin"


@attrs.frozen(kw_only=True)
class UserResponse:
    """The 9-key user object (``email``, ``is_admin``, ``last_login`` and ``login_count``
    are null for other users than the caller, unless the caller is an administrator)."""

    id: int
    username: str
    email: str | None = attrs.field(metadata=doc(_PRIVATE))
    full_name: str | None
    is_active: bool
    is_admin: bool | None = attrs.field(metadata=doc(_PRIVATE))
    created_at: dt.datetime
    last_login: dt.datetime | None = attrs.field(
        metadata=doc(
            f"{NAIVE_UTC}; null when never logged in, and unless the caller is the user or an admin"
        )
    )
    login_count: int | None = attrs.field(metadata=doc(_PRIVATE))
