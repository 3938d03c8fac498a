"""Disposing of an engine while a connection is still in use (``sql.engine.dispose``): it
waits for the connection to come back, and one that comes back only after the wait is
closed, not kept open by the disposed pool until garbage collection (where Python reports
it as a ``ResourceWarning``)."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from taskcore_adapters.sql import make_engine
from taskcore_adapters.sql.engine import dispose


def test_a_connection_given_back_after_the_wait_is_closed(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    conn = engine.connect()
    conn.execute(text("SELECT 1"))
    raw = conn.connection.dbapi_connection
    assert raw is not None
    dispose(engine, wait=0)
    raw.execute("SELECT 1")  # still open while in use
    conn.close()
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        raw.execute("SELECT 1")


def test_dispose_waits_for_a_connection_in_use(tmp_path: Path) -> None:
    """A connection given back within the wait returns to the pool before it is disposed
    (and is closed by the disposal)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    conn = engine.connect()
    conn.execute(text("SELECT 1"))
    given_back = threading.Timer(0.3, conn.close)
    given_back.start()
    started = time.monotonic()
    dispose(engine, wait=5)
    waited = time.monotonic() - started
    given_back.join()
    assert 0.25 < waited < 4
    assert engine.pool.checkedout() == 0  # type: ignore[attr-defined]
