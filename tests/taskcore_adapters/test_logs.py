"""Log lines: JSON objects (one per line) or readable text, chosen by TASKCORE_LOG_FORMAT."""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Iterator

import pytest
import structlog

from taskcore_adapters import logs
from taskcore_adapters.logs import config, formatter

ESC = "\x1b"


def record(message: str, level: int = logging.WARNING, **extra: object) -> logging.LogRecord:
    rec = logging.makeLogRecord(
        {
            "name": "taskcore.test",
            "levelname": logging.getLevelName(level),
            "levelno": level,
            "msg": message,
        }
    )
    for key, value in extra.items():
        setattr(rec, key, value)
    return rec


def as_json(rec: logging.LogRecord) -> dict[str, object]:
    line = formatter("json").format(rec)
    assert 1 == len(line.splitlines())
    entry: dict[str, object] = json.loads(line)
    return entry


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_newline_in_user_data_cannot_forge_a_line() -> None:
    """A message with newlines stays one line, with the text intact inside the JSON."""
    assert (
        'user \'x\'\n{"level": "INFO"}'
        == as_json(record('user \'x\'\n{"level": "INFO"}'))["message"]
    )


def test_extras_and_tracebacks_are_fields() -> None:
    """Fields passed with ``extra=`` and the traceback are keys of the object."""
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        rec = record("failed", event="login_failed", account="abc")
        rec.exc_info = sys.exc_info()
    entry = as_json(rec)
    assert ("failed", "login_failed", "abc", "WARNING", "taskcore.test") == (
        entry["message"],
        entry["event"],
        entry["account"],
        entry["level"],
        entry["logger"],
    )
    assert "RuntimeError: boom" in str(entry["exception"])
    assert str(entry["ts"]).endswith("Z")


def test_no_colour_codes_in_json() -> None:
    """uvicorn's coloured copy of its message is dropped, and an escape sequence in the
    data is escaped inside the JSON string, never written raw."""
    line = formatter("json").format(
        record(f"{ESC}[31mred{ESC}[0m", color_message=f"{ESC}[1mStarted{ESC}[0m")
    )
    entry = json.loads(line)
    assert (ESC not in line, "color_message" in entry, f"{ESC}[31mred{ESC}[0m") == (
        True,
        False,
        entry["message"],
    )


def test_text_lines_are_key_value_without_colours_off_a_terminal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The text format shows the message and each field as key=value; off a terminal it
    has no colour codes."""
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    line = formatter("text").format(record("login failed", event="login_failed", account="ab"))
    assert ESC not in line
    assert "login failed" in line
    assert "event=login_failed" in line
    assert "account=ab" in line
    assert "WARNING" in line.upper()


@pytest.mark.parametrize(
    ("value", "stream", "expected"),
    [
        ("", io.StringIO(), "json"),
        ("auto", Tty(), "text"),
        ("", Tty(), "text"),
        ("json", Tty(), "json"),
        ("TEXT", io.StringIO(), "text"),
    ],
)
def test_format_follows_the_variable_and_the_terminal(
    monkeypatch: pytest.MonkeyPatch, value: str, stream: io.StringIO, expected: str
) -> None:
    """``auto`` (the default) is text on a terminal and JSON elsewhere; json and text are
    what they say."""
    monkeypatch.setenv(logs.FORMAT_VARIABLE, value)
    assert expected == logs.chosen_format(stream)


def test_an_unknown_format_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """A misspelled format names the variable (before any server starts)."""
    monkeypatch.setenv(logs.FORMAT_VARIABLE, "jsno")
    with pytest.raises(ValueError, match="TASKCORE_LOG_FORMAT"):
        config()


def test_config_routes_everything_through_one_formatter(monkeypatch: pytest.MonkeyPatch) -> None:
    """The dictConfig for servers formats every logger with :func:`formatter`; alembic is
    quiet unless migrations are asked for."""
    monkeypatch.setenv(logs.FORMAT_VARIABLE, "json")
    built = config("warning")
    assert {"()": "taskcore_adapters.logs.formatter"} == built["formatters"]["default"]
    assert "uvicorn.access" in built["loggers"]
    assert ("WARNING", "WARNING", "INFO") == (
        built["root"]["level"],
        built["loggers"]["alembic"]["level"],
        config(migrations=True)["loggers"]["alembic"]["level"],
    )


def test_request_id_is_on_every_line_of_its_context() -> None:
    """A line written while a request id is bound carries it; one written after does not."""
    with logs.bound_request_id("req-1"):
        inside = as_json(record("inside"))
    assert ("req-1", None) == (inside.get("request_id"), as_json(record("after")).get("request_id"))


@pytest.mark.parametrize(
    ("offered", "kept"),
    [("abc-123.x:y_z", True), ("", False), ("x" * 129, False), ("a b", False), ("é", False)],
)
def test_offered_request_ids_are_checked(offered: str, kept: bool) -> None:
    """An ``X-Request-ID`` is kept when it is short and plain; otherwise a new one is made."""
    made = logs.new_request_id(offered)
    assert kept == (made == offered)
    assert 1 <= len(made) <= 128


@pytest.fixture
def configured(monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    """The process configured by :func:`logs.configure` (JSON) writing to a buffer."""
    monkeypatch.setenv(logs.FORMAT_VARIABLE, "json")
    buffer = io.StringIO()
    monkeypatch.setattr(sys, "stderr", buffer)
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    logs.configure("info")
    try:
        yield buffer
    finally:
        for handler in root.handlers[:]:
            root.removeHandler(handler)
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        structlog.reset_defaults()


def test_structlog_and_standard_loggers_write_the_same_lines(configured: io.StringIO) -> None:
    """A structlog logger and a standard one give lines of the same shape."""
    structlog.get_logger("taskcore.a").info("from structlog", items=3)
    logging.getLogger("taskcore.b").info("from logging", extra={"items": 4})
    lines = [json.loads(line) for line in configured.getvalue().splitlines()]
    assert [("from structlog", 3, "INFO"), ("from logging", 4, "INFO")] == [
        (line["message"], line["items"], line["level"]) for line in lines
    ]
