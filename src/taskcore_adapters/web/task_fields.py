"""A task's custom-field values, edited in place on the task page (its "Custom fields"
section, ``templates/_task_fields_form.html``): one input per field of the project, shaped by
the field's type (text, a number, a date, yes or no, the options of a select, a member),
saved with ``tasks.update_task`` by ``POST /tasks/{id}/fields``. ``GET /tasks/{id}/fields``,
once a page of its own, sends old links to the section. Works without JavaScript."""

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
from taskcore_adapters.web.routing import PageRoute, page
from taskcore_adapters.web.session import Visit, Web, field_errors

PREFIX: Final = "cf."
"""The form's name of a field's input: ``cf.<key>`` (as in the list filters)."""

BOOLEANS: Final = [("true", "yes"), ("false", "no")]
"""The choices of a yes-or-no field."""

ANCHOR: Final = "custom-fields"
"""The id of the task page's custom-fields section."""

FormValues = Mapping[str, str | list[str]]
"""The custom-field inputs as the form shows them, by input name (``cf.<key>``)."""


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


def _shown(definition: FieldDefinition, value: CustomValue, names: Mapping[int, str]) -> str:
    """A stored value as the task's facts show it: a member by name, yes or no, the chosen
    options joined."""
    if definition.type is FieldType.USER and isinstance(value, int):
        return names.get(value, f"user {value}")
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = _text(value)
    return ", ".join(text) if isinstance(text, list) else text


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


def fields_context(
    web: Web,
    visit: Visit,
    task: TaskView,
    values: FormValues | None = None,
    errors_: Mapping[str, str] | None = None,
    *,
    names: Mapping[int, str] | None = None,
) -> dict[str, Any]:
    """What the task page's custom-fields section shows of ``task``: the project's fields
    (``cf_definitions``), the form's inputs (``cf_values``: ``values`` as typed, else the
    stored ones), refusals by input name (``cf_errors``, from ``errors_``), the options of
    selects and yes-or-no fields, and each field's stored value for reading (``cf_facts``:
    label and text, ``None`` when unset; members by their name in ``names``). Every name
    starts with ``cf_``, apart from the task page's own form's ``values`` and ``errors``."""
    definitions = web.core.tasks.list_fields(visit.actor, task.project_id)
    stored = task.custom_fields
    return {
        "cf_definitions": definitions,
        "cf_values": values
        if values is not None
        else {PREFIX + d.key: _text(stored.get(d.key)) for d in definitions},
        "cf_errors": dict(errors_ or {}),
        "cf_choices": {d.key: [(o, o) for o in d.options] for d in definitions},
        "cf_booleans": BOOLEANS,
        "cf_prefix": PREFIX,
        "cf_facts": [
            (d.label, _shown(d, stored[d.key], names or {}) if d.key in stored else None)
            for d in definitions
        ],
    }


def task_fields(web: Web, visit: Visit, request: Request) -> Response:
    """The values' former page: a redirect to the task page's custom-fields section."""
    return web.redirect(visit, f"/tasks/{path_id(request, 'task_id')}#{ANCHOR}")


def save_task_fields(web: Web, visit: Visit, request: Request) -> Response:
    """Set a task's custom-field values (``tasks.update_task``); an empty input clears its
    value. A refusal shows the task page again with the values as typed and the refusal
    on the field it names."""
    # The task page imports this module for its section's context.
    from taskcore_adapters.web.tasks import render_task_page

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
        typed: dict[str, str | list[str]] = {
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
        return render_task_page(
            web, visit, task_id, status=ctx_status(exc), cf_values=typed, cf_errors=found
        )
    return web.redirect(visit, f"/tasks/{task_id}", notice="Custom fields saved.")


def routes(web: Web) -> list[PageRoute]:
    """The task custom-field routes of ``web``: the save, and the old page's redirect."""
    base = "/tasks/{task_id:int}/fields"
    return [
        PageRoute(base, page(web, task_fields), methods=["GET"]),
        PageRoute(base, page(web, save_task_fields), methods=["POST"]),
    ]
