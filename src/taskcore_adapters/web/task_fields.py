"""A task's custom-field values on a page of their own (``/tasks/{id}/fields``, linked from
the task page): one input per field of the project, shaped by the field's type (text, a
number, a date, yes or no, the options of a select, a member), saved with
``tasks.update_task``. Works without JavaScript."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from starlette.requests import Request
from starlette.responses import Response

from taskcore import errors
from taskcore.domain.custom_fields import CustomValue, FieldDefinition, FieldType
from taskcore.domain.tasks import TaskView
from taskcore_adapters.http.parsing import whole_number
from taskcore_adapters.http.routes.common import path_id
from taskcore_adapters.web.account import ctx_status
from taskcore_adapters.web.projects import task_form_context
from taskcore_adapters.web.routing import PageRoute, page
from taskcore_adapters.web.session import Visit, Web, field_errors

PREFIX: Final = "cf."
"""The form's name of a field's input: ``cf.<key>`` (as in the list filters)."""

BOOLEANS: Final = [("true", "yes"), ("false", "no")]
"""The choices of a yes-or-no field."""


def _text(value: CustomValue | None) -> str | list[str]:
    """A stored value as its input shows it (the chosen options of a multi select)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, tuple):
        return list(value)
    return str(value)


def _value(definition: FieldDefinition, form: Any) -> object:
    """The value typed into ``definition``'s input, as the core takes it (``None``: no
    value). Text that does not convert is passed on as typed, for the core to refuse by
    the field's name."""
    name = PREFIX + definition.key
    if definition.type is FieldType.MULTI_SELECT:
        chosen = [v for v in form.getlist(name) if isinstance(v, str)]
        return chosen or None
    raw = form.get(name)
    text = raw.strip() if isinstance(raw, str) else ""
    if not text:
        return None
    match definition.type:
        case FieldType.NUMBER:
            try:
                return float(text)
            except ValueError:
                return text
        case FieldType.BOOLEAN:
            return {"true": True, "false": False}.get(text, text)
        case FieldType.USER:
            member = whole_number(text, digits=10)
            return text if member is None else member
        case FieldType.TEXT:
            return raw
        case _:
            return text


def _page(
    web: Web,
    visit: Visit,
    task_id: int,
    *,
    status: int = 200,
    values: Mapping[str, str | list[str]] | None = None,
    errors_: dict[str, str] | None = None,
) -> Response:
    task: TaskView = web.core.tasks.get_task(visit.actor, task_id)
    project = web.core.projects.get_project(visit.actor, task.project_id)
    definitions = web.core.tasks.list_fields(visit.actor, project.id)
    shown = values or {PREFIX + d.key: _text(task.custom_fields.get(d.key)) for d in definitions}
    context: dict[str, Any] = {
        **task_form_context(web, visit, project),
        "task": task,
        "project": project,
        "definitions": definitions,
        "choices": {d.key: [(o, o) for o in d.options] for d in definitions},
        "booleans": BOOLEANS,
        "values": shown,
        "errors": errors_ or {},
        "prefix": PREFIX,
    }
    return web.render(
        visit, "task_fields.html", status=status, title=f"{task.title}: custom fields", **context
    )


async def task_fields(web: Web, visit: Visit, request: Request) -> Response:
    """A task's custom-field values, and (for those who may change the task) their form."""
    return _page(web, visit, path_id(request, "task_id"))


async def save_task_fields(web: Web, visit: Visit, request: Request) -> Response:
    """Set a task's custom-field values (``tasks.update_task``); an empty input clears its
    value. A refusal is shown on the field it names."""
    task_id = path_id(request, "task_id")
    task = web.core.tasks.get_task(visit.actor, task_id)
    definitions = web.core.tasks.list_fields(visit.actor, task.project_id)
    wanted = {d.key: _value(d, visit.form) for d in definitions}
    try:
        web.core.tasks.update_task(
            visit.actor,
            task_id,
            custom_fields=wanted,
            expected_version=whole_number(visit.field("version"), digits=18),
        )
    except (errors.ValidationError, errors.Conflict) as exc:
        shown: dict[str, str | list[str]] = {
            PREFIX + d.key: (
                [v for v in visit.form.getlist(PREFIX + d.key) if isinstance(v, str)]
                if d.type is FieldType.MULTI_SELECT
                else visit.field(PREFIX + d.key)
            )
            for d in definitions
        }
        found = {
            name.replace("custom_fields.", PREFIX, 1): text
            for name, text in field_errors(exc).items()
        }
        return _page(web, visit, task_id, status=ctx_status(exc), values=shown, errors_=found)
    return web.redirect(visit, f"/tasks/{task_id}", notice="Custom fields saved.")


def routes(web: Web) -> list[PageRoute]:
    """The task custom-field pages of ``web``."""
    base = "/tasks/{task_id:int}/fields"
    return [
        PageRoute(base, page(web, task_fields), methods=["GET"]),
        PageRoute(base, page(web, save_task_fields), methods=["POST"]),
    ]
