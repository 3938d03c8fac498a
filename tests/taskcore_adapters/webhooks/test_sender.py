"""The httpx2 webhook sender against real loopback receivers: signatures verify, SSRF
rules hold at every request, DNS answers cannot be swapped, no redirects, bounded time
and bounded reading (T43-T48)."""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections.abc import Iterator, Sequence

import httpx2
import pytest
from pytest_httpserver import HTTPServer
from standardwebhooks import Webhook, WebhookVerificationError
from werkzeug import Request, Response

from taskcore.domain import webhooks as rules
from taskcore.domain.webhooks import SPECIAL_PURPOSE_IPV4, SPECIAL_PURPOSE_IPV6, UrlPolicy
from taskcore.ports.webhooks import WebhookRequest
from taskcore_adapters.config import Settings
from taskcore_adapters.webhooks import HttpxWebhookSender
from taskcore_adapters.webhooks.sender import MAX_RESPONSE_BYTES

BODY = b'{"type":"task.created","data":{"entity_id":1}}'


def allowing(*ports: int) -> UrlPolicy:
    """Plain http to exactly these loopback ports, as only a test configuration does."""
    return UrlPolicy(
        allow_http=True, allow_hosts=rules.parse_allow_hosts(f"127.0.0.1:{p}" for p in ports)
    )


def signed(url: str, secrets: Sequence[str], *, age: int = 0, body: bytes = BODY) -> WebhookRequest:
    headers = rules.signed_headers(secrets, "msg_test_1", int(time.time()) - age, body)
    return WebhookRequest(url=url, headers=headers, body=body)


class TestSignature:
    """T43: a receiver verifying with the standardwebhooks library."""

    @pytest.fixture
    def verdicts(self, httpserver: HTTPServer) -> list[str]:
        """The receiver's verdict on each request, checked against two secrets."""
        found: list[str] = []
        self.secrets = [rules.new_secret(), rules.new_secret()]

        def verify(request: Request) -> Response:
            for n, secret in enumerate(self.secrets):
                try:
                    Webhook(secret).verify(request.get_data(), dict(request.headers))
                except WebhookVerificationError:
                    continue
                found.append(f"secret{n}")
                return Response(status=204)
            found.append("rejected")
            return Response(status=400)

        httpserver.expect_request("/hook", method="POST").respond_with_handler(verify)
        return found

    def test_valid_tampered_and_replayed(self, httpserver: HTTPServer, verdicts: list[str]) -> None:
        """A signed message is accepted; a flipped body byte and a six-minute-old
        timestamp are rejected."""
        sender = HttpxWebhookSender(policy=allowing(httpserver.port))
        url = f"http://127.0.0.1:{httpserver.port}/hook"
        good = signed(url, self.secrets[:1])
        assert 204 == sender.send(good).status_code
        tampered = WebhookRequest(url=url, headers=good.headers, body=BODY.replace(b"1", b"2"))
        assert 400 == sender.send(tampered).status_code
        assert 400 == sender.send(signed(url, self.secrets[:1], age=360)).status_code
        assert ["secret0", "rejected", "rejected"] == verdicts

    def test_rotation_both_secrets_verify(
        self, httpserver: HTTPServer, verdicts: list[str]
    ) -> None:
        """During a rotation the message verifies with the new and with the old secret."""
        sender = HttpxWebhookSender(policy=allowing(httpserver.port))
        url = f"http://127.0.0.1:{httpserver.port}/hook"
        both = signed(url, self.secrets)
        assert 204 == sender.send(both).status_code
        self.secrets.reverse()
        assert 204 == sender.send(both).status_code
        self.secrets.pop(0)
        assert 204 == sender.send(both).status_code
        assert ["secret0", "secret0", "secret0"] == verdicts

    def test_headers_and_body_arrive_unchanged(self, httpserver: HTTPServer) -> None:
        """The receiver gets the body as signed, JSON content type and the webhook id."""
        httpserver.expect_request("/in", method="POST").respond_with_data("ok")
        sender = HttpxWebhookSender(policy=allowing(httpserver.port))
        assert (
            200
            == sender.send(
                signed(f"http://127.0.0.1:{httpserver.port}/in", ["whsec_" + "A" * 44])
            ).status_code
        )
        [(request, _)] = httpserver.log
        assert (BODY, "application/json", "msg_test_1") == (
            request.get_data(),
            request.headers["content-type"],
            request.headers["webhook-id"],
        )


SSRF_URLS = [
    "http://127.0.0.1:{port}/",
    "https://127.0.0.1/",
    "https://localhost/",
    "https://[::1]/",
    "https://0.0.0.0/",
    "https://10.0.0.1/",
    "https://172.16.0.1/",
    "https://192.168.0.1/",
    "https://169.254.169.254/latest/meta-data/",
    "https://[fd00::1]/",
    "https://[::ffff:127.0.0.1]/",
    "https://2130706433/",
    "https://0x7f000001/",
    "https://0177.0.0.1/",
    "https://a@127.0.0.1/",
    "file:///etc/passwd",
    "gopher://127.0.0.1:70/",
    "ftp://127.0.0.1/",
    "https://hooks.example.com:8080/",
]


class TestDefaultConfigurationRefuses:
    """T44: with the default configuration nothing local is reachable, and refusing
    opens no socket."""

    @pytest.fixture
    def no_network(self, monkeypatch: pytest.MonkeyPatch) -> list[str]:
        """Every attempt to resolve or connect is recorded and fails."""
        attempts: list[str] = []

        def refuse(*args: object, **kwargs: object) -> None:
            attempts.append(repr(args))
            raise OSError("network disabled in this test")

        monkeypatch.setattr(socket, "getaddrinfo", refuse)
        monkeypatch.setattr(socket, "create_connection", refuse)
        monkeypatch.setattr(socket.socket, "connect", refuse)
        return attempts

    def test_default_settings_have_no_allow_list(self) -> None:
        """The test-only allow-list is empty, and plain http off, by default."""
        settings = Settings.from_env({})
        assert ((), False) == (settings.webhook_allow_hosts, settings.webhook_allow_http)

    @pytest.mark.parametrize("template", SSRF_URLS)
    def test_refused_without_a_socket(
        self, template: str, no_network: list[str], httpserver: HTTPServer
    ) -> None:
        """Each URL is refused before any name lookup or connection."""
        url = template.format(port=httpserver.port)
        response = HttpxWebhookSender().send(WebhookRequest(url=url, headers={}, body=b"{}"))
        assert response.status_code is None
        assert (response.error or "").startswith("Refused:")
        assert [] == no_network
        assert [] == httpserver.log


class _Recording(httpx2.BaseTransport):
    """Stands in for the network: records each request, never connects."""

    def __init__(self) -> None:
        self.requests: list[httpx2.Request] = []

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        return httpx2.Response(204, stream=httpx2.ByteStream(b""))


class TestDnsRebinding:
    """T45: the address checked is the address connected to."""

    def test_connection_uses_the_checked_address(self, httpserver: HTTPServer) -> None:
        """A resolver answering a public address, then loopback, cannot redirect the
        request: it goes to the first, checked address with the original Host and SNI."""
        answers = iter([["93.184.216.34"], ["127.0.0.1"], ["127.0.0.1"]])
        lookups: list[str] = []

        def resolver(host: str, port: int) -> list[str]:
            lookups.append(host)
            return next(answers)

        transport = _Recording()
        sender = HttpxWebhookSender(resolver=resolver, transport=transport)
        result = sender.send(
            WebhookRequest(url="https://hooks.example.com/in?x=1", headers={}, body=b"{}")
        )
        assert 204 == result.status_code
        [request] = transport.requests
        assert ("93.184.216.34", 443, "/in?x=1") == (
            request.url.host,
            request.url.port or 443,
            request.url.raw_path.decode(),
        )
        assert "hooks.example.com" == request.headers["host"]
        assert "hooks.example.com" == request.extensions["sni_hostname"]
        assert ["hooks.example.com"] == lookups
        assert [] == httpserver.log

    @pytest.mark.parametrize(
        "answer",
        [
            ["93.184.216.34", "127.0.0.1"],
            ["10.0.0.5"],
            ["::ffff:169.254.169.254"],
            ["fe80::1%eth0"],
            [],
        ],
    )
    def test_any_private_answer_refuses(self, answer: list[str]) -> None:
        """One non-public address among the answers (or none at all) refuses the request."""
        transport = _Recording()
        sender = HttpxWebhookSender(resolver=lambda host, port: answer, transport=transport)
        result = sender.send(
            WebhookRequest(url="https://hooks.example.com/", headers={}, body=b"{}")
        )
        assert (result.error or "").startswith("Refused:")
        assert [] == transport.requests

    @pytest.mark.parametrize(
        ("address", "block"),
        [
            (str(ipaddress.ip_network(text).network_address + 1), text)
            for text, _ in (*SPECIAL_PURPOSE_IPV4, *SPECIAL_PURPOSE_IPV6)
        ]
        + [("fec0::1", "fec0::/10"), ("fec0::1%eth0", "fec0::/10")],
    )
    def test_every_special_purpose_answer_refuses(self, address: str, block: str) -> None:
        """T44: a DNS answer in any block of IANA's special-purpose registries (site-local
        ``fec0::/10`` included) refuses the request, even next to a public answer."""
        transport = _Recording()
        sender = HttpxWebhookSender(
            resolver=lambda host, port: ["93.184.216.34", address], transport=transport
        )
        result = sender.send(
            WebhookRequest(url="https://hooks.example.com/", headers={}, body=b"{}")
        )
        assert (result.error or "").startswith("Refused:"), block
        assert [] == transport.requests

    def test_unresolvable_host(self) -> None:
        """A name that does not resolve is an error, not an exception."""

        def resolver(host: str, port: int) -> list[str]:
            raise socket.gaierror("no such name")

        result = HttpxWebhookSender(resolver=resolver, transport=_Recording()).send(
            WebhookRequest(url="https://nowhere.example.com/", headers={}, body=b"{}")
        )
        assert "Refused: The host name does not resolve" == result.error


class TestRedirects:
    """T46: redirects are not followed."""

    def test_302_is_the_answer(self) -> None:
        """A 302 is reported as such and its target receives nothing."""
        with HTTPServer() as first, HTTPServer() as second:
            second.expect_request("/stolen").respond_with_data("ok")
            first.expect_request("/hook").respond_with_data(
                "", status=302, headers={"Location": second.url_for("/stolen")}
            )
            sender = HttpxWebhookSender(policy=allowing(first.port, second.port))
            result = sender.send(
                WebhookRequest(url=f"http://127.0.0.1:{first.port}/hook", headers={}, body=b"{}")
            )
            assert (302, 1, 0) == (result.status_code, len(first.log), len(second.log))


@pytest.fixture
def hanging() -> Iterator[int]:
    """A receiver that accepts connections and never answers; yields its port."""
    server = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()
    held: list[socket.socket] = []

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            held.append(conn)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        server.close()


class TestTimeouts:
    """T47: a receiver that never answers costs at most the configured time."""

    def test_hanging_receiver(self, hanging: int) -> None:
        """The attempt ends at the timeout (plus at most a second) with an error."""
        sender = HttpxWebhookSender(policy=allowing(hanging), connect_timeout=1, timeout=1)
        started = time.monotonic()
        result = sender.send(
            WebhookRequest(url=f"http://127.0.0.1:{hanging}/", headers={}, body=b"{}")
        )
        elapsed = time.monotonic() - started
        assert ("Timed out", None) == (result.error, result.status_code)
        assert 1 <= elapsed < 2


@pytest.fixture
def flood() -> Iterator[tuple[int, list[int]]]:
    """A receiver answering 200 with a 100 MiB body; yields its port and a list that
    gets the bytes of body it managed to send."""
    server = socket.create_server(("127.0.0.1", 0))
    sent: list[int] = []

    def serve() -> None:
        conn, _ = server.accept()
        with conn:
            conn.settimeout(5)
            conn.recv(65536)
            total = 100 * 1024 * 1024
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % total)
            chunk = b"x" * 65536
            count = 0
            try:
                while count < total:
                    conn.sendall(chunk)
                    count += len(chunk)
            except OSError:
                pass
            sent.append(count)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1], sent
    finally:
        thread.join(10)
        server.close()


class _Counting(httpx2.BaseTransport):
    """The real transport, counting the bytes of body handed to the client."""

    def __init__(self) -> None:
        self._inner = httpx2.HTTPTransport()
        self.read = 0

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        response = self._inner.handle_request(request)
        inner = response.stream
        counter = self

        class Stream(httpx2.SyncByteStream):
            def __iter__(self) -> Iterator[bytes]:
                for chunk in inner:  # type: ignore[union-attr]
                    counter.read += len(chunk)
                    yield chunk

            def close(self) -> None:
                inner.close()  # type: ignore[union-attr]

        return httpx2.Response(response.status_code, headers=response.headers, stream=Stream())

    def close(self) -> None:
        self._inner.close()


class TestHugeResponse:
    """T48: only the first bytes of an answer are read."""

    def test_reading_stops_at_the_cap(self, flood: tuple[int, list[int]]) -> None:
        """A 100 MiB answer is read up to the cap (one network read more at most); the
        outcome is the status code."""
        port, _ = flood
        transport = _Counting()
        sender = HttpxWebhookSender(policy=allowing(port), transport=transport)
        started = time.monotonic()
        result = sender.send(
            WebhookRequest(url=f"http://127.0.0.1:{port}/", headers={}, body=b"{}")
        )
        assert 200 == result.status_code
        assert MAX_RESPONSE_BYTES <= transport.read <= 2 * MAX_RESPONSE_BYTES
        assert time.monotonic() - started < 5
