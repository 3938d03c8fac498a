"""The request origin: client address from the peer or trusted proxies, and the user agent."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from taskcore.services.users import Principal
from taskcore_adapters.bootstrap import Runtime, from_settings
from taskcore_adapters.config import Settings
from taskcore_adapters.host import create_app
from taskcore_adapters.http.origin import client_address, parse_networks
from taskcore_adapters.security import Argon2PasswordHasher

TRUSTED = parse_networks(["10.0.0.0/8", "2001:db8::1"])


class TestClientAddress:
    @pytest.mark.parametrize(
        ("peer", "forwarded", "expected"),
        [
            ("203.0.113.5", ["198.51.100.1"], "203.0.113.5"),
            ("10.0.0.2", [], "10.0.0.2"),
            ("10.0.0.2", ["198.51.100.1"], "198.51.100.1"),
            ("10.0.0.2", ["6.6.6.6, 198.51.100.1"], "198.51.100.1"),
            ("10.0.0.2", ["6.6.6.6, 198.51.100.1, 10.0.0.9"], "198.51.100.1"),
            ("10.0.0.2", ["6.6.6.6", "198.51.100.1, 10.0.0.9"], "198.51.100.1"),
            ("10.0.0.2", ["10.0.0.8, 10.0.0.9"], "10.0.0.8"),
            ("10.0.0.2", ["198.51.100.1, garbage"], "10.0.0.2"),
            ("10.0.0.2", ["garbage, 10.0.0.9"], "10.0.0.9"),
            ("2001:db8::1", ["2001:db8::99"], "2001:db8::99"),
            ("::ffff:10.0.0.2", ["198.51.100.1"], "198.51.100.1"),
            ("10.0.0.2", ["[2001:db8::5]:443"], "2001:db8::5"),
            ("testclient", ["198.51.100.1"], "testclient"),
            (None, ["198.51.100.1"], None),
        ],
    )
    def test_right_most_untrusted_hop(
        self, peer: str | None, forwarded: list[str], expected: str | None
    ) -> None:
        """X-Forwarded-For counts only from a trusted peer, read from the right up to the
        first hop that is not a trusted proxy."""
        assert expected == client_address(peer, forwarded, TRUSTED)

    def test_no_trusted_proxies(self) -> None:
        """Without trusted proxies the peer is always the client."""
        assert "10.0.0.2" == client_address("10.0.0.2", ["198.51.100.1"], ())

    def test_bad_network(self) -> None:
        """A trusted proxy that is not an address or network is refused."""
        with pytest.raises(ValueError, match="does not appear to be"):
            parse_networks(["proxy.example.com"])


@pytest.fixture
def make_runtime(
    tmp_path: Path, database_url: str, hasher: Argon2PasswordHasher
) -> Iterator[Callable[..., Runtime]]:
    """Builds runtimes on the clean database with the given trusted proxies."""
    built: list[Runtime] = []

    def make(*trusted: str) -> Runtime:
        runtime = from_settings(
            Settings(
                data_dir=tmp_path,
                database_url=database_url,
                secret_key="x" * 48,
                trusted_proxies=trusted,
            ),
            password_hasher=hasher,
            migrate=False,
        )
        built.append(runtime)
        return runtime

    yield make
    for runtime in built:
        runtime.close()


def register_from(
    runtime: Runtime, peer: str, headers: dict[str, str]
) -> tuple[str | None, str | None]:
    """Register a user through the API from ``peer``; the address and agent logged."""
    with TestClient(create_app(runtime), client=(peer, 40000)) as client:
        response = client.post(
            "/api/register",
            json={
                "username": "alice",
                "email": "alice@example.com",
                "password": "correct horse battery",
                "full_name": "Alice",
            },
            headers=headers,
        )
    assert 201 == response.status_code, response.text
    root = Principal(user_id=0, username="probe", is_admin=True)
    entry = runtime.core.activity.list_activities(root).items[0].entry
    return entry.ip_address, entry.user_agent


class TestOverHttp:
    def test_peer_address_and_user_agent(self, make_runtime: Callable[..., Runtime]) -> None:
        """A request's entry carries the socket peer's address and the User-Agent."""
        runtime = make_runtime()
        logged = register_from(runtime, "192.0.2.44", {"User-Agent": "Probe/2 " + "x" * 600})
        assert ("192.0.2.44", 500) == (logged[0], len(logged[1] or ""))

    def test_spoofed_forwarded_for_is_ignored_by_default(
        self, make_runtime: Callable[..., Runtime]
    ) -> None:
        """Without trusted proxies, X-Forwarded-For does not change the address logged."""
        runtime = make_runtime()
        logged = register_from(runtime, "10.0.0.2", {"X-Forwarded-For": "6.6.6.6"})
        assert "10.0.0.2" == logged[0]

    def test_forwarded_for_from_a_trusted_proxy(self, make_runtime: Callable[..., Runtime]) -> None:
        """From a trusted proxy, the right-most untrusted hop is logged."""
        runtime = make_runtime("10.0.0.0/8")
        logged = register_from(
            runtime, "10.0.0.2", {"X-Forwarded-For": "6.6.6.6, 198.51.100.7, 10.0.0.3"}
        )
        assert "198.51.100.7" == logged[0]

    def test_forwarded_for_from_an_untrusted_peer(
        self, make_runtime: Callable[..., Runtime]
    ) -> None:
        """With trusted proxies configured, a peer outside them cannot spoof its address."""
        runtime = make_runtime("10.0.0.0/8")
        logged = register_from(runtime, "203.0.113.9", {"X-Forwarded-For": "10.0.0.5"})
        assert "203.0.113.9" == logged[0]
