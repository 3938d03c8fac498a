"""Domain events: facts that happened, recorded in the outbox with the change that caused them.

Every event has a unique ``event_id`` (so consumers can be idempotent), the time it
happened, and the acting user. ``name`` is the stable identifier used on the wire and in
the outbox; it never changes once published.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Any, ClassVar

import attrs


def new_event_id() -> str:
    """A fresh, globally unique event id."""
    return uuid.uuid4().hex


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
    details: dict[str, Any] = attrs.field(factory=dict)
    entity_version: int | None = None
    event_id: str = attrs.field(factory=new_event_id)


@attrs.frozen(kw_only=True)
class UserRegistered(DomainEvent):
    """A new account was created (``details``: username)."""

    name: ClassVar[str] = "user.registered"
    entity_type: ClassVar[str] = "user"
    action: ClassVar[str] = "create"


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
    """A user changed their own profile (``details``: changed fields, old → new)."""

    name: ClassVar[str] = "user.updated"
    entity_type: ClassVar[str] = "user"
    action: ClassVar[str] = "update"


@attrs.frozen(kw_only=True)
class UserAdminUpdated(DomainEvent):
    """An admin changed a user's flags (``details``: changed fields, old → new)."""

    name: ClassVar[str] = "user.admin_updated"
    entity_type: ClassVar[str] = "user"
    action: ClassVar[str] = "admin_update"


@attrs.frozen(kw_only=True)
class RefreshTokenReplayed(DomainEvent):
    """A used refresh token was presented again; its session was revoked (``details``:
    session_id). A security event: the token may have leaked."""

    name: ClassVar[str] = "user.refresh_token_reused"
    entity_type: ClassVar[str] = "user"
    action: ClassVar[str] = "refresh_token_reuse"


# -- projects and membership ---------------------------------------------------------------
#
# Every event of the project, task and comment areas carries ``project_id`` in ``details``
# so consumers (activity log, notifications) can route it without reading anything back.
# Update events carry ``changes``: ``{field: {"old": ..., "new": ...}}`` with JSON values.


@attrs.frozen(kw_only=True)
class ProjectCreated(DomainEvent):
    """A project was created (``details``: project_id, name, owner_id)."""

    name: ClassVar[str] = "project.created"
    entity_type: ClassVar[str] = "project"
    action: ClassVar[str] = "create"


@attrs.frozen(kw_only=True)
class ProjectUpdated(DomainEvent):
    """A project was changed (``details``: project_id, name, changes)."""

    name: ClassVar[str] = "project.updated"
    entity_type: ClassVar[str] = "project"
    action: ClassVar[str] = "update"


@attrs.frozen(kw_only=True)
class ProjectDeleted(DomainEvent):
    """A project was deleted with its tasks and their comments (``details``: project_id,
    name, task_ids)."""

    name: ClassVar[str] = "project.deleted"
    entity_type: ClassVar[str] = "project"
    action: ClassVar[str] = "delete"


@attrs.frozen(kw_only=True)
class MemberAdded(DomainEvent):
    """A user joined a project (entity: the project; ``details``: project_id, user_id,
    role)."""

    name: ClassVar[str] = "project.member_added"
    entity_type: ClassVar[str] = "project"
    action: ClassVar[str] = "add_member"


@attrs.frozen(kw_only=True)
class MemberRemoved(DomainEvent):
    """A user left or was removed from a project (entity: the project; ``details``:
    project_id, user_id, role, unassigned_task_ids)."""

    name: ClassVar[str] = "project.member_removed"
    entity_type: ClassVar[str] = "project"
    action: ClassVar[str] = "remove_member"


@attrs.frozen(kw_only=True)
class MemberRoleChanged(DomainEvent):
    """A member's role changed (entity: the project; ``details``: project_id, user_id,
    changes)."""

    name: ClassVar[str] = "project.member_role_changed"
    entity_type: ClassVar[str] = "project"
    action: ClassVar[str] = "change_member_role"


@attrs.frozen(kw_only=True)
class MemberInvited(DomainEvent):
    """A user was invited to a project (entity: the project; ``details``: project_id,
    invitation_id, user_id, role, expires_at)."""

    name: ClassVar[str] = "project.member_invited"
    entity_type: ClassVar[str] = "project"
    action: ClassVar[str] = "invite_member"


@attrs.frozen(kw_only=True)
class InvitationAccepted(DomainEvent):
    """The invited user accepted (entity: the project; ``details``: project_id,
    invitation_id, user_id, role, invited_by). A :class:`MemberAdded` follows."""

    name: ClassVar[str] = "project.invitation_accepted"
    entity_type: ClassVar[str] = "project"
    action: ClassVar[str] = "accept_invitation"


@attrs.frozen(kw_only=True)
class InvitationDeclined(DomainEvent):
    """The invited user declined (entity: the project; ``details``: project_id,
    invitation_id, user_id, role, invited_by)."""

    name: ClassVar[str] = "project.invitation_declined"
    entity_type: ClassVar[str] = "project"
    action: ClassVar[str] = "decline_invitation"


@attrs.frozen(kw_only=True)
class InvitationRevoked(DomainEvent):
    """An owner or administrator withdrew a pending invitation (entity: the project;
    ``details``: project_id, invitation_id, user_id, role, invited_by)."""

    name: ClassVar[str] = "project.invitation_revoked"
    entity_type: ClassVar[str] = "project"
    action: ClassVar[str] = "revoke_invitation"


# -- tasks ---------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class TaskCreated(DomainEvent):
    """A task was created (``details``: project_id, title, status, priority,
    assignee_id)."""

    name: ClassVar[str] = "task.created"
    entity_type: ClassVar[str] = "task"
    action: ClassVar[str] = "create"


@attrs.frozen(kw_only=True)
class TaskUpdated(DomainEvent):
    """A task was changed (``details``: project_id, title, changes)."""

    name: ClassVar[str] = "task.updated"
    entity_type: ClassVar[str] = "task"
    action: ClassVar[str] = "update"


@attrs.frozen(kw_only=True)
class TaskStatusChanged(DomainEvent):
    """A task moved to another status, besides :class:`TaskUpdated` (``details``:
    project_id, title, old, new, assignee_id)."""

    name: ClassVar[str] = "task.status_changed"
    entity_type: ClassVar[str] = "task"
    action: ClassVar[str] = "status_change"


@attrs.frozen(kw_only=True)
class TaskAssigned(DomainEvent):
    """A task got another assignee, or none (``details``: project_id, title,
    old_assignee_id, assignee_id)."""

    name: ClassVar[str] = "task.assigned"
    entity_type: ClassVar[str] = "task"
    action: ClassVar[str] = "assign"


@attrs.frozen(kw_only=True)
class TaskDeleted(DomainEvent):
    """A task was deleted with its comments (``details``: project_id, title,
    with_project: whether the whole project was deleted)."""

    name: ClassVar[str] = "task.deleted"
    entity_type: ClassVar[str] = "task"
    action: ClassVar[str] = "delete"


# -- comments ------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class CommentAdded(DomainEvent):
    """A comment was added (``details``: project_id, task_id, content_snippet)."""

    name: ClassVar[str] = "comment.added"
    entity_type: ClassVar[str] = "comment"
    action: ClassVar[str] = "add_comment"


@attrs.frozen(kw_only=True)
class CommentEdited(DomainEvent):
    """A comment's text was changed (``details``: project_id, task_id, content_snippet)."""

    name: ClassVar[str] = "comment.edited"
    entity_type: ClassVar[str] = "comment"
    action: ClassVar[str] = "update"


@attrs.frozen(kw_only=True)
class CommentDeleted(DomainEvent):
    """A comment was deleted (``details``: project_id, task_id, content_snippet)."""

    name: ClassVar[str] = "comment.deleted"
    entity_type: ClassVar[str] = "comment"
    action: ClassVar[str] = "delete"


@attrs.frozen(kw_only=True)
class UserMentioned(DomainEvent):
    """A comment newly mentions a project member (entity: the comment; ``details``:
    project_id, task_id, user_id, username, content_snippet)."""

    name: ClassVar[str] = "comment.user_mentioned"
    entity_type: ClassVar[str] = "comment"
    action: ClassVar[str] = "mention"


# -- attachments ---------------------------------------------------------------------------
#
# Attachment events carry ``details``: filename (the sanitised original name), task_id,
# project_id and file_size (bytes).


@attrs.frozen(kw_only=True)
class AttachmentUploaded(DomainEvent):
    """A file was attached to a task (``details``: filename, task_id, project_id,
    file_size)."""

    name: ClassVar[str] = "attachment.uploaded"
    entity_type: ClassVar[str] = "attachment"
    action: ClassVar[str] = "upload"


@attrs.frozen(kw_only=True)
class AttachmentDownloaded(DomainEvent):
    """An attachment's file (or a byte range of it) was handed out (``details``: filename,
    task_id, project_id, file_size)."""

    name: ClassVar[str] = "attachment.downloaded"
    entity_type: ClassVar[str] = "attachment"
    action: ClassVar[str] = "download"


@attrs.frozen(kw_only=True)
class AttachmentDeleted(DomainEvent):
    """An attachment was deleted, by itself or with its task or project (``details``:
    filename, task_id, project_id, file_size, with_task: whether its task or project was
    deleted)."""

    name: ClassVar[str] = "attachment.deleted"
    entity_type: ClassVar[str] = "attachment"
    action: ClassVar[str] = "delete"


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


def change(old: object, new: object) -> dict[str, object]:
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
