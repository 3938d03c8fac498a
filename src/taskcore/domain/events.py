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

from typing import ClassVar

import attrs

from taskcore.domain.event_base import (
    DETAILS_KEY,
    OMIT_WHEN,
    UNSET_IF_NONE,
    Change,
    DomainEvent,
    change,
    event_class,
    json_value,
    new_event_id,
    register,
)
from taskcore.domain.identity_events import IDENTITY_EVENT_TYPES
from taskcore.domain.task_events import (
    TASK_EVENT_TYPES,
    CustomFieldChanged,
    CustomFieldDefined,
    CustomFieldDeleted,
    CustomFieldEvent,
    TaskAssigned,
    TaskBlockersOverridden,
    TaskCreated,
    TaskDeleted,
    TaskEvent,
    TaskRelationAdded,
    TaskRelationRemoved,
    TaskStatusChanged,
    TaskUpdated,
)
from taskcore.domain.team_events import TEAM_EVENT_TYPES
from taskcore.domain.time_events import TIME_EVENT_TYPES
from taskcore.domain.token_events import TOKEN_EVENT_TYPES

__all__ = [
    "EVENT_TYPES",
    "Change",
    "CustomFieldChanged",
    "CustomFieldDefined",
    "CustomFieldDeleted",
    "CustomFieldEvent",
    "DomainEvent",
    "TaskAssigned",
    "TaskBlockersOverridden",
    "TaskCreated",
    "TaskDeleted",
    "TaskEvent",
    "TaskRelationAdded",
    "TaskRelationRemoved",
    "TaskStatusChanged",
    "TaskUpdated",
    "change",
    "event_class",
    "json_value",
    "new_event_id",
]


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

    email: Change | None = attrs.field(default=None, metadata=UNSET_IF_NONE)
    full_name: Change | None = attrs.field(default=None, metadata=UNSET_IF_NONE)
    password: str | None = attrs.field(default=None, metadata=UNSET_IF_NONE)


@attrs.frozen(kw_only=True)
class UserAdminUpdated(DomainEvent):
    """An admin changed a user's flags: the changed ones, old → new."""

    name: ClassVar[str] = "user.admin_updated"
    entity_type: ClassVar[str] = "user"
    action: ClassVar[str] = "admin_update"

    is_active: Change | None = attrs.field(default=None, metadata=UNSET_IF_NONE)
    is_admin: Change | None = attrs.field(default=None, metadata=UNSET_IF_NONE)


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
    project_name: str = attrs.field(metadata={DETAILS_KEY: "name"})
    owner_id: int


@attrs.frozen(kw_only=True)
class ProjectUpdated(DomainEvent):
    """A project was changed (``project_name`` is stored as ``name``)."""

    name: ClassVar[str] = "project.updated"
    entity_type: ClassVar[str] = "project"
    action: ClassVar[str] = "update"

    project_id: int
    project_name: str = attrs.field(metadata={DETAILS_KEY: "name"})
    changes: dict[str, Change]


@attrs.frozen(kw_only=True)
class ProjectDeleted(DomainEvent):
    """A project was deleted with its tasks and their comments (``project_name`` is
    stored as ``name``)."""

    name: ClassVar[str] = "project.deleted"
    entity_type: ClassVar[str] = "project"
    action: ClassVar[str] = "delete"

    project_id: int
    project_name: str = attrs.field(metadata={DETAILS_KEY: "name"})
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
    invitation_id: int | None = attrs.field(default=None, metadata=UNSET_IF_NONE)


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

    quarantined: bool = attrs.field(default=False, metadata={OMIT_WHEN: False})


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


EVENT_TYPES: tuple[type[DomainEvent], ...] = (
    UserRegistered,
    UserLoggedIn,
    UserLoggedOut,
    UserUpdated,
    UserAdminUpdated,
    RefreshTokenReplayed,
    *IDENTITY_EVENT_TYPES,
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
    *TEAM_EVENT_TYPES,
    *TASK_EVENT_TYPES,
    CommentAdded,
    CommentEdited,
    CommentDeleted,
    UserMentioned,
    AttachmentUploaded,
    AttachmentDownloaded,
    AttachmentDeleted,
    *TIME_EVENT_TYPES,
    *TOKEN_EVENT_TYPES,
)
"""Every concrete event class, for adapters that map names back to classes."""

register(*EVENT_TYPES)
