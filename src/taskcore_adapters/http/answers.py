"""The bodies the API answers with around its objects, one class each.

A read answers the object under its key (``{"comment": {...}}``), a write a confirmation
with it (``{"message": ..., "comment": {...}}``), a list its items with their page
(:class:`Listing`, or a class with ``pagination`` for the lists that page by number
only). The field name is the key. As for the objects in
:mod:`~taskcore_adapters.http.responses`, the JSON comes from ``to_json`` and the schema
from :func:`taskcore_adapters.http.schemas.response_schema`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

import attrs

from taskcore.domain.notifications import Channel, NotifyEvent
from taskcore.domain.pagination import CursorPage, Page
from taskcore.domain.reports import ReportStatus
from taskcore_adapters.http.responses import (
    NAIVE_UTC,
    AccessTokenResponse,
    ActivityEntryResponse,
    ActivityResponse,
    ActivitySummaryResponse,
    AttachmentResponse,
    CommentResponse,
    DeliveryResponse,
    InvitationResponse,
    MemberResponse,
    NotificationResponse,
    ProjectResponse,
    ReportListedResponse,
    ReportResponse,
    TemplateResponse,
    UserResponse,
    WebhookResponse,
    doc,
)

# -- what every answer is made of ---------------------------------------------------------


@attrs.frozen(kw_only=True)
class Message:
    """A confirmation: ``{"message": ...}``."""

    message: str


@attrs.frozen(kw_only=True)
class Pagination:
    """The original's pagination block, with the values actually used."""

    page: int
    pages: int
    per_page: int
    total: int

    @classmethod
    def of(cls, page: Page[Any]) -> Pagination:
        """The block of ``page``."""
        return cls(page=page.page, pages=page.pages, per_page=page.per_page, total=page.total)


@attrs.frozen(kw_only=True)
class Listing:
    """A list that pages by number or by cursor: its items (the subclass's one field) with
    ``pagination`` for a numbered page, or ``next_cursor`` (``null`` after the last slice)
    for a keyset slice; the JSON has one of the two keys, never both."""

    pagination: Pagination | None = attrs.field(default=None, metadata=doc(omitted=True))
    next_cursor: str | None = attrs.field(default=None, metadata=doc(unless="pagination"))


L = TypeVar("L", bound=Listing)
T = TypeVar("T")


def listing_items(cls: type[Listing]) -> attrs.Attribute[Any]:
    """The field of a :class:`Listing` subclass that holds its items."""
    fields: list[attrs.Attribute[Any]] = [
        f for f in attrs.fields(cls) if f.name not in ("pagination", "next_cursor")
    ]
    (items,) = fields
    return items


def listing(cls: type[L], found: Page[T] | CursorPage[T], render: Callable[[T], Any]) -> L:
    """A ``cls`` of ``found``'s items, each rendered, and its page or cursor."""
    items: dict[str, Any] = {listing_items(cls).name: tuple(render(i) for i in found.items)}
    if isinstance(found, Page):
        return cls(**items, pagination=Pagination.of(found))
    return cls(**items, next_cursor=found.next_cursor)


# -- each area's answers -------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class UserAnswer:
    """One user."""

    user: UserResponse


@attrs.frozen(kw_only=True)
class UserMessage(Message):
    """A confirmation and the user."""

    user: UserResponse


@attrs.frozen(kw_only=True)
class UserPage:
    """A page of users."""

    users: tuple[UserResponse, ...]
    pagination: Pagination


@attrs.frozen(kw_only=True)
class AccessTokenCreated:
    """A new personal access token and its secret (shown this once, never again)."""

    message: str
    token: AccessTokenResponse
    secret: str = attrs.field(
        metadata=doc("the token to send as `Authorization: Bearer <secret>`; shown only now")
    )


@attrs.frozen(kw_only=True)
class AccessTokenPage:
    """A page of personal access tokens, newest first."""

    tokens: tuple[AccessTokenResponse, ...]
    pagination: Pagination


@attrs.frozen(kw_only=True)
class TokenValidity:
    """A valid token's user."""

    valid: bool
    user: UserResponse


@attrs.frozen(kw_only=True)
class Tokens(Message):
    """Fresh tokens: the access token, its expiry, and the refresh token that renews it
    once."""

    token: str
    expires_at: dt.datetime | None = attrs.field(metadata=doc(NAIVE_UTC))
    refresh_token: str
    refresh_expires_at: dt.datetime | None = attrs.field(metadata=doc(NAIVE_UTC))


@attrs.frozen(kw_only=True)
class LoggedIn(Tokens):
    """Fresh tokens and the user who logged in."""

    user: UserResponse


@attrs.frozen(kw_only=True)
class ProjectAnswer:
    """One project."""

    project: ProjectResponse


@attrs.frozen(kw_only=True)
class ProjectMessage(Message):
    """A confirmation and the project."""

    project: ProjectResponse


@attrs.frozen(kw_only=True)
class ProjectList(Listing):
    """Projects, by page or by cursor."""

    projects: tuple[ProjectResponse, ...]


@attrs.frozen(kw_only=True)
class MemberMessage(Message):
    """A confirmation and the membership."""

    member: MemberResponse


@attrs.frozen(kw_only=True)
class MemberList(Listing):
    """A project's members, by page or by cursor."""

    members: tuple[MemberResponse, ...]


@attrs.frozen(kw_only=True)
class InvitationAnswer:
    """One invitation."""

    invitation: InvitationResponse


@attrs.frozen(kw_only=True)
class InvitationMessage(Message):
    """A confirmation and the invitation."""

    invitation: InvitationResponse


@attrs.frozen(kw_only=True)
class InvitationList(Listing):
    """Invitations, by page or by cursor."""

    invitations: tuple[InvitationResponse, ...]


@attrs.frozen(kw_only=True)
class CommentAnswer:
    """One comment."""

    comment: CommentResponse


@attrs.frozen(kw_only=True)
class CommentMessage(Message):
    """A confirmation and the comment."""

    comment: CommentResponse


@attrs.frozen(kw_only=True)
class CommentList(Listing):
    """A task's comments, by page or by cursor."""

    comments: tuple[CommentResponse, ...]


@attrs.frozen(kw_only=True)
class CommentCount:
    """How many comments a task has."""

    task_id: int
    comment_count: int


@attrs.frozen(kw_only=True)
class CommentsDeleted(Message):
    """How many comments a bulk delete removed."""

    deleted_count: int


@attrs.frozen(kw_only=True)
class AttachmentAnswer:
    """One attachment."""

    attachment: AttachmentResponse


@attrs.frozen(kw_only=True)
class AttachmentMessage(Message):
    """A confirmation and the attachment."""

    attachment: AttachmentResponse


@attrs.frozen(kw_only=True)
class AttachmentList(Listing):
    """A task's attachments, by page or by cursor."""

    attachments: tuple[AttachmentResponse, ...]


@attrs.frozen(kw_only=True)
class AttachmentCount:
    """How many attachments a task has."""

    task_id: int
    attachment_count: int


@attrs.frozen(kw_only=True)
class AttachmentsDeleted(Message):
    """How many attachments a bulk delete removed, and how many of their files."""

    deleted_count: int
    deleted_files: int


@attrs.frozen(kw_only=True)
class WebhookAnswer:
    """One webhook."""

    webhook: WebhookResponse


@attrs.frozen(kw_only=True)
class WebhookMessage(Message):
    """A confirmation and the webhook."""

    webhook: WebhookResponse


@attrs.frozen(kw_only=True)
class WebhookPage:
    """A page of a project's webhooks."""

    webhooks: tuple[WebhookResponse, ...]
    pagination: Pagination


@attrs.frozen(kw_only=True)
class DeliveryPage:
    """A page of a webhook's deliveries."""

    deliveries: tuple[DeliveryResponse, ...]
    pagination: Pagination


_SHOWN_ONCE = "`whsec_` and base64; shown only now"


@attrs.frozen(kw_only=True)
class WebhookCreated(Message):
    """A new webhook and its signing secret, shown this once."""

    webhook: WebhookResponse
    secret: str = attrs.field(metadata=doc(_SHOWN_ONCE))


@attrs.frozen(kw_only=True)
class WebhookRotated(WebhookCreated):
    """A webhook's new signing secret, shown this once, and until when the old one signs."""

    previous_secret_expires_at: dt.datetime = attrs.field(
        metadata=doc("until when the previous secret still signs")
    )


@attrs.frozen(kw_only=True)
class NotificationAnswer:
    """One notification."""

    notification: NotificationResponse


@attrs.frozen(kw_only=True)
class NotificationMessage(Message):
    """A confirmation and the notification."""

    notification: NotificationResponse


@attrs.frozen(kw_only=True)
class NotificationPage:
    """A page of a user's notifications."""

    notifications: tuple[NotificationResponse, ...]
    pagination: Pagination


@attrs.frozen(kw_only=True)
class InboxPage(NotificationPage):
    """A page of the caller's in-app notifications and how many are unread."""

    unread_count: int


@attrs.frozen(kw_only=True)
class NotificationQueued(Message):
    """A queued notification."""

    notification_id: int = attrs.field(metadata=doc(source="id"))


@attrs.frozen(kw_only=True)
class NotificationsRead(Message):
    """How many notifications were marked read."""

    updated_count: int


_PREFERENCES = "For each event, whether to notify in the app and by e-mail."


@attrs.frozen(kw_only=True)
class PreferencesAnswer:
    """The caller's notification preferences: every event and channel."""

    preferences: dict[NotifyEvent, dict[Channel, bool]] = attrs.field(metadata=doc(_PREFERENCES))


@attrs.frozen(kw_only=True)
class PreferencesMessage(Message):
    """A confirmation and the caller's notification preferences."""

    preferences: dict[NotifyEvent, dict[Channel, bool]] = attrs.field(metadata=doc(_PREFERENCES))


@attrs.frozen(kw_only=True)
class TemplateAnswer:
    """One notification template."""

    template: TemplateResponse


@attrs.frozen(kw_only=True)
class TemplateMessage(Message):
    """A confirmation and the template."""

    template: TemplateResponse


@attrs.frozen(kw_only=True)
class Templates:
    """Every notification template."""

    templates: tuple[TemplateResponse, ...]


@attrs.frozen(kw_only=True)
class ActivityPage:
    """A page of activity-log entries with their usernames."""

    activities: tuple[ActivityResponse, ...]
    pagination: Pagination


@attrs.frozen(kw_only=True)
class UserActivityPage:
    """A page of one user's activity-log entries."""

    activities: tuple[ActivityEntryResponse, ...]
    pagination: Pagination


@attrs.frozen(kw_only=True)
class ActivityLogged(Message):
    """A logged activity-log entry."""

    activity_id: int = attrs.field(metadata=doc(source="id"))


@attrs.frozen(kw_only=True)
class JobStarted(Message):
    """A background job that was started."""

    task_id: str = attrs.field(metadata=doc("the job id"))


@attrs.frozen(kw_only=True)
class Summaries:
    """Stored daily summaries."""

    summaries: tuple[ActivitySummaryResponse, ...]


@attrs.frozen(kw_only=True)
class ReportAnswer:
    """One report."""

    report: ReportResponse


@attrs.frozen(kw_only=True)
class ReportPage:
    """A page of reports."""

    reports: tuple[ReportListedResponse, ...]
    pagination: Pagination


@attrs.frozen(kw_only=True)
class ReportAccepted(Message):
    """A requested report, to poll for its status."""

    report_id: int
    status: ReportStatus
