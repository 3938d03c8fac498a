"""Logging for the server, its workers and the CLI, formatted by structlog.

Everything logs through the standard :mod:`logging` module (the core, uvicorn, rq,
alembic); structlog's :class:`~structlog.stdlib.ProcessorFormatter` turns each record into
one line:

- ``TASKCORE_LOG_FORMAT=json``: one JSON object per line, ``{"ts", "level", "logger",
  "message", ...fields}``. A newline or an escape sequence in user data (a username, a
  path) stays inside a JSON string, so it can neither forge a line nor colour a terminal.
- ``TASKCORE_LOG_FORMAT=text``: readable ``key=value`` lines (coloured only on a terminal
  that does not set ``NO_COLOR``).
- ``auto`` (the default): text when standard error is a terminal, JSON otherwise.

Fields passed with ``extra=`` become keys of the line; so does the request id of the
request being served (:func:`bound_request_id`). Timestamps are UTC. Nothing here logs
secrets; callers never pass passwords, tokens or ``Authorization`` values to a logger (a
test scans the logs of a full session for them).
"""

from __future__ import annotations

import contextlib
import logging
import logging.config
import os
import re
import sys
import uuid
from collections.abc import Iterator, MutableMapping
from contextvars import ContextVar, Token
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    import structlog

FORMAT_VARIABLE = "TASKCORE_LOG_FORMAT"
FORMATS = ("auto", "json", "text")

# Attributes every LogRecord has; anything else was passed with ``extra=`` and is logged.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}
_DROPPED = {"color_message"}
"""Extras never logged: uvicorn's copy of its message with ANSI colour codes."""

_REQUEST_ID: ContextVar[str | None] = ContextVar("taskcore_request_id", default=None)
_VALID_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")

EventDict = MutableMapping[str, Any]


def request_id() -> str | None:
    """The id of the request being served in this context (``None`` outside one)."""
    return _REQUEST_ID.get()


def new_request_id(offered: str | None = None) -> str:
    """``offered`` (an ``X-Request-ID`` value) when it is 1 to 128 letters, digits or
    ``. _ : -``; a new random id otherwise."""
    if offered is not None and _VALID_ID.fullmatch(offered):
        return offered
    return uuid.uuid4().hex


def bind_request_id(value: str | None) -> Token[str | None]:
    """Attach ``value`` to every log line written in this context from now on (threads
    started with a copy of it, as the server's thread pool does, included); give the
    result to :func:`unbind_request_id`."""
    return _REQUEST_ID.set(value)


def unbind_request_id(token: Token[str | None]) -> None:
    """Undo the :func:`bind_request_id` that gave ``token``."""
    _REQUEST_ID.reset(token)


@contextlib.contextmanager
def bound_request_id(value: str | None) -> Iterator[None]:
    """:func:`bind_request_id` for the ``with`` block."""
    token = bind_request_id(value)
    try:
        yield
    finally:
        unbind_request_id(token)


def _record_fields(logger: Any, method: str, event: EventDict) -> EventDict:
    """A standard-library record: its message under ``message``, its extras as fields."""
    event["message"] = event.pop("event", "")
    record = event.get("_record")
    if record is not None:
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in _DROPPED and not key.startswith("_"):
                event[key] = value
    return event


def _context(logger: Any, method: str, event: EventDict) -> EventDict:
    """Add the level (upper case), the logger's name and the request id."""
    record = event.get("_record")
    event["level"] = record.levelname if record is not None else method.upper()
    if record is not None:
        event["logger"] = record.name
    current = _REQUEST_ID.get()
    if current is not None:
        event.setdefault("request_id", current)
    return event


def _structlog_message(logger: Any, method: str, event: EventDict) -> EventDict:
    """A structlog logger's event text goes under ``message``, as a record's does."""
    if event.get("_from_structlog"):
        event["message"] = event.pop("event", "")
    return event


def _timestamp() -> Any:
    import structlog

    return structlog.processors.TimeStamper(fmt="iso", utc=True, key="ts")


def chosen_format(stream: TextIO | None = None) -> str:
    """``json`` or ``text``: what ``TASKCORE_LOG_FORMAT`` asks for, ``auto`` (the
    default) choosing text on a terminal.

    Raises:
        ValueError: the variable holds something else (the message names it).
    """
    value = os.environ.get(FORMAT_VARIABLE, "").strip().lower() or "auto"
    if value not in FORMATS:
        raise ValueError(f"{FORMAT_VARIABLE} must be one of {', '.join(FORMATS)}")
    if value != "auto":
        return value
    target = sys.stderr if stream is None else stream
    return "text" if _is_terminal(target) else "json"


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def formatter(kind: str | None = None) -> structlog.stdlib.ProcessorFormatter:
    """The formatter of every handler: JSON or text lines (see the module).

    Args:
        kind: ``json`` or ``text``; by default :func:`chosen_format`.
    """
    import structlog  # the http extra: imported when used, so request ids need only logging

    chosen = kind or chosen_format()
    renderer: Any
    if chosen == "json":
        renderer = structlog.processors.JSONRenderer(default=str, ensure_ascii=False)
        last: list[Any] = [structlog.processors.format_exc_info, renderer]
    else:
        colors = _is_terminal(sys.stderr) and "NO_COLOR" not in os.environ
        renderer = structlog.dev.ConsoleRenderer(
            colors=colors,
            event_key="message",
            timestamp_key="ts",
            exception_formatter=structlog.dev.plain_traceback,
            pad_event_to=24,
        )
        last = [renderer]
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[_record_fields, _context, _timestamp()],
        processors=[
            _structlog_message,
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            *last,
        ],
    )


def _configure_structlog() -> None:
    """Make ``structlog.get_logger()`` loggers write through the standard library, so
    their lines look like every other."""
    import structlog

    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            structlog.stdlib.add_logger_name,
            _context,
            _timestamp(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def config(level: str = "info", *, migrations: bool = False) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` dictionary for taskcore, uvicorn, rq and alembic.

    Args:
        level: The lowest level logged.
        migrations: Log each migration applied (``taskcore migrate`` and ``taskcore db``);
            otherwise alembic only logs warnings.
    """
    chosen_format()  # a bad TASKCORE_LOG_FORMAT fails here, before any server starts
    handler = {"class": "logging.StreamHandler", "formatter": "default"}
    upper = level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"default": {"()": f"{__name__}.formatter"}},
        "handlers": {"default": handler},
        "root": {"handlers": ["default"], "level": upper},
        "loggers": {
            name: {"handlers": [], "level": upper, "propagate": True}
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "rq.worker")
        }
        | {
            "alembic": {"level": "INFO" if migrations else "WARNING"},
            "alembic.runtime.plugins": {"level": "WARNING"},
        },
    }


def configure(level: str = "info", *, migrations: bool = False) -> None:
    """Apply :func:`config` to this process.

    Raises:
        ModuleNotFoundError: structlog (the http extra) is not installed.
    """
    import structlog  # noqa: F401  # before changing anything: the formatter needs it

    logging.config.dictConfig(config(level, migrations=migrations))
    _configure_structlog()
