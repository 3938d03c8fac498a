"""Tasks: endpoints P6-P11 of the original, plus the caller's tasks and watching."""

from __future__ import annotations

from typing import Any

import attrs
from starlette.requests import Request
from starlette.responses import Response

from taskcore.domain.custom_fields import FieldDefinition
from taskcore.domain.projects import Priority
from taskcore.domain.relations import RelationView
from taskcore.domain.tasks import TaskSort, TaskStatus, TaskView
from taskcore.domain.values import UNSET, Unset
from taskcore.errors import AdminRequired, NotFound, ValidationError
from taskcore.services.tasks import TaskFilters, TaskService
from taskcore.services.users import Principal, UserService
from taskcore_adapters.http import schemas as s
from taskcore_adapters.http.context import HttpContext
from taskcore_adapters.http.endpoint import Endpoint, Param
from taskcore_adapters.http.etags import IF_MATCH, etag_header, if_match, last_write_wins
from taskcore_adapters.http.parsing import Id, whole_number
from taskcore_adapters.http.responses import (
    CustomFieldResponse,
    RelationResponse,
    StatusCountsResponse,
    SubtasksResponse,
    TaskResponse,
    of,
    to_json,
)
from taskcore_adapters.http.routes.common import (
    MAX_PATH_ID,
    PAGE_PARAMS,
    PATH_ID_DIGITS,
    page_request,
    path_id,
    strict_body,
)
from taskcore_adapters.http.routes.paging import (
    WINDOW_PARAMS,
    bool_query,
    listed,
    text_query,
    window,
)
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
class RelationBody:
    kind: str | None = None
    task_id: Id | None = None
    lag_days: int | None = None


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


def _assignee(request: Request, actor: Principal) -> int | None:
    """``assignee``: a user id, or ``me`` for the caller.

    Raises:
        ValidationError: ``Invalid assignee. Use a user id or 'me'``.
    """
    raw = text_query(request, "assignee")
    if raw is None:
        return None
    if raw == "me":
        return actor.user_id
    number = whole_number(raw, digits=PATH_ID_DIGITS)
    if number is not None and number <= MAX_PATH_ID:
        return number
    raise ValidationError("Invalid assignee. Use a user id or 'me'", field="assignee")


def _filters(
    request: Request,
    assignee_id: int | None,
    *,
    default_sort: str = "created_at",
    default_order: str = "desc",
) -> TaskFilters:
    """The task filters and order of the query string (checked by the use case)."""
    return TaskFilters(
        status=text_query(request, "status"),
        priority=text_query(request, "priority"),
        assignee_id=assignee_id,
        label=text_query(request, "label"),
        due_before=text_query(request, "due_before"),
        due_after=text_query(request, "due_after"),
        overdue=bool_query(request, "overdue"),
        search=text_query(request, "q") or text_query(request, "search"),
        parent_id=_task_id_query(request, "parent_id"),
        top_level=bool_query(request, "top_level"),
        blocked=bool_query(request, "blocked"),
        custom=_custom_query(request),
        sort=text_query(request, "sort") or default_sort,
        order=text_query(request, "order") or default_order,
    )


_CUSTOM_OPS = ("gte", "lte", "in")


def _custom_query(request: Request) -> tuple[tuple[str, str, str], ...]:
    """The custom-field filters of the query string: ``cf.<key>=``, ``cf.<key>__gte=``,
    ``__lte`` and ``__in`` (comma-separated)."""
    found: list[tuple[str, str, str]] = []
    for name in request.query_params:
        if not name.startswith("cf."):
            continue
        value = text_query(request, name)
        if value is None:
            continue
        key, _, op = name[3:].partition("__")
        if op and op not in _CUSTOM_OPS:
            raise ValidationError(
                f"Invalid filter {name}. Use cf.<key>, or __gte, __lte or __in", field=name
            )
        found.append((key, op or "eq", value))
    return tuple(found)


def _task_id_query(request: Request, name: str) -> int | None:
    """A task id in the query string.

    Raises:
        ValidationError: ``Invalid <name>. Use a task id``.
    """
    raw = text_query(request, name)
    if raw is None:
        return None
    number = whole_number(raw, digits=PATH_ID_DIGITS)
    if number is not None and number <= MAX_PATH_ID:
        return number
    raise ValidationError(f"Invalid {name}. Use a task id", field=name)


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
    filters = _filters(request, _assignee(request, actor))
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
        tasks.list_my_tasks, actor, filters=_filters(request, None), page=window(request)
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
        status=body.status,
        priority=body.priority,
        due_date=body.due_date,
        estimated_hours=body.estimated_hours,
        actual_hours=body.actual_hours,
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
    filters = _filters(
        request, _assignee(request, actor), default_sort="position", default_order="asc"
    )
    found = await ctx.slow(
        tasks.list_subtasks, actor, task_id, filters=filters, page=window(request)
    )
    return JSON(listed("tasks", found, task_json))


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
                status=body.status,
                priority=body.priority,
                assignee_id=body.assignee_id,
                estimated_hours=body.estimated_hours,
                actual_hours=body.actual_hours,
                due_date=body.due_date,
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
_RELATION = s.response_schema(RelationResponse)
_FIELD = s.response_schema(CustomFieldResponse)
_FIELD_ID = Param(name="field_id", where="path")
_FILTERS = [
    Param(
        name="status",
        schema=s.enum_of(TaskStatus),
        description="only tasks with this status",
    ),
    Param(
        name="priority",
        schema=s.enum_of(Priority),
        description="only tasks with this priority",
    ),
    Param(name="label", schema={"type": "string"}, description="only tasks with this label"),
    Param(
        name="due_before",
        schema={"type": "string"},
        description="only tasks due before this ISO 8601 instant or date",
    ),
    Param(
        name="due_after",
        schema={"type": "string"},
        description="only tasks due at or after this ISO 8601 instant or date",
    ),
    Param(
        name="overdue",
        schema={"type": "string", "enum": ["true", "false"]},
        description="true: only open tasks past their due date; false: only the others",
    ),
    Param(
        name="q",
        schema={"type": "string"},
        description="only tasks whose title or description contains this text (any case)",
    ),
    Param(name="search", schema={"type": "string"}, description="the same as `q`"),
    Param(
        name="parent_id",
        schema={"type": "string"},
        description="only the direct subtasks of this task id",
    ),
    Param(
        name="cf.<key>",
        schema={"type": "string"},
        description="custom field filters: cf.<key>=<value> (a multi select: has the "
        "option), cf.<key>__gte=, cf.<key>__lte=, cf.<key>__in=<a>,<b>; project lists only",
    ),
    Param(
        name="blocked",
        schema={"type": "string", "enum": ["true", "false"]},
        description="true: only tasks an open task blocks; false: only the others",
    ),
    Param(
        name="top_level",
        schema={"type": "string", "enum": ["true", "false"]},
        description="true: only tasks without a parent; false: only subtasks",
    ),
    Param(
        name="sort",
        schema={"type": "string"},
        description="sort field: one of "
        + ", ".join(t.value for t in TaskSort)
        + " (default created_at), or cf.<key> for a custom field (project lists only); "
        "tasks without a due date or value come last",
    ),
    Param(
        name="order",
        schema={"type": "string", "enum": ["asc", "desc"]},
        description="sort direction (default desc)",
    ),
    *WINDOW_PARAMS,
]
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
            *_FILTERS,
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
            *_FILTERS,
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
            *_FILTERS,
        ],
        responses={
            200: _TASK_LIST,
            400: s.ERROR_ANSWER,
            401: s.ERROR_ANSWER,
            404: s.ERROR_ANSWER,
        },
    ),
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
