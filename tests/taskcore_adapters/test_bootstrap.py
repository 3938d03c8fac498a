"""Building a runtime from settings."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event

from taskcore_adapters import sql
from taskcore_adapters.bootstrap import from_settings
from taskcore_adapters.config import ConfigError, Settings
from taskcore_adapters.sql import make_engine


def test_a_failed_build_leaves_no_database_connection_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A setting refused after the embedded database was opened and migrated (here a bad
    ``TASKCORE_MAIL_URL``) raises, and the SQLite connection the migration used is closed
    then, not left in the pool for the garbage collector (which closes it with a
    ``ResourceWarning`` in whatever runs at that moment)."""
    opened: list[sqlite3.Connection] = []

    def make_recording_engine(url: str, **options: Any) -> Engine:
        engine = make_engine(url, **options)
        event.listen(engine, "connect", lambda connection, _record: opened.append(connection))
        return engine

    monkeypatch.setattr(sql, "make_engine", make_recording_engine)
    settings = Settings(data_dir=tmp_path, secret_key="s" * 40, mail_url="ftp://mail.example")

    with pytest.raises(ConfigError, match="TASKCORE_MAIL_URL"):
        from_settings(settings)

    assert opened
    for connection in opened:
        with pytest.raises(sqlite3.ProgrammingError, match="closed"):
            connection.execute("SELECT 1")
