"""The query string of the task lists over HTTP: filters, custom-field filters and the
order, read into ``TaskFilters`` (checked by the use case), and their OpenAPI
parameters."""

from __future__ import annotations

from starlette.requests import Request

from taskcore.domain.projects import Priority
from taskcore.domain.tasks import TaskSort, TaskStatus
from taskcore.errors import ValidationError
from taskcore.services.tasks import TaskFilters
from taskcore.services.users import Principal
from taskcore_adapters import wire_fields as wire
from taskcore_adapters.http import schemas as s
from taskcore_adapters.http.endpoint import Param
from taskcore_adapters.http.parsing import whole_number
from taskcore_adapters.http.routes.common import MAX_PATH_ID, PATH_ID_DIGITS
from taskcore_adapters.http.routes.paging import WINDOW_PARAMS, bool_query, text_query


def assignee_query(request: Request, actor: Principal) -> int | None:
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


def task_filters(
    request: Request,
    assignee_id: int | None,
    *,
    default_sort: str = "created_at",
    default_order: str = "desc",
) -> TaskFilters:
    """The task filters and order of the query string (checked by the use case)."""
    return TaskFilters(
        status=wire.task_status(text_query(request, "status")),
        priority=wire.priority(text_query(request, "priority")),
        assignee_id=assignee_id,
        label=text_query(request, "label"),
        due_before=wire.instant(text_query(request, "due_before"), "due_before"),
        due_after=wire.instant(text_query(request, "due_after"), "due_after"),
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


FILTER_PARAMS = [
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
"""The filter and order parameters every task list takes."""
