"""The OpenAPI 3.1 document, generated from the same endpoint table that builds the routes."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from taskcore_adapters.http import schemas as s
from taskcore_adapters.http.endpoint import Endpoint, Schema

_CONVERTER = re.compile(r"\{(\w+):\w+\}")


def openapi_path(path: str) -> str:
    """Starlette's ``{id:int}`` as OpenAPI's ``{id}``."""
    return _CONVERTER.sub(r"{\1}", path)


_RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before retrying",
        "schema": {"type": "integer"},
    }
}


def _responses(ep: Endpoint) -> dict[int, tuple[str, Schema | None]]:
    """The endpoint's own responses plus those any operation of its kind can give.

    Every operation can meet an unreachable database (503), every operation with a body
    an oversize one (413), every operation with path parameters the framework's 404
    for a path that does not match (a negative or out-of-range id), and every operation
    with an integer query parameter a 400 for a number of more digits than any it takes;
    every operation that needs a token a 403 when the token is a personal access token
    without the scope it needs (``scope_required``).
    """
    responses = dict(ep.responses)
    if ep.auth:
        responses.setdefault(
            403, ("A personal access token without the scope this needs", s.ref("Error"))
        )
    if "{" in ep.path:
        responses.setdefault(404, ("Not found", s.ref("Error")))
    if any(p.where == "query" and p.schema.get("type") == "integer" for p in ep.params):
        responses.setdefault(400, ("Invalid query parameter", s.ref("Error")))
    if ep.body is not None:
        responses.setdefault(413, ("Request body too large", s.ref("Error")))
    responses.setdefault(503, ("A dependency is down; retry later", s.ref("Error")))
    return responses


_ETAG = {
    "ETag": {
        "description": "The version of the resource, for `If-Match`",
        "schema": {"type": "string"},
    }
}


def _response(code: int, desc: str, schema: Schema | None, *, etag: bool = False) -> dict[str, Any]:
    """One response object; 429 and 503 document their Retry-After header, and the
    successful answers of a versioned resource their ETag header."""
    result: dict[str, Any] = {"description": desc}
    if schema is not None:
        result["content"] = {"application/json": {"schema": schema}}
    if code in (429, 503):
        result["headers"] = _RETRY_AFTER
    if etag and code in (200, 201):
        result["headers"] = _ETAG
    return result


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
                str(code): _response(code, desc, schema, etag=ep.etag)
                for code, (desc, schema) in sorted(_responses(ep).items())
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
            "schemas": {
                "User": s.USER,
                "Error": s.ERROR,
                "Pagination": s.PAGINATION,
                "Project": s.PROJECT,
                "Member": s.MEMBER,
                "Invitation": s.INVITATION,
                "Task": s.TASK,
                "Comment": s.COMMENT,
                "Report": s.REPORT,
                "ReportListed": s.REPORT_LISTED,
                "Activity": s.ACTIVITY,
                "ActivityWithoutUsername": s.ACTIVITY_WITHOUT_USERNAME,
                "ActivitySummary": s.ACTIVITY_SUMMARY,
            },
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
