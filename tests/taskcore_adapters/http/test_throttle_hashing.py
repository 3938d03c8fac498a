"""T17: a throttled login never reaches the password hasher (SQLite or PostgreSQL)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from taskcore_adapters.bootstrap import from_settings
from taskcore_adapters.config import Settings
from taskcore_adapters.host import create_app
from taskcore_adapters.security import Argon2PasswordHasher

PASSWORD = "correct horse battery"
THRESHOLD = 5
"""Failed logins per account, and attempts per address, allowed in a minute."""
ATTEMPTS = 50


class SpyHasher:
    """The cheap argon2id hasher, counting every call by method."""

    def __init__(self, inner: Argon2PasswordHasher) -> None:
        self._inner = inner
        self._lock = threading.Lock()
        self.calls: Counter[str] = Counter()

    def _count(self, name: str) -> None:
        with self._lock:
            self.calls[name] += 1

    def hash(self, password: str) -> str:
        self._count("hash")
        return self._inner.hash(password)

    def verify(self, stored_hash: str, password: str) -> bool:
        self._count("verify")
        return self._inner.verify(stored_hash, password)

    def needs_rehash(self, stored_hash: str) -> bool:
        return self._inner.needs_rehash(stored_hash)

    def burn(self, password: str) -> None:
        self._count("burn")
        self._inner.burn(password)

    @property
    def checks(self) -> int:
        """Password checks so far: verifications plus the dummy ones for unknown users."""
        return self.calls["verify"] + self.calls["burn"]


@pytest.fixture
def spy(hasher: Argon2PasswordHasher) -> SpyHasher:
    """A counting wrapper of the cheap test hasher."""
    return SpyHasher(hasher)


def serve(tmp_path: Path, database_url: str, spy: SpyHasher, **limits: str) -> Iterator[TestClient]:
    settings = Settings(data_dir=tmp_path, database_url=database_url, secret_key="s" * 40, **limits)  # type: ignore[arg-type]
    runtime = from_settings(settings, password_hasher=spy, migrate=False)
    try:
        with TestClient(create_app(runtime)) as client:
            yield client
    finally:
        runtime.close()


def login(client: TestClient, username: str, password: str) -> int:
    return client.post("/api/login", json={"username": username, "password": password}).status_code


class TestAccountThrottle:
    @pytest.fixture
    def client(self, tmp_path: Path, database_url: str, spy: SpyHasher) -> Iterator[TestClient]:
        """A server throttling an account after 5 failed logins; addresses are not limited."""
        yield from serve(
            tmp_path,
            database_url,
            spy,
            auth_rate_per_address="10000/minute",
            failed_login_rate=f"{THRESHOLD}/minute",
        )

    def register(self, client: TestClient) -> None:
        response = client.post(
            "/api/register",
            json={
                "username": "alice",
                "email": "alice@example.com",
                "password": PASSWORD,
                "full_name": "Alice",
            },
        )
        assert 201 == response.status_code

    def test_a_burst_costs_at_most_the_threshold(self, client: TestClient, spy: SpyHasher) -> None:
        """Fifty quick wrong passwords, then the right one: five 401s, the rest 429, and
        the hasher verifies five passwords in all (within 10 s)."""
        self.register(client)
        started = time.monotonic()
        statuses = [login(client, "alice", f"wrong guess {i}") for i in range(ATTEMPTS)]
        statuses.append(login(client, "ALICE", PASSWORD))
        assert time.monotonic() - started < 10
        assert [401] * THRESHOLD + [429] * (ATTEMPTS - THRESHOLD + 1) == statuses
        assert (THRESHOLD, 0, 1) == (spy.calls["verify"], spy.calls["burn"], spy.calls["hash"])

    def test_a_concurrent_burst_stays_bounded(self, client: TestClient, spy: SpyHasher) -> None:
        """Fifty wrong passwords from eight threads at once: each attempt is counted before
        its password is checked, so exactly the threshold reaches the hasher."""
        self.register(client)
        workers = 8
        with ThreadPoolExecutor(max_workers=workers) as pool:
            statuses = list(pool.map(lambda i: login(client, "alice", f"guess {i}"), range(50)))
        assert {401, 429} >= set(statuses)
        assert (THRESHOLD, THRESHOLD) == (spy.checks, statuses.count(401))


class TestAddressThrottle:
    @pytest.fixture
    def client(self, tmp_path: Path, database_url: str, spy: SpyHasher) -> Iterator[TestClient]:
        """A server allowing 5 login attempts per address a minute."""
        yield from serve(
            tmp_path,
            database_url,
            spy,
            auth_rate_per_address=f"{THRESHOLD}/minute",
            failed_login_rate="10000/minute",
        )

    def test_many_usernames_cost_at_most_the_threshold(
        self, client: TestClient, spy: SpyHasher
    ) -> None:
        """Fifty unknown usernames from one address: five dummy hashes, then 429 without one."""
        statuses = [login(client, f"nobody{i}", PASSWORD) for i in range(ATTEMPTS)]
        assert [401] * THRESHOLD + [429] * (ATTEMPTS - THRESHOLD) == statuses
        assert (0, THRESHOLD) == (spy.calls["verify"], spy.calls["burn"])
