"""Project pages: the list, creation, the board with its columns, the members page (with
its invitations), and the caller's invitations."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import Any, Final

import attrs
from starlette.requests import Request
from starlette.responses import Response

from taskcore import errors
from taskcore.domain.invitations import InvitationView
from taskcore.domain.pagination import Page, PageRequest
from taskcore.domain.projects import Priority, ProjectStatus, ProjectView, Role
from taskcore.domain.tasks import TaskStatus, TaskView
from taskcore.services import access
from taskcore.services.tasks import TaskFilters
from taskcore_adapters import wire_fields as wire
from taskcore_adapters.http.parsing import whole_number
from taskcore_adapters.http.routes.common import path_id
from taskcore_adapters.web import teams
from taskcore_adapters.web.account import ctx_status, page_number
from taskcore_adapters.web.board_filters import DUE_CHOICES, BoardFilter, board_filter
from taskcore_adapters.web.routing import PageRoute, page
from taskcore_adapters.web.session import Visit, Web, field_errors

PROJECTS_PAGE_SIZE: Final = 20
COLUMN_SIZE: Final = 100
"""The most cards a board column shows."""
MEMBERS_PAGE_SIZE: Final = 100
INVITATIONS_PAGE_SIZE: Final = 20

PROJECT_FIELDS: Final = ("name", "description", "status", "priority", "start_date", "end_date")
TASK_FIELDS: Final = ("title", "description", "priority", "due_date", "assignee_id", "labels")


def optional_id(text: str, field: str) -> int | None:
    """A user id typed in a form ('' is none).

    Raises:
        ValidationError: not a whole number.
    """
    text = text.strip()
    if not text:
        return None
    number = whole_number(text, digits=18)
    if number is None:
        raise errors.ValidationError(f"{field} must be a user id (a whole number)", field=field)
    return number


def label_list(text: str) -> list[str]:
    """Comma-separated labels as typed (checked by the core)."""
    return [part for part in (p.strip() for p in text.split(",")) if part]


def column_page(
    web: Web,
    visit: Visit,
    project_id: int,
    status: TaskStatus,
    chosen: BoardFilter | None = None,
) -> Page[TaskView]:
    """One board column: the first :data:`COLUMN_SIZE` of the project's tasks with
    ``status`` (and matching the ``chosen`` filters), in board order, and how many there
    are."""
    found: Page[TaskView] = web.core.tasks.list_tasks(
        visit.actor,
        project_id,
        filters=attrs.evolve(board_filters(chosen or BoardFilter()), status=status),
        page=PageRequest(per_page=COLUMN_SIZE),
    )
    return found


def board_filters(chosen: BoardFilter) -> TaskFilters:
    """The task filters of the board's ``chosen`` filters, in board order."""
    return TaskFilters(
        assignee_id=chosen.assignee_id,
        label=chosen.label,
        priority=wire.priority(chosen.priority),
        overdue=chosen.overdue,
        sort="position",
        order="asc",
    )


def column(web: Web, visit: Visit, project_id: int, status: TaskStatus) -> Sequence[TaskView]:
    """One board column's cards (see :func:`column_page`)."""
    return column_page(web, visit, project_id, status).items


_NAME_PARTS: Final = re.compile(r"[\s._-]+")


@functools.lru_cache(maxsize=1024)
def initials(name: str) -> str:
    """Up to two letters for a person's badge: ``maria`` → ``MA``, ``tom.smith`` → ``TS``
    (remembered per name: a board asks for the same few names hundreds of times)."""
    parts = [p for p in _NAME_PARTS.split(name) if p]
    if len(parts) >= 2:
        return (parts[0][0] + parts[1][0]).upper()
    return name[:2].upper() or "?"


def task_form_context(web: Web, visit: Visit, project: ProjectView) -> dict[str, Any]:
    """What a page with a task form shows besides its tasks: the project's members (names
    by id, and as assignee choices), the statuses and priorities to choose from, and whether
    the caller may change tasks."""
    people = web.core.projects.list_members(
        visit.actor, project.id, page=PageRequest(per_page=MEMBERS_PAGE_SIZE)
    ).items
    return {
        "names": {m.user_id: m.username for m in people},
        "member_options": [(str(m.user_id), m.username) for m in people],
        "statuses": [s.value for s in TaskStatus],
        "priorities": [p.value for p in Priority],
        "can_write": access.can_write(visit.actor, project.role),
    }


def _projects(
    web: Web,
    visit: Visit,
    request: Request,
    *,
    status: int = 200,
    values: dict[str, str] | None = None,
    errors_: dict[str, str] | None = None,
) -> Response:
    found = web.core.projects.list_projects(
        visit.actor, page=PageRequest.of(page_number(request), PROJECTS_PAGE_SIZE)
    )
    return web.render(
        visit,
        "projects.html",
        status=status,
        title="Projects",
        projects=found,
        values=values
        or {"name": "", "description": "", "priority": "medium", "start_date": "", "end_date": ""},
        errors=errors_ or {},
        priorities=[p.value for p in Priority],
    )


def projects(web: Web, visit: Visit, request: Request) -> Response:
    """The caller's projects, with the form to create one."""
    return _projects(web, visit, request)


def create_project(web: Web, visit: Visit, request: Request) -> Response:
    """Create a project with ``projects.create_project``."""
    values = {name: visit.field(name) for name in PROJECT_FIELDS if name != "status"}
    try:
        project = web.core.projects.create_project(
            visit.actor,
            name=values["name"],
            description=values["description"],
            priority=wire.priority(values["priority"] or None),
            start_date=wire.project_date(values["start_date"] or None, "start_date"),
            end_date=wire.project_date(values["end_date"] or None, "end_date"),
        )
    except errors.TaskcoreError as exc:
        return _projects(
            web, visit, request, status=ctx_status(exc), values=values, errors_=field_errors(exc)
        )
    return web.redirect(visit, f"/projects/{project.id}", notice="Project created.")


def _board(
    web: Web,
    visit: Visit,
    project_id: int,
    *,
    status: int = 200,
    values: dict[str, str] | None = None,
    errors_: dict[str, str] | None = None,
    edit_values: dict[str, str] | None = None,
    edit_errors: dict[str, str] | None = None,
) -> Response:
    project: ProjectView = web.core.projects.get_project(visit.actor, project_id)
    chosen = board_filter(visit.request.query_params)
    columns = web.core.tasks.list_columns(
        visit.actor, project_id, filters=board_filters(chosen), per_column=COLUMN_SIZE
    )
    return web.render(
        visit,
        "board.html",
        status=status,
        title=project.name,
        project=project,
        columns=columns,
        **task_form_context(web, visit, project),
        project_statuses=[s.value for s in ProjectStatus],
        initials=initials,
        now=web.core.clock.now(),
        chosen=chosen,
        due_choices=DUE_CHOICES,
        can_manage=access.can_manage(visit.actor, project.role),
        values=values
        or dict.fromkeys(TASK_FIELDS, "") | {"priority": "medium", "status": "pending"},
        errors=errors_ or {},
        edit_values=edit_values
        or {
            "name": project.name,
            "description": project.description,
            "status": project.status.value,
            "priority": project.priority.value,
            "start_date": project.start_date.isoformat() if project.start_date else "",
            "end_date": project.end_date.isoformat() if project.end_date else "",
        },
        edit_errors=edit_errors or {},
    )


def board(web: Web, visit: Visit, request: Request) -> Response:
    """A project's board: one column per status, cards in board order."""
    return _board(web, visit, path_id(request, "project_id"))


def update_project(web: Web, visit: Visit, request: Request) -> Response:
    """Change a project with ``projects.update_project`` (owners)."""
    project_id = path_id(request, "project_id")
    values = {name: visit.field(name) for name in PROJECT_FIELDS}
    try:
        web.core.projects.update_project(
            visit.actor,
            project_id,
            name=values["name"],
            description=values["description"],
            status=wire.project_status(values["status"]),
            priority=wire.priority(values["priority"]),
            start_date=wire.project_date(values["start_date"] or None, "start_date"),
            end_date=wire.project_date(values["end_date"] or None, "end_date"),
        )
    except (errors.ValidationError, errors.Conflict) as exc:
        return _board(
            web,
            visit,
            project_id,
            status=ctx_status(exc),
            edit_values=values,
            edit_errors=field_errors(exc),
        )
    return web.redirect(visit, f"/projects/{project_id}", notice="Project saved.")


def delete_project(web: Web, visit: Visit, request: Request) -> Response:
    """Delete a project with ``projects.delete_project`` (owners)."""
    web.core.projects.delete_project(visit.actor, path_id(request, "project_id"))
    return web.redirect(visit, "/projects", notice="Project deleted.")


def create_task(web: Web, visit: Visit, request: Request) -> Response:
    """Create a task with ``tasks.create_task``."""
    project_id = path_id(request, "project_id")
    values = {name: visit.field(name) for name in (*TASK_FIELDS, "status")}
    try:
        task = web.core.tasks.create_task(
            visit.actor,
            project_id,
            title=values["title"],
            description=values["description"],
            status=wire.task_status(values["status"] or None),
            priority=wire.priority(values["priority"] or None),
            due_date=wire.due_date(values["due_date"] or None),
            assignee_id=optional_id(values["assignee_id"], "assignee_id"),
            labels=label_list(values["labels"]),
        )
    except (errors.ValidationError, errors.Conflict) as exc:
        return _board(
            web,
            visit,
            project_id,
            status=ctx_status(exc),
            values=values,
            errors_=field_errors(exc),
        )
    return web.redirect(visit, f"/projects/{project_id}#task-{task.id}", notice="Task created.")


def new_position(cards: Sequence[TaskView], moving: TaskView, before: int | None) -> float:
    """A board position placing ``moving`` just before the card ``before`` in ``cards``
    (one column in board order), or at the end of the column when ``before`` is ``None``
    or not in it."""
    others = [c for c in cards if c.id != moving.id]
    index = next((i for i, c in enumerate(others) if c.id == before), None)
    if index is None:
        return others[-1].position + 1.0 if others else 1.0
    if index == 0:
        return others[0].position - 1.0
    return (others[index - 1].position + others[index].position) / 2.0


def move_task(web: Web, visit: Visit, request: Request) -> Response:
    """Move a card: to another column (``status``), before another card (``before``), or
    one place up or down (``direction``); saved with ``tasks.update_task``."""
    task_id = path_id(request, "task_id")
    actor = visit.actor
    task: TaskView = web.core.tasks.get_task(actor, task_id)
    status_text = visit.field("status") or task.status.value
    if status_text not in {s.value for s in TaskStatus}:
        # The core refuses it with its own message.
        web.core.tasks.update_task(actor, task_id, status=wire.task_status(status_text))
    target = TaskStatus(status_text)
    cards = column(web, visit, task.project_id, target)
    before = optional_id(visit.field("before"), "before")
    direction = visit.field("direction")
    if direction in ("up", "down") and target is task.status:
        ids = [c.id for c in cards]
        index = ids.index(task.id) if task.id in ids else len(ids)
        if (direction == "up" and index == 0) or (direction == "down" and index >= len(ids) - 1):
            return web.redirect(visit, f"/projects/{task.project_id}#task-{task_id}")
        if direction == "up":
            before = ids[index - 1]
        else:
            before = ids[index + 2] if index + 2 < len(ids) else None
    position = new_position(cards, task, before)
    web.core.tasks.update_task(actor, task_id, status=target, position=position)
    return web.redirect(visit, f"/projects/{task.project_id}#task-{task_id}")


def _members(
    web: Web,
    visit: Visit,
    project_id: int,
    *,
    status: int = 200,
    values: dict[str, str] | None = None,
    errors_: dict[str, str] | None = None,
) -> Response:
    project = web.core.projects.get_project(visit.actor, project_id)
    found = web.core.projects.list_members(
        visit.actor, project_id, page=PageRequest(per_page=MEMBERS_PAGE_SIZE)
    )
    can_manage = access.can_manage(visit.actor, project.role)
    pending = (
        web.core.projects.list_invitations(
            visit.actor, project_id, pending=True, page=PageRequest(per_page=MEMBERS_PAGE_SIZE)
        )
        if can_manage
        else None
    )
    return web.render(
        visit,
        "members.html",
        status=status,
        title=f"Members of {project.name}",
        project=project,
        members=found,
        invitations=pending,
        roles=[r.value for r in Role],
        can_manage=can_manage,
        adds_directly=web.core.projects.may_add_directly(visit.actor),
        values=values or {"user_id": "", "role": "member"},
        errors=errors_ or {},
        **teams.project_teams(web, visit, project_id, can_manage=can_manage),
    )


def members(web: Web, visit: Visit, request: Request) -> Response:
    """A project's members; owners get the forms to add, promote and remove."""
    return _members(web, visit, path_id(request, "project_id"))


def add_member(web: Web, visit: Visit, request: Request) -> Response:
    """Invite a user (owners) or add them at once (administrators), with
    ``projects.add_or_invite``."""
    project_id = path_id(request, "project_id")
    values = {"user_id": visit.field("user_id"), "role": visit.field("role")}
    try:
        wanted = (values["user_id"] or "").strip()
        if wanted and not wanted.isdigit():  # a username
            user_id: int | None = web.core.users.find_by_username(visit.actor, wanted).id
        else:
            user_id = optional_id(values["user_id"], "user_id")
        if user_id is None:
            raise errors.ValidationError("user_id is required", field="user_id")
        done = web.core.projects.add_or_invite(
            visit.actor, project_id, user_id=user_id, role=values["role"] or "member"
        )
    except (errors.ValidationError, errors.Conflict, errors.UserNotFound) as exc:
        return _members(
            web,
            visit,
            project_id,
            status=ctx_status(exc),
            values=values,
            errors_=field_errors(
                exc,
                {
                    errors.UserNotFound: "user_id",
                    errors.MemberAlreadyExists: "user_id",
                    errors.InvitationPending: "user_id",
                },
            ),
        )
    if isinstance(done, InvitationView):
        notice = f"Invitation sent to {done.username}; they join by accepting it."
    else:
        notice = f"{done.username} added."
    return web.redirect(visit, f"/projects/{project_id}/members", notice=notice)


def revoke_invitation(web: Web, visit: Visit, request: Request) -> Response:
    """Withdraw a pending invitation (``projects.revoke_invitation``; owners)."""
    invitation_id = path_id(request, "invitation_id")
    found = web.core.projects.get_invitation(visit.actor, invitation_id)
    back = f"/projects/{found.project_id}/members"
    try:
        revoked = web.core.projects.revoke_invitation(visit.actor, invitation_id)
    except errors.Conflict as exc:
        return web.redirect(visit, back, notice=exc.message)
    return web.redirect(visit, back, notice=f"Invitation of {revoked.username} revoked.")


def invitations(web: Web, visit: Visit, request: Request) -> Response:
    """The caller's invitations that can still be accepted, with Accept and Decline."""
    found = web.core.projects.my_invitations(
        visit.actor, page=PageRequest.of(page_number(request), INVITATIONS_PAGE_SIZE)
    )
    return web.render(visit, "invitations.html", title="Invitations", invitations=found)


def answer_invitation(web: Web, visit: Visit, request: Request) -> Response:
    """Accept (``projects.accept_invitation``) or decline one's invitation."""
    invitation_id = path_id(request, "invitation_id")
    try:
        if request.url.path.endswith("/accept"):
            member = web.core.projects.accept_invitation(visit.actor, invitation_id)
            return web.redirect(
                visit, f"/projects/{member.project_id}", notice="Invitation accepted."
            )
        web.core.projects.decline_invitation(visit.actor, invitation_id)
    except errors.Conflict as exc:
        return web.redirect(visit, "/invitations", notice=exc.message)
    return web.redirect(visit, "/invitations", notice="Invitation declined.")


def change_member(web: Web, visit: Visit, request: Request) -> Response:
    """Change a member's role (``projects.change_member_role``) or remove them
    (``projects.remove_member``); owners only."""
    project_id = path_id(request, "project_id")
    user_id = path_id(request, "user_id")
    back = f"/projects/{project_id}/members"
    try:
        if visit.field("action") == "remove":
            web.core.projects.remove_member(visit.actor, project_id, user_id)
            notice = "Member removed."
        else:
            web.core.projects.change_member_role(
                visit.actor, project_id, user_id, role=visit.field("role")
            )
            notice = "Role changed."
    except (errors.ValidationError, errors.Conflict) as exc:
        return web.redirect(visit, back, notice=exc.message)
    return web.redirect(visit, back, notice=notice)


def routes(web: Web) -> list[PageRoute]:
    """The project pages."""
    return [
        PageRoute("/projects", page(web, projects), methods=["GET"]),
        PageRoute("/projects", page(web, create_project), methods=["POST"]),
        PageRoute("/projects/{project_id:int}", page(web, board), methods=["GET"]),
        PageRoute("/projects/{project_id:int}", page(web, update_project), methods=["POST"]),
        PageRoute("/projects/{project_id:int}/delete", page(web, delete_project), methods=["POST"]),
        PageRoute("/projects/{project_id:int}/tasks", page(web, create_task), methods=["POST"]),
        PageRoute("/tasks/{task_id:int}/move", page(web, move_task), methods=["POST"]),
        PageRoute("/projects/{project_id:int}/members", page(web, members), methods=["GET"]),
        PageRoute("/projects/{project_id:int}/members", page(web, add_member), methods=["POST"]),
        PageRoute(
            "/projects/{project_id:int}/members/{user_id:int}",
            page(web, change_member),
            methods=["POST"],
        ),
        PageRoute("/invitations", page(web, invitations), methods=["GET"]),
        PageRoute(
            "/invitations/{invitation_id:int}/accept",
            page(web, answer_invitation),
            methods=["POST"],
        ),
        PageRoute(
            "/invitations/{invitation_id:int}/decline",
            page(web, answer_invitation),
            methods=["POST"],
        ),
        PageRoute(
            "/invitations/{invitation_id:int}/revoke",
            page(web, revoke_invitation),
            methods=["POST"],
        ),
    ]
