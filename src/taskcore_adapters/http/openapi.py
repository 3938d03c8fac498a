"""The OpenAPI 3.1 document, generated from the same endpoint table that builds the routes."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from taskcore_adapters.http import schemas as s
from taskcore_adapters.http.endpoint import Endpoint

_CONVERTER = re.compile(r"\{(\w+):\w+\}")


def openapi_path(path: str) -> str:
    """Starlette's ``{id:int}`` as OpenAPI's ``{id}``."""
    return _CONVERTER.sub(r"{\1}", path)


def document(endpoints: Sequence[Endpoint], *, version: str) -> dict[str, Any]:
    """The OpenAPI document describing ``endpoints``."""
    paths: dict[str, dict[str, Any]] = {}
    for ep in endpoints:
        operation: dict[str, Any] = {
            "summary": ep.summary,
            "tags": [ep.tag],
            "operationId": f"{ep.method.lower()}_{openapi_path(ep.path)}".replace("/", "_")
            .replace("{", "")
            .replace("}", "")
            .replace("-", "_"),
            "responses": {
                str(code): (
                    {"description": desc, "content": {"application/json": {"schema": schema}}}
                    if schema is not None
                    else {"description": desc}
                )
                for code, (desc, schema) in sorted(ep.responses.items())
            },
        }
        params = [
            {
                "name": p.name,
                "in": p.where,
                "required": p.where == "path",
                "schema": p.schema,
                **({"description": p.description} if p.description else {}),
            }
            for p in ep.params
        ]
        if params:
            operation["parameters"] = params
        if ep.body is not None:
            operation["requestBody"] = {
                "required": True,
                "content": {ep.body_content_type: {"schema": ep.body}},
            }
        if ep.auth:
            operation["security"] = [{"bearer": []}]
        paths.setdefault(openapi_path(ep.path), {})[ep.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "taskcore",
            "version": version,
            "description": "Task management API, compatible with the original "
            "seven-service system.",
        },
        "paths": paths,
        "components": {
            "schemas": {"User": s.USER, "Error": s.ERROR, "Pagination": s.PAGINATION},
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "`Authorization: Bearer <token>`; a raw token is accepted too",
                }
            },
        },
    }
