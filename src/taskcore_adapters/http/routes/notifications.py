"""Notifications: endpoints N1-N8 of the original, the in-app inbox and notification
preferences (template administration is in
:mod:`~taskcore_adapters.http.routes.notification_templates`).

N1, N2, N7 and N8 were public in the original (anyone could send mail to any user); here
they are for administrators only, and N7/N8 queue their template directly instead of
calling the service's own HTTP endpoint. Routes for administrators check the caller
before reading the body, as the original did (the use cases check it again).
"""

from __future__ import annotations

from typing import Any

import attrs
from starlette.requests import Request
from starlette.responses import Response

from taskcore.domain.notifications import Notification
from taskcore.domain.pagination import Page
from taskcore.errors import ValidationError
from taskcore.services.access import require_admin
from taskcore.services.notifications import NotificationService
from taskcore_adapters.http import parsing, wire
from taskcore_adapters.http import schemas as s
from taskcore_adapters.http.answers import (
    InboxPage,
    Message,
    NotificationAnswer,
    NotificationMessage,
    NotificationPage,
    NotificationQueued,
    NotificationsRead,
    Pagination,
    PreferencesAnswer,
    PreferencesMessage,
)
from taskcore_adapters.http.context import HttpContext
from taskcore_adapters.http.endpoint import Endpoint, Param
from taskcore_adapters.http.parsing import Id
from taskcore_adapters.http.responses import (
    NotificationResponse,
    of,
    to_json,
)
from taskcore_adapters.http.routes import notification_templates
from taskcore_adapters.http.routes.common import (
    PAGE_PARAMS,
    page_request,
    path_id,
)
from taskcore_adapters.http.wire import JSON

_INT = {"type": "integer"}
_CHANNELS: s.Schema = {
    "type": "object",
    "properties": {"in_app": {"type": "boolean"}, "email": {"type": "boolean"}},
}

PREFERENCE_CHANGES: s.Schema = {
    "type": "object",
    "description": "For each event, whether to notify in the app and by e-mail.",
    "additionalProperties": _CHANNELS,
}
"""A change of preferences: some events, some of their channels."""


@attrs.define(kw_only=True)
class SendBody:
    recipient_id: Id | None = None
    notification_type: str | None = None
    subject: str | None = None
    body: str | None = None
    priority: str | None = None
    scheduled_at: str | None = None
    template_name: str | None = None


@attrs.define(kw_only=True)
class SendTemplateBody:
    recipient_id: Id | None = None
    template_name: str | None = None
    notification_type: str | None = None
    priority: str | None = None
    scheduled_at: str | None = None


@attrs.define(kw_only=True)
class AssignedBody:
    assignee_id: Id | None = None
    task_title: str | None = None
    project_name: str | None = None
    assigned_by_name: str | None = None
    due_date: str | None = None


@attrs.define(kw_only=True)
class CompletedBody:
    project_owner_id: Id | None = None
    task_title: str | None = None
    project_name: str | None = None
    completed_by_name: str | None = None
    completion_date: str | None = None


def notification_response(n: Notification) -> NotificationResponse:
    """The original's notification object, plus ``read_at``."""
    return of(NotificationResponse, n)


def _queued(message: str, sent: Notification) -> Response:
    return JSON(to_json(of(NotificationQueued, sent, message=message)), 201)


def _page(found: Page[Notification]) -> NotificationPage:
    shown = tuple(notification_response(n) for n in found.items)
    return NotificationPage(notifications=shown, pagination=Pagination.of(found))


def _object(data: dict[str, Any], key: str) -> dict[str, Any] | None:
    """Take the JSON object (or null) under ``key`` out of ``data``.

    Raises:
        ValidationError: it is something else.
    """
    value = data.pop(key, None)
    if value is not None and not isinstance(value, dict):
        raise ValidationError(f"{key} must be an object", field=key)
    return value


def _with_object(body: s.Schema, key: str) -> s.Schema:
    return {**body, "properties": {**body["properties"], key: {"type": ["object", "null"]}}}


async def send(ctx: HttpContext, request: Request) -> Response:
    notes: NotificationService = ctx.runtime.core.notifications
    actor = await ctx.slow(ctx.principal, request)
    require_admin(actor)
    data = await wire.read_json(request)
    context = _object(data, "context_data")
    body = parsing.structure(ctx.converter, data, SendBody)
    sent = await ctx.slow(
        notes.send_notification,
        actor,
        recipient_id=body.recipient_id,
        notification_type=body.notification_type,
        subject=body.subject,
        body=body.body,
        priority=body.priority,
        context_data=context,
        scheduled_at=body.scheduled_at,
        template_name=body.template_name,
    )
    return _queued("Notification queued successfully", sent)


async def send_template(ctx: HttpContext, request: Request) -> Response:
    notes: NotificationService = ctx.runtime.core.notifications
    actor = await ctx.slow(ctx.principal, request)
    require_admin(actor)
    data = await wire.read_json(request)
    context = _object(data, "context")
    body = parsing.structure(ctx.converter, data, SendTemplateBody)
    sent = await ctx.slow(
        notes.send_template,
        actor,
        recipient_id=body.recipient_id,
        template_name=body.template_name,
        context=context,
        notification_type=body.notification_type,
        priority=body.priority,
        scheduled_at=body.scheduled_at,
    )
    return _queued("Template notification queued successfully", sent)


async def status(ctx: HttpContext, request: Request) -> Response:
    notes: NotificationService = ctx.runtime.core.notifications
    actor = await ctx.slow(ctx.principal, request)
    found = await ctx.slow(notes.get_notification, actor, path_id(request, "notification_id"))
    return JSON(to_json(NotificationAnswer(notification=notification_response(found))))


async def for_user(ctx: HttpContext, request: Request) -> Response:
    notes: NotificationService = ctx.runtime.core.notifications
    actor = await ctx.slow(ctx.principal, request)
    found = await ctx.slow(
        notes.list_for_user, actor, path_id(request, "user_id"), page=page_request(request)
    )
    return JSON(to_json(_page(found)))


async def task_assigned(ctx: HttpContext, request: Request) -> Response:
    notes: NotificationService = ctx.runtime.core.notifications
    actor = await ctx.slow(ctx.principal, request)
    require_admin(actor)
    body = await ctx.body(request, AssignedBody, allow_empty=True)
    await ctx.slow(
        notes.task_assigned,
        actor,
        assignee_id=body.assignee_id,
        task_title=body.task_title,
        project_name=body.project_name,
        assigned_by_name=body.assigned_by_name,
        due_date=body.due_date,
    )
    return JSON(to_json(Message(message="Notification queued")))


async def task_completed(ctx: HttpContext, request: Request) -> Response:
    notes: NotificationService = ctx.runtime.core.notifications
    actor = await ctx.slow(ctx.principal, request)
    require_admin(actor)
    body = await ctx.body(request, CompletedBody, allow_empty=True)
    await ctx.slow(
        notes.task_completed,
        actor,
        project_owner_id=body.project_owner_id,
        task_title=body.task_title,
        project_name=body.project_name,
        completed_by_name=body.completed_by_name,
        completion_date=body.completion_date,
    )
    return JSON(to_json(Message(message="Notification queued")))


async def inbox(ctx: HttpContext, request: Request) -> Response:
    notes: NotificationService = ctx.runtime.core.notifications
    actor = await ctx.slow(ctx.principal, request)
    unread = request.query_params.get("unread", "").lower() in ("1", "true", "yes", "on")
    found = await ctx.slow(notes.inbox, actor, page=page_request(request), unread_only=unread)
    page = _page(found.page)
    shown = InboxPage(
        notifications=page.notifications,
        pagination=page.pagination,
        unread_count=found.unread_count,
    )
    return JSON(to_json(shown))


async def mark_read(ctx: HttpContext, request: Request) -> Response:
    notes: NotificationService = ctx.runtime.core.notifications
    actor = await ctx.slow(ctx.principal, request)
    found = await ctx.slow(notes.mark_read, actor, path_id(request, "notification_id"))
    marked = NotificationMessage(
        message="Notification marked as read", notification=notification_response(found)
    )
    return JSON(to_json(marked))


async def mark_all_read(ctx: HttpContext, request: Request) -> Response:
    notes: NotificationService = ctx.runtime.core.notifications
    actor = await ctx.slow(ctx.principal, request)
    changed = await ctx.slow(notes.mark_all_read, actor)
    marked = NotificationsRead(message="Notifications marked as read", updated_count=changed)
    return JSON(to_json(marked))


async def get_preferences(ctx: HttpContext, request: Request) -> Response:
    notes: NotificationService = ctx.runtime.core.notifications
    actor = await ctx.slow(ctx.principal, request)
    found = await ctx.slow(notes.preferences, actor)
    return JSON(to_json(PreferencesAnswer(preferences=found.full())))


async def put_preferences(ctx: HttpContext, request: Request) -> Response:
    notes: NotificationService = ctx.runtime.core.notifications
    actor = await ctx.slow(ctx.principal, request)
    data = await wire.read_json(request)
    changes = _object(data, "preferences")
    if changes is None:
        raise ValidationError("preferences is required", field="preferences")
    updated = await ctx.slow(notes.update_preferences, actor, changes)
    done = PreferencesMessage(
        message="Preferences updated successfully", preferences=updated.full()
    )
    return JSON(to_json(done))


_NOTIFICATION_ID = Param(name="notification_id", where="path")
_QUEUED = s.response_schema(NotificationQueued)
_QUEUED_BY_WEBHOOK = ("Queued", s.response_schema(Message))

ENDPOINTS: list[Endpoint] = [
    Endpoint(
        method="POST",
        path="/api/notifications/send",
        idempotent=True,
        handler=send,
        summary="Queue a notification to a user (admins only; public in the original)",
        tag="notifications",
        body=_with_object(s.body_schema(SendBody), "context_data"),
        responses={201: ("Queued", _QUEUED), **s.errors(400, 401, 403, 404)},
    ),
    Endpoint(
        method="POST",
        path="/api/notifications/send-template",
        idempotent=True,
        handler=send_template,
        summary="Queue a notification rendered from a template (admins only)",
        tag="notifications",
        body=_with_object(s.body_schema(SendTemplateBody), "context"),
        responses={201: ("Queued", _QUEUED), **s.errors(400, 401, 403, 404)},
    ),
    Endpoint(
        method="GET",
        path="/api/notifications/inbox",
        handler=inbox,
        summary="The caller's in-app notifications, newest first, with the unread count",
        tag="notifications",
        params=[
            *PAGE_PARAMS,
            Param(
                name="unread",
                schema={"type": "string"},
                description="`true` lists only unread notifications",
            ),
        ],
        responses={
            200: (
                "A page of notifications",
                s.response_schema(InboxPage),
            ),
            **s.errors(401),
        },
    ),
    Endpoint(
        method="POST",
        path="/api/notifications/read-all",
        handler=mark_all_read,
        summary="Mark all the caller's in-app notifications read",
        tag="notifications",
        responses={200: ("Marked", s.response_schema(NotificationsRead)), **s.errors(401)},
    ),
    Endpoint(
        method="GET",
        path="/api/notifications/preferences",
        handler=get_preferences,
        summary="The caller's notification preferences",
        tag="notifications",
        responses={200: ("Preferences", s.response_schema(PreferencesAnswer)), **s.errors(401)},
    ),
    Endpoint(
        method="PUT",
        path="/api/notifications/preferences",
        handler=put_preferences,
        summary="Change some of the caller's notification preferences",
        tag="notifications",
        body=s.obj(preferences=PREFERENCE_CHANGES),
        responses={
            200: ("Updated", s.response_schema(PreferencesMessage)),
            **s.errors(400, 401),
        },
    ),
    Endpoint(
        method="GET",
        path="/api/notifications/{notification_id:int}/status",
        handler=status,
        summary="One notification (its recipient or an admin)",
        tag="notifications",
        params=[_NOTIFICATION_ID],
        responses={
            200: ("The notification", s.response_schema(NotificationAnswer)),
            **s.errors(401, 404),
        },
    ),
    Endpoint(
        method="POST",
        path="/api/notifications/{notification_id:int}/read",
        handler=mark_read,
        summary="Mark one of the caller's in-app notifications read",
        tag="notifications",
        params=[_NOTIFICATION_ID],
        responses={
            200: ("Marked", s.response_schema(NotificationMessage)),
            **s.errors(401, 404),
        },
    ),
    Endpoint(
        method="GET",
        path="/api/notifications/user/{user_id:int}",
        handler=for_user,
        summary="A user's notifications, newest first (the user or an admin)",
        tag="notifications",
        params=[Param(name="user_id", where="path"), *PAGE_PARAMS],
        responses={
            200: ("A page of notifications", s.response_schema(NotificationPage)),
            **s.errors(401, 403),
        },
    ),
    # The template endpoints stand here in the route table (and /openapi.json).
    *notification_templates.ENDPOINTS,
    Endpoint(
        method="POST",
        path="/api/webhooks/task-assigned",
        handler=task_assigned,
        summary="Notify a task's assignee (admins only; public in the original)",
        tag="notifications",
        body=s.body_schema(AssignedBody),
        responses={200: _QUEUED_BY_WEBHOOK, **s.errors(400, 401, 403, 404)},
    ),
    Endpoint(
        method="POST",
        path="/api/webhooks/task-completed",
        handler=task_completed,
        summary="Notify a project owner of a completed task (admins only)",
        tag="notifications",
        body=s.body_schema(CompletedBody),
        responses={200: _QUEUED_BY_WEBHOOK, **s.errors(400, 401, 403, 404)},
    ),
]
"""The notification-area endpoints."""
