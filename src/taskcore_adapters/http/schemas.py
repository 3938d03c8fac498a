"""JSON Schemas of the wire shapes, for the OpenAPI document and response tests."""

from __future__ import annotations

import types
import typing
from typing import Any

import attrs

from taskcore.domain.values import Unset

Schema = dict[str, Any]

DATETIME = {"type": ["string", "null"], "description": "naive UTC ISO 8601, no zone suffix"}

ERROR: Schema = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "string"}, "message": {"type": "string"}},
}

PAGINATION: Schema = {
    "type": "object",
    "required": ["page", "pages", "per_page", "total"],
    "properties": {k: {"type": "integer"} for k in ("page", "pages", "per_page", "total")},
}

USER: Schema = {
    "type": "object",
    "required": [
        "id",
        "username",
        "email",
        "full_name",
        "is_active",
        "is_admin",
        "created_at",
        "last_login",
        "login_count",
    ],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "integer"},
        "username": {"type": "string"},
        "email": {
            "type": ["string", "null"],
            "description": "null unless the caller is the user or an admin",
        },
        "full_name": {"type": ["string", "null"]},
        "is_active": {"type": "boolean"},
        "is_admin": {"type": "boolean"},
        "created_at": {"type": "string"},
        "last_login": DATETIME,
        "login_count": {"type": "integer"},
    },
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


_SCALARS: dict[Any, str] = {str: "string", int: "integer", float: "number", bool: "boolean"}


def _field_schema(tp: Any) -> Schema:
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        names: list[str] = []
        for arg in typing.get_args(tp):
            if arg == Unset:
                continue
            kind = "null" if arg is type(None) else _field_schema(arg).get("type", "object")
            names.extend(kind if isinstance(kind, list) else [kind])
        return {"type": names if len(names) > 1 else names[0]}
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
