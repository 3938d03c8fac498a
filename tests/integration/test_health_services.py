"""Health endpoints against the real Redis server."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from taskcore_adapters.bootstrap import from_settings
from taskcore_adapters.config import Settings
from taskcore_adapters.host import create_app
from taskcore_adapters.security import Argon2PasswordHasher


@pytest.mark.redis
def test_redis_reported_connected(
    tmp_path: Path, database_url: str, redis_url: str, hasher: Argon2PasswordHasher
) -> None:
    """With a queue URL, the notification health reports Redis as connected."""
    settings = Settings(
        data_dir=tmp_path, database_url=database_url, queue_url=redis_url, secret_key="s" * 40
    )
    runtime = from_settings(settings, password_hasher=hasher, migrate=False)
    try:
        body = TestClient(create_app(runtime)).get("/health/notifications").json()
    finally:
        runtime.close()
    assert ("healthy", "connected") == (body["status"], body["redis"])


def test_unreachable_redis_is_503(
    tmp_path: Path, database_url: str, hasher: Argon2PasswordHasher
) -> None:
    """A queue URL where nothing listens makes health answer 503 with Retry-After."""
    settings = Settings(
        data_dir=tmp_path,
        database_url=database_url,
        queue_url="redis://127.0.0.1:1/0",
        secret_key="s" * 40,
    )
    runtime = from_settings(settings, password_hasher=hasher, migrate=False)
    try:
        response = TestClient(create_app(runtime)).get("/health/activities")
    finally:
        runtime.close()
    assert (503, "unhealthy", "5") == (
        response.status_code,
        response.json()["status"],
        response.headers["retry-after"],
    )
