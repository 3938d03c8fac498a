"""Projects' custom fields over HTTP: defining, changing and deleting them (values are set
on tasks, routes/tasks.py). Its endpoints are spliced into the tasks area's table."""

from __future__ import annotations

from typing import Any

import attrs
from starlette.requests import Request
from starlette.responses import Response

from taskcore.domain.custom_fields import FieldDefinition
from taskcore.domain.values import UNSET, Unset
from taskcore.services.tasks import TaskService
from taskcore_adapters.http import schemas as s
from taskcore_adapters.http.context import HttpContext
from taskcore_adapters.http.endpoint import Endpoint, Param
from taskcore_adapters.http.responses import CustomFieldResponse, RelationResponse, of, to_json
from taskcore_adapters.http.routes.common import path_id, strict_body
from taskcore_adapters.http.wire import JSON


@attrs.define(kw_only=True)
class FieldBody:
    key: str | None = None
    label: str | None = None
    type: str | None = None
    required: bool = False
    options: list[str] | None = None
    position: int | None = None


@attrs.define(kw_only=True)
class FieldPatch:
    key: str | Unset = UNSET
    label: str | Unset = UNSET
    required: bool | Unset = UNSET
    options: list[str] | Unset = UNSET
    position: int | Unset = UNSET
    rename_options: dict[str, str] | Unset = UNSET


def field_json(definition: FieldDefinition) -> dict[str, Any]:
    """A custom field's definition."""
    return to_json(of(CustomFieldResponse, definition, id=definition.ident))


async def list_fields(ctx: HttpContext, request: Request) -> Response:
    tasks: TaskService = ctx.runtime.core.tasks
    actor = await ctx.slow(ctx.principal, request)
    found = await ctx.slow(tasks.list_fields, actor, path_id(request, "project_id"))
    return JSON({"custom_fields": [field_json(d) for d in found]})


async def define_field(ctx: HttpContext, request: Request) -> Response:
    tasks: TaskService = ctx.runtime.core.tasks
    actor = await ctx.slow(ctx.principal, request)
    project_id = path_id(request, "project_id")
    body = await strict_body(ctx, request, FieldBody, CustomFieldResponse)
    made = await ctx.slow(
        tasks.define_field,
        actor,
        project_id,
        key=body.key,
        label=body.label,
        field_type=body.type,
        required=body.required,
        options=body.options,
        position=body.position,
    )
    return JSON({"message": "Custom field created", "custom_field": field_json(made)}, 201)


async def change_field(ctx: HttpContext, request: Request) -> Response:
    tasks: TaskService = ctx.runtime.core.tasks
    actor = await ctx.slow(ctx.principal, request)
    project_id = path_id(request, "project_id")
    field_id = path_id(request, "field_id")
    body = await strict_body(ctx, request, FieldPatch, CustomFieldResponse)
    changed = await ctx.slow(
        tasks.change_field,
        actor,
        project_id,
        field_id,
        key=body.key,
        label=body.label,
        required=body.required,
        options=body.options,
        position=body.position,
        rename_options=body.rename_options,
    )
    return JSON({"message": "Custom field updated", "custom_field": field_json(changed)})


async def delete_field(ctx: HttpContext, request: Request) -> Response:
    tasks: TaskService = ctx.runtime.core.tasks
    actor = await ctx.slow(ctx.principal, request)
    await ctx.slow(
        tasks.delete_field, actor, path_id(request, "project_id"), path_id(request, "field_id")
    )
    return JSON({"message": "Custom field deleted"})


_PROJECT_ID = Param(name="project_id", where="path")
_TASK_ID = Param(name="task_id", where="path")
_RELATION = s.response_schema(RelationResponse)
_FIELD = s.response_schema(CustomFieldResponse)
_FIELD_ID = Param(name="field_id", where="path")

ENDPOINTS: list[Endpoint] = [
    Endpoint(
        method="GET",
        path="/api/projects/{project_id:int}/custom-fields",
        handler=list_fields,
        summary="A project's custom fields in their order (members and admins)",
        tag="tasks",
        params=[_PROJECT_ID],
        responses={
            200: ("The custom fields", s.obj(custom_fields={"type": "array", "items": _FIELD})),
            401: s.ERROR_ANSWER,
            404: s.ERROR_ANSWER,
        },
    ),
    Endpoint(
        method="POST",
        path="/api/projects/{project_id:int}/custom-fields",
        handler=define_field,
        summary="Define a custom field of a project (owners and admins)",
        tag="tasks",
        params=[_PROJECT_ID],
        body=s.body_schema(FieldBody),
        responses={
            201: ("Created", s.message(custom_field=_FIELD)),
            **s.errors(400, 401, 403, 404, 409),
        },
    ),
    Endpoint(
        method="PUT",
        path="/api/projects/{project_id:int}/custom-fields/{field_id:int}",
        handler=change_field,
        summary="Change a custom field: key, label, required, options (added or reordered), "
        "rename_options ({old: new}, values follow), position; values stay (owners and "
        "admins)",
        tag="tasks",
        params=[_PROJECT_ID, _FIELD_ID],
        body=s.body_schema(FieldPatch),
        responses={
            200: ("Updated", s.message(custom_field=_FIELD)),
            **s.errors(400, 401, 403, 404, 409),
        },
    ),
    Endpoint(
        method="DELETE",
        path="/api/projects/{project_id:int}/custom-fields/{field_id:int}",
        handler=delete_field,
        summary="Delete a custom field with its values (owners and admins)",
        tag="tasks",
        params=[_PROJECT_ID, _FIELD_ID],
        responses={200: ("Deleted", s.message()), **s.errors(401, 403, 404)},
    ),
]
"""The custom-field endpoints (in the tasks area's table)."""
