"""Notifications: queued e-mail and in-app messages, their templates, and preferences.

A :class:`Notification` is one message to one user. E-mail notifications move
``pending → sending → sent``, or end ``failed`` (refused for good, or out of attempts) or
``failed_config`` (the mail settings are wrong). In-app notifications are delivered when
they are created (status ``sent``) and carry ``read_at`` once their recipient has read them.
"""

from __future__ import annotations

import datetime as dt
import enum
import html
import re
from collections.abc import Mapping
from typing import Any

import attrs

from taskcore.errors import ValidationError


class NotificationStatus(enum.StrEnum):
    """Where a notification stands."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    FAILED_CONFIG = "failed_config"


class NotificationPriority(enum.StrEnum):
    """How urgent a notification is; :attr:`rank` orders them (``high`` first)."""

    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"

    @property
    def rank(self) -> int:
        """Higher is more urgent: low 1, normal 2, high 3."""
        return _RANKS[self]


_RANKS = {
    NotificationPriority.LOW: 1,
    NotificationPriority.NORMAL: 2,
    NotificationPriority.HIGH: 3,
}

EMAIL = "email"
"""The notification type delivered by e-mail."""

IN_APP = "in_app"
"""The notification type shown in the recipient's inbox."""

MAX_TYPE_LENGTH = 50
MAX_SUBJECT_LENGTH = 500
MAX_NAME_LENGTH = 100
MAX_BODY_LENGTH = 100_000


@attrs.define(kw_only=True)
class Notification:
    """One message to one user (14 fields, plus delivery bookkeeping).

    Attributes:
        attempts: Delivery attempts started (each claim counts one).
        next_attempt_at: When the next attempt is due; while ``sending``, when the claim
            expires and another run may take it over.
        read_at: When the recipient marked it read (in-app notifications).
    """

    id: int | None = None
    recipient_email: str
    recipient_id: int
    subject: str = ""
    body: str = ""
    notification_type: str = EMAIL
    status: NotificationStatus = NotificationStatus.PENDING
    priority: NotificationPriority = NotificationPriority.NORMAL
    context_data: dict[str, Any] | None = None
    scheduled_at: dt.datetime
    sent_at: dt.datetime | None = None
    created_at: dt.datetime
    error_message: str | None = None
    retry_count: int = 0
    read_at: dt.datetime | None = None
    attempts: int = 0
    next_attempt_at: dt.datetime

    @property
    def key(self) -> int:
        """The id of a stored notification."""
        if self.id is None:
            raise ValueError("notification is not stored yet")
        return self.id

    @property
    def is_html(self) -> bool:
        """Whether the body is sent as HTML: it contains ``<html>`` (in any case)."""
        return "<html" in self.body.lower()

    @property
    def message_id(self) -> str:
        """The e-mail Message-ID: derived from the id, so a resend carries the same one."""
        return f"<notification-{self.key}@taskcore>"


@attrs.define(kw_only=True)
class NotificationTemplate:
    """A named subject and body with ``{{ placeholders }}``, rendered with a context."""

    id: int | None = None
    name: str
    subject_template: str
    body_template: str
    notification_type: str = EMAIL
    is_active: bool = True
    created_at: dt.datetime
    updated_at: dt.datetime

    @property
    def key(self) -> int:
        """The id of a stored template."""
        if self.id is None:
            raise ValueError("template is not stored yet")
        return self.id


# -- preferences ------------------------------------------------------------------------------


class NotifyEvent(enum.StrEnum):
    """What a user can be notified about."""

    TASK_ASSIGNED = "task_assigned"
    TASK_COMPLETED = "task_completed"
    COMMENT_ADDED = "comment_added"
    MENTIONED = "mentioned"
    PROJECT_INVITED = "project_invited"
    TASK_REMINDER = "task_reminder"
    DAILY_DIGEST = "daily_digest"


class Channel(enum.StrEnum):
    """How a user can be notified."""

    IN_APP = "in_app"
    EMAIL = "email"


@attrs.frozen(kw_only=True)
class NotificationPreferences:
    """Which channels a user wants for which events; everything is on by default.

    Attributes:
        user_id: The user.
        choices: ``{event: {channel: on}}``; missing entries are on.
    """

    user_id: int
    choices: Mapping[NotifyEvent, Mapping[Channel, bool]] = attrs.field(factory=dict)

    def wants(self, event: NotifyEvent, channel: Channel) -> bool:
        """Whether the user wants ``event`` through ``channel``."""
        return self.choices.get(event, {}).get(channel, True)

    def full(self) -> dict[NotifyEvent, dict[Channel, bool]]:
        """Every event and channel with its setting (defaults filled in)."""
        return {e: {c: self.wants(e, c) for c in Channel} for e in NotifyEvent}

    def changed(self, changes: Mapping[str, Mapping[str, Any]]) -> NotificationPreferences:
        """These preferences with ``changes`` (``{event: {channel: bool}}``) applied.

        Raises:
            ValidationError: an unknown event or channel, or a value that is not a boolean.
        """
        result = self.full()
        for event_name, channels in changes.items():
            try:
                event = NotifyEvent(event_name)
            except ValueError:
                raise ValidationError(
                    f"Unknown notification event: {event_name}", field="preferences"
                ) from None
            if not isinstance(channels, Mapping):
                raise ValidationError(
                    f"{event_name} must be an object of channels", field=event_name
                )
            for channel_name, on in channels.items():
                try:
                    channel = Channel(channel_name)
                except ValueError:
                    raise ValidationError(
                        f"Unknown notification channel: {channel_name}", field=event_name
                    ) from None
                if not isinstance(on, bool):
                    raise ValidationError(
                        f"{event_name}.{channel_name} must be true or false", field=event_name
                    )
                result[event][channel] = on
        return NotificationPreferences(user_id=self.user_id, choices=result)


# -- rules ------------------------------------------------------------------------------------


def parse_priority(value: str | None) -> NotificationPriority:
    """``low``, ``normal`` (the default) or ``high``.

    Raises:
        ValidationError: any other value.
    """
    if value is None or value == "":
        return NotificationPriority.NORMAL
    try:
        return NotificationPriority(value)
    except ValueError:
        raise ValidationError("priority must be low, normal or high", field="priority") from None


def parse_when(value: str | dt.datetime | None, now: dt.datetime) -> dt.datetime:
    """A schedule time: an ISO 8601 text (naive means UTC) or ``now``.

    Raises:
        ValidationError: the text is not an ISO 8601 date and time.
    """
    if value is None or value == "":
        return now
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            raise ValidationError(
                "scheduled_at must be an ISO 8601 date and time", field="scheduled_at"
            ) from None
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def check_text(value: str | None, field: str, limit: int, *, required: bool = True) -> str:
    """A required (truthy: an empty text is missing) or optional text within ``limit``
    characters.

    Raises:
        ValidationError: ``<field> is required``, or the text is too long.
    """
    if not value:
        if required:
            raise ValidationError(f"{field} is required", field=field)
        return ""
    if len(value) > limit:
        raise ValidationError(f"{field} must be at most {limit} characters", field=field)
    return value


_TAG = re.compile(r"<[^>]*>")


def plain_text(html_body: str) -> str:
    """A readable plain-text alternative of an HTML body (tags dropped, entities decoded)."""
    text = re.sub(r"(?i)<br\s*/?>|</p>|</li>|</h\d>|</tr>", "\n", html_body)
    text = html.unescape(_TAG.sub("", text))
    lines = [line.strip() for line in text.splitlines()]
    return "\n".join(line for line in lines if line) + "\n"


# -- the built-in templates -----------------------------------------------------------------

TASK_ASSIGNED = "task_assigned"
TASK_COMPLETED = "task_completed"
COMMENT_ADDED = "comment_added"
USER_MENTIONED = "user_mentioned"

SEEDED_TEMPLATES: Mapping[str, tuple[str, str]] = {
    TASK_ASSIGNED: (
        "Task Assigned: {{ task_title }}",
        """<html>
<body>
<h2>Task Assigned</h2>
<p>Hello {{ user_name }},</p>
<p>You have been assigned a new task:</p>
<ul>
<li><strong>Task:</strong> {{ task_title }}</li>
<li><strong>Project:</strong> {{ project_name }}</li>
<li><strong>Assigned by:</strong> {{ assigned_by }}</li>
<li><strong>Due date:</strong> {{ due_date }}</li>
</ul>
<p>Please log in to the task management system to view more details.</p>
</body>
</html>
""",
    ),
    TASK_COMPLETED: (
        "Task Completed: {{ task_title }}",
        """<html>
<body>
<h2>Task Completed</h2>
<p>Hello {{ user_name }},</p>
<p>A task in your project has been completed:</p>
<ul>
<li><strong>Task:</strong> {{ task_title }}</li>
<li><strong>Project:</strong> {{ project_name }}</li>
<li><strong>Completed by:</strong> {{ completed_by }}</li>
<li><strong>Completion date:</strong> {{ completion_date }}</li>
</ul>
</body>
</html>
""",
    ),
}
"""The two templates every new store starts with, ids 1 and 2 (name → subject, HTML body),
as ``jinja`` text."""

BUILTIN_TEMPLATES: Mapping[str, tuple[str, str]] = {
    **SEEDED_TEMPLATES,
    COMMENT_ADDED: (
        "New comment on {{ task_title }}",
        """<html>
<body>
<p>Hello {{ user_name }},</p>
<p>{{ author }} commented on <strong>{{ task_title }}</strong> ({{ project_name }}):</p>
<blockquote>{{ snippet }}</blockquote>
</body>
</html>
""",
    ),
    USER_MENTIONED: (
        "{{ author }} mentioned you on {{ task_title }}",
        """<html>
<body>
<p>Hello {{ user_name }},</p>
<p>{{ author }} mentioned you in a comment on <strong>{{ task_title }}</strong>
({{ project_name }}):</p>
<blockquote>{{ snippet }}</blockquote>
</body>
</html>
""",
    ),
}
"""Templates used for event notifications when no active stored template has the name."""
