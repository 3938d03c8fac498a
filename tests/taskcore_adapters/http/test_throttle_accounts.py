"""L3 and L4 (T15-T17): failed logins count per account, so that its username and e-mail
address share one count, per client address, so that a guesser cannot lock the owner out,
and over all addresses except the account's known ones; password changes count per
session before the current password is checked (SQLite or PostgreSQL)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from taskcore_adapters.bootstrap import from_settings
from taskcore_adapters.config import ConfigError, Settings
from taskcore_adapters.host import create_app
from taskcore_adapters.security import Argon2PasswordHasher
from taskcore_adapters.web.testing import Browser

PASSWORD = "correct horse battery"
NEW_PASSWORD = "staple orange lamp"
OWNER = ("192.0.2.10", 50000)
ATTACKER = ("198.51.100.66", 50000)


class SpyHasher:
    """The cheap test hasher, counting password checks (verifications and dummy hashes)."""

    def __init__(self, inner: Argon2PasswordHasher) -> None:
        self._inner = inner
        self._lock = threading.Lock()
        self.checks = 0

    def _count(self) -> None:
        with self._lock:
            self.checks += 1

    def hash(self, password: str) -> str:
        return self._inner.hash(password)

    def verify(self, stored_hash: str, password: str) -> bool:
        self._count()
        return self._inner.verify(stored_hash, password)

    def needs_rehash(self, stored_hash: str) -> bool:
        return self._inner.needs_rehash(stored_hash)

    def burn(self, password: str) -> None:
        self._count()
        self._inner.burn(password)


@pytest.fixture
def spy(hasher: Argon2PasswordHasher) -> SpyHasher:
    return SpyHasher(hasher)


def serve(tmp_path: Path, database_url: str, spy: SpyHasher, **limits: str) -> Iterator[Starlette]:
    settings = Settings(
        data_dir=tmp_path,
        database_url=database_url,
        secret_key="s" * 40,
        auth_rate_per_address="10000/minute",
        **limits,  # type: ignore[arg-type]
    )
    runtime = from_settings(settings, password_hasher=spy, migrate=False)
    try:
        yield create_app(runtime)
    finally:
        runtime.close()


def register(app: Starlette) -> int:
    response = TestClient(app, client=OWNER).post(
        "/api/register",
        json={
            "username": "alice",
            "email": "alice@example.com",
            "password": PASSWORD,
            "full_name": "Alice",
        },
    )
    assert 201 == response.status_code
    user_id: int = response.json()["user"]["id"]
    return user_id


def login(client: TestClient, username: str, password: str) -> Any:
    return client.post("/api/login", json={"username": username, "password": password})


class TestPerAccountAndAddress:
    @pytest.fixture
    def app(self, tmp_path: Path, database_url: str, spy: SpyHasher) -> Iterator[Starlette]:
        """10 failures per account and address a minute; 100 an hour in all."""
        yield from serve(
            tmp_path,
            database_url,
            spy,
            failed_login_rate="10/minute",
            account_failed_login_rate="100/hour",
        )

    def test_an_attacker_cannot_lock_the_owner_out(self, app: Starlette) -> None:
        """Ten failures from address A throttle A (even with the right password), while
        the owner logs in from address B."""
        register(app)
        attacker, owner = TestClient(app, client=ATTACKER), TestClient(app, client=OWNER)
        failures = [login(attacker, "alice", f"guess {i}").status_code for i in range(10)]
        throttled = login(attacker, "alice", PASSWORD)
        assert [401] * 10 + [429] == [*failures, throttled.status_code]
        assert 1 <= int(throttled.headers["retry-after"]) <= 60
        assert 200 == login(owner, "alice", PASSWORD).status_code

    def test_username_and_email_share_the_count(self, app: Starlette) -> None:
        """Five guesses by username and five by e-mail address (any case) are the ten the
        account allows; the eleventh is refused whichever name it uses."""
        register(app)
        attacker = TestClient(app, client=ATTACKER)
        names = ["alice", "ALICE@example.com"] * 5
        assert [401] * 10 == [login(attacker, name, "wrong guess").status_code for name in names]
        assert 429 == login(attacker, "Alice", PASSWORD).status_code
        assert 429 == login(attacker, "alice@EXAMPLE.com", PASSWORD).status_code


class TestAccountTotal:
    @pytest.fixture
    def app(self, tmp_path: Path, database_url: str, spy: SpyHasher) -> Iterator[Starlette]:
        """5 failures per account an hour from all addresses together."""
        yield from serve(
            tmp_path,
            database_url,
            spy,
            failed_login_rate="10/minute",
            account_failed_login_rate="5/hour",
        )

    def test_spread_guessing_stops_but_known_addresses_sign_in(
        self, app: Starlette, spy: SpyHasher
    ) -> None:
        """Guesses from five addresses use up the account's total: a sixth address is
        refused before any hashing, even with the right password, but the owner's known
        address (a sign-in there earlier) still signs in."""
        register(app)
        owner = TestClient(app, client=OWNER)
        assert 200 == login(owner, "alice", PASSWORD).status_code
        spread = [
            login(TestClient(app, client=(f"203.0.113.{i}", 1)), "alice", "guess").status_code
            for i in range(5)
        ]
        checks = spy.checks
        stranger = TestClient(app, client=("203.0.113.99", 1))
        refused = [login(stranger, "alice", PASSWORD), login(stranger, "alice", "guess")]
        assert ([401] * 5, [429, 429]) == (spread, [r.status_code for r in refused])
        assert checks == spy.checks
        assert 200 == login(owner, "alice", PASSWORD).status_code


class TestPasswordChange:
    @pytest.fixture
    def app(self, tmp_path: Path, database_url: str, spy: SpyHasher) -> Iterator[Starlette]:
        """3 password-change attempts per session an hour."""
        yield from serve(tmp_path, database_url, spy, password_change_rate="3/hour")

    def change(self, client: TestClient, token: str, current: str) -> Any:
        return client.put(
            "/api/users/me/password",
            headers={"Authorization": f"Bearer {token}"},
            json={"current_password": current, "new_password": NEW_PASSWORD},
        )

    def test_guessing_with_a_stolen_token_is_throttled(
        self, app: Starlette, spy: SpyHasher
    ) -> None:
        """Three wrong current passwords in one session, then 429 with ``Retry-After``
        without checking the password; the owner's other session still changes it."""
        register(app)
        thief, owner = TestClient(app, client=ATTACKER), TestClient(app, client=OWNER)
        stolen = login(owner, "alice", PASSWORD).json()["token"]
        own = login(owner, "alice", PASSWORD).json()["token"]
        guesses = [self.change(thief, stolen, f"guess {i}").status_code for i in range(3)]
        checks = spy.checks
        refused = self.change(thief, stolen, PASSWORD)
        assert ([401] * 3, 429) == (guesses, refused.status_code)
        assert 1 <= int(refused.headers["retry-after"]) <= 3600
        assert checks == spy.checks
        assert 200 == self.change(owner, own, PASSWORD).status_code
        assert 401 == self.change(thief, stolen, NEW_PASSWORD).status_code  # session ended

    def test_the_profile_page_is_throttled_too(self, app: Starlette) -> None:
        """The profile page's password form counts like the API."""
        with TestClient(app, base_url="http://testserver") as client:
            browser = Browser(client)
            browser.register("alice", password=PASSWORD)
            browser.get("/profile")
            form = {"current_password": "nope nope", "new_password": NEW_PASSWORD}
            statuses = [browser.post("/profile/password", form).status_code for _ in range(4)]
        assert [401, 401, 401, 429] == statuses


class TestSettings:
    def test_new_rates_from_the_environment(self) -> None:
        """The account total and the password-change rate are read, ``off`` disables them,
        and a malformed value names its variable."""
        settings = Settings.from_env(
            {"TASKCORE_ACCOUNT_FAILED_LOGIN_RATE": "off", "TASKCORE_PASSWORD_CHANGE_RATE": "3/hour"}
        )
        assert (None, "3/hour") == (
            settings.account_failed_login_rate,
            settings.password_change_rate,
        )
        assert ("100/hour", "10/hour") == (
            Settings.from_env({}).account_failed_login_rate,
            Settings.from_env({}).password_change_rate,
        )
        with pytest.raises(ConfigError, match="TASKCORE_PASSWORD_CHANGE_RATE"):
            Settings.from_env({"TASKCORE_PASSWORD_CHANGE_RATE": "often"})
