"""Relations between tasks over HTTP: listing, adding and removing a task's relations.
Its endpoints are spliced into the tasks area's table."""

from __future__ import annotations

from typing import Any

import attrs
from starlette.requests import Request
from starlette.responses import Response

from taskcore.domain.relations import RelationView
from taskcore.errors import ValidationError
from taskcore.services.tasks import TaskService
from taskcore_adapters.http import schemas as s
from taskcore_adapters.http.context import HttpContext
from taskcore_adapters.http.endpoint import Endpoint, Param
from taskcore_adapters.http.parsing import Id
from taskcore_adapters.http.responses import CustomFieldResponse, RelationResponse, of, to_json
from taskcore_adapters.http.routes.common import PAGE_PARAMS, page_request, path_id, strict_body
from taskcore_adapters.http.routes.paging import listed
from taskcore_adapters.http.wire import JSON


@attrs.define(kw_only=True)
class RelationBody:
    kind: str | None = None
    task_id: Id | None = None
    lag_days: int | None = None


def relation_json(relation: RelationView) -> dict[str, Any]:
    """A relation as seen from one of its tasks."""
    return to_json(of(RelationResponse, relation))


async def list_relations(ctx: HttpContext, request: Request) -> Response:
    tasks: TaskService = ctx.runtime.core.tasks
    actor = await ctx.slow(ctx.principal, request)
    task_id = path_id(request, "task_id")
    found = await ctx.slow(tasks.list_relations, actor, task_id, page=page_request(request))
    return JSON(listed("relations", found, relation_json))


async def add_relation(ctx: HttpContext, request: Request) -> Response:
    tasks: TaskService = ctx.runtime.core.tasks
    actor = await ctx.slow(ctx.principal, request)
    task_id = path_id(request, "task_id")
    body = await strict_body(ctx, request, RelationBody, RelationBody)
    if body.task_id is None:
        raise ValidationError("task_id is required", field="task_id")
    relation = await ctx.slow(
        tasks.add_relation,
        actor,
        task_id,
        kind=body.kind,
        other_id=body.task_id,
        lag_days=body.lag_days,
    )
    return JSON({"message": "Relation added", "relation": relation_json(relation)}, 201)


async def remove_relation(ctx: HttpContext, request: Request) -> Response:
    tasks: TaskService = ctx.runtime.core.tasks
    actor = await ctx.slow(ctx.principal, request)
    task_id = path_id(request, "task_id")
    relation_id = path_id(request, "relation_id")
    await ctx.slow(tasks.remove_relation, actor, task_id, relation_id)
    return JSON({"message": "Relation removed"})


_PROJECT_ID = Param(name="project_id", where="path")
_TASK_ID = Param(name="task_id", where="path")
_RELATION = s.response_schema(RelationResponse)
_FIELD = s.response_schema(CustomFieldResponse)
_FIELD_ID = Param(name="field_id", where="path")

ENDPOINTS: list[Endpoint] = [
    Endpoint(
        method="GET",
        path="/api/tasks/{task_id:int}/relations",
        handler=list_relations,
        summary="A task's relations from its side, oldest first (those whose other task "
        "the caller may not see are left out)",
        tag="tasks",
        params=[_TASK_ID, *PAGE_PARAMS],
        responses={
            200: ("A page of relations", s.listing("relations", _RELATION)),
            401: s.ERROR_ANSWER,
            404: s.ERROR_ANSWER,
        },
    ),
    Endpoint(
        method="POST",
        path="/api/tasks/{task_id:int}/relations",
        handler=add_relation,
        summary="Relate a task to another one the caller can see (owners, members and "
        "admins of the task's project); kind from this task's side",
        tag="tasks",
        params=[_TASK_ID],
        body=s.body_schema(RelationBody),
        responses={
            201: ("Added", s.message(relation=_RELATION)),
            **s.errors(400, 401, 403, 404, 409),
        },
    ),
    Endpoint(
        method="DELETE",
        path="/api/tasks/{task_id:int}/relations/{relation_id:int}",
        handler=remove_relation,
        summary="Remove a relation of a task (owners, members and admins of its project)",
        tag="tasks",
        params=[_TASK_ID, Param(name="relation_id", where="path")],
        responses={
            200: ("Removed", s.message()),
            **s.errors(401, 403, 404),
        },
    ),
]
"""The relation endpoints (in the tasks area's table)."""
