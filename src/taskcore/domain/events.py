"""Domain events: facts that happened, recorded in the outbox with the change that caused them.

Every event has a unique ``event_id`` (so consumers can be idempotent), the time it
happened, and the acting user. ``name`` is the stable identifier used on the wire and in
the outbox; it never changes once published.

Each event class declares what it carries as typed fields. :attr:`DomainEvent.details`
gives those fields as the JSON object stored in the outbox, the activity log and webhook
payloads (its keys are part of the wire format: a field may be stored under another key,
and an optional field is left out while unset); :meth:`DomainEvent.restore` rebuilds an
event from its name and that object.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Mapping
from typing import Any, ClassVar

import attrs


def new_event_id() -> str:
    """A fresh, globally unique event id."""
    return uuid.uuid4().hex


_KEY = "taskcore.details_key"
_OMIT = "taskcore.omit_when"

Change = dict[str, Any]
"""One changed field: ``{"old": ..., "new": ...}`` with JSON values."""


_UNSET_IF_NONE: Mapping[str, object] = {_OMIT: None}
"""Field metadata: the field is left out of :attr:`DomainEvent.details` while ``None``."""


_ENVELOPE = frozenset({"occurred_at", "actor_id", "entity_id", "entity_version", "event_id"})


_PAYLOAD_FIELDS: dict[type[DomainEvent], tuple[attrs.Attribute[Any], ...]] = {}


def _payload_fields(cls: type[DomainEvent]) -> tuple[attrs.Attribute[Any], ...]:
    """The fields ``cls`` carries in ``details``, in declaration order."""
    found = _PAYLOAD_FIELDS.get(cls)
    if found is None:
        found = _PAYLOAD_FIELDS[cls] = tuple(
            f for f in attrs.fields(cls) if f.name not in _ENVELOPE
        )
    return found


@attrs.frozen(kw_only=True)
class DomainEvent:
    """Base of every domain event.

    ``entity_version`` is the version of the entity once the change is applied (task
    events carry it; ``None`` elsewhere). Events are delivered at least once and possibly
    out of order, so a consumer keeping the entity's latest state applies an event only if
    its version is at least the one it holds (the events of one change share a version;
    a deletion carries the version after the last change).
    """

    name: ClassVar[str] = "event"
    entity_type: ClassVar[str] = ""
    action: ClassVar[str] = ""

    occurred_at: dt.datetime
    actor_id: int | None
    entity_id: int
    entity_version: int | None = None
    event_id: str = attrs.field(factory=new_event_id)

    @property
    def details(self) -> dict[str, Any]:
        """The event's own fields as the JSON object stored and sent with it (a fresh
        dict, in the order the fields are declared)."""
        out: dict[str, Any] = {}
        for field in _payload_fields(type(self)):
            value = getattr(self, field.name)
            if _OMIT in field.metadata and value is field.metadata[_OMIT]:
                continue
            out[field.metadata.get(_KEY, field.name)] = value
        return out

    @staticmethod
    def restore(
        name: str,
        *,
        event_id: str,
        occurred_at: dt.datetime,
        actor_id: int | None,
        entity_id: int,
        entity_version: int | None,
        details: Mapping[str, Any],
    ) -> DomainEvent:
        """Rebuild the event called ``name`` from its envelope and its stored
        :attr:`details`; keys the class does not know are ignored, and an optional field
        missing from ``details`` takes its default.

        Raises:
            KeyError: no event class has this name, or ``details`` lacks a required field.
        """
        cls = event_class(name)
        fields: dict[str, Any] = {}
        for field in _payload_fields(cls):
            key = field.metadata.get(_KEY, field.name)
            if key in details:
                fields[field.name] = details[key]
            elif field.default is attrs.NOTHING:
                raise KeyError(f"{name} event without {key!r}")
        return cls(
            event_id=event_id,
            occurred_at=occurred_at,
            actor_id=actor_id,
            entity_id=entity_id,
            entity_version=entity_version,
            **fields,
        )


@attrs.frozen(kw_only=True)
class UserRegistered(DomainEvent):
    """A new account was created."""

    name: ClassVar[str] = "user.registered"
    entity_type: ClassVar[str] = "user"
    action: ClassVar[str] = "create"

    username: str


@attrs.frozen(kw_only=True)
class UserLoggedIn(DomainEvent):
    """A user logged in successfully."""

    name: ClassVar[str] = "user.logged_in"
    entity_type: ClassVar[str] = "user"
    action: ClassVar[str] = "login"


@attrs.frozen(kw_only=True)
class UserLoggedOut(DomainEvent):
    """A user logged out; the token used was revoked."""

    name: ClassVar[str] = "user.logged_out"
    entity_type: ClassVar[str] = "user"
    action: ClassVar[str] = "logout"


@attrs.frozen(kw_only=True)
class UserUpdated(DomainEvent):
    """A user changed their own profile: the changed fields (old → new), or ``password``
    ``"changed"`` when the password was (never the password itself)."""

    name: ClassVar[str] = "user.updated"
    entity_type: ClassVar[str] = "user"
    action: ClassVar[str] = "update"

    email: Change | None = attrs.field(default=None, metadata=_UNSET_IF_NONE)
    full_name: Change | None = attrs.field(default=None, metadata=_UNSET_IF_NONE)
    password: str | None = attrs.field(default=None, metadata=_UNSET_IF_NONE)


@attrs.frozen(kw_only=True)
class UserAdminUpdated(DomainEvent):
    """An admin changed a user's flags: the changed ones, old → new."""

    name: ClassVar[str] = "user.admin_updated"
    entity_type: ClassVar[str] = "user"
    action: ClassVar[str] = "admin_update"

    is_active: Change | None = attrs.field(default=None, metadata=_UNSET_IF_NONE)
    is_admin: Change | None = attrs.field(default=None, metadata=_UNSET_IF_NONE)


@attrs.frozen(kw_only=True)
class RefreshTokenReplayed(DomainEvent):
    """A used refresh token was presented again; its session was revoked. A security
    event: the token may have leaked."""

    name: ClassVar[str] = "user.refresh_token_reused"
    entity_type: ClassVar[str] = "user"
    action: ClassVar[str] = "refresh_token_reuse"

    session_id: str


# -- projects and membership ---------------------------------------------------------------
#
# Every event of the project, task and comment areas carries ``project_id`` so consumers
# (activity log, notifications, webhooks) can route it without reading anything back.
# Update events carry ``changes``: ``{field: {"old": ..., "new": ...}}`` with JSON values.
# Roles, statuses and priorities are carried as their enumeration values.


@attrs.frozen(kw_only=True)
class ProjectCreated(DomainEvent):
    """A project was created (``project_name`` is stored as ``name``)."""

    name: ClassVar[str] = "project.created"
    entity_type: ClassVar[str] = "project"
    action: ClassVar[str] = "create"

    project_id: int
    project_name: str = attrs.field(metadata={_KEY: "name"})
    owner_id: int


@attrs.frozen(kw_only=True)
class ProjectUpdated(DomainEvent):
    """A project was changed (``project_name`` is stored as ``name``)."""

    name: ClassVar[str] = "project.updated"
    entity_type: ClassVar[str] = "project"
    action: ClassVar[str] = "update"

    project_id: int
    project_name: str = attrs.field(metadata={_KEY: "name"})
    changes: dict[str, Change]


@attrs.frozen(kw_only=True)
class ProjectDeleted(DomainEvent):
    """A project was deleted with its tasks and their comments (``project_name`` is
    stored as ``name``)."""

    name: ClassVar[str] = "project.deleted"
    entity_type: ClassVar[str] = "project"
    action: ClassVar[str] = "delete"

    project_id: int
    project_name: str = attrs.field(metadata={_KEY: "name"})
    task_ids: list[int]


@attrs.frozen(kw_only=True)
class MemberAdded(DomainEvent):
    """A user joined a project (entity: the project), through ``invitation_id`` if by
    accepting one."""

    name: ClassVar[str] = "project.member_added"
    entity_type: ClassVar[str] = "project"
    action: ClassVar[str] = "add_member"

    project_id: int
    user_id: int
    role: str
    invitation_id: int | None = attrs.field(default=None, metadata=_UNSET_IF_NONE)


@attrs.frozen(kw_only=True)
class MemberRemoved(DomainEvent):
    """A user left or was removed from a project (entity: the project); their tasks in it
    were unassigned."""

    name: ClassVar[str] = "project.member_removed"
    entity_type: ClassVar[str] = "project"
    action: ClassVar[str] = "remove_member"

    project_id: int
    user_id: int
    role: str
    unassigned_task_ids: list[int]


@attrs.frozen(kw_only=True)
class MemberRoleChanged(DomainEvent):
    """A member's role changed (entity: the project; ``changes``: role)."""

    name: ClassVar[str] = "project.member_role_changed"
    entity_type: ClassVar[str] = "project"
    action: ClassVar[str] = "change_member_role"

    project_id: int
    user_id: int
    changes: dict[str, Change]


@attrs.frozen(kw_only=True)
class InvitationEvent(DomainEvent):
    """Base of the invitation events (entity: the project): which invitation, for whom,
    with what role, sent by whom."""

    project_id: int
    invitation_id: int
    user_id: int
    role: str
    invited_by: int | None


@attrs.frozen(kw_only=True)
class MemberInvited(InvitationEvent):
    """A user was invited to a project, until ``expires_at`` (ISO 8601)."""

    name: ClassVar[str] = "project.member_invited"
    entity_type: ClassVar[str] = "project"
    action: ClassVar[str] = "invite_member"

    expires_at: str


@attrs.frozen(kw_only=True)
class InvitationAccepted(InvitationEvent):
    """The invited user accepted. A :class:`MemberAdded` follows."""

    name: ClassVar[str] = "project.invitation_accepted"
    entity_type: ClassVar[str] = "project"
    action: ClassVar[str] = "accept_invitation"


@attrs.frozen(kw_only=True)
class InvitationDeclined(InvitationEvent):
    """The invited user declined."""

    name: ClassVar[str] = "project.invitation_declined"
    entity_type: ClassVar[str] = "project"
    action: ClassVar[str] = "decline_invitation"


@attrs.frozen(kw_only=True)
class InvitationRevoked(InvitationEvent):
    """An owner or administrator withdrew a pending invitation."""

    name: ClassVar[str] = "project.invitation_revoked"
    entity_type: ClassVar[str] = "project"
    action: ClassVar[str] = "revoke_invitation"


# -- tasks ---------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class TaskEvent(DomainEvent):
    """Base of the task events: the task's project and title."""

    project_id: int
    title: str


@attrs.frozen(kw_only=True)
class TaskCreated(TaskEvent):
    """A task was created."""

    name: ClassVar[str] = "task.created"
    entity_type: ClassVar[str] = "task"
    action: ClassVar[str] = "create"

    status: str
    priority: str
    assignee_id: int | None


@attrs.frozen(kw_only=True)
class TaskUpdated(TaskEvent):
    """A task was changed."""

    name: ClassVar[str] = "task.updated"
    entity_type: ClassVar[str] = "task"
    action: ClassVar[str] = "update"

    changes: dict[str, Change]


@attrs.frozen(kw_only=True)
class TaskStatusChanged(TaskEvent):
    """A task moved to another status, besides :class:`TaskUpdated` (the statuses are
    stored as ``old`` and ``new``)."""

    name: ClassVar[str] = "task.status_changed"
    entity_type: ClassVar[str] = "task"
    action: ClassVar[str] = "status_change"

    old_status: str = attrs.field(metadata={_KEY: "old"})
    new_status: str = attrs.field(metadata={_KEY: "new"})
    assignee_id: int | None


@attrs.frozen(kw_only=True)
class TaskAssigned(TaskEvent):
    """A task got another assignee, or none."""

    name: ClassVar[str] = "task.assigned"
    entity_type: ClassVar[str] = "task"
    action: ClassVar[str] = "assign"

    old_assignee_id: int | None
    assignee_id: int | None


@attrs.frozen(kw_only=True)
class TaskDeleted(TaskEvent):
    """A task was deleted with its comments (``with_project``: whether the whole project
    was deleted; ``comments_deleted``: how many comments went, for a task deleted by
    itself)."""

    name: ClassVar[str] = "task.deleted"
    entity_type: ClassVar[str] = "task"
    action: ClassVar[str] = "delete"

    with_project: bool
    comments_deleted: int | None = attrs.field(default=None, metadata=_UNSET_IF_NONE)


# -- comments ------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class CommentEvent(DomainEvent):
    """Base of the comment events: the comment's project, task and a snippet of its
    text."""

    project_id: int
    task_id: int
    content_snippet: str


@attrs.frozen(kw_only=True)
class CommentAdded(CommentEvent):
    """A comment was added."""

    name: ClassVar[str] = "comment.added"
    entity_type: ClassVar[str] = "comment"
    action: ClassVar[str] = "add_comment"


@attrs.frozen(kw_only=True)
class CommentEdited(CommentEvent):
    """A comment's text was changed."""

    name: ClassVar[str] = "comment.edited"
    entity_type: ClassVar[str] = "comment"
    action: ClassVar[str] = "update"


@attrs.frozen(kw_only=True)
class CommentDeleted(CommentEvent):
    """A comment was deleted."""

    name: ClassVar[str] = "comment.deleted"
    entity_type: ClassVar[str] = "comment"
    action: ClassVar[str] = "delete"


@attrs.frozen(kw_only=True)
class UserMentioned(CommentEvent):
    """A comment newly mentions a project member (entity: the comment)."""

    name: ClassVar[str] = "comment.user_mentioned"
    entity_type: ClassVar[str] = "comment"
    action: ClassVar[str] = "mention"

    user_id: int
    username: str


# -- attachments ---------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class AttachmentEvent(DomainEvent):
    """Base of the attachment events: ``filename`` (the client's name, sanitised), its task
    and project (``None`` if the task was gone), and ``file_size`` in bytes."""

    filename: str
    task_id: int
    project_id: int | None
    file_size: int


@attrs.frozen(kw_only=True)
class AttachmentUploaded(AttachmentEvent):
    """A file was attached to a task (``quarantined``, stored only when true: the scanner
    held it back)."""

    name: ClassVar[str] = "attachment.uploaded"
    entity_type: ClassVar[str] = "attachment"
    action: ClassVar[str] = "upload"

    quarantined: bool = attrs.field(default=False, metadata={_OMIT: False})


@attrs.frozen(kw_only=True)
class AttachmentDownloaded(AttachmentEvent):
    """An attachment's file (or a byte range of it) was handed out."""

    name: ClassVar[str] = "attachment.downloaded"
    entity_type: ClassVar[str] = "attachment"
    action: ClassVar[str] = "download"


@attrs.frozen(kw_only=True)
class AttachmentDeleted(AttachmentEvent):
    """An attachment was deleted, by itself or with its task or project (``with_task``:
    whether its task or project was deleted)."""

    name: ClassVar[str] = "attachment.deleted"
    entity_type: ClassVar[str] = "attachment"
    action: ClassVar[str] = "delete"

    with_task: bool


def json_value(value: object) -> object:
    """``value`` in a form JSON can hold: dates and datetimes as ISO 8601 text,
    enumerations as their value, tuples as lists."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return json_value(value.value)
    if isinstance(value, tuple | list):
        return [json_value(v) for v in value]
    return value


def change(old: object, new: object) -> Change:
    """The ``{"old": ..., "new": ...}`` record of one changed field."""
    return {"old": old, "new": new}


EVENT_TYPES: tuple[type[DomainEvent], ...] = (
    UserRegistered,
    UserLoggedIn,
    UserLoggedOut,
    UserUpdated,
    UserAdminUpdated,
    RefreshTokenReplayed,
    ProjectCreated,
    ProjectUpdated,
    ProjectDeleted,
    MemberAdded,
    MemberRemoved,
    MemberRoleChanged,
    MemberInvited,
    InvitationAccepted,
    InvitationDeclined,
    InvitationRevoked,
    TaskCreated,
    TaskUpdated,
    TaskStatusChanged,
    TaskAssigned,
    TaskDeleted,
    CommentAdded,
    CommentEdited,
    CommentDeleted,
    UserMentioned,
    AttachmentUploaded,
    AttachmentDownloaded,
    AttachmentDeleted,
)
"""Every concrete event class, for adapters that map names back to classes."""

_BY_NAME: dict[str, type[DomainEvent]] = {cls.name: cls for cls in EVENT_TYPES}


def event_class(name: str) -> type[DomainEvent]:
    """The event class called ``name``.

    Raises:
        KeyError: no event class has this name.
    """
    return _BY_NAME[name]
