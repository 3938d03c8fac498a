"""The webhook sender: POST with httpx2 to an address checked once, never resolved twice.

Each request goes through :func:`taskcore.domain.webhook_urls.check_url` again, then the host
name is resolved and **every** address checked: one non-public address (loopback,
private, link-local, CGNAT, multicast, reserved, IPv4-mapped forms of these) refuses the
request, unless its ``host:port`` is on the allow-list. The connection is then made to the
first checked address, with the original host name in the ``Host`` header and as the TLS
server name (SNI, also used to verify the certificate), so a DNS answer that changes
between the check and the connection (DNS rebinding) cannot redirect it.

Redirects are not followed, proxy variables of the environment are ignored, connecting
may take ``connect_timeout`` seconds and every later wait ``timeout`` seconds, the body
of the answer is read for at most ``timeout`` seconds in all and only up to
``max_response_bytes`` (the outcome depends on the status code alone). A fresh connection
is used for every request, so no connection made for one host name serves another.
"""

from __future__ import annotations

import functools
import ipaddress
import socket
import ssl
import time
from collections.abc import Callable, Sequence

import httpx2

from taskcore.domain.webhook_urls import UrlPolicy, WebhookTarget, check_url, is_public
from taskcore.errors import ValidationError
from taskcore.ports.webhooks import WebhookRequest, WebhookResponse

Resolver = Callable[[str, int], Sequence[str]]
"""Resolves a host name and port to IP address strings (A and AAAA records)."""

USER_AGENT = "taskcore-webhooks/1"
MAX_RESPONSE_BYTES = 64 * 1024


def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for ``host``, in its order, once each.

    Raises:
        OSError: the name does not resolve.
    """
    found: list[str] = []
    for *_, sockaddr in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        address = str(sockaddr[0])
        if address not in found:
            found.append(address)
    return found


class Refused(Exception):
    """The request must not be made; the message says why (no secrets, no URL)."""


@functools.cache
def _tls() -> ssl.SSLContext:
    """The TLS context of every webhook request, made on first use and shared: loading
    the trust store costs tens of milliseconds of CPU."""
    return ssl.create_default_context()


class HttpxWebhookSender:
    """Sends webhooks with an httpx2 client (see ``taskcore.ports.webhooks.WebhookSender``).

    Args:
        policy: The URL rules, the same as the core's.
        connect_timeout: Seconds to connect (TLS included).
        timeout: Seconds for every later wait, and for reading the answer in all.
        max_response_bytes: The most of the answer's body read.
        resolver: Name resolution (the system's by default; tests pass a fake).
        transport: The httpx2 transport (a fresh one per request by default; tests pass
            a recording one).
    """

    def __init__(
        self,
        *,
        policy: UrlPolicy | None = None,
        connect_timeout: float = 3.0,
        timeout: float = 10.0,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
        resolver: Resolver | None = None,
        transport: httpx2.BaseTransport | None = None,
    ) -> None:
        self.policy = policy or UrlPolicy()
        self._connect_timeout = connect_timeout
        self._timeout = timeout
        self._max_bytes = max_response_bytes
        self._resolve = resolver or system_resolver
        self._transport = transport

    def plan(self, url: str) -> tuple[WebhookTarget, str]:
        """Check ``url`` and choose the address to connect to.

        Returns:
            The URL in parts and the checked IP address.

        Raises:
            Refused: the URL breaks a rule, does not resolve, or resolves to any
                non-public address.
        """
        try:
            target = check_url(url, self.policy)
        except ValidationError as exc:
            raise Refused(exc.message) from None
        if target.address is not None:
            return target, str(target.address)
        try:
            answers = list(self._resolve(target.host, target.port))
        except OSError:
            raise Refused("The host name does not resolve") from None
        addresses = []
        for answer in answers:
            try:
                addresses.append(ipaddress.ip_address(answer.split("%", 1)[0]))
            except ValueError:
                raise Refused("The host name resolves to an invalid address") from None
        if not addresses:
            raise Refused("The host name does not resolve")
        if not target.allow_listed and not all(is_public(a) for a in addresses):
            raise Refused("The host name resolves to a private, loopback or reserved address")
        return target, str(addresses[0])

    def send(self, request: WebhookRequest) -> WebhookResponse:
        """POST ``request`` to its checked address and report the status code or error."""
        try:
            target, address = self.plan(request.url)
        except Refused as exc:
            return WebhookResponse(error=f"Refused: {exc}")
        host = f"[{address}]" if ":" in address else address
        pinned = f"{target.scheme}://{host}:{target.port}{target.target}"
        headers = {
            **request.headers,
            "host": target.host_header,
            "user-agent": USER_AGENT,
        }
        extensions = {"sni_hostname": target.host} if target.address is None else {}
        timeout = httpx2.Timeout(self._timeout, connect=self._connect_timeout)
        started = time.monotonic()
        try:
            with (
                httpx2.Client(
                    transport=self._transport or httpx2.HTTPTransport(verify=_tls(), retries=0),
                    trust_env=False,
                    follow_redirects=False,
                    timeout=timeout,
                ) as client,
                client.stream(
                    "POST", pinned, content=request.body, headers=headers, extensions=extensions
                ) as response,
            ):
                self._drain(response, started)
                return WebhookResponse(status_code=response.status_code)
        except httpx2.TimeoutException:
            return WebhookResponse(error="Timed out")
        except (httpx2.HTTPError, httpx2.InvalidURL) as exc:
            return WebhookResponse(error=f"Connection failed: {type(exc).__name__}")

    def _drain(self, response: httpx2.Response, started: float) -> None:
        """Read at most ``max_response_bytes`` of the body, for at most ``timeout`` seconds
        since the request started."""
        read = 0
        for chunk in response.iter_raw():
            read += len(chunk)
            if read >= self._max_bytes or time.monotonic() - started > self._timeout:
                break
