"""Serving under a path prefix: the application mounted by a host (``Mount("/tasks",
app)``, ``app.mount(...)`` in FastAPI) or behind a proxy (``uvicorn --root-path``).

The ASGI scope then carries the prefix as ``root_path`` and the whole path as ``path``;
routing matches the rest. Links and redirects put the prefix back in front of the
application's own paths.
"""

from __future__ import annotations

from starlette.types import Scope


def root_path(scope: Scope) -> str:
    """The prefix the application is served under (``""`` at the root), without a
    trailing slash."""
    return str(scope.get("root_path", "")).rstrip("/")


def route_path(scope: Scope) -> str:
    """The request's path inside the application: the path without the prefix."""
    path = str(scope.get("path", ""))
    root = root_path(scope)
    if root and (path == root or path.startswith(root + "/")):
        return path[len(root) :] or "/"
    return path


def prefixed(scope: Scope, path: str) -> str:
    """``path``, one of the application's own absolute paths (``/login``), as the
    browser must ask for it (``/tasks/login`` under ``/tasks``). Anything else (a full
    URL, ``//host``, a relative path) is returned unchanged."""
    if not path.startswith("/") or path.startswith("//"):
        return path
    return root_path(scope) + path
