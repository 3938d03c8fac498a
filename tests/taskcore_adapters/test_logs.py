"""JSON log lines: one object per line, extras kept, tracebacks inside the object."""

from __future__ import annotations

import json
import logging

from taskcore_adapters.logs import JsonFormatter, config


def record(message: str, **extra: object) -> logging.LogRecord:
    rec = logging.makeLogRecord({"name": "taskcore.test", "levelname": "WARNING", "msg": message})
    for key, value in extra.items():
        setattr(rec, key, value)
    return rec


def test_a_newline_in_user_data_cannot_forge_a_line() -> None:
    """A message with newlines stays one line, with the text intact inside the JSON."""
    line = JsonFormatter().format(record('user \'x\'\n{"level": "INFO"}'))
    assert 1 == len(line.splitlines())
    assert 'user \'x\'\n{"level": "INFO"}' == json.loads(line)["message"]


def test_extras_and_tracebacks_are_fields() -> None:
    """Fields passed with ``extra=`` and the traceback are keys of the object."""
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        import sys

        rec = record("failed", event="login_failed", account="abc")
        rec.exc_info = sys.exc_info()
    entry = json.loads(JsonFormatter().format(rec))
    assert ("login_failed", "abc", "WARNING", "taskcore.test") == (
        entry["event"],
        entry["account"],
        entry["level"],
        entry["logger"],
    )
    assert "RuntimeError: boom" in entry["exc"]
    assert entry["ts"].endswith("+00:00")


def test_config_routes_uvicorn_through_the_json_formatter(monkeypatch: object) -> None:
    """The dictConfig for servers uses the JSON formatter unless text is asked for."""
    assert {"()": "taskcore_adapters.logs.JsonFormatter"} == config()["formatters"]["default"]
    assert "uvicorn.access" in config("warning")["loggers"]
    assert "WARNING" == config("warning")["root"]["level"]
