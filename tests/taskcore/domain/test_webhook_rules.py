"""Webhook rules: the URL guard, Standard Webhooks signatures and the payload."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import time

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from taskcore.domain import webhooks as rules
from taskcore.domain.events import TaskCreated
from taskcore.domain.webhooks import UrlPolicy, check_url
from taskcore.errors import ValidationError

REFUSED_BY_DEFAULT = [
    "https://127.0.0.1/",
    "https://localhost/",
    "https://api.localhost/",
    "https://[::1]/",
    "https://0.0.0.0/",
    "https://[::]/",
    "https://10.1.2.3/",
    "https://172.16.0.1/",
    "https://192.168.1.1/",
    "https://169.254.169.254/latest/meta-data/",
    "https://100.64.0.1/",
    "https://224.0.0.1/",
    "https://[fd00::1]/",
    "https://[fe80::1]/",
    "https://[::ffff:127.0.0.1]/",
    "https://[::ffff:7f00:1]/",
    "https://2130706433/",
    "https://0x7f000001/",
    "https://0177.0.0.1/",
    "https://127.1/",
    "https://0x7f.0.0.1/",
    "https://1.2.3.999/",
    "https://a@127.0.0.1/",
    "https://user:pass@hooks.example.com/",
    "file:///etc/passwd",
    "gopher://hooks.example.com/",
    "ftp://hooks.example.com/",
    "http://hooks.example.com/",
    "https://hooks.example.com:8443/",
    "https://hooks.example.com:0/",
    "https://hooks..example.com/",
    "https://hooks.example.com\\@evil.com/",
    "https://[fe80::1%25eth0]/",
    "hooks.example.com/path",
    "",
]


def special_purpose_samples() -> list[tuple[str, str]]:
    """The first, a middle and the last address of every special-purpose block (the
    table's own entries), with the block's registry name."""
    samples = []
    for table in (rules.SPECIAL_PURPOSE_IPV4, rules.SPECIAL_PURPOSE_IPV6):
        for text, name in table:
            network = ipaddress.ip_network(text)
            middle = network.network_address + network.num_addresses // 2
            for address in (network.network_address, middle, network.broadcast_address):
                samples.append((str(address), f"{text} {name[:30]}"))
    return samples


SPECIAL_PURPOSE = special_purpose_samples()

PUBLIC_NEIGHBOURS = [
    "100.63.255.255",
    "100.128.0.0",
    "172.32.0.0",
    "192.0.1.1",
    "198.20.0.1",
    "223.255.255.254",
    "2001:200::1",
    "2001:4860:4860::8888",
    "2003::1",
    "3ffe:ffff::1",
]
"""Public addresses next to special-purpose blocks: still accepted."""


def url_of(address: str) -> str:
    """An https URL naming ``address`` literally (IPv6 in brackets)."""
    return f"https://[{address}]/" if ":" in address else f"https://{address}/"


class TestSpecialPurposeAddresses:
    """T44: the guard holds IANA's special-purpose registries for IPv4 and IPv6, written
    out with their names, not only ``ipaddress``'s ``is_global``."""

    @pytest.mark.parametrize(("address", "block"), SPECIAL_PURPOSE)
    def test_every_block_is_refused_in_a_url(self, address: str, block: str) -> None:
        """The first, middle and last address of each block is refused in a URL."""
        with pytest.raises(ValidationError) as caught:
            check_url(url_of(address), UrlPolicy())
        assert "url" == caught.value.field, block
        assert not rules.is_public(ipaddress.ip_address(address))

    @pytest.mark.parametrize(
        "address", ["fec0::1", "feff:ffff::1", "64:ff9b::7f00:1", "::127.0.0.1", "192.0.0.9"]
    )
    def test_addresses_python_calls_global_are_refused(self, address: str) -> None:
        """Site-local ``fec0::/10`` (which ``ipaddress`` reports as global), NAT64 to a
        loopback address, IPv4-compatible IPv6 and registry anycast are refused."""
        with pytest.raises(ValidationError):
            check_url(url_of(address), UrlPolicy())

    @pytest.mark.parametrize("address", PUBLIC_NEIGHBOURS)
    def test_public_neighbours_are_accepted(self, address: str) -> None:
        """The blocks are exact: addresses just outside them are accepted."""
        assert check_url(url_of(address), UrlPolicy()).address == ipaddress.ip_address(address)

    def test_tables_are_networks_with_names(self) -> None:
        """Every row is a valid network with a registry name; IPv6 rows lie where they
        belong (those outside 2000::/3 are refused by that rule as well)."""
        for text, name in (*rules.SPECIAL_PURPOSE_IPV4, *rules.SPECIAL_PURPOSE_IPV6):
            assert ipaddress.ip_network(text).with_prefixlen == text
            assert name


class TestCheckUrl:
    @pytest.mark.parametrize("url", REFUSED_BY_DEFAULT)
    def test_default_policy_refuses(self, url: str) -> None:
        """Each URL is refused by the default policy, naming the url field."""
        with pytest.raises(ValidationError) as caught:
            check_url(url, UrlPolicy())
        assert "url" == caught.value.field

    @pytest.mark.parametrize(
        ("url", "host", "port", "target"),
        [
            ("https://hooks.example.com/in?x=1", "hooks.example.com", 443, "/in?x=1"),
            ("HTTPS://Hooks.Example.COM.#frag", "hooks.example.com", 443, "/"),
            ("https://8.8.8.8:443/x", "8.8.8.8", 443, "/x"),
            ("https://[2606:4700:4700::1111]/", "2606:4700:4700::1111", 443, "/"),
        ],
    )
    def test_public_urls_are_accepted(self, url: str, host: str, port: int, target: str) -> None:
        """HTTPS URLs naming public hosts are accepted and split into parts."""
        parts = check_url(url, UrlPolicy())
        assert (host, port, target, False) == (
            parts.host,
            parts.port,
            parts.target,
            parts.allow_listed,
        )

    def test_configured_ports_and_http(self) -> None:
        """Extra ports and plain http are accepted only when configured."""
        policy = UrlPolicy(allow_http=True, extra_ports=frozenset({8443}))
        assert 8443 == check_url("https://hooks.example.com:8443/", policy).port
        assert 80 == check_url("http://hooks.example.com/", policy).port
        with pytest.raises(ValidationError):
            check_url("https://hooks.example.com:8080/", policy)

    def test_allow_list_is_exact(self) -> None:
        """Only the exact allow-listed host:port reaches loopback."""
        policy = UrlPolicy(
            allow_http=True, allow_hosts=rules.parse_allow_hosts(["127.0.0.1:8080", "[::1]:81"])
        )
        assert check_url("http://127.0.0.1:8080/hook", policy).allow_listed
        assert check_url("http://[::1]:81/", policy).allow_listed
        for url in ("http://127.0.0.1:8081/", "http://localhost:8080/", "http://[::1]:80/"):
            with pytest.raises(ValidationError):
                check_url(url, policy)

    def test_default_allow_list_is_empty(self) -> None:
        """The default policy allow-lists nothing."""
        assert frozenset() == UrlPolicy().allow_hosts

    def test_bad_allow_list_entry(self) -> None:
        """An allow-list entry without a port is refused."""
        with pytest.raises(ValueError, match="host:port"):
            rules.parse_allow_hosts(["127.0.0.1"])


class TestSignatures:
    def test_reference_library_verifies(self) -> None:
        """The standardwebhooks library accepts our signature, and refuses a flipped byte
        and a six-minute-old timestamp."""
        secret = rules.new_secret()
        body = b'{"type":"task.created"}'
        now = int(time.time())
        headers = rules.signed_headers([secret], "msg_1", now, body)
        verifier = Webhook(secret)
        assert {"type": "task.created"} == verifier.verify(body, headers)
        with pytest.raises(WebhookVerificationError):
            verifier.verify(body.replace(b"task", b"tusk"), headers)
        stale = rules.signed_headers([secret], "msg_1", now - 360, body)
        with pytest.raises(WebhookVerificationError):
            verifier.verify(body, stale)

    def test_both_rotation_secrets_verify(self) -> None:
        """A message signed with two secrets verifies with either."""
        old, new = rules.new_secret(), rules.new_secret()
        body = b"{}"
        headers = rules.signed_headers([new, old], "msg_2", int(time.time()), body)
        assert {} == Webhook(old).verify(body, headers)
        assert {} == Webhook(new).verify(body, headers)
        with pytest.raises(WebhookVerificationError):
            Webhook(rules.new_secret()).verify(body, headers)

    def test_own_verify_rejects_replay(self) -> None:
        """``verify`` refuses a timestamp more than five minutes away."""
        secret = rules.new_secret()
        now = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
        headers = rules.signed_headers([secret], "msg_3", int(now.timestamp()) - 301, b"x")
        assert not rules.verify(secret, headers, b"x", now)
        assert rules.verify(secret, headers, b"x", now - dt.timedelta(seconds=2))

    def test_short_key_material_is_refused(self) -> None:
        """A secret needs at least 32 random bytes."""
        with pytest.raises(ValueError, match="32 bytes"):
            rules.new_secret(b"x" * 31)


class TestPayload:
    def test_shape(self) -> None:
        """The payload carries the type, time and the event's entity, actor and details."""
        when = dt.datetime(2030, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
        event = TaskCreated(
            occurred_at=when,
            actor_id=7,
            entity_id=9,
            project_id=3,
            title="T",
            status="todo",
            priority="high",
            assignee_id=None,
        )
        assert {
            "type": "task.created",
            "timestamp": "2030-01-02T03:04:05+00:00",
            "data": {
                "entity_type": "task",
                "entity_id": 9,
                "actor_id": 7,
                "project_id": 3,
                "title": "T",
                "status": "todo",
                "priority": "high",
                "assignee_id": None,
            },
        } == json.loads(rules.payload(event))
        assert 3 == rules.project_of(event)

    def test_message_id_is_stable(self) -> None:
        """The webhook-id depends only on the event and the endpoint."""
        assert rules.message_id("abc", 4) == rules.message_id("abc", 4)
        assert rules.message_id("abc", 4) != rules.message_id("abc", 5)
