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
from taskcore_adapters.http import responses as r
from taskcore_adapters.http.parsing import Id

Schema = dict[str, Any]

DATETIME = {"type": ["string", "null"], "description": "naive UTC ISO 8601, no zone suffix"}

ERROR: Schema = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {"type": "string"},
        "message": {"type": "string"},
        "code": {
            "type": "string",
            "description": "a machine-readable name of the error, when it has one "
            "(`quota_exceeded`, `malware_detected`, `attachment_quarantined`, "
            "`refresh_superseded`)",
        },
    },
}

PAGINATION: Schema = {
    "type": "object",
    "required": ["page", "pages", "per_page", "total"],
    "properties": {k: {"type": "integer"} for k in ("page", "pages", "per_page", "total")},
}


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
}


def _wire_schema(tp: Any) -> Schema:
    """The schema of a response field's type (see :func:`responses.to_json`)."""
    args = typing.get_args(tp)
    if typing.get_origin(tp) in (typing.Union, types.UnionType) and type(None) in args:
        (inner,) = (arg for arg in args if arg is not type(None))
        schema = _wire_schema(inner)
        schema["type"] = [schema["type"], "null"]
        if "enum" in schema:
            schema["enum"] = [*schema["enum"], None]
        return schema
    if typing.get_origin(tp) in (list, tuple):
        return {"type": "array", "items": _wire_schema(args[0])}
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return enum_of(tp)
    return dict(_WIRE_SCALARS[tp])


def response_schema(cls: type[AttrsInstance], description: str | None = None) -> Schema:
    """The JSON Schema of a response class (:mod:`~taskcore_adapters.http.responses`):
    every field required, no other keys, enums listing the domain enum's values."""
    hints = typing.get_type_hints(cls)
    fields = attrs.fields(cls)
    properties: Schema = {}
    for f in fields:
        properties[f.name] = _wire_schema(hints[f.name])
        if "description" in f.metadata:
            properties[f.name]["description"] = f.metadata["description"]
    return {
        "type": "object",
        **({"description": description} if description else {}),
        "required": [f.name for f in fields],
        "additionalProperties": False,
        "properties": properties,
    }


USER = response_schema(r.UserResponse)

PROJECT = response_schema(
    r.ProjectResponse,
    "The original's 11 keys plus `version` (for `If-Match`) and `role` "
    "(the caller's role; null for an administrator who is not a member).",
)

TASK = response_schema(
    r.TaskResponse,
    "The original's 13 keys plus `labels`, `watchers`, `position` and `version` (for `If-Match`).",
)

COMMENT = response_schema(
    r.CommentResponse,
    "The original's keys and `author_name`, plus `project_id`, `mentions` "
    "(project members mentioned as @username) and `version` (for `If-Match`).",
)

MEMBER = response_schema(r.MemberResponse)

INVITATION = response_schema(
    r.InvitationResponse,
    "An invitation to join a project. `status` is `expired` for a pending "
    "invitation past `expires_at`; `invited_by` is null once the inviting account is gone.",
)


def listing(key: str, item: Schema) -> Schema:
    """A list answer: ``{key: [...], "pagination": {...}}`` for numbered pages, or
    ``{key: [...], "next_cursor": str | null}`` when paging by ``cursor``."""
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

_ACTIVITY_PROPERTIES: Schema = {
    "id": {"type": "integer"},
    "user_id": {"type": ["integer", "null"], "description": "null for a system action"},
    "action": {"type": "string"},
    "entity_type": {"type": "string"},
    "entity_id": {"type": "integer"},
    "details": {"type": ["object", "null"]},
    "ip_address": {"type": ["string", "null"]},
    "user_agent": {"type": ["string", "null"]},
    "created_at": {"type": "string"},
    "session_id": {"type": ["string", "null"]},
    "service_name": {"type": "string"},
}

ACTIVITY_WITHOUT_USERNAME: Schema = {
    "type": "object",
    "description": "The original's activity object: its 11 columns.",
    "required": list(_ACTIVITY_PROPERTIES),
    "additionalProperties": False,
    "properties": _ACTIVITY_PROPERTIES,
}

ACTIVITY: Schema = {
    "type": "object",
    "description": "The original's activity object and `username` (`System` without a "
    "user, `Unknown` for a user that does not exist).",
    "required": [*_ACTIVITY_PROPERTIES, "username"],
    "additionalProperties": False,
    "properties": {**_ACTIVITY_PROPERTIES, "username": {"type": "string"}},
}

ACTION_COUNTS: Schema = {
    "type": "array",
    "maxItems": 10,
    "items": obj(action={"type": "string"}, count={"type": "integer"}),
}
"""A top list of actions: ``[{"action", "count"}]``, most frequent first."""

ACTIVITY_SUMMARY: Schema = {
    "type": "object",
    "required": [
        "id",
        "date",
        "total_activities",
        "unique_users",
        "top_actions",
        "created_at",
        "updated_at",
    ],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "integer"},
        "date": {"type": "string", "description": "YYYY-MM-DD (UTC day)"},
        "total_activities": {"type": "integer"},
        "unique_users": {"type": "integer"},
        "top_actions": ACTION_COUNTS,
        "created_at": {"type": "string"},
        "updated_at": {"type": "string"},
    },
}

REPORT_TYPES = enum_of(ReportType)["enum"]
REPORT_STATUSES = enum_of(ReportStatus)["enum"]

_REPORT_PROPERTIES: Schema = {
    "id": {"type": "integer"},
    "name": {"type": "string"},
    "report_type": {"type": "string", "enum": REPORT_TYPES},
    "status": {"type": "string", "enum": REPORT_STATUSES},
    "parameters": {"type": "object", "description": "the validated parameters; never a token"},
    "data": {
        "type": ["object", "null"],
        "description": "the generated figures (docs/reports.md); null until completed",
    },
    "generated_by": {"type": "integer", "description": "the requester"},
    "created_at": {"type": "string"},
    "completed_at": DATETIME,
    "error_message": {"type": ["string", "null"]},
    "file_path": {"type": "null", "description": "always null"},
    "expires_at": {"type": "string"},
}

REPORT: Schema = {
    "type": "object",
    "description": "The original's 12 keys; `parameters` never hold a token.",
    "required": list(_REPORT_PROPERTIES),
    "additionalProperties": False,
    "properties": _REPORT_PROPERTIES,
}

REPORT_LISTED: Schema = {
    "type": "object",
    "description": "A report in a list: `data` is always null (read the report for it), "
    "plus the requester's username.",
    "required": [*_REPORT_PROPERTIES, "generated_by_username"],
    "additionalProperties": False,
    "properties": {**_REPORT_PROPERTIES, "generated_by_username": {"type": "string"}},
}

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

_COUNT = {"type": "integer"}

DASHBOARD: Schema = {
    "type": "object",
    "required": ["user_id", "username", "projects", "tasks", "overdue_tasks", "generated_at"],
    "additionalProperties": False,
    "properties": {
        "user_id": _COUNT,
        "username": {"type": "string"},
        "projects": obj(total=_COUNT, active=_COUNT),
        "tasks": obj(
            total=_COUNT, completed=_COUNT, pending=_COUNT, in_progress=_COUNT, overdue=_COUNT
        ),
        "overdue_tasks": {
            "type": "array",
            "items": obj(id=_COUNT, title={"type": "string"}, due_date=DATETIME, project_id=_COUNT),
        },
        "generated_at": {"type": "string"},
    },
}

PROJECT_SUMMARY: Schema = {
    "type": "object",
    "required": ["project", "quick_metrics", "generated_at", "cache_duration"],
    "additionalProperties": False,
    "properties": {
        "project": {"type": "object", "description": "the original's 11 project keys"},
        "quick_metrics": obj(
            total_tasks=_COUNT,
            completed_tasks=_COUNT,
            completion_rate={"type": "number"},
            pending_tasks=_COUNT,
            in_progress_tasks=_COUNT,
        ),
        "generated_at": {"type": "string"},
        "cache_duration": {"type": "string", "description": "always `none`: nothing is cached"},
    },
}
