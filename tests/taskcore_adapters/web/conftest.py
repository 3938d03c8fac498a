"""Fixtures for the page tests: an application on the selected SQL backend, and browsers
(:class:`taskcore_adapters.web.testing.Browser`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from taskcore_adapters.bootstrap import Runtime, from_settings
from taskcore_adapters.config import Settings
from taskcore_adapters.host import create_app
from taskcore_adapters.security import Argon2PasswordHasher
from taskcore_adapters.web.testing import Browser


@pytest.fixture
def runtime(tmp_path: Path, database_url: str, hasher: Argon2PasswordHasher) -> Iterator[Runtime]:
    """A runtime on a clean database, with loose throttling; closed after the test."""
    built = from_settings(
        Settings(
            data_dir=tmp_path,
            database_url=database_url,
            secret_key="y" * 48,
            auth_rate_per_address="10000/minute",
            failed_login_rate="10000/minute",
            account_failed_login_rate="10000/minute",
            password_change_rate="10000/minute",
            max_upload_bytes=64 * 1024,
        ),
        password_hasher=hasher,
        migrate=False,
    )
    try:
        yield built
    finally:
        built.close()


@pytest.fixture
def browser(runtime: Runtime) -> Iterator[Browser]:
    """A browser on a fresh application."""
    with TestClient(create_app(runtime), base_url="http://testserver") as client:
        yield Browser(client)


@pytest.fixture
def other_browser(runtime: Runtime) -> Iterator[Browser]:
    """A second browser (another person) on the same application."""
    with TestClient(create_app(runtime), base_url="http://testserver") as client:
        yield Browser(client)
