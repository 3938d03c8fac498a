"""The origin of each request (client address and user agent), for the core's activity log.

:class:`RequestOrigin` is pure ASGI middleware: it sets
:func:`taskcore.domain.origin.origin_scope` around the rest of the application, so every
use case the request runs (in the event loop or in the thread pool, which copies the
context) sees it.

The address is the socket peer's. ``X-Forwarded-For`` is believed only when the peer is a
configured trusted proxy: the hops are then read from the right, skipping trusted
proxies, and the first untrusted hop is the client (a client can prepend anything it likes
to the header, but cannot forge what the proxies appended). The resolved address also
replaces the ASGI ``client``, so everything keyed by address (throttling) sees the client
rather than the proxy.

``X-Forwarded-Proto`` is believed likewise, only from a trusted proxy: its ``https`` (the
proxy terminated TLS) becomes the request's scheme, so cookies are ``Secure`` and
responses carry ``Strict-Transport-Security``; from anyone else it is ignored.

The scope is changed in place, so middleware outside this one (the access log) sees the
client and scheme it settled.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from taskcore.domain.origin import Origin, origin_scope

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_networks(values: Iterable[str]) -> tuple[Network, ...]:
    """Trusted proxies as networks; a bare address is a one-address network.

    Raises:
        ValueError: a value is neither an IP address nor a CIDR network.
    """
    return tuple(ipaddress.ip_network(v.strip(), strict=False) for v in values if v.strip())


def _address(text: str) -> Address | None:
    value = text.strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1 : value.index("]")]
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def _trusted(address: Address | None, networks: Sequence[Network]) -> bool:
    if address is None:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address.version == net.version and address in net for net in networks)


def forwarded_scheme(
    peer: str | None, forwarded: str | None, trusted: Sequence[Network]
) -> str | None:
    """The scheme a trusted proxy says the client used (``http`` or ``https``), from the
    first value of its ``X-Forwarded-Proto`` (the client's hop); ``None`` when the peer is
    not a trusted proxy or the header says nothing usable."""
    if peer is None or forwarded is None or not _trusted(_address(peer), trusted):
        return None
    first = forwarded.split(",")[0].strip().lower()
    return first if first in ("http", "https") else None


def client_address(
    peer: str | None, forwarded: Sequence[str], trusted: Sequence[Network]
) -> str | None:
    """The client's address: ``peer``, or from ``X-Forwarded-For`` when the peer is trusted.

    Args:
        peer: The socket peer's address.
        forwarded: Every ``X-Forwarded-For`` header value, in order.
        trusted: The trusted proxies.

    Returns:
        The right-most hop that is not a trusted proxy; the left-most hop when all are
        trusted; the last trusted hop when the next one is not an IP address.
    """
    if peer is None or not _trusted(_address(peer), trusted):
        return peer
    hops = [hop for value in forwarded for hop in value.split(",") if hop.strip()]
    address = peer
    for hop in reversed(hops):
        parsed = _address(hop)
        if parsed is None:
            break
        address = str(parsed)
        if not _trusted(parsed, trusted):
            break
    return address


class RequestOrigin:
    """Sets the request's :class:`~taskcore.domain.origin.Origin` for the application below.

    Args:
        app: The application.
        trusted_proxies: Addresses or networks whose ``X-Forwarded-For`` is believed.
    """

    def __init__(self, app: ASGIApp, trusted_proxies: Sequence[str] = ()) -> None:
        self.app = app
        self._trusted = parse_networks(trusted_proxies)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        client = scope.get("client")
        peer = client[0] if client else None
        address = client_address(peer, headers.getlist("x-forwarded-for"), self._trusted)
        if address is not None and address != peer:
            scope["client"] = (address, 0)
        scheme = forwarded_scheme(peer, headers.get("x-forwarded-proto"), self._trusted)
        if scheme is not None:
            scope["scheme"] = scheme if scope["type"] == "http" else scheme.replace("http", "ws")
        origin = Origin(ip_address=address, user_agent=headers.get("user-agent"))
        with origin_scope(origin):
            await self.app(scope, receive, send)
