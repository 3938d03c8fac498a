"""A project's custom-field settings page: the definitions (members see them; owners add,
change and remove them). A task's values are edited on the task page (:mod:`.task_fields`)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from taskcore import errors
from taskcore.domain.custom_fields import FieldDefinition, FieldType
from taskcore.domain.values import UNSET, Unset
from taskcore.services.access import can_manage
from taskcore_adapters.http.parsing import whole_number
from taskcore_adapters.http.routes.common import path_id
from taskcore_adapters.web import task_fields
from taskcore_adapters.web.account import ctx_status
from taskcore_adapters.web.routing import PageRoute, page
from taskcore_adapters.web.session import Visit, Web, field_errors

TYPES = [(t.value, t.value.replace("_", " ")) for t in FieldType]
"""The choices of the type select."""

BLANK = {"key": "", "label": "", "type": FieldType.TEXT.value, "options": "", "required": ""}

EDIT = ("label", "position", "required", "rename_from", "rename_to", "add_option")
"""The fields of a definition's change form."""

POSITION_MAX = 2**31 - 1
"""The largest order number the change form accepts."""

EDIT_FIELDS = {"options": "add_option", "rename_options": "rename_to"}
"""The change form's field showing a core error about a definition's attribute."""


def _fields_page(
    web: Web,
    visit: Visit,
    project_id: int,
    *,
    status: int = 200,
    values: dict[str, str] | None = None,
    errors_: dict[str, str] | None = None,
    edit_id: int | None = None,
    edit_values: dict[str, str] | None = None,
    edit_errors: dict[str, str] | None = None,
) -> Response:
    project = web.core.projects.get_project(visit.actor, project_id)
    found = web.core.tasks.list_fields(visit.actor, project_id)
    context: dict[str, Any] = {
        "project": project,
        "fields": found,
        "choices": {f.id: [(o, o) for o in f.options] for f in found},
        "can_manage": can_manage(visit.actor, project.role),
        "types": TYPES,
        "values": values or BLANK,
        "errors": errors_ or {},
        "edit_id": edit_id,
        "edit_values": edit_values or {},
        "edit_errors": edit_errors or {},
    }
    return web.render(
        visit, "fields.html", status=status, title=f"{project.name}: custom fields", **context
    )


def fields(web: Web, visit: Visit, request: Request) -> Response:
    """The project's custom fields, and (for its owners) the form to add one."""
    return _fields_page(web, visit, path_id(request, "project_id"))


def define_field(web: Web, visit: Visit, request: Request) -> Response:
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


def _definition(web: Web, visit: Visit, project_id: int, field_id: int) -> FieldDefinition:
    """The project's field ``field_id``.

    Raises:
        ProjectNotFound: no such project, or the caller is not a member.
        CustomFieldNotFound: no such field in the project.
    """
    for definition in web.core.tasks.list_fields(visit.actor, project_id):
        if definition.id == field_id:
            return definition
    raise errors.CustomFieldNotFound()


def _position(text: str) -> int | Unset:
    """The order number typed in the change form (unchanged when blank).

    Raises:
        ValidationError: not a whole number from 0 to :data:`POSITION_MAX` (field
            ``position``).
    """
    text = text.strip()
    if not text:
        return UNSET
    number = whole_number(text, digits=10)
    if number is None or number > POSITION_MAX:
        raise errors.ValidationError(
            f"Order must be a whole number from 0 to {POSITION_MAX}", field="position"
        )
    return number


def _changes(definition: FieldDefinition, values: dict[str, str]) -> dict[str, Any]:
    """The keyword arguments of ``tasks.change_field`` asked for by the change form: the
    label, order and required flag as shown, an option renamed (old -> new) and one added.

    Raises:
        ValidationError: an order that is not a number, a new name without the option to
            rename, or an option added twice (each naming its form field).
    """
    changes: dict[str, Any] = {
        "label": values["label"],
        "required": values["required"] == "1",
        "position": _position(values["position"]),
    }
    old, new, added = values["rename_from"], values["rename_to"].strip(), values["add_option"]
    renames = {old: new} if old else {}
    if new and not old:
        raise errors.ValidationError("Choose the option to rename", field="rename_from")
    if renames:
        changes["rename_options"] = renames
    if added.strip():
        current = [renames.get(o, o) for o in definition.options]
        if added.strip() in current:
            raise errors.ValidationError(f"{added.strip()} is already an option", field="options")
        changes["options"] = [*current, added]
    return changes


def change_field(web: Web, visit: Visit, request: Request) -> Response:
    """Change a field (``tasks.change_field``): its label, required flag and order, an
    option renamed (the tasks' values follow) or added."""
    project_id = path_id(request, "project_id")
    field_id = path_id(request, "field_id")
    values = {name: visit.field(name) for name in EDIT}
    try:
        changes = _changes(_definition(web, visit, project_id, field_id), values)
        web.core.tasks.change_field(visit.actor, project_id, field_id, **changes)
    except (errors.ValidationError, errors.Conflict) as exc:
        found = field_errors(exc)
        return _fields_page(
            web,
            visit,
            project_id,
            status=ctx_status(exc),
            edit_id=field_id,
            edit_values=values,
            edit_errors={EDIT_FIELDS.get(name, name): text for name, text in found.items()},
        )
    return web.redirect(visit, f"/projects/{project_id}/fields", notice="Custom field updated.")


def delete_field(web: Web, visit: Visit, request: Request) -> Response:
    """Remove a field and its values (``tasks.delete_field``)."""
    project_id = path_id(request, "project_id")
    web.core.tasks.delete_field(visit.actor, project_id, path_id(request, "field_id"))
    return web.redirect(
        visit, f"/projects/{project_id}/fields", notice="Custom field and its values removed."
    )


def routes(web: Web) -> list[PageRoute]:
    """The custom-field pages of ``web``: a project's settings, a task's values."""
    base = "/projects/{project_id:int}/fields"
    return [
        PageRoute(base, page(web, fields), methods=["GET"]),
        PageRoute(base, page(web, define_field), methods=["POST"]),
        PageRoute(base + "/{field_id:int}", page(web, change_field), methods=["POST"]),
        PageRoute(base + "/{field_id:int}/delete", page(web, delete_field), methods=["POST"]),
        *task_fields.routes(web),
    ]
