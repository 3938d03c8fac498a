"""Which optional extra provides which module, for messages that say what to install."""

from __future__ import annotations

from typing import Final

EXTRA_OF_MODULE: Final = {
    "click": "cli",
    "sqlalchemy": "sql",
    "alembic": "sql",
    "psycopg": "postgres",
    "jwt": "security",
    "argon2": "security",
    "blinker": "events",
    "fsspec": "files",
    "jinja2": "mail",
    "rq": "queue",
    "redis": "queue",
    "httpx2": "webhooks",
    "dateutil": "time",
    "icalendar": "time",
    "starlette": "http",
    "uvicorn": "http",
    "multipart": "http",
    "cattrs": "http",
    "limits": "http",
    "anyio": "http",
    "structlog": "http",
    "prometheus_client": "http",
    "authlib": "sso",
    "joserfc": "sso",
}
"""The top-level module of each optional dependency, and the extra that installs it."""

EXTRAS_HELP: Final = (
    "A base install (pip install taskcore) is the library with its in-memory adapters. "
    "The commands need extras: the command itself 'taskcore[cli]' (click; each extra "
    "below includes it), migrate and the other database commands 'taskcore[sql]', serve "
    "'taskcore[http]', worker 'taskcore[http,queue]', "
    "PostgreSQL 'taskcore[postgres]' (or 'taskcore[postgres-binary]' without a system "
    "libpq); 'taskcore[all]' installs everything."
)
"""What to install for what, shown by ``taskcore --help``."""


def missing_extra(exc: ModuleNotFoundError) -> str:
    """A message naming the extra to install for the module ``exc`` did not find."""
    module = (exc.name or "").partition(".")[0]
    extra = EXTRA_OF_MODULE.get(module)
    if extra is None:
        return f"{exc}; install everything with: pip install 'taskcore[all]'"
    return f"{module} is not installed; install it with: pip install 'taskcore[{extra}]'"
