"""T14: a login cannot tell an unknown account from a wrong password (SQLite or PostgreSQL).

Both answers are compared over HTTP, and the password hasher is spied on: an unknown
account costs exactly one password check (the dummy hash), as a wrong password does.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx2
import pytest
from starlette.testclient import TestClient

from taskcore_adapters.bootstrap import Runtime, from_settings
from taskcore_adapters.config import Settings
from taskcore_adapters.security import Argon2PasswordHasher

PASSWORD = "correct horse battery"
ROUNDS = 40
"""Logins of each kind, alternating."""

Answer = tuple[int, bytes, tuple[tuple[str, str], ...]]


class SpyHasher:
    """A password hasher counting its calls by method (the dummy check is ``burn``)."""

    def __init__(self, inner: Argon2PasswordHasher) -> None:
        self._inner = inner
        self.calls: dict[str, int] = {"hash": 0, "verify": 0, "burn": 0}

    def hash(self, password: str) -> str:
        self.calls["hash"] += 1
        return self._inner.hash(password)

    def verify(self, stored_hash: str, password: str) -> bool:
        self.calls["verify"] += 1
        return self._inner.verify(stored_hash, password)

    def needs_rehash(self, stored_hash: str) -> bool:
        return self._inner.needs_rehash(stored_hash)

    def burn(self, password: str) -> None:
        self.calls["burn"] += 1
        self._inner.burn(password)

    def take(self) -> tuple[int, int, int]:
        """The (verify, burn, hash) counts since the last call, then start again at zero."""
        counts = (self.calls["verify"], self.calls["burn"], self.calls["hash"])
        self.calls = dict.fromkeys(self.calls, 0)
        return counts


def start(
    tmp_path: Path, database_url: str, spy: SpyHasher, serve: Callable[[Runtime], TestClient]
) -> Iterator[TestClient]:
    """A server on a clean database using ``spy``, with login throttling out of the way,
    and Alice registered (active, and an account with a known e-mail address)."""
    runtime = from_settings(
        Settings(
            data_dir=tmp_path,
            database_url=database_url,
            secret_key="e" * 40,
            auth_rate_per_address="10000/minute",
            failed_login_rate="10000/minute",
        ),
        password_hasher=spy,
        migrate=False,
    )
    try:
        client = serve(runtime)
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
        spy.take()
        yield client
    finally:
        runtime.close()


def answer_of(response: httpx2.Response) -> Answer:
    """Status, body bytes and every header but the request id (new for every request;
    the application sets no other per-request header, such as a date)."""
    headers = sorted(
        (name.lower(), value)
        for name, value in response.headers.multi_items()
        if name.lower() != "x-request-id"  # new for every request, whatever it is
    )
    return response.status_code, response.content, tuple(headers)


def login(client: TestClient, username: str, password: str) -> httpx2.Response:
    return client.post("/api/login", json={"username": username, "password": password})


PAIRS = [("nobody", "alice"), ("nobody@example.com", "alice@example.com")]
"""An unknown account and a known one, named by username and by e-mail address."""


class TestSameAnswerSameCost:
    @pytest.fixture
    def spy(self) -> SpyHasher:
        """A spy around the cheap test hasher."""
        return SpyHasher(Argon2PasswordHasher.cheapest())

    @pytest.fixture
    def client(
        self,
        tmp_path: Path,
        database_url: str,
        spy: SpyHasher,
        serve: Callable[[Runtime], TestClient],
    ) -> Iterator[TestClient]:
        """A server using the spy, with Alice registered."""
        yield from start(tmp_path, database_url, spy, serve)

    @pytest.mark.parametrize(("unknown", "known"), PAIRS, ids=["username", "email"])
    def test_unknown_account_and_wrong_password_look_alike(
        self, client: TestClient, spy: SpyHasher, unknown: str, known: str
    ) -> None:
        """Forty alternating logins of each kind: every answer is the same 401 (status,
        body and every header), and each login makes exactly one password check: a dummy
        one for the unknown account, a real one for the known."""
        answers: set[Answer] = set()
        costs: dict[str, set[tuple[int, int, int]]] = {"unknown": set(), "known": set()}
        for i in range(ROUNDS):
            for kind, username in (("unknown", unknown), ("known", known)):
                answers.add(answer_of(login(client, username, f"wrong password {i}")))
                costs[kind].add(spy.take())
        assert 1 == len(answers), answers
        status, body, _ = answers.pop()
        assert (401, b'{"error":"Invalid credentials"}') == (status, body)
        assert {"unknown": {(0, 1, 0)}, "known": {(1, 0, 0)}} == costs

    def test_the_right_password_is_checked_once_too(
        self, client: TestClient, spy: SpyHasher
    ) -> None:
        """The control: the right password logs in with one real check and no dummy one."""
        assert 200 == login(client, "alice", PASSWORD).status_code
        assert (1, 0, 0) == spy.take()


class TestTiming:
    @pytest.fixture
    def spy(self) -> SpyHasher:
        """A spy around the production hasher (argon2id, 19 MiB, t=2, p=1)."""
        return SpyHasher(Argon2PasswordHasher())

    @pytest.fixture
    def client(
        self,
        tmp_path: Path,
        database_url: str,
        spy: SpyHasher,
        serve: Callable[[Runtime], TestClient],
    ) -> Iterator[TestClient]:
        """A server using the spy, with Alice registered."""
        yield from start(tmp_path, database_url, spy, serve)

    def test_medians_stay_close(self, client: TestClient, spy: SpyHasher) -> None:
        """With the production hash cost, the median time of forty unknown-account logins
        is within a factor of three of forty wrong-password logins, alternating (without
        the dummy hash it is several times shorter), and the eighty logins cost under 15 s
        of CPU time (this process's: the server runs in it), which a loaded machine does
        not inflate as it does the wall-clock time."""
        times: dict[str, list[float]] = {"unknown": [], "known": []}
        started = time.process_time()
        for i in range(ROUNDS):
            for kind, username in (("unknown", "nobody"), ("known", "alice")):
                before = time.perf_counter()
                response = login(client, username, f"wrong password {i}")
                times[kind].append(time.perf_counter() - before)
                assert 401 == response.status_code
        cpu = time.process_time() - started
        unknown, known = (statistics.median(times[kind]) for kind in ("unknown", "known"))
        assert (ROUNDS, ROUNDS, 0) == spy.take()
        assert max(unknown, known) < 3 * min(unknown, known), (unknown, known)
        assert cpu < 15
