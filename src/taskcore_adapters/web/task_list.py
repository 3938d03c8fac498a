"""A project's list view: its tasks in a table, sorted by a column, filtered by status and
assignee, each row editable in place (status, priority, assignee, due date), with
checkboxes and bulk actions (status, assignee, labels, move to another project, delete).

A bulk action is one use-case call per selected task (``tasks.update_task``,
``tasks.move_task`` or ``tasks.delete_task``), so each task gets its own activity entry and
its own permission check; a task the core refuses (a task with subtasks sent to another
project, say) is reported by id with the core's message while the others are changed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final
from urllib.parse import urlencode

import attrs
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response

from taskcore import errors
from taskcore.domain.pagination import PageRequest
from taskcore.domain.projects import ProjectView
from taskcore.domain.tasks import TaskStatus
from taskcore.services import access
from taskcore.services.tasks import TaskFilters
from taskcore_adapters import wire_fields as wire
from taskcore_adapters.http.parsing import whole_number
from taskcore_adapters.http.routes.common import path_id
from taskcore_adapters.web.account import ctx_status, page_number
from taskcore_adapters.web.projects import initials, label_list, optional_id, task_form_context
from taskcore_adapters.web.routing import PageRoute, page
from taskcore_adapters.web.session import Visit, Web

LIST_PAGE_SIZE: Final = 50
"""Rows per page (a bulk form then stays under the pages' 64 form fields)."""

SORTS: Final = {
    "priority": "Priority",
    "due_date": "Due",
    "updated_at": "Updated",
    "created_at": "Created",
    "position": "Board order",
}
"""The columns the list sorts by (the core's task sorts), with their headings."""

LIST_PARAMS: Final = ("sort", "order", "status", "assignee", "page")
"""The address parameters of the list, kept when a row is saved."""

ACTIONS: Final = ("status", "assignee", "labels", "project", "delete")
"""The bulk actions."""

DESTINATIONS_SIZE: Final = 100
"""The most of the caller's projects offered as destinations of a move."""


@attrs.frozen(kw_only=True)
class Outcome:
    """What a bulk action did: the tasks changed, and each refusal by task id."""

    done: int
    failed: list[tuple[int, str]]


def _query(request: Request) -> dict[str, str]:
    """The list's sort, order and filters from the address (defaults filled in)."""
    params = request.query_params
    return {
        "sort": params.get("sort", "position"),
        "order": params.get("order", "asc"),
        "status": params.get("status", ""),
        "assignee": params.get("assignee", ""),
    }


def _list(
    web: Web,
    visit: Visit,
    request: Request,
    project_id: int,
    *,
    status: int = 200,
    outcome: Outcome | None = None,
) -> Response:
    project: ProjectView = web.core.projects.get_project(visit.actor, project_id)
    query = _query(request)
    found = web.core.tasks.list_tasks(
        visit.actor,
        project_id,
        filters=TaskFilters(
            status=wire.task_status(query["status"] or None),
            assignee_id=optional_id(query["assignee"], "assignee"),
            sort=query["sort"],
            order=query["order"],
        ),
        page=PageRequest.of(page_number(request), LIST_PAGE_SIZE),
    )
    return web.render(
        visit,
        "list.html",
        status=status,
        title=f"{project.name}: list",
        project=project,
        tasks=found,
        query=query,
        sorts=SORTS,
        initials=initials,
        now=web.core.clock.now(),
        outcome=outcome,
        destinations=destinations(web, visit, project.id),
        **task_form_context(web, visit, project),
    )


def destinations(web: Web, visit: Visit, project_id: int) -> dict[int, str]:
    """The projects a task of ``project_id`` may be moved to: the caller's others where
    they may add tasks (the first :data:`DESTINATIONS_SIZE` of them), names by id."""
    mine = web.core.projects.list_projects(
        visit.actor, page=PageRequest(per_page=DESTINATIONS_SIZE)
    )
    return {
        p.id: p.name
        for p in mine.items
        if p.id != project_id and access.can_write(visit.actor, p.role)
    }


def task_list(web: Web, visit: Visit, request: Request) -> Response:
    """A project's tasks as a sortable, filterable table with bulk actions."""
    return _list(web, visit, request, path_id(request, "project_id"))


def selected_ids(visit: Visit) -> list[int]:
    """The ticked task ids, in order, without repeats.

    Raises:
        ValidationError: none ticked, or one is not a task id (field ``task_id``).
    """
    ids: dict[int, None] = {}
    for value in visit.form.getlist("task_id"):
        number = whole_number(value if isinstance(value, str) else "", digits=18)
        if number is None:
            raise errors.ValidationError("task_id must be task ids", field="task_id")
        ids[number] = None
    if not ids:
        raise errors.ValidationError("Select at least one task", field="task_id")
    return list(ids)


def _operation(
    web: Web, visit: Visit, action: str, project_id: int
) -> tuple[Callable[[int], object], str]:
    """The use-case call for one task, and the notice's verb, for ``action`` on tasks of
    ``project_id``.

    Raises:
        ValidationError: an unknown action (field ``action``), no status chosen, or no
            destination among :func:`destinations` (field ``project_id``).
    """
    actor, tasks = visit.actor, web.core.tasks
    if action == "status":
        new_status = visit.field("status")
        if new_status not in {s.value for s in TaskStatus}:
            raise errors.ValidationError("Choose a status", field="status")
        chosen = TaskStatus(new_status)
        return (lambda task_id: tasks.update_task(actor, task_id, status=chosen)), (
            f"moved to {new_status.replace('_', ' ')}"
        )
    if action == "assignee":
        assignee = optional_id(visit.field("assignee_id"), "assignee_id")
        people = [] if assignee is None else [assignee]
        return (lambda task_id: tasks.update_task(actor, task_id, assignee_ids=people)), (
            "assigned" if people else "unassigned"
        )
    if action == "labels":
        labels = label_list(visit.field("labels"))
        return (lambda task_id: tasks.update_task(actor, task_id, labels=labels)), ("relabelled")
    if action == "project":
        target = whole_number(visit.field("project_id"), digits=18)
        names = destinations(web, visit, project_id)
        if target is None or target not in names:
            raise errors.ValidationError(
                "Choose a project to move the tasks to", field="project_id"
            )
        return (
            lambda task_id: tasks.move_task(actor, task_id, target)
        ), f"moved to {names[target]}"
    if action == "delete":
        return (lambda task_id: tasks.delete_task(actor, task_id)), "deleted"
    raise errors.ValidationError(
        f"action must be {', '.join(ACTIONS[:-1])} or {ACTIONS[-1]}", field="action"
    )


def bulk(web: Web, visit: Visit, request: Request) -> Response:
    """Apply one action to every ticked task, one use-case call each; refusals are
    listed per task, the rest is done."""
    project_id = path_id(request, "project_id")
    web.core.projects.get_project(visit.actor, project_id)  # not found: 404 as the list
    back = f"/projects/{project_id}/list"
    if request.url.query:
        back += "?" + request.url.query
    try:
        ids = selected_ids(visit)
        call, verb = _operation(web, visit, visit.field("action"), project_id)
    except errors.ValidationError as exc:
        return web.redirect(visit, back, notice=exc.message)
    failed: list[tuple[int, str]] = []
    first: errors.TaskcoreError | None = None
    for task_id in ids:
        try:
            call(task_id)
        except errors.TaskcoreError as exc:
            failed.append((task_id, exc.message))
            first = first or exc
    done = len(ids) - len(failed)
    notice = f"{done} {'task' if done == 1 else 'tasks'} {verb}."
    if first is None:
        return web.redirect(visit, back, notice=notice)
    visit.notice = notice
    status = 200 if done else ctx_status(first)
    return _list(
        web, visit, request, project_id, status=status, outcome=Outcome(done=done, failed=failed)
    )


def back_to_list(project_id: int, query: str) -> str:
    """The list's address with the sort, order, filters and page of ``query`` (other
    parameters dropped)."""
    kept = [(k, v) for k, v in QueryParams(query).multi_items() if k in LIST_PARAMS]
    return f"/projects/{project_id}/list" + (f"?{urlencode(kept)}" if kept else "")


def quick_edit(web: Web, visit: Visit, request: Request) -> Response:
    """Save one row of the list (status, priority, assignee, due date) with
    ``tasks.update_task``; a refusal comes back as the list's notice."""
    task_id = path_id(request, "task_id")
    task = web.core.tasks.get_task(visit.actor, task_id)
    back = back_to_list(task.project_id, visit.field("back"))
    try:
        web.core.tasks.update_task(
            visit.actor,
            task_id,
            status=wire.task_status(visit.field("status") or task.status.value),
            priority=wire.priority(visit.field("priority") or task.priority.value),
            assignee_id=optional_id(visit.field("assignee_id"), "assignee_id"),
            due_date=wire.due_date(visit.field("due_date") or None),
            expected_version=whole_number(visit.field("version"), digits=18),
        )
    except (errors.ValidationError, errors.Conflict) as exc:
        return web.redirect(visit, back, notice=f"{task.title}: {exc.message}")
    return web.redirect(visit, back, notice=f"{task.title} saved.")


def routes(web: Web) -> list[PageRoute]:
    """The list view and its bulk actions."""
    return [
        PageRoute("/projects/{project_id:int}/list", page(web, task_list), methods=["GET"]),
        PageRoute("/projects/{project_id:int}/bulk", page(web, bulk), methods=["POST"]),
        PageRoute("/tasks/{task_id:int}/quick", page(web, quick_edit), methods=["POST"]),
    ]
