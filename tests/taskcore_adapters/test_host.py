"""The reference application's lifespan: its background rounds end with the runtime."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from sqlalchemy import event
from starlette.testclient import TestClient

from taskcore_adapters.bootstrap import from_settings
from taskcore_adapters.config import Settings
from taskcore_adapters.host import create_app
from taskcore_adapters.security import Argon2PasswordHasher


def test_closing_a_runtime_while_its_app_runs_ends_the_background_rounds(
    tmp_path: Path, database_url: str, hasher: Argon2PasswordHasher
) -> None:
    """The app's lifespan runs background rounds (every 2 s) until its own stop signal;
    closing the runtime while the app still runs ends them too, so nothing opens a
    connection on the runtime's disposed engine afterwards (such a connection, never
    closed, was reported at garbage collection during an unrelated test)."""
    settings = Settings(data_dir=tmp_path, database_url=database_url, secret_key="k" * 40)
    runtime = from_settings(settings, password_hasher=hasher, migrate=False)
    engine = runtime.engine
    assert engine is not None
    with TestClient(create_app(runtime)) as client:
        assert 200 == client.get("/health").status_code
        opened: list[Any] = []
        event.listen(engine, "connect", lambda connection, _record: opened.append(connection))
        runtime.close()
        time.sleep(2.5)  # longer than the rounds' interval
        assert [] == opened
