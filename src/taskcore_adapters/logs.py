"""Logging as one JSON object per line, the same in the server, its workers and the CLI.

One object per line means a newline in user data (a username, a path) cannot forge a log
line. Timestamps are UTC. Nothing here logs secrets; callers never pass passwords, tokens
or ``Authorization`` values to a logger (a test scans the logs of a full session for them).

``TASKCORE_LOG_FORMAT=text`` switches to plain text lines for reading in a terminal.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from typing import Any

# Attributes every LogRecord has; anything else was passed with ``extra=`` and is logged.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    """Formats a record as ``{"ts", "level", "logger", "message", ...extra, "exc"}``."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def config(level: str = "info") -> dict[str, Any]:
    """A ``logging.config.dictConfig`` dictionary for taskcore, uvicorn and rq loggers."""
    text = os.environ.get("TASKCORE_LOG_FORMAT", "json").strip().lower() == "text"
    formatter: dict[str, Any] = (
        {"format": TEXT_FORMAT} if text else {"()": f"{__name__}.JsonFormatter"}
    )
    handler = {"class": "logging.StreamHandler", "formatter": "default"}
    upper = level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"default": formatter},
        "handlers": {"default": handler},
        "root": {"handlers": ["default"], "level": upper},
        "loggers": {
            name: {"handlers": [], "level": upper, "propagate": True}
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "rq.worker")
        }
        | {"alembic.runtime.plugins": {"level": "WARNING"}},
    }


def configure(level: str = "info") -> None:
    """Apply :func:`config` to this process."""
    import logging.config

    logging.config.dictConfig(config(level))
