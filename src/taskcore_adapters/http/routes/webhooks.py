"""A project's outgoing webhooks: register, list, change, delete, rotate the secret, and
list deliveries (project owners and administrators)."""

from __future__ import annotations

from typing import Any

import attrs
from starlette.requests import Request
from starlette.responses import Response

from taskcore.domain.values import UNSET, Unset
from taskcore.domain.webhooks import (
    WebhookDelivery,
    WebhookDeliveryStatus,
    WebhookSecret,
    WebhookView,
)
from taskcore.errors import ValidationError
from taskcore.services.webhooks import WebhookService
from taskcore_adapters.http import schemas as s
from taskcore_adapters.http.answers import (
    DeliveryPage,
    Message,
    Pagination,
    WebhookAnswer,
    WebhookCreated,
    WebhookMessage,
    WebhookPage,
    WebhookRotated,
)
from taskcore_adapters.http.context import HttpContext
from taskcore_adapters.http.endpoint import Endpoint, Param
from taskcore_adapters.http.responses import (
    DeliveryResponse,
    WebhookResponse,
    of,
    to_json,
)
from taskcore_adapters.http.routes.common import PAGE_PARAMS, page_request, path_id
from taskcore_adapters.http.routes.paging import text_query
from taskcore_adapters.http.wire import JSON


@attrs.define(kw_only=True)
class WebhookBody:
    url: str | None = None
    event_types: list[str] | None = None
    description: str | None = None
    is_active: bool | None = None


@attrs.define(kw_only=True)
class WebhookPatch:
    url: str | Unset | None = UNSET
    event_types: list[str] | Unset | None = UNSET
    description: str | Unset | None = UNSET
    is_active: bool | Unset | None = UNSET


def webhook_response(webhook: WebhookView) -> WebhookResponse:
    """A webhook, without its secret."""
    return of(WebhookResponse, webhook)


def delivery_response(delivery: WebhookDelivery) -> DeliveryResponse:
    """One delivery of an event to a webhook (without its body); ``next_attempt_at``
    only while it is pending."""
    pending = delivery.status is WebhookDeliveryStatus.PENDING
    return of(
        DeliveryResponse,
        delivery,
        next_attempt_at=delivery.next_attempt_at if pending else None,
    )


def _secret_json(shown: WebhookSecret, message: str) -> dict[str, Any]:
    """A webhook with its new secret; after a rotation, until when the old one signs."""
    webhook = webhook_response(shown.webhook)
    until = shown.previous_secret_expires_at
    if until is None:
        return to_json(WebhookCreated(message=message, webhook=webhook, secret=shown.secret))
    rotated = WebhookRotated(
        message=message, webhook=webhook, secret=shown.secret, previous_secret_expires_at=until
    )
    return to_json(rotated)


async def list_webhooks(ctx: HttpContext, request: Request) -> Response:
    webhooks: WebhookService = ctx.runtime.core.webhooks
    actor = await ctx.slow(ctx.principal, request)
    found = await ctx.slow(
        webhooks.list_webhooks,
        actor,
        path_id(request, "project_id"),
        page=page_request(request),
    )
    shown = tuple(webhook_response(w) for w in found.items)
    return JSON(to_json(WebhookPage(webhooks=shown, pagination=Pagination.of(found))))


async def create_webhook(ctx: HttpContext, request: Request) -> Response:
    webhooks: WebhookService = ctx.runtime.core.webhooks
    actor = await ctx.slow(ctx.principal, request)
    project_id = path_id(request, "project_id")
    body = await ctx.body(request, WebhookBody)
    created = await ctx.slow(
        webhooks.create_webhook,
        actor,
        project_id,
        url=body.url,
        event_types=body.event_types,
        description=body.description,
        is_active=True if body.is_active is None else body.is_active,
    )
    return JSON(_secret_json(created, "Webhook created successfully"), 201)


async def get_webhook(ctx: HttpContext, request: Request) -> Response:
    webhooks: WebhookService = ctx.runtime.core.webhooks
    actor = await ctx.slow(ctx.principal, request)
    found = await ctx.slow(
        webhooks.get_webhook,
        actor,
        path_id(request, "project_id"),
        path_id(request, "webhook_id"),
    )
    return JSON(to_json(WebhookAnswer(webhook=webhook_response(found))))


async def update_webhook(ctx: HttpContext, request: Request) -> Response:
    webhooks: WebhookService = ctx.runtime.core.webhooks
    actor = await ctx.slow(ctx.principal, request)
    project_id = path_id(request, "project_id")
    webhook_id = path_id(request, "webhook_id")
    body = await ctx.body(request, WebhookPatch)
    if body.url is None:
        raise ValidationError("url cannot be empty", field="url")
    if body.event_types is None:
        raise ValidationError(
            "event_types must be a non-empty list of event names", field="event_types"
        )
    updated = await ctx.slow(
        webhooks.update_webhook,
        actor,
        project_id,
        webhook_id,
        url=body.url,
        event_types=body.event_types,
        description=body.description,
        is_active=body.is_active,
    )
    done = WebhookMessage(message="Webhook updated successfully", webhook=webhook_response(updated))
    return JSON(to_json(done))


async def delete_webhook(ctx: HttpContext, request: Request) -> Response:
    webhooks: WebhookService = ctx.runtime.core.webhooks
    actor = await ctx.slow(ctx.principal, request)
    await ctx.slow(
        webhooks.delete_webhook,
        actor,
        path_id(request, "project_id"),
        path_id(request, "webhook_id"),
    )
    return JSON(to_json(Message(message="Webhook deleted successfully")))


async def rotate_secret(ctx: HttpContext, request: Request) -> Response:
    webhooks: WebhookService = ctx.runtime.core.webhooks
    actor = await ctx.slow(ctx.principal, request)
    rotated = await ctx.slow(
        webhooks.rotate_secret,
        actor,
        path_id(request, "project_id"),
        path_id(request, "webhook_id"),
    )
    return JSON(_secret_json(rotated, "Webhook secret rotated"))


async def list_deliveries(ctx: HttpContext, request: Request) -> Response:
    webhooks: WebhookService = ctx.runtime.core.webhooks
    actor = await ctx.slow(ctx.principal, request)
    found = await ctx.slow(
        webhooks.list_deliveries,
        actor,
        path_id(request, "project_id"),
        path_id(request, "webhook_id"),
        status=text_query(request, "status"),
        page=page_request(request),
    )
    shown = tuple(delivery_response(d) for d in found.items)
    return JSON(to_json(DeliveryPage(deliveries=shown, pagination=Pagination.of(found))))


_PROJECT_ID = Param(name="project_id", where="path")
_WEBHOOK_ID = Param(name="webhook_id", where="path")
_ONE = "/api/projects/{project_id:int}/webhooks/{webhook_id:int}"

ENDPOINTS: list[Endpoint] = [
    Endpoint(
        method="GET",
        path="/api/projects/{project_id:int}/webhooks",
        handler=list_webhooks,
        summary="A project's webhooks, oldest first, without secrets (owners and admins)",
        tag="webhooks",
        params=[_PROJECT_ID, *PAGE_PARAMS],
        responses={
            200: (
                "A page of webhooks",
                s.response_schema(WebhookPage),
            ),
            **s.errors(401, 403, 404),
        },
    ),
    Endpoint(
        method="POST",
        path="/api/projects/{project_id:int}/webhooks",
        handler=create_webhook,
        summary="Register a webhook; the answer carries its signing secret, shown only "
        "once (owners and admins)",
        tag="webhooks",
        params=[_PROJECT_ID],
        body=s.body_schema(WebhookBody),
        responses={
            201: ("Created", s.response_schema(WebhookCreated)),
            **s.errors(400, 401, 403, 404, 409),
        },
    ),
    Endpoint(
        method="GET",
        path=_ONE,
        handler=get_webhook,
        summary="One webhook, without its secret (owners and admins)",
        tag="webhooks",
        params=[_PROJECT_ID, _WEBHOOK_ID],
        responses={
            200: ("The webhook", s.response_schema(WebhookAnswer)),
            **s.errors(401, 403, 404),
        },
    ),
    Endpoint(
        method="PATCH",
        path=_ONE,
        handler=update_webhook,
        summary="Change a webhook's url, event_types, description or is_active; "
        "activating it clears its failures (owners and admins)",
        tag="webhooks",
        params=[_PROJECT_ID, _WEBHOOK_ID],
        body=s.body_schema(WebhookPatch),
        responses={
            200: ("Updated", s.response_schema(WebhookMessage)),
            **s.errors(400, 401, 403, 404),
        },
    ),
    Endpoint(
        method="DELETE",
        path=_ONE,
        handler=delete_webhook,
        summary="Delete a webhook and its deliveries (owners and admins)",
        tag="webhooks",
        params=[_PROJECT_ID, _WEBHOOK_ID],
        responses={200: ("Deleted", s.response_schema(Message)), **s.errors(401, 403, 404)},
    ),
    Endpoint(
        method="POST",
        path=_ONE + "/rotate-secret",
        handler=rotate_secret,
        summary="Give a webhook a new secret; the previous one keeps signing for 24 "
        "hours (owners and admins)",
        tag="webhooks",
        params=[_PROJECT_ID, _WEBHOOK_ID],
        responses={200: ("Rotated", s.response_schema(WebhookRotated)), **s.errors(401, 403, 404)},
    ),
    Endpoint(
        method="GET",
        path=_ONE + "/deliveries",
        handler=list_deliveries,
        summary="A webhook's deliveries, newest first (owners and admins)",
        tag="webhooks",
        params=[
            _PROJECT_ID,
            _WEBHOOK_ID,
            *PAGE_PARAMS,
            Param(
                name="status",
                schema=s.enum_of(WebhookDeliveryStatus),
                description="only deliveries in this status",
            ),
        ],
        responses={
            200: (
                "A page of deliveries",
                s.response_schema(DeliveryPage),
            ),
            **s.errors(400, 401, 403, 404),
        },
    ),
]
"""The webhook endpoints."""
