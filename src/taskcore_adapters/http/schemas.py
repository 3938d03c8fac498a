"""JSON Schemas of the wire shapes, for the OpenAPI document and response tests."""

from __future__ import annotations

import datetime as dt
import enum
import types
import typing
from typing import Any

import attrs
from attrs import AttrsInstance

from taskcore.domain.reports import ReportStatus, ReportType
from taskcore.domain.values import Unset
from taskcore_adapters.http import answers as a
from taskcore_adapters.http import responses as r
from taskcore_adapters.http.parsing import Id

Schema = dict[str, Any]

DATETIME = {"type": ["string", "null"], "description": "naive UTC ISO 8601, no zone suffix"}


def enum_of(kind: type[enum.Enum]) -> Schema:
    """A string schema listing the values of the domain enum ``kind``, in order."""
    return {"type": "string", "enum": [member.value for member in kind]}


_WIRE_SCALARS: dict[Any, Schema] = {
    str: {"type": "string"},
    int: {"type": "integer"},
    float: {"type": "number"},
    bool: {"type": "boolean"},
    dt.datetime: {"type": "string"},
    dt.date: {"type": "string"},
    type(None): {"type": "null"},
}


def _wire_schema(tp: Any) -> Schema:
    """The schema of a response field's type (see :func:`responses.to_json`); a nested
    response class is an object listing its keys, all required."""
    args = typing.get_args(tp)
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType) and type(None) in args:
        (inner,) = (arg for arg in args if arg is not type(None))
        schema = _wire_schema(inner)
        schema["type"] = [schema["type"], "null"]
        if "enum" in schema:
            schema["enum"] = [*schema["enum"], None]
        return schema
    if origin in (list, tuple):
        return {"type": "array", "items": _wire_schema(args[0])}
    if origin is dict:
        return _mapping_schema(*args)
    if origin is typing.Literal:
        return {"type": "string", "enum": [member.value for member in args]}
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return enum_of(tp)
    if attrs.has(tp):
        return ref(COMPONENTS[tp]) if tp in COMPONENTS else response_schema(tp)
    return dict(_WIRE_SCALARS[tp])


def _mapping_schema(key: Any, value: Any) -> Schema:
    """A free-form object, or, keyed by a domain enum, an object with every one of its
    values as a key."""
    if not (isinstance(key, type) and issubclass(key, enum.Enum)):
        return {"type": "object"}
    return {
        "type": "object",
        "required": [member.value for member in key],
        "additionalProperties": False,
        "properties": {member.value: _wire_schema(value) for member in key},
    }


def _without_none(tp: Any) -> Any:
    """``tp`` without ``None`` (a union of one other type and ``None``), else ``tp``."""
    others = [arg for arg in typing.get_args(tp) if arg is not type(None)]
    if typing.get_origin(tp) in (typing.Union, types.UnionType) and len(others) == 1:
        return others[0]
    return tp


def response_schema(cls: type[AttrsInstance], description: str | None = None) -> Schema:
    """The JSON Schema of a response class (:mod:`~taskcore_adapters.http.responses`):
    every field required (an ``omitted`` one is optional and not nullable instead), no
    other keys, enums listing the domain enum's values, a nested class inline or, for a
    :data:`COMPONENTS` class, by reference; a :class:`~answers.Listing` is one of its
    two forms (by page, by cursor). ``description`` defaults to the class's entry in
    :data:`DESCRIPTIONS`."""
    if issubclass(cls, a.Listing):
        return _listing_schema(cls)
    hints = typing.get_type_hints(cls)
    fields = attrs.fields(cls)
    description = description or DESCRIPTIONS.get(cls)
    properties: Schema = {}
    for f in fields:
        omitted = f.metadata.get("omitted", False)
        properties[f.name] = _wire_schema(
            _without_none(hints[f.name]) if omitted else hints[f.name]
        )
        properties[f.name].update(f.metadata.get("schema", {}))
        if "description" in f.metadata:
            properties[f.name]["description"] = f.metadata["description"]
    return {
        "type": "object",
        **({"description": description} if description else {}),
        "required": [f.name for f in fields if not f.metadata.get("omitted", False)],
        "additionalProperties": False,
        "properties": properties,
    }


def _listing_schema(cls: type[a.Listing]) -> Schema:
    """``{items, "pagination": {...}}`` or ``{items, "next_cursor": str | null}``."""
    items = a.listing_items(cls)
    schema = _wire_schema(typing.get_type_hints(cls)[items.name])
    variants = ({"pagination": ref("Pagination")}, {"next_cursor": {"type": ["string", "null"]}})
    return {
        "oneOf": [
            {
                "type": "object",
                "required": [items.name, *variant],
                "additionalProperties": False,
                "properties": {items.name: schema, **variant},
            }
            for variant in variants
        ]
    }


COMPONENTS: dict[type[AttrsInstance], str] = {
    r.ErrorResponse: "Error",
    r.UserResponse: "User",
    a.Pagination: "Pagination",
    r.ProjectResponse: "Project",
    r.MemberResponse: "Member",
    r.InvitationResponse: "Invitation",
    r.TaskResponse: "Task",
    r.CommentResponse: "Comment",
    r.ReportResponse: "Report",
    r.ReportListedResponse: "ReportListed",
    r.ActivityResponse: "Activity",
    r.ActivityEntryResponse: "ActivityWithoutUsername",
    r.ActivitySummaryResponse: "ActivitySummary",
}
"""The response classes that are components of the OpenAPI document (under these names),
referred to wherever another answer holds them."""

DESCRIPTIONS: dict[type[AttrsInstance], str] = {
    r.ProjectResponse: "The original's 11 keys plus `version` (for `If-Match`) and `role` "
    "(the caller's role; null for an administrator who is not a member).",
    r.TaskResponse: "The original's 13 keys plus `labels`, `watchers`, `position` and "
    "`version` (for `If-Match`).",
    r.CommentResponse: "The original's keys and `author_name`, plus `project_id`, `mentions` "
    "(project members mentioned as @username) and `version` (for `If-Match`).",
    r.InvitationResponse: "An invitation to join a project. `status` is `expired` for a "
    "pending invitation past `expires_at`; `invited_by` is null once the inviting account "
    "is gone.",
    r.NotificationResponse: "The original's 14 keys plus `read_at` (in-app notifications).",
    r.AttachmentResponse: "The original's attachment object plus `uploaded_by_username`.",
    r.WebhookResponse: "A project's webhook; its signing secret is shown only when created "
    "or rotated.",
    r.ActivityEntryResponse: "The original's activity object: its 11 columns.",
    r.ActivityResponse: "The original's activity object and `username` (`System` without a "
    "user, `Unknown` for a user that does not exist).",
    r.ReportResponse: "The original's 12 keys; `parameters` never hold a token.",
    r.ReportListedResponse: "A report in a list: `data` is always null (read the report for "
    "it), plus the requester's username.",
}
"""The description of a response class's schema, where one helps."""

ERROR = response_schema(r.ErrorResponse)
USER = response_schema(r.UserResponse)
PAGINATION = response_schema(a.Pagination)
PROJECT = response_schema(r.ProjectResponse)
TASK = response_schema(r.TaskResponse)
COMMENT = response_schema(r.CommentResponse)
MEMBER = response_schema(r.MemberResponse)
INVITATION = response_schema(r.InvitationResponse)
NOTIFICATION = response_schema(r.NotificationResponse)
TEMPLATE = response_schema(r.TemplateResponse)


def listing(key: str, item: Schema) -> Schema:
    """A list answer: ``{key: [...], "pagination": {...}}`` for numbered pages, or
    ``{key: [...], "next_cursor": str | null}`` when paging by ``cursor``.

    This and :func:`obj` and :func:`message` write a schema by hand, apart from the JSON
    it describes; an answer described by a class (:mod:`~taskcore_adapters.http.answers`,
    a :class:`~taskcore_adapters.http.answers.Listing`) gets both from
    :func:`response_schema` and ``to_json`` instead."""
    items: Schema = {"type": "array", "items": item}
    return {
        "oneOf": [
            obj(**{key: items, "pagination": ref("Pagination")}),
            obj(**{key: items, "next_cursor": {"type": ["string", "null"]}}),
        ]
    }


def obj(required: list[str] | None = None, /, **properties: Schema) -> Schema:
    """An object schema with the given properties (all required unless listed)."""
    return {
        "type": "object",
        "required": list(properties) if required is None else required,
        "properties": properties,
    }


def message(**extra: Schema) -> Schema:
    """``{"message": str, ...extra}``."""
    return obj(message={"type": "string"}, **extra)


def ref(name: str) -> Schema:
    """A reference to a component schema."""
    return {"$ref": f"#/components/schemas/{name}"}


ERROR_ANSWER = ("Error", ref("Error"))
"""A documented error answer: ``{"error": "..."}``."""

STALE_ANSWER = ("If-Match does not match the current version; nothing changed", ref("Error"))
"""The 412 answer of a conditional write."""


def errors(*codes: int) -> dict[int, tuple[str, Schema]]:
    """Documented error answers for ``codes``, to spread into an endpoint's responses."""
    return dict.fromkeys(codes, ERROR_ANSWER)


_SCALARS: dict[Any, str] = {
    str: "string",
    int: "integer",
    float: "number",
    bool: "boolean",
    Id: "integer",
}


def _field_schema(tp: Any) -> Schema:
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        names: list[str] = []
        items: Schema | None = None
        for arg in typing.get_args(tp):
            if arg == Unset:
                continue
            inner: Schema = {"type": "null"} if arg is type(None) else _field_schema(arg)
            kind = inner.get("type", "object")
            names.extend(kind if isinstance(kind, list) else [kind])
            items = inner.get("items", items)
        union: Schema = {"type": names if len(names) > 1 else names[0]}
        if items is not None:
            union["items"] = items
        return union
    if tp in _SCALARS:
        return {"type": _SCALARS[tp]}
    if typing.get_origin(tp) is list:
        return {"type": "array", "items": _field_schema(typing.get_args(tp)[0])}
    if attrs.has(tp):
        return body_schema(tp)
    return {}


def body_schema(cls: type) -> Schema:
    """The JSON Schema of an attrs request class: every field optional, types exact."""
    hints = typing.get_type_hints(cls)
    return {
        "type": "object",
        "properties": {f.name: _field_schema(hints[f.name]) for f in attrs.fields(cls)},
    }


# -- the activity log ------------------------------------------------------------------

ACTIVITY_WITHOUT_USERNAME = response_schema(r.ActivityEntryResponse)
ACTIVITY = response_schema(r.ActivityResponse)
ACTIVITY_SUMMARY = response_schema(r.ActivitySummaryResponse)

REPORT_TYPES = enum_of(ReportType)["enum"]
REPORT_STATUSES = enum_of(ReportStatus)["enum"]

REPORT = response_schema(r.ReportResponse)
REPORT_LISTED = response_schema(r.ReportListedResponse)

REPORT_REQUEST: Schema = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "report_type": {"type": "string", "enum": REPORT_TYPES},
        "parameters": {
            "type": ["object", "null"],
            "description": "project_id (every type but system); throughput: period "
            "(day|week), periods; cycle_time: days",
        },
    },
}
