"""A project's custom-field settings page: the definitions (members see them; owners add
and remove them)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from taskcore import errors
from taskcore.domain.custom_fields import FieldType
from taskcore.services.access import can_manage
from taskcore_adapters.http.routes.common import path_id
from taskcore_adapters.web.account import ctx_status
from taskcore_adapters.web.routing import PageRoute, page
from taskcore_adapters.web.session import Visit, Web, field_errors

TYPES = [(t.value, t.value.replace("_", " ")) for t in FieldType]
"""The choices of the type select."""

BLANK = {"key": "", "label": "", "type": FieldType.TEXT.value, "options": "", "required": ""}


def _fields_page(
    web: Web,
    visit: Visit,
    project_id: int,
    *,
    status: int = 200,
    values: dict[str, str] | None = None,
    errors_: dict[str, str] | None = None,
) -> Response:
    project = web.core.projects.get_project(visit.actor, project_id)
    context: dict[str, Any] = {
        "project": project,
        "fields": web.core.tasks.list_fields(visit.actor, project_id),
        "can_manage": can_manage(visit.actor, project.role),
        "types": TYPES,
        "values": values or BLANK,
        "errors": errors_ or {},
    }
    return web.render(
        visit, "fields.html", status=status, title=f"{project.name}: custom fields", **context
    )


async def fields(web: Web, visit: Visit, request: Request) -> Response:
    """The project's custom fields, and (for its owners) the form to add one."""
    return _fields_page(web, visit, path_id(request, "project_id"))


async def define_field(web: Web, visit: Visit, request: Request) -> Response:
    """Add a field (``tasks.define_field``): options one per line or comma-separated."""
    project_id = path_id(request, "project_id")
    values = {name: visit.field(name) for name in BLANK}
    options = [o.strip() for o in values["options"].replace("\n", ",").split(",") if o.strip()]
    try:
        web.core.tasks.define_field(
            visit.actor,
            project_id,
            key=values["key"].strip(),
            label=values["label"].strip(),
            field_type=values["type"],
            required=values["required"] == "1",
            options=options or None,
        )
    except (errors.ValidationError, errors.Conflict) as exc:
        return _fields_page(
            web,
            visit,
            project_id,
            status=ctx_status(exc),
            values=values,
            errors_=field_errors(exc, {errors.Conflict: "key"}),
        )
    return web.redirect(visit, f"/projects/{project_id}/fields", notice="Custom field added.")


async def delete_field(web: Web, visit: Visit, request: Request) -> Response:
    """Remove a field and its values (``tasks.delete_field``)."""
    project_id = path_id(request, "project_id")
    web.core.tasks.delete_field(visit.actor, project_id, path_id(request, "field_id"))
    return web.redirect(
        visit, f"/projects/{project_id}/fields", notice="Custom field and its values removed."
    )


def routes(web: Web) -> list[PageRoute]:
    """The custom-field settings pages of ``web``."""
    base = "/projects/{project_id:int}/fields"
    return [
        PageRoute(base, page(web, fields), methods=["GET"]),
        PageRoute(base, page(web, define_field), methods=["POST"]),
        PageRoute(base + "/{field_id:int}/delete", page(web, delete_field), methods=["POST"]),
    ]
