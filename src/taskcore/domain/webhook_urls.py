"""The webhook URL guard: which URLs a webhook may be sent to.

:func:`check_url` refuses anything that could reach the server's own network: only
``https`` (plain ``http`` by configuration), no user information, a port from an
allow-list, and no host literal naming a non-global address, in any spelling (decimal,
hexadecimal or octal IPv4, IPv4-mapped IPv6). Every block of IANA's special-purpose
address registries is written out with its registry name (:data:`SPECIAL_PURPOSE_IPV4`,
:data:`SPECIAL_PURPOSE_IPV6`); :func:`is_public` decides on one address. Host names are
resolved, and every address checked, only by the sender adapter at delivery time.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable

import attrs

from taskcore.errors import ValidationError

MAX_URL_LENGTH = 2048


@attrs.frozen(kw_only=True)
class UrlPolicy:
    """Which webhook URLs are accepted.

    Attributes:
        allow_http: Accept plain ``http`` (and port 80) besides ``https``.
        extra_ports: Ports accepted besides 443 (and 80 with ``allow_http``).
        allow_hosts: Exact ``host:port`` pairs exempt from the port and address checks
            (the only way to reach a loopback or private receiver; empty by default).
    """

    allow_http: bool = False
    extra_ports: frozenset[int] = frozenset()
    allow_hosts: frozenset[str] = frozenset()

    @property
    def ports(self) -> frozenset[int]:
        """Every port accepted."""
        return frozenset({443, *((80,) if self.allow_http else ()), *self.extra_ports})

    def allows_host(self, host: str, port: int) -> bool:
        """Whether ``host:port`` is on the allow-list (IPv6 hosts in brackets)."""
        name = f"[{host}]" if ":" in host else host
        return f"{name}:{port}" in self.allow_hosts


@attrs.frozen(kw_only=True)
class WebhookTarget:
    """A URL that passed :func:`check_url`, in parts.

    Attributes:
        url: The URL as given.
        scheme: ``https`` or ``http``.
        host: Lower-case ASCII host name, or the IP address (IPv6 without brackets).
        port: The explicit or default port.
        target: Path and query, at least ``/``.
        address: The host as an IP address when it is a literal.
        allow_listed: ``host:port`` is on the policy's allow-list.
    """

    url: str
    scheme: str
    host: str
    port: int
    target: str
    address: ipaddress.IPv4Address | ipaddress.IPv6Address | None
    allow_listed: bool

    @property
    def host_header(self) -> str:
        """The ``Host`` header: the host, and the port unless it is the scheme's default."""
        name = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return name if self.port == default else f"{name}:{self.port}"


_NUMBER_PART = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$")
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_PORT = re.compile(r"^[0-9]{1,5}$")


SPECIAL_PURPOSE_IPV4: tuple[tuple[str, str], ...] = (
    ("0.0.0.0/8", '"This network" (RFC 791); 0.0.0.0/32 "This host on this network"'),
    ("10.0.0.0/8", "Private-Use (RFC 1918)"),
    ("100.64.0.0/10", "Shared Address Space (RFC 6598)"),
    ("127.0.0.0/8", "Loopback (RFC 1122)"),
    ("169.254.0.0/16", "Link Local (RFC 3927); cloud metadata services live here"),
    ("172.16.0.0/12", "Private-Use (RFC 1918)"),
    (
        "192.0.0.0/24",
        "IETF Protocol Assignments (RFC 6890): Service Continuity Prefix "
        "192.0.0.0/29, dummy address 192.0.0.8/32, PCP and TURN anycast 192.0.0.9-10, "
        "NAT64/DNS64 discovery 192.0.0.170-171",
    ),
    ("192.0.2.0/24", "Documentation (TEST-NET-1, RFC 5737)"),
    ("192.31.196.0/24", "AS112-v4 (RFC 7535)"),
    ("192.52.193.0/24", "AMT (RFC 7450)"),
    ("192.88.99.0/24", "Deprecated (6to4 Relay Anycast, RFC 7526)"),
    ("192.168.0.0/16", "Private-Use (RFC 1918)"),
    ("192.175.48.0/24", "Direct Delegation AS112 Service (RFC 7534)"),
    ("198.18.0.0/15", "Benchmarking (RFC 2544)"),
    ("198.51.100.0/24", "Documentation (TEST-NET-2, RFC 5737)"),
    ("203.0.113.0/24", "Documentation (TEST-NET-3, RFC 5737)"),
    ("224.0.0.0/4", "Multicast (RFC 5771; IANA IPv4 Multicast Address Space registry)"),
    ("240.0.0.0/4", "Reserved (RFC 1112); 255.255.255.255/32 Limited Broadcast (RFC 919)"),
)
"""Every block of IANA's *IPv4 Special-Purpose Address Registry*, with its registry name,
plus multicast: no webhook is sent to an address in one of them, not even to the few
anycast services the registry marks globally reachable (PCP, TURN, AS112, AMT), where no
webhook receiver runs."""

IPV6_GLOBAL_UNICAST = ipaddress.IPv6Network("2000::/3")
"""The only IPv6 space IANA's *IPv6 Address Space* registry allocates as Global Unicast;
everything outside it (``::/8`` with loopback, unspecified and IPv4-compatible addresses,
``64:ff9b::/96`` NAT64, ``100::/64`` discard-only, ``5f00::/16`` SRv6, ``fc00::/7``
unique-local, ``fe80::/10`` link-local, ``fec0::/10`` the deprecated site-local,
``ff00::/8`` multicast, and the rest reserved by the IETF) is refused."""

SPECIAL_PURPOSE_IPV6: tuple[tuple[str, str], ...] = (
    (
        "::/8",
        "Reserved by IETF: Unspecified ::/128, Loopback ::1/128, IPv4-mapped "
        "::ffff:0:0/96, IPv4-compatible ::/96 (deprecated, RFC 4291)",
    ),
    ("64:ff9b::/96", "IPv4-IPv6 Translation (RFC 6052): reaches the embedded IPv4 address"),
    ("64:ff9b:1::/48", "IPv4-IPv6 Translation, local use (RFC 8215)"),
    ("100::/64", "Discard-Only Address Block (RFC 6666)"),
    ("100:0:0:1::/64", "Dummy IPv6 Prefix (RFC 9780)"),
    (
        "2001::/23",
        "IETF Protocol Assignments (RFC 2928): TEREDO 2001::/32, PCP, TURN and "
        "DNS-SD SRP anycast 2001:1::1-3, Benchmarking 2001:2::/48, AMT 2001:3::/32, AS112-v6 "
        "2001:4:112::/48, ORCHID 2001:10::/28, ORCHIDv2 2001:20::/28, Drone Remote ID "
        "2001:30::/28",
    ),
    ("2001:db8::/32", "Documentation (RFC 3849)"),
    ("2002::/16", "6to4 (RFC 3056): reaches an embedded IPv4 address"),
    ("2620:4f:8000::/48", "Direct Delegation AS112 Service (RFC 7534)"),
    ("3fff::/20", "Documentation (RFC 9637)"),
    ("5f00::/16", "Segment Routing (SRv6) SIDs (RFC 9602)"),
    ("fc00::/7", "Unique-Local (RFC 4193)"),
    ("fe80::/10", "Link-Local Unicast (RFC 4291)"),
    ("fec0::/10", "Site-Local Unicast, deprecated (RFC 3879; IPv6 Address Space registry)"),
    ("ff00::/8", "Multicast (RFC 4291; IPv6 Address Space registry)"),
)
"""Every block of IANA's *IPv6 Special-Purpose Address Registry*, with its registry name,
plus the non-unicast and deprecated blocks of the *IPv6 Address Space* registry (those
outside :data:`IPV6_GLOBAL_UNICAST` are refused by that rule too; they are listed so the
table is complete on its own)."""

_BLOCKED_V4 = tuple(ipaddress.IPv4Network(net) for net, _ in SPECIAL_PURPOSE_IPV4)
_BLOCKED_V6 = tuple(ipaddress.IPv6Network(net) for net, _ in SPECIAL_PURPOSE_IPV6)


def is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether ``address`` may receive a webhook: global unicast, in no block of
    :data:`SPECIAL_PURPOSE_IPV4` / :data:`SPECIAL_PURPOSE_IPV6` (IPv4-mapped IPv6
    unwrapped first), and global for Python's ``ipaddress`` too (both must agree).

    Loopback, private, link-local (169.254.169.254 included), shared (CGNAT), site-local,
    multicast, reserved, documentation, benchmarking, translation and tunnel prefixes,
    and unspecified addresses are not.
    """
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return is_public(address.ipv4_mapped)
        if address not in IPV6_GLOBAL_UNICAST or any(address in net for net in _BLOCKED_V6):
            return False
    elif any(address in net for net in _BLOCKED_V4):
        return False
    return address.is_global and not address.is_multicast and not address.is_reserved


def _ipv4_number(part: str) -> int:
    if part.startswith("0x"):
        return int(part[2:] or "0", 16)
    if len(part) > 1 and part.startswith("0"):
        return int(part, 8)
    return int(part)


def _legacy_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """The address a C resolver would read from ``host`` (``2130706433``, ``0x7f.1``,
    ``0177.0.0.1``), or ``None`` if ``host`` is not numeric.

    Raises:
        ValueError: numeric, but no address (a part out of range, a bad octal digit).
    """
    parts = host.split(".")
    if parts[-1] == "" and len(parts) > 1:
        parts = parts[:-1]
    if not parts or not _NUMBER_PART.match(parts[-1]):
        return None
    if len(parts) > 4 or not all(_NUMBER_PART.match(p) for p in parts):
        raise ValueError(host)
    numbers = [_ipv4_number(p) for p in parts]
    *head, last = numbers
    if any(n > 255 for n in head) or last >= 256 ** (5 - len(numbers)):
        raise ValueError(host)
    value = last
    for index, number in enumerate(head):
        value += number << (8 * (3 - index))
    return ipaddress.IPv4Address(value)


def _split_authority(authority: str) -> tuple[str, str | None]:
    """Host and port text of an authority without user information.

    Raises:
        ValidationError: brackets or colons in the wrong places.
    """
    if authority.startswith("["):
        end = authority.find("]")
        if end < 0:
            raise _bad("URL has an unterminated IPv6 address")
        host, rest = authority[1:end], authority[end + 1 :]
        if rest and not rest.startswith(":"):
            raise _bad("URL has text after the IPv6 address")
        if ":" not in host:
            raise _bad("URL has an invalid IPv6 address")
        return host, rest[1:] if rest else None
    if authority.count(":") > 1 or "[" in authority or "]" in authority:
        raise _bad("URL has an invalid host")
    host, colon, port = authority.partition(":")
    return host, port if colon else None


def _bad(message: str) -> ValidationError:
    return ValidationError(message, field="url")


def check_url(url: object, policy: UrlPolicy) -> WebhookTarget:
    """Validate a webhook URL without touching the network.

    Rules: scheme ``https`` (``http`` only if the policy allows); no user information; a
    port the policy allows; a host that is a DNS name or a public IP literal in canonical
    form. Numeric hosts in any other spelling (``2130706433``, ``0x7f000001``,
    ``0177.0.0.1``, ``127.1``) and ``localhost`` are refused. A ``host:port`` on the
    policy's allow-list skips the port and address checks.

    Returns:
        The URL in parts.

    Raises:
        ValidationError: naming ``url``, for the first rule broken.
    """
    text = _check_text(url)
    scheme, sep, rest = text.partition("://")
    scheme = scheme.lower()
    if not sep or scheme not in ("https", "http"):
        raise _bad("URL scheme must be https")
    if scheme == "http" and not policy.allow_http:
        raise _bad("URL scheme must be https")
    rest = rest.split("#", 1)[0]
    cut = min((i for i in (rest.find("/"), rest.find("?")) if i >= 0), default=len(rest))
    authority, target = rest[:cut], rest[cut:]
    if "@" in authority:
        raise _bad("URL must not contain user information")
    host_text, port_text = _split_authority(authority)
    host = host_text.lower().removesuffix(".")
    if not host:
        raise _bad("URL has no host")
    port = _check_port(port_text, scheme)
    host, address = _check_host(host)
    allowed = policy.allows_host(host, port)
    if not allowed:
        _check_reachable(host, port, address, policy)
    return WebhookTarget(
        url=text,
        scheme=scheme,
        host=host,
        port=port,
        target=target if target.startswith("/") else "/" + target,
        address=address,
        allow_listed=allowed,
    )


def _check_text(url: object) -> str:
    """The URL stripped: present, not too long, ASCII without spaces or controls."""
    if not isinstance(url, str) or not url.strip():
        raise _bad("url is required")
    text = url.strip()
    if len(text) > MAX_URL_LENGTH:
        raise _bad(f"url must be at most {MAX_URL_LENGTH} characters")
    if not text.isascii() or any(ord(c) <= 32 or ord(c) == 127 or c == "\\" for c in text):
        raise _bad("URL must be ASCII without spaces, control characters or backslashes")
    return text


def _check_port(port_text: str | None, scheme: str) -> int:
    """The explicit port, or the scheme's default."""
    if port_text is None or port_text == "":
        return 443 if scheme == "https" else 80
    if _PORT.match(port_text) and 0 < int(port_text) < 65536:
        return int(port_text)
    raise _bad("URL has an invalid port")


def _check_host(
    host: str,
) -> tuple[str, ipaddress.IPv4Address | ipaddress.IPv6Address | None]:
    """The host in canonical form, and its address when it is an IP literal.

    IPv6 literals are compressed; IPv4 literals must be four decimal numbers; anything
    else must be a valid DNS name.
    """
    if ":" in host:
        if "%" in host:
            raise _bad("URL must not name an IPv6 zone")
        try:
            address6 = ipaddress.IPv6Address(host)
        except ValueError:
            raise _bad("URL has an invalid IPv6 address") from None
        return address6.compressed, address6
    try:
        address = _legacy_ipv4(host)
    except ValueError:
        raise _bad("URL has an invalid numeric host") from None
    if address is not None and str(address) != host:
        raise _bad("URL must write an IPv4 address as four decimal numbers")
    if address is None and (
        not all(_LABEL.match(label) for label in host.split(".")) or len(host) > 253
    ):
        raise _bad("URL has an invalid host name")
    return host, address


def _check_reachable(
    host: str,
    port: int,
    address: ipaddress.IPv4Address | ipaddress.IPv6Address | None,
    policy: UrlPolicy,
) -> None:
    """Refuse a port the policy does not allow, a non-public address or ``localhost``."""
    if port not in policy.ports:
        raise _bad(f"URL port must be one of {sorted(policy.ports)}")
    if address is not None and not is_public(address):
        raise _bad("URL must not point to a private, loopback or reserved address")
    if address is None and (host == "localhost" or host.endswith(".localhost")):
        raise _bad("URL must not point to a private, loopback or reserved address")


def parse_allow_hosts(values: Iterable[str]) -> frozenset[str]:
    """Normalise ``host:port`` allow-list entries (lower case, IPv6 in brackets).

    Raises:
        ValueError: an entry is not ``host:port``.
    """
    found: set[str] = set()
    for raw in values:
        entry = raw.strip().lower()
        if not entry:
            continue
        host, port = _split_entry(entry)
        found.add(f"{host}:{port}")
    return frozenset(found)


def _split_entry(entry: str) -> tuple[str, int]:
    try:
        host, port = _split_authority(entry)
    except ValidationError:
        raise ValueError(f"not host:port: {entry}") from None
    if not host or port is None or not _PORT.match(port) or not 0 < int(port) < 65536:
        raise ValueError(f"not host:port: {entry}")
    if ":" in host:
        host = "[" + ipaddress.IPv6Address(host).compressed + "]"
    return host, int(port)
