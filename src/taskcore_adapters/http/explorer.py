"""Interactive API documentation at ``/docs``: Swagger UI on the server's own
``/openapi.json``.

Swagger UI (``swagger-ui-dist``, Apache-2.0, its licence beside it) is vendored in
``http/static/swagger-ui``; nothing is loaded from another origin. The page has no inline
script or style, and is served with the pages' Content-Security-Policy plus
``connect-src 'self'`` (the explorer fetches the document and sends the requests one tries
out). Its addresses are relative, so it works under any mount prefix.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

STATIC: Final = Path(__file__).parent / "static"

DOCS_CSP: Final = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'"
)
"""Scripts, styles, images and requests from this origin only; no inline code."""

PAGE: Final = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>taskcore API</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="assets/swagger-ui/swagger-ui.css">
</head>
<body>
<div id="swagger-ui" data-openapi="../openapi.json"></div>
<script src="assets/swagger-ui/swagger-ui-bundle.js"></script>
<script src="assets/docs.js"></script>
</body>
</html>
"""


async def _page(request: Request) -> Response:
    return HTMLResponse(
        PAGE, headers={"Content-Security-Policy": DOCS_CSP, "Cache-Control": "no-cache"}
    )


def docs_mount() -> Mount:
    """``/docs/`` (the explorer; ``/docs`` redirects there) and ``/docs/assets/`` (its
    files). A ``Mount``, not a ``Route``: the explorer is no API operation."""
    return Mount(
        "/docs",
        routes=[
            Route("/", _page, methods=["GET"]),
            Mount("/assets", app=StaticFiles(directory=STATIC)),
        ],
    )
