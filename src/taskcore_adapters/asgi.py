"""ASGI factory for ``taskcore serve`` and other servers.

``uvicorn --factory taskcore_adapters.asgi:create``: each worker process calls it once and
builds its own runtime from the ``TASKCORE_*`` environment.
"""

from __future__ import annotations

from starlette.applications import Starlette

from taskcore_adapters.bootstrap import from_settings
from taskcore_adapters.config import Settings
from taskcore_adapters.host import create_app


def create() -> Starlette:
    """The application, configured from the environment."""
    return create_app(from_settings(Settings.from_env(), migrate=False), close_on_shutdown=True)
