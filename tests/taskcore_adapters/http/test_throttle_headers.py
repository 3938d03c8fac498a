"""Throttling of login and registration, and the security headers."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from taskcore_adapters.bootstrap import from_settings
from taskcore_adapters.config import ConfigError, Settings
from taskcore_adapters.host import create_app
from taskcore_adapters.http.throttle import Throttle, ThrottleSettings
from taskcore_adapters.security import Argon2PasswordHasher

PASSWORD = "correct horse"


def make_client(
    tmp_path: Path, database_url: str, hasher: Argon2PasswordHasher, **limits: str | None
) -> Iterator[TestClient]:
    settings = Settings(data_dir=tmp_path, database_url=database_url, secret_key="s" * 40, **limits)  # type: ignore[arg-type]
    runtime = from_settings(settings, password_hasher=hasher, migrate=False)
    try:
        yield TestClient(create_app(runtime))
    finally:
        runtime.close()


def register(client: TestClient, name: str) -> int:
    return client.post(
        "/api/register",
        json={
            "username": name,
            "email": f"{name}@example.com",
            "password": PASSWORD,
            "full_name": "N",
        },
    ).status_code


class TestThrottle:
    @pytest.fixture
    def client(
        self, tmp_path: Path, database_url: str, hasher: Argon2PasswordHasher
    ) -> Iterator[TestClient]:
        """A server allowing 5 attempts per address and 2 failed logins per account a minute."""
        yield from make_client(
            tmp_path,
            database_url,
            hasher,
            auth_rate_per_address="5/minute",
            failed_login_rate="2/minute",
        )

    def test_address_limit_gives_429_with_retry_after(self, client: TestClient) -> None:
        """The sixth attempt from one address within a minute is refused with 429."""
        statuses = [register(client, f"user{i}") for i in range(6)]
        response = client.post("/api/login", json={"username": "user0", "password": PASSWORD})
        assert [201] * 5 + [429] == statuses
        assert 429 == response.status_code
        assert {"error": "Too many attempts; try again later"} == response.json()
        assert 1 <= int(response.headers["retry-after"]) <= 60

    def test_failed_logins_lock_the_account_not_others(self, client: TestClient) -> None:
        """After two failures an account is throttled even with the right password."""
        register(client, "alice")
        wrong = [
            client.post("/api/login", json={"username": "alice", "password": "bad password"})
            for _ in range(2)
        ]
        right = client.post("/api/login", json={"username": "ALICE", "password": PASSWORD})
        assert [401, 401, 429] == [r.status_code for r in [*wrong, right]]
        assert "Too many failed logins for this account; try again later" == right.json()["error"]


class TestThrottleUnit:
    def test_off_disables(self) -> None:
        """With both limits off, attempts are never refused."""
        throttle = Throttle(ThrottleSettings(per_address=None, failed_logins_per_account=None))
        for _ in range(100):
            throttle.attempt("login", "1.2.3.4")
            throttle.claim_login("user:1", "1.2.3.4")

    @pytest.mark.redis
    def test_redis_storage_is_shared(self, redis_url: str) -> None:
        """Two throttles on one Redis share their counts, as two server processes would."""
        settings = ThrottleSettings(storage_url=redis_url, per_address="3/minute")
        first, second = Throttle(settings), Throttle(settings)
        address = f"test-{uuid.uuid4().hex}"
        first.attempt("login", address)
        second.attempt("login", address)
        first.attempt("login", address)
        with pytest.raises(Exception, match="Too many attempts"):
            second.attempt("login", address)

    @pytest.mark.redis
    def test_deployments_sharing_redis_count_apart(self, redis_url: str) -> None:
        """Throttles of two namespaces (two deployments' queue names) on one Redis count
        apart: one's failed logins never lock the other's account of the same name; the
        counts live under ``<namespace>:throttle:``."""
        import redis

        run = uuid.uuid4().hex
        one, other = (
            Throttle(
                ThrottleSettings(
                    storage_url=redis_url,
                    namespace=f"test-{run}-{name}",
                    failed_logins_per_account="2/minute",
                )
            )
            for name in ("one", "other")
        )
        for _ in range(2):
            one.claim_login("ada", "10.0.0.1")
        with pytest.raises(Exception, match="Too many failed logins"):
            one.claim_login("ada", "10.0.0.1")
        other.claim_login("ada", "10.0.0.1")  # its own count: one attempt
        client = redis.Redis.from_url(redis_url)
        try:
            keys = client.keys(f"test-{run}-*")
            assert keys
            assert all(b":throttle:" in key for key in keys)
            client.delete(*keys)
        finally:
            client.close()

    @pytest.mark.parametrize("value", ["lots", "5/fortnight", "-1/minute"])
    def test_bad_rate_setting_names_variable(self, value: str) -> None:
        """A malformed rate is a configuration error naming the variable."""
        with pytest.raises(ConfigError, match="TASKCORE_AUTH_RATE_PER_ADDRESS"):
            Settings.from_env({"TASKCORE_AUTH_RATE_PER_ADDRESS": value})

    def test_off_from_environment(self) -> None:
        """``off`` in the environment disables a limit."""
        assert Settings.from_env({"TASKCORE_FAILED_LOGIN_RATE": "off"}).failed_login_rate is None


def test_security_headers_on_every_response(
    tmp_path: Path, database_url: str, hasher: Argon2PasswordHasher
) -> None:
    """JSON answers, errors and 404s all carry the security headers; HSTS only over HTTPS."""
    for client in make_client(tmp_path, database_url, hasher):
        plain = [
            client.get("/health"),
            client.get("/nope"),
            client.post("/api/login", content=b"x"),
        ]
        secure = client.get("https://testserver/health")
    for response in plain:
        assert "nosniff" == response.headers["x-content-type-options"]
        assert "DENY" == response.headers["x-frame-options"]
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert "strict-transport-security" not in response.headers
    assert secure.headers["strict-transport-security"].startswith("max-age=")
