"""mkdocs hook: the HTTP API reference page is rendered from the server's OpenAPI document.

``docs/reference/http-api.md`` holds the marker ``<!-- openapi -->``; at build time it is
replaced by one table of operations per tag, taken from the document ``/openapi.json``
serves (built on an in-memory runtime, so no database is needed).
"""

from __future__ import annotations

from typing import Any

MARKER = "<!-- openapi -->"


def _openapi() -> dict[str, Any]:
    from taskcore_adapters import in_memory
    from taskcore_adapters.http import app

    with in_memory() as rt:
        return app.api(app.context(rt)).openapi


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(spec: dict[str, Any]) -> str:
    """Markdown tables of the document's operations, grouped by tag, in route order."""
    by_tag: dict[str, list[str]] = {}
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            codes = ", ".join(sorted(operation["responses"]))
            auth = "bearer" if operation.get("security") else ""
            params = ", ".join(
                f"`{p['name']}` ({p['in']})" for p in operation.get("parameters", [])
            )
            row = (
                f"| `{method.upper()}` | `{path}` | {_cell(operation['summary'])} | {auth} "
                f"| {params} | {codes} |"
            )
            by_tag.setdefault(operation["tags"][0], []).append(row)
    out = [f"Version {spec['info']['version']}, OpenAPI {spec['openapi']}.", ""]
    for tag, rows in by_tag.items():
        out += [
            f"## {tag}",
            "",
            "| method | path | summary | auth | parameters | responses |",
            "|---|---|---|---|---|---|",
            *rows,
            "",
        ]
    return "\n".join(out)


def on_page_markdown(markdown: str, **_: Any) -> str:
    """Put the operations in place of the marker (other pages are left alone)."""
    if MARKER not in markdown:
        return markdown
    return markdown.replace(MARKER, render(_openapi()))
