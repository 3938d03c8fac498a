"""Disposing of an engine while a connection is still in use: a connection given back to
the disposed pool is closed, not kept open until garbage collection (where Python reports
it as a ``ResourceWarning``), whether the engine was disposed by SQLAlchemy's own
``dispose()`` or by ``sql.engine.dispose``, which first waits for it to come back."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from taskcore_adapters.sql import make_engine
from taskcore_adapters.sql.engine import dispose


@pytest.mark.parametrize("disposal", ["engine.dispose", "sql.engine.dispose"])
def test_a_connection_given_back_to_a_disposed_pool_is_closed(
    tmp_path: Path, disposal: str
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    conn = engine.connect()
    conn.execute(text("SELECT 1"))
    raw = conn.connection.dbapi_connection
    assert raw is not None
    if disposal == "engine.dispose":
        engine.dispose()
    else:
        dispose(engine, wait=0)
    raw.execute("SELECT 1")  # still open while in use
    conn.close()
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        raw.execute("SELECT 1")


def test_the_new_pool_keeps_its_connections(tmp_path: Path) -> None:
    """Only the discarded pool closes what it is given back: the engine's new pool reuses
    its connections as before."""
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    engine.dispose()
    with engine.connect() as conn:
        first = conn.connection.dbapi_connection
    with engine.connect() as conn:
        again = conn.connection.dbapi_connection
        conn.execute(text("SELECT 1"))
    assert again is first
    engine.dispose()


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


def test_an_engine_disposed_of_for_good_keeps_no_connection_open(tmp_path: Path) -> None:
    """A thread still using the engine after ``sql.engine.dispose`` gets a working
    connection, closed when it is given back, and another one the next time."""
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    dispose(engine, wait=0)
    for _ in range(2):
        with engine.connect() as conn:
            assert conn.execute(text("SELECT 1")).scalar_one() == 1
            raw = conn.connection.dbapi_connection
            assert raw is not None
        with pytest.raises(sqlite3.ProgrammingError, match="closed"):
            raw.execute("SELECT 1")
    assert engine.pool.checkedout() == 0  # type: ignore[attr-defined]
