"""Tasks: endpoints P6-P11 of the original, plus the caller's tasks and watching."""

from __future__ import annotations

from typing import Any

import attrs
from starlette.requests import Request
from starlette.responses import Response

from taskcore.domain.tasks import TaskView
from taskcore.domain.values import UNSET, Unset
from taskcore.errors import AdminRequired, NotFound, ValidationError
from taskcore.services.tasks import TaskService
from taskcore.services.users import Principal, UserService
from taskcore_adapters import wire_fields as wire
from taskcore_adapters.http import schemas as s
from taskcore_adapters.http.context import HttpContext
from taskcore_adapters.http.endpoint import Endpoint, Param
from taskcore_adapters.http.etags import IF_MATCH, etag_header, if_match, last_write_wins
from taskcore_adapters.http.parsing import Id
from taskcore_adapters.http.responses import (
    StatusCountsResponse,
    SubtasksResponse,
    TaskResponse,
    of,
    to_json,
)
from taskcore_adapters.http.routes import custom_fields, task_relations
from taskcore_adapters.http.routes.common import path_id, strict_body
from taskcore_adapters.http.routes.paging import bool_query, listed, text_query, window
from taskcore_adapters.http.routes.task_filters import FILTER_PARAMS, assignee_query, task_filters
from taskcore_adapters.http.wire import JSON


@attrs.define(kw_only=True)
class TaskBody:
    title: str | None = None
    description: str | None = None
    status: str | None = None
    priority: str | None = None
    due_date: str | None = None
    estimated_hours: float | str | None = None
    actual_hours: float | str | None = None
    assignee_id: Id | None = None
    labels: list[str] | None = None
    watchers: list[Id] | None = None
    position: float | None = None
    parent_id: Id | None = None
    assignee_ids: list[Id] | None = None
    custom_fields: dict[str, Any] | None = None


@attrs.define(kw_only=True)
class TaskPatch:
    title: str | Unset | None = UNSET
    description: str | Unset | None = UNSET
    status: str | Unset | None = UNSET
    priority: str | Unset | None = UNSET
    assignee_id: Id | Unset | None = UNSET
    estimated_hours: float | str | Unset | None = UNSET
    actual_hours: float | str | Unset | None = UNSET
    due_date: str | Unset | None = UNSET
    labels: list[str] | Unset | None = UNSET
    watchers: list[Id] | Unset | None = UNSET
    position: float | Unset = UNSET
    parent_id: Id | Unset | None = UNSET
    project_id: Id | Unset = UNSET
    assignee_ids: list[Id] | Unset | None = UNSET
    override_blockers: bool | Unset = UNSET
    custom_fields: dict[str, Any] | Unset | None = UNSET


@attrs.define(kw_only=True)
class VerifyBody:
    task_id: Id | None = None
    user_id: Id | None = None


def task_json(task: TaskView) -> dict[str, Any]:
    """The original's 13-key task object, plus labels, watchers, position, version, the
    parent and the roll-up of the subtasks."""
    rollup = task.subtasks
    subtasks = of(SubtasksResponse, rollup, by_status=of(StatusCountsResponse, rollup.by_status))
    return to_json(of(TaskResponse, task, subtasks=subtasks))


def _one(task: TaskView, status: int = 200, **extra: Any) -> Response:
    return JSON(
        {**extra, "task": task_json(task)}, status, headers=etag_header(task.id, task.version)
    )


def _verify(
    users: UserService, tasks: TaskService, actor: Principal, body: VerifyBody
) -> dict[str, Any]:
    """Whether the user ``body.user_id`` may see the task ``body.task_id``, and the task."""
    if not body.task_id or not body.user_id:
        raise ValidationError("task_id and user_id required")
    try:
        subject = users.as_subject(actor, body.user_id)
        if subject is None:
            return {"has_access": False, "task": None}
        task = tasks.get_task(subject, body.task_id)
    except NotFound:
        return {"has_access": False, "task": None}
    return {"has_access": True, "task": task_json(task)}


async def list_tasks(ctx: HttpContext, request: Request) -> Response:
    tasks: TaskService = ctx.runtime.core.tasks
    actor = await ctx.slow(ctx.principal, request)
    project_id = path_id(request, "project_id")
    filters = task_filters(request, assignee_query(request, actor))
    found = await ctx.slow(
        tasks.list_tasks, actor, project_id, filters=filters, page=window(request)
    )
    return JSON(listed("tasks", found, task_json))


async def list_my_tasks(ctx: HttpContext, request: Request) -> Response:
    tasks: TaskService = ctx.runtime.core.tasks
    actor = await ctx.slow(ctx.principal, request)
    if text_query(request, "assignee") not in (None, "me"):
        raise ValidationError(
            "Invalid assignee. Only 'me' is supported here; list a project's tasks to "
            "filter by another assignee",
            field="assignee",
        )
    found = await ctx.slow(
        tasks.list_my_tasks, actor, filters=task_filters(request, None), page=window(request)
    )
    return JSON(listed("tasks", found, task_json))


async def create_task(ctx: HttpContext, request: Request) -> Response:
    tasks: TaskService = ctx.runtime.core.tasks
    actor = await ctx.slow(ctx.principal, request)
    project_id = path_id(request, "project_id")
    body = await strict_body(ctx, request, TaskBody, TaskResponse)
    task = await ctx.slow(
        tasks.create_task,
        actor,
        project_id,
        title=body.title,
        description=body.description,
        status=wire.task_status(body.status),
        priority=wire.priority(body.priority),
        due_date=wire.due_date(body.due_date),
        estimated_hours=wire.hours(body.estimated_hours, "estimated_hours"),
        actual_hours=wire.hours(body.actual_hours, "actual_hours"),
        assignee_id=body.assignee_id,
        labels=body.labels,
        watchers=body.watchers,
        position=body.position,
        parent_id=body.parent_id,
        assignee_ids=body.assignee_ids,
        custom_fields=body.custom_fields,
    )
    return _one(task, 201, message="Task created successfully")


async def list_subtasks(ctx: HttpContext, request: Request) -> Response:
    tasks: TaskService = ctx.runtime.core.tasks
    actor = await ctx.slow(ctx.principal, request)
    task_id = path_id(request, "task_id")
    filters = task_filters(
        request, assignee_query(request, actor), default_sort="position", default_order="asc"
    )
    found = await ctx.slow(
        tasks.list_subtasks, actor, task_id, filters=filters, page=window(request)
    )
    return JSON(listed("tasks", found, task_json))


async def get_task(ctx: HttpContext, request: Request) -> Response:
    tasks: TaskService = ctx.runtime.core.tasks
    actor = await ctx.slow(ctx.principal, request)
    task = await ctx.slow(tasks.get_task, actor, path_id(request, "task_id"))
    return _one(task)


async def update_task(ctx: HttpContext, request: Request) -> Response:
    tasks: TaskService = ctx.runtime.core.tasks
    actor = await ctx.slow(ctx.principal, request)
    task_id = path_id(request, "task_id")
    body = await strict_body(ctx, request, TaskPatch, TaskResponse)
    precondition = if_match(request, task_id)

    def write() -> TaskView:
        expected = precondition.expected(lambda: tasks.get_task(actor, task_id).version)
        return last_write_wins(
            lambda: tasks.update_task(
                actor,
                task_id,
                title=body.title,
                description=body.description,
                status=wire.task_status(body.status),
                priority=wire.priority(body.priority),
                assignee_id=body.assignee_id,
                estimated_hours=wire.hours(body.estimated_hours, "estimated_hours"),
                actual_hours=wire.hours(body.actual_hours, "actual_hours"),
                due_date=wire.due_date(body.due_date),
                labels=body.labels,
                watchers=body.watchers,
                position=body.position,
                parent_id=body.parent_id,
                project_id=body.project_id,
                assignee_ids=body.assignee_ids,
                override_blockers=body.override_blockers is True,
                custom_fields=body.custom_fields,
                expected_version=expected,
            ),
            expected,
        )

    task = await ctx.slow(write)
    return _one(task, message="Task updated successfully")


async def delete_task(ctx: HttpContext, request: Request) -> Response:
    tasks: TaskService = ctx.runtime.core.tasks
    actor = await ctx.slow(ctx.principal, request)
    task_id = path_id(request, "task_id")
    precondition = if_match(request, task_id)
    cascade = bool_query(request, "cascade") is True

    def remove() -> None:
        expected = precondition.expected(lambda: tasks.get_task(actor, task_id).version)
        tasks.delete_task(actor, task_id, expected_version=expected, cascade=cascade)

    await ctx.slow(remove)
    return JSON({"message": "Task deleted successfully"})


async def watch(ctx: HttpContext, request: Request) -> Response:
    tasks: TaskService = ctx.runtime.core.tasks
    actor = await ctx.slow(ctx.principal, request)
    task_id = path_id(request, "task_id")
    task = await ctx.slow(
        last_write_wins,
        lambda: tasks.set_watching(actor, task_id, watching=True),
        None,
    )
    return _one(task, message="You are now watching this task")


async def unwatch(ctx: HttpContext, request: Request) -> Response:
    tasks: TaskService = ctx.runtime.core.tasks
    actor = await ctx.slow(ctx.principal, request)
    task_id = path_id(request, "task_id")
    task = await ctx.slow(
        last_write_wins,
        lambda: tasks.set_watching(actor, task_id, watching=False),
        None,
    )
    return _one(task, message="You are no longer watching this task")


async def verify(ctx: HttpContext, request: Request) -> Response:
    tasks: TaskService = ctx.runtime.core.tasks
    users: UserService = ctx.runtime.core.users
    actor = await ctx.slow(ctx.principal, request)
    path_id(request, "task_id")
    if not actor.is_admin:
        raise AdminRequired()
    body = await ctx.body(request, VerifyBody, allow_empty=True)
    return JSON(await ctx.slow(_verify, users, tasks, actor, body))


_PROJECT_ID = Param(name="project_id", where="path")
_TASK_ID = Param(name="task_id", where="path")
_TASK = s.ref("Task")
_TASK_LIST = ("A page of tasks", s.listing("tasks", _TASK))

ENDPOINTS: list[Endpoint] = [
    Endpoint(
        method="GET",
        path="/api/projects/{project_id:int}/tasks",
        handler=list_tasks,
        summary="A project's tasks, filtered and sorted (members and admins)",
        tag="tasks",
        params=[
            _PROJECT_ID,
            Param(
                name="assignee",
                schema={"type": "string"},
                description="only tasks assigned to this user id, or to the caller (`me`)",
            ),
            *FILTER_PARAMS,
        ],
        responses={
            200: _TASK_LIST,
            400: s.ERROR_ANSWER,
            401: s.ERROR_ANSWER,
            404: s.ERROR_ANSWER,
        },
    ),
    Endpoint(
        method="POST",
        path="/api/projects/{project_id:int}/tasks",
        idempotent=True,
        handler=create_task,
        summary="Create a task in a project (owners, members and admins)",
        tag="tasks",
        params=[_PROJECT_ID],
        body=s.body_schema(TaskBody),
        etag=True,
        responses={
            201: ("Created", s.message(task=_TASK)),
            **s.errors(400, 401, 403, 404),
        },
    ),
    Endpoint(
        method="GET",
        path="/api/tasks",
        handler=list_my_tasks,
        summary="The tasks assigned to the caller in every project they belong to",
        tag="tasks",
        params=[
            Param(
                name="assignee",
                schema={"type": "string", "enum": ["me"]},
                description="`me` (the default)",
            ),
            *FILTER_PARAMS,
        ],
        responses={200: _TASK_LIST, 400: s.ERROR_ANSWER, 401: s.ERROR_ANSWER},
    ),
    Endpoint(
        method="GET",
        path="/api/tasks/{task_id:int}",
        handler=get_task,
        summary="One task (members of its project and admins)",
        tag="tasks",
        params=[_TASK_ID],
        etag=True,
        responses={
            200: ("The task", s.obj(task=_TASK)),
            401: s.ERROR_ANSWER,
            404: s.ERROR_ANSWER,
        },
    ),
    Endpoint(
        method="PUT",
        path="/api/tasks/{task_id:int}",
        handler=update_task,
        summary="Change a task; only the fields given change (owners, members and admins)",
        tag="tasks",
        params=[_TASK_ID, IF_MATCH],
        body=s.body_schema(TaskPatch),
        etag=True,
        responses={
            200: ("Updated", s.message(task=_TASK)),
            **s.errors(400, 401, 403, 404, 409),
            412: s.STALE_ANSWER,
        },
    ),
    Endpoint(
        method="DELETE",
        path="/api/tasks/{task_id:int}",
        handler=delete_task,
        summary="Delete a task with its comments (owners, members and admins); a task "
        "with subtasks only with cascade=true, which deletes its whole subtree",
        tag="tasks",
        params=[
            _TASK_ID,
            IF_MATCH,
            Param(
                name="cascade",
                schema={"type": "string", "enum": ["true", "false"]},
                description="true: delete the task's subtasks (and theirs) with it",
            ),
        ],
        responses={
            200: ("Deleted", s.message()),
            **s.errors(400, 401, 403, 404, 409),
            412: s.STALE_ANSWER,
        },
    ),
    Endpoint(
        method="GET",
        path="/api/tasks/{task_id:int}/subtasks",
        handler=list_subtasks,
        summary="A task's direct subtasks, filtered and sorted (board order by default)",
        tag="tasks",
        params=[
            _TASK_ID,
            Param(
                name="assignee",
                schema={"type": "string"},
                description="only tasks assigned to this user id, or to the caller (`me`)",
            ),
            *FILTER_PARAMS,
        ],
        responses={
            200: _TASK_LIST,
            400: s.ERROR_ANSWER,
            401: s.ERROR_ANSWER,
            404: s.ERROR_ANSWER,
        },
    ),
    *custom_fields.ENDPOINTS,
    *task_relations.ENDPOINTS,
    Endpoint(
        method="PUT",
        path="/api/tasks/{task_id:int}/watch",
        handler=watch,
        summary="Watch a task (any member of its project)",
        tag="tasks",
        params=[_TASK_ID],
        etag=True,
        responses={
            200: ("Watching", s.message(task=_TASK)),
            **s.errors(400, 401, 404),
        },
    ),
    Endpoint(
        method="DELETE",
        path="/api/tasks/{task_id:int}/watch",
        handler=unwatch,
        summary="Stop watching a task",
        tag="tasks",
        params=[_TASK_ID],
        etag=True,
        responses={
            200: ("Not watching", s.message(task=_TASK)),
            401: s.ERROR_ANSWER,
            404: s.ERROR_ANSWER,
        },
    ),
    Endpoint(
        method="POST",
        path="/api/tasks/{task_id:int}/verify",
        handler=verify,
        summary="Whether a user may see a task (admins only; the body's task_id counts, "
        "the path's is ignored)",
        tag="tasks",
        params=[_TASK_ID],
        body=s.body_schema(VerifyBody),
        responses={
            200: (
                "The answer",
                s.obj(
                    has_access={"type": "boolean"},
                    task={"oneOf": [_TASK, {"type": "null"}]},
                ),
            ),
            **s.errors(400, 401, 403),
        },
    ),
]
"""The task-area endpoints."""
