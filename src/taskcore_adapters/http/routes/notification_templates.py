"""Notification templates: listing them (any user), creating, reading, changing and
deactivating them (administrators).

Their endpoints stand in the route table among the notification ones (see
:data:`taskcore_adapters.http.routes.notifications.ENDPOINTS`), after a user's
notifications. The administrators' routes check the caller before reading the body, as
the original did (the use cases check it again)."""

from __future__ import annotations

import attrs
from starlette.requests import Request
from starlette.responses import Response

from taskcore.domain.notifications import NotificationTemplate as Template
from taskcore.domain.values import UNSET, Unset
from taskcore.services.access import require_admin
from taskcore.services.notifications import NotificationService
from taskcore_adapters.http import schemas as s
from taskcore_adapters.http.answers import (
    TemplateAnswer,
    TemplateMessage,
    Templates,
)
from taskcore_adapters.http.context import HttpContext
from taskcore_adapters.http.endpoint import Endpoint, Param
from taskcore_adapters.http.responses import (
    TemplateResponse,
    of,
    to_json,
)
from taskcore_adapters.http.routes.common import path_id
from taskcore_adapters.http.wire import JSON


@attrs.define(kw_only=True)
class TemplateBody:
    name: str | None = None
    subject_template: str | None = None
    body_template: str | None = None
    notification_type: str | None = None


@attrs.define(kw_only=True)
class TemplatePatch:
    name: str | Unset = UNSET
    subject_template: str | Unset = UNSET
    body_template: str | Unset = UNSET
    notification_type: str | Unset = UNSET
    is_active: bool | Unset = UNSET


def template_response(t: Template) -> TemplateResponse:
    """The original's template object."""
    return of(TemplateResponse, t)


def _answer(t: Template, message: str | None = None, status: int = 200) -> Response:
    shown = template_response(t)
    if message is None:
        return JSON(to_json(TemplateAnswer(template=shown)), status)
    return JSON(to_json(TemplateMessage(message=message, template=shown)), status)


async def list_templates(ctx: HttpContext, request: Request) -> Response:
    notes: NotificationService = ctx.runtime.core.notifications
    actor = await ctx.slow(ctx.principal, request)
    found = await ctx.slow(notes.list_templates, actor)
    return JSON(to_json(Templates(templates=tuple(template_response(t) for t in found))))


async def create_template(ctx: HttpContext, request: Request) -> Response:
    notes: NotificationService = ctx.runtime.core.notifications
    actor = await ctx.slow(ctx.principal, request)
    require_admin(actor)
    body = await ctx.body(request, TemplateBody)
    created = await ctx.slow(
        notes.create_template,
        actor,
        name=body.name,
        subject_template=body.subject_template,
        body_template=body.body_template,
        notification_type=body.notification_type,
    )
    return _answer(created, "Template created successfully", 201)


async def get_template(ctx: HttpContext, request: Request) -> Response:
    notes: NotificationService = ctx.runtime.core.notifications
    actor = await ctx.slow(ctx.principal, request)
    found = await ctx.slow(notes.get_template, actor, path_id(request, "template_id"))
    return _answer(found)


async def update_template(ctx: HttpContext, request: Request) -> Response:
    notes: NotificationService = ctx.runtime.core.notifications
    actor = await ctx.slow(ctx.principal, request)
    require_admin(actor)
    template_id = path_id(request, "template_id")
    body = await ctx.body(request, TemplatePatch)
    updated = await ctx.slow(
        notes.update_template,
        actor,
        template_id,
        name=body.name,
        subject_template=body.subject_template,
        body_template=body.body_template,
        notification_type=body.notification_type,
        is_active=body.is_active,
    )
    return _answer(updated, "Template updated successfully")


async def deactivate_template(ctx: HttpContext, request: Request) -> Response:
    notes: NotificationService = ctx.runtime.core.notifications
    actor = await ctx.slow(ctx.principal, request)
    updated = await ctx.slow(notes.deactivate_template, actor, path_id(request, "template_id"))
    return _answer(updated, "Template deactivated successfully")


_TEMPLATE_ID = Param(name="template_id", where="path")
_TEMPLATE_ANSWER = s.response_schema(TemplateMessage)
_PATCH_SCHEMA = s.body_schema(TemplatePatch)

ENDPOINTS: list[Endpoint] = [
    Endpoint(
        method="GET",
        path="/api/notification-templates",
        handler=list_templates,
        summary="The active notification templates (any user)",
        tag="notifications",
        responses={
            200: ("Templates", s.response_schema(Templates)),
            **s.errors(401),
        },
    ),
    Endpoint(
        method="POST",
        path="/api/notification-templates",
        idempotent=True,
        handler=create_template,
        summary="Create a notification template (admins only)",
        tag="notifications",
        body=s.body_schema(TemplateBody),
        responses={201: ("Created", _TEMPLATE_ANSWER), **s.errors(400, 401, 403, 409)},
    ),
    Endpoint(
        method="GET",
        path="/api/notification-templates/{template_id:int}",
        handler=get_template,
        summary="One notification template, active or not (admins only)",
        tag="notifications",
        params=[_TEMPLATE_ID],
        responses={
            200: ("The template", s.response_schema(TemplateAnswer)),
            **s.errors(401, 403, 404),
        },
    ),
    *(
        Endpoint(
            method=method,
            path="/api/notification-templates/{template_id:int}",
            handler=update_template,
            summary="Change a notification template (admins only)",
            tag="notifications",
            params=[_TEMPLATE_ID],
            body=_PATCH_SCHEMA,
            responses={200: ("Updated", _TEMPLATE_ANSWER), **s.errors(400, 401, 403, 404, 409)},
        )
        for method in ("PUT", "PATCH")
    ),
    Endpoint(
        method="DELETE",
        path="/api/notification-templates/{template_id:int}",
        handler=deactivate_template,
        summary="Deactivate a notification template (admins only)",
        tag="notifications",
        params=[_TEMPLATE_ID],
        responses={200: ("Deactivated", _TEMPLATE_ANSWER), **s.errors(401, 403, 404)},
    ),
]
"""The template endpoints, in routing order."""
