"""The JSON objects the API answers, each described once.

A response class lists the keys of one object with their types (the domain's enums for
fixed sets of values) and, in ``metadata`` (:func:`doc`), a description where one helps.
The JSON comes from :func:`to_json`, the OpenAPI schema from
:func:`taskcore_adapters.http.schemas.response_schema`; :func:`of` copies the fields
from the read model of the same names (or the name a field's ``source`` gives). Those
three are in :mod:`~taskcore_adapters.http.rendering` and are re-exported here.

The bodies around these objects (a confirmation, an object under its key, a list with
its page) are in :mod:`~taskcore_adapters.http.answers`, the statistics and quick
reports in :mod:`~taskcore_adapters.http.figures`; both are built the same way.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final, Literal

import attrs

from taskcore.domain.attachments import AttachmentStatus
from taskcore.domain.custom_fields import FieldType
from taskcore.domain.invitations import InvitationStatus
from taskcore.domain.notifications import NotificationPriority, NotificationStatus
from taskcore.domain.projects import Priority, ProjectStatus, Role
from taskcore.domain.reports import ReportStatus, ReportType
from taskcore.domain.tasks import TaskStatus
from taskcore.domain.webhooks import WebhookDeliveryStatus
from taskcore_adapters.http.rendering import doc, of, to_json

__all__ = [
    "NAIVE_UTC",
    "AccessTokenResponse",
    "ActionCountResponse",
    "ActivityEntryResponse",
    "ActivityResponse",
    "ActivitySummaryResponse",
    "AttachmentResponse",
    "CommentResponse",
    "CustomFieldResponse",
    "DeliveryResponse",
    "ErrorResponse",
    "InvitationResponse",
    "MemberResponse",
    "NotificationResponse",
    "ProjectResponse",
    "RelationResponse",
    "ReportListedResponse",
    "ReportResponse",
    "StatusCountsResponse",
    "SubtasksResponse",
    "TaskResponse",
    "TemplateResponse",
    "UserResponse",
    "WebhookResponse",
    "doc",
    "of",
    "to_json",
]

NAIVE_UTC: Final = "naive UTC ISO 8601, no zone suffix"
"""How the API writes an instant."""


@attrs.frozen(kw_only=True)
class ErrorResponse:
    """Every error answer."""

    error: str
    message: str | None = attrs.field(
        default=None, metadata=doc("a longer explanation, when there is one", omitted=True)
    )
    code: str | None = attrs.field(
        default=None,
        metadata=doc(
            "a machine-readable name of the error, when it has one (`quota_exceeded`, "
            "`malware_detected`, `attachment_quarantined`, `refresh_superseded`, "
            "`scope_required`)",
            omitted=True,
        ),
    )


@attrs.frozen(kw_only=True)
class StatusCountsResponse:
    """How many subtasks have each status."""

    pending: int
    in_progress: int
    completed: int
    cancelled: int


@attrs.frozen(kw_only=True)
class SubtasksResponse:
    """The roll-up of a task's direct subtasks (read-only)."""

    total: int
    by_status: StatusCountsResponse
    estimated_hours: float = attrs.field(metadata=doc("sum of the subtasks' estimates"))
    actual_hours: float = attrs.field(metadata=doc("sum of the subtasks' spent hours"))
    percent_done: int | None = attrs.field(
        metadata=doc("completed subtasks out of those not cancelled, in whole percent")
    )


@attrs.frozen(kw_only=True)
class TaskResponse:
    """A task: the original's 13 keys plus labels, watchers, position, version, its
    parent and the roll-up of its subtasks."""

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
    parent_id: int | None = attrs.field(metadata=doc("the task this one is a subtask of"))
    subtasks: SubtasksResponse
    assignee_ids: tuple[int, ...] = attrs.field(
        metadata=doc("every assignee in order; assignee_id is the first")
    )
    blocked: bool = attrs.field(metadata=doc("an open task blocks this one"))
    custom_fields: dict[str, Any] = attrs.field(
        metadata=doc("the values of the project's custom fields, by key")
    )


@attrs.frozen(kw_only=True)
class CustomFieldResponse:
    """A custom field of a project."""

    id: int
    project_id: int
    key: str
    label: str
    type: FieldType
    required: bool
    options: tuple[str, ...] = attrs.field(metadata=doc("the choices of a select"))
    position: int
    created_at: dt.datetime


@attrs.frozen(kw_only=True)
class RelationResponse:
    """A relation between two tasks, as seen from one of them."""

    id: int
    kind: str = attrs.field(
        metadata=doc(
            "from this task's side: blocks, blocked_by, relates, duplicates, duplicated_by, "
            "precedes, follows, copied_from, copied_to"
        )
    )
    task_id: int = attrs.field(metadata=doc("the task at the other end"))
    task_title: str
    task_status: TaskStatus
    project_id: int = attrs.field(metadata=doc("the other task's project"))
    lag_days: int | None = attrs.field(metadata=doc("days between precedes and follows"))
    created_at: dt.datetime


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


@attrs.frozen(kw_only=True)
class AccessTokenResponse:
    """A personal access token as its owner and administrators see it (never its secret)."""

    id: int
    user_id: int
    name: str
    scopes: tuple[str, ...] = attrs.field(
        metadata=doc("`<area>:read` or `<area>:write` (which includes read)")
    )
    created_at: dt.datetime = attrs.field(metadata=doc(NAIVE_UTC))
    expires_at: dt.datetime = attrs.field(metadata=doc(NAIVE_UTC))
    last_used_at: dt.datetime | None = attrs.field(
        metadata=doc(f"{NAIVE_UTC}; null when never used; recorded at most once a minute")
    )
    last_used_from: str | None = attrs.field(metadata=doc("the address of that use"))
    expired: bool


def _quarantined_only(
    status: AttachmentStatus | None,
) -> Literal[AttachmentStatus.QUARANTINED] | None:
    """``status`` when the file is quarantined, else ``None`` (the key is left out)."""
    return AttachmentStatus.QUARANTINED if status is AttachmentStatus.QUARANTINED else None


@attrs.frozen(kw_only=True)
class AttachmentResponse:
    """An attachment: the original's keys plus ``uploaded_by_username`` (and ``status``
    for a quarantined file)."""

    id: int
    filename: str = attrs.field(metadata=doc("generated name: `<random hex>.<ext>`"))
    original_filename: str = attrs.field(metadata=doc("the client's name, sanitised"))
    file_size: int
    mime_type: str = attrs.field(metadata=doc("from the extension, once checked"))
    file_hash: str = attrs.field(metadata=doc("SHA-256, lower-case hex"))
    created_at: dt.datetime
    task_id: int
    uploaded_by: int
    uploaded_by_username: str
    status: Literal[AttachmentStatus.QUARANTINED] | None = attrs.field(
        default=None,
        converter=_quarantined_only,
        metadata=doc(
            "present only for a quarantined file (it could not be scanned for malware "
            "and is never served)",
            omitted=True,
        ),
    )


@attrs.frozen(kw_only=True)
class WebhookResponse:
    """A project's webhook, without its secrets."""

    id: int
    project_id: int
    url: str
    event_types: tuple[str, ...] = attrs.field(
        metadata=doc("event names such as `task.created`, or `*` for every event")
    )
    description: str
    is_active: bool
    disabled_reason: str | None = attrs.field(
        metadata=doc("why deliveries were stopped automatically")
    )
    consecutive_failures: int = attrs.field(
        metadata=doc("deliveries in a row that failed for good")
    )
    secret_rotating_until: dt.datetime | None = attrs.field(
        metadata=doc("until when the previous secret still signs, after a rotation")
    )
    created_by: int | None
    created_at: dt.datetime
    updated_at: dt.datetime


@attrs.frozen(kw_only=True)
class DeliveryResponse:
    """One delivery of an event to a webhook, without its body."""

    id: int = attrs.field(metadata=doc(source="key"))
    webhook_id: int = attrs.field(metadata=doc(source="endpoint_id"))
    event_id: str
    event_type: str
    message_id: str = attrs.field(metadata=doc("the `webhook-id` header"))
    status: WebhookDeliveryStatus
    attempts: int
    last_status_code: int | None
    last_error: str | None
    next_attempt_at: dt.datetime | None = attrs.field(
        metadata=doc("when a pending delivery is tried next")
    )
    created_at: dt.datetime
    updated_at: dt.datetime


@attrs.frozen(kw_only=True)
class NotificationResponse:
    """A notification: the original's 14 keys plus ``read_at``."""

    id: int
    recipient_email: str
    recipient_id: int
    subject: str
    body: str
    notification_type: str
    status: NotificationStatus
    priority: NotificationPriority
    context_data: dict[str, Any] | None
    scheduled_at: dt.datetime | None = attrs.field(metadata=doc(NAIVE_UTC))
    sent_at: dt.datetime | None = attrs.field(metadata=doc(NAIVE_UTC))
    created_at: dt.datetime | None = attrs.field(metadata=doc(NAIVE_UTC))
    error_message: str | None
    retry_count: int
    read_at: dt.datetime | None = attrs.field(metadata=doc(NAIVE_UTC))


@attrs.frozen(kw_only=True)
class TemplateResponse:
    """A notification template: the original's 8 keys."""

    id: int
    name: str
    subject_template: str
    body_template: str
    notification_type: str
    is_active: bool
    created_at: dt.datetime | None = attrs.field(metadata=doc(NAIVE_UTC))
    updated_at: dt.datetime | None = attrs.field(metadata=doc(NAIVE_UTC))


@attrs.frozen(kw_only=True)
class ActivityEntryResponse:
    """An activity-log entry: the original's 11 columns."""

    id: int
    user_id: int | None = attrs.field(metadata=doc("null for a system action"))
    action: str
    entity_type: str
    entity_id: int
    details: dict[str, Any] | None
    ip_address: str | None
    user_agent: str | None
    created_at: dt.datetime
    session_id: str | None
    service_name: str


@attrs.frozen(kw_only=True)
class ActivityResponse(ActivityEntryResponse):
    """An activity-log entry and the name of its user."""

    username: str


@attrs.frozen(kw_only=True)
class ActionCountResponse:
    """How many entries have one action."""

    action: str = attrs.field(metadata=doc(source="name"))
    count: int


@attrs.frozen(kw_only=True)
class ActivitySummaryResponse:
    """The stored summary of one UTC day: the original's 7 columns."""

    id: int
    date: dt.date = attrs.field(metadata=doc("YYYY-MM-DD (UTC day)"))
    total_activities: int
    unique_users: int
    top_actions: tuple[ActionCountResponse, ...] = attrs.field(metadata=doc(maxItems=10))
    created_at: dt.datetime
    updated_at: dt.datetime


@attrs.frozen(kw_only=True)
class ReportResponse:
    """A report: the original's 12 keys; ``parameters`` never hold a token."""

    id: int = attrs.field(metadata=doc(source="key"))
    name: str
    report_type: ReportType = attrs.field(metadata=doc(source="type"))
    status: ReportStatus
    parameters: dict[str, Any] = attrs.field(
        metadata=doc("the validated parameters; never a token")
    )
    data: dict[str, Any] | None = attrs.field(
        metadata=doc("the generated figures (docs/reports.md); null until completed")
    )
    generated_by: int = attrs.field(metadata=doc("the requester", source="requested_by"))
    created_at: dt.datetime
    completed_at: dt.datetime | None = attrs.field(metadata=doc(NAIVE_UTC))
    error_message: str | None = attrs.field(metadata=doc(source="error"))
    file_path: None = attrs.field(default=None, init=False, metadata=doc("always null"))
    expires_at: dt.datetime


@attrs.frozen(kw_only=True)
class ReportListedResponse(ReportResponse):
    """A report in a list: its data left out (null), with the requester's username."""

    generated_by_username: str
