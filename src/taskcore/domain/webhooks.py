"""Outgoing project webhooks: endpoints, deliveries, Standard Webhooks signing, URL rules.

A project owner registers an *endpoint* (an HTTPS URL and the event names it wants). Every
matching domain event of the project becomes one *delivery* per endpoint, POSTed as JSON
and signed the Standard Webhooks way (https://www.standardwebhooks.com):

- ``webhook-id``: the message id, the same on every retry of one event to one endpoint;
- ``webhook-timestamp``: Unix seconds of this attempt;
- ``webhook-signature``: ``v1,<base64 HMAC-SHA256 of "id.timestamp.body">``, one per
  secret in use, separated by spaces (two while a rotated secret is still honoured).

The URL rules (:func:`check_url`) refuse anything that could reach the server's own
network: only ``https`` (plain ``http`` by configuration), no user information, a port
from an allow-list, and no host literal naming a non-global address, in any spelling
(decimal, hexadecimal or octal IPv4, IPv4-mapped IPv6). Host names are resolved, and every
address checked, only by the sender adapter at delivery time.
"""

from __future__ import annotations

import base64
import datetime as dt
import enum
import hashlib
import hmac
import ipaddress
import json
import re
import secrets
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

import attrs

from taskcore.domain.events import EVENT_TYPES, DomainEvent
from taskcore.errors import ValidationError

SECRET_PREFIX = "whsec_"  # noqa: S105  # nosec B105
SECRET_BYTES = 32
"""Random bytes in a new signing secret."""

ALL_EVENTS = "*"
EVENT_NAMES: frozenset[str] = frozenset(
    cls.name for cls in EVENT_TYPES if cls.entity_type != "user"
)
"""The event names an endpoint may subscribe to (besides ``*``): the events of projects,
tasks, comments and attachments, which name their project."""

MAX_URL_LENGTH = 2048
MAX_DESCRIPTION_LENGTH = 500
MAX_EVENT_TYPES = 50
TOLERANCE_SECONDS = 300
"""How far a receiver should accept ``webhook-timestamp`` from its own clock."""


class WebhookDeliveryStatus(enum.StrEnum):
    """Where the delivery of one event to one endpoint stands."""

    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


@attrs.define(kw_only=True)
class WebhookEndpoint:
    """A project's webhook: where matching events are POSTed, and how they are signed.

    Attributes:
        id: Allocated by the repository (``None`` before it is stored).
        project_id: The project whose events are sent.
        url: The validated target URL.
        event_types: Event names wanted, or ``("*",)`` for all.
        description: Free text for the owners.
        is_active: Whether deliveries are made; cleared when the endpoint is disabled.
        disabled_reason: Why the endpoint was disabled automatically, if it was.
        consecutive_failures: Deliveries in a row that failed for good (reset by a success).
        secret: The signing secret (``whsec_`` + base64); never shown after creation.
        previous_secret: The secret before the last rotation, still signed with until
            ``previous_secret_expires_at``.
        previous_secret_expires_at: End of the rotation overlap.
        created_by: The user who registered it.
        created_at / updated_at: Aware UTC.
    """

    id: int | None = None
    project_id: int
    url: str
    event_types: tuple[str, ...]
    description: str = ""
    is_active: bool = True
    disabled_reason: str | None = None
    consecutive_failures: int = 0
    secret: str = attrs.field(repr=False)
    previous_secret: str | None = attrs.field(default=None, repr=False)
    previous_secret_expires_at: dt.datetime | None = None
    created_by: int | None = None
    created_at: dt.datetime
    updated_at: dt.datetime

    @property
    def key(self) -> int:
        """The id of a stored endpoint.

        Raises:
            RuntimeError: the endpoint was not stored yet.
        """
        if self.id is None:
            raise RuntimeError("webhook endpoint has no id yet")
        return self.id

    def wants(self, event_name: str) -> bool:
        """Whether this endpoint subscribes to ``event_name``."""
        return ALL_EVENTS in self.event_types or event_name in self.event_types

    def signing_secrets(self, now: dt.datetime) -> list[str]:
        """The secrets to sign with at ``now``: the current one, and the previous one
        while the rotation overlap lasts."""
        found = [self.secret]
        if (
            self.previous_secret is not None
            and self.previous_secret_expires_at is not None
            and now < self.previous_secret_expires_at
        ):
            found.append(self.previous_secret)
        return found

    def disable(self, reason: str, now: dt.datetime) -> None:
        """Stop deliveries to this endpoint, saying why."""
        self.is_active = False
        self.disabled_reason = reason[:500]
        self.updated_at = now


@attrs.frozen(kw_only=True)
class WebhookView:
    """What owners may see of an endpoint: everything but the secrets."""

    id: int
    project_id: int
    url: str
    event_types: tuple[str, ...]
    description: str
    is_active: bool
    disabled_reason: str | None
    consecutive_failures: int
    secret_rotating_until: dt.datetime | None
    created_by: int | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @classmethod
    def of(cls, endpoint: WebhookEndpoint, now: dt.datetime) -> WebhookView:
        """The view of ``endpoint``; ``secret_rotating_until`` only while it lasts."""
        until = endpoint.previous_secret_expires_at
        return cls(
            id=endpoint.key,
            project_id=endpoint.project_id,
            url=endpoint.url,
            event_types=endpoint.event_types,
            description=endpoint.description,
            is_active=endpoint.is_active,
            disabled_reason=endpoint.disabled_reason,
            consecutive_failures=endpoint.consecutive_failures,
            secret_rotating_until=until if until is not None and now < until else None,
            created_by=endpoint.created_by,
            created_at=endpoint.created_at,
            updated_at=endpoint.updated_at,
        )


@attrs.frozen(kw_only=True)
class WebhookSecret:
    """A signing secret, shown once: at creation and after a rotation.

    Attributes:
        webhook: The endpoint.
        secret: The new secret.
        previous_secret_expires_at: After a rotation, until when the old secret still
            signs (``None`` at creation).
    """

    webhook: WebhookView
    secret: str = attrs.field(repr=False)
    previous_secret_expires_at: dt.datetime | None = None


@attrs.define(kw_only=True)
class WebhookDelivery:
    """One event sent (or to be sent) to one endpoint.

    Attributes:
        id: Allocated by the repository (``None`` before it is stored).
        endpoint_id: The endpoint.
        event_id: The domain event.
        event_type: Its name.
        message_id: The ``webhook-id``, the same on every attempt.
        payload: The JSON body, fixed when the delivery is created.
        status: pending, delivered or failed.
        attempts: Attempts made.
        last_status_code: The receiver's status code at the last attempt, if it answered.
        last_error: Why the last attempt failed, if it did.
        next_attempt_at: When a pending delivery is due.
        claimed_until: While an attempt is in progress, when its claim lapses (counted in
            its project's concurrency budget until then); ``None`` otherwise.
        attempted_at: When the latest attempt started (counted in its project's rate
            budget).
        created_at / updated_at: Aware UTC.
    """

    id: int | None = None
    endpoint_id: int
    event_id: str
    event_type: str
    message_id: str
    payload: str
    status: WebhookDeliveryStatus = WebhookDeliveryStatus.PENDING
    attempts: int = 0
    last_status_code: int | None = None
    last_error: str | None = None
    next_attempt_at: dt.datetime
    claimed_until: dt.datetime | None = None
    attempted_at: dt.datetime | None = None
    created_at: dt.datetime
    updated_at: dt.datetime

    @property
    def key(self) -> int:
        """The id of a stored delivery.

        Raises:
            RuntimeError: the delivery was not stored yet.
        """
        if self.id is None:
            raise RuntimeError("webhook delivery has no id yet")
        return self.id


# -- messages and signatures ----------------------------------------------------------------


def new_secret(random_bytes: bytes | None = None) -> str:
    """A fresh signing secret: ``whsec_`` and the base64 of 32 random bytes.

    Args:
        random_bytes: The key material (at least 32 bytes); fresh random bytes by default.

    Raises:
        ValueError: fewer than 32 bytes were given.
    """
    raw = secrets.token_bytes(SECRET_BYTES) if random_bytes is None else random_bytes
    if len(raw) < SECRET_BYTES:
        raise ValueError("a webhook secret needs at least 32 bytes")
    return SECRET_PREFIX + base64.b64encode(raw).decode("ascii")


def secret_key(secret: str) -> bytes:
    """The HMAC key of a ``whsec_`` secret.

    Raises:
        ValueError: not a ``whsec_`` secret of base64 text.
    """
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError("webhook secrets start with whsec_")
    return base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)


def message_id(event_id: str, endpoint_id: int) -> str:
    """The ``webhook-id`` of one event sent to one endpoint: stable across retries."""
    return f"msg_{event_id}_{endpoint_id}"


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """One ``v1,<base64>`` signature of ``msg_id.timestamp.body`` with ``secret``."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def signed_headers(
    secrets_in_use: Sequence[str], msg_id: str, timestamp: int, body: bytes
) -> dict[str, str]:
    """The Standard Webhooks headers of one attempt, signed with every secret in use."""
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(sign(s, msg_id, timestamp, body) for s in secrets_in_use),
        "content-type": "application/json",
    }


def verify(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    now: dt.datetime,
    tolerance: int = TOLERANCE_SECONDS,
) -> bool:
    """Whether ``headers`` carry a valid, fresh signature of ``body`` by ``secret``.

    Compares in constant time; a timestamp more than ``tolerance`` seconds from ``now``
    fails.
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    msg_id = lowered.get("webhook-id", "")
    stamp = lowered.get("webhook-timestamp", "")
    if not msg_id or not stamp.isdigit():
        return False
    timestamp = int(stamp)
    if abs(now.timestamp() - timestamp) > tolerance:
        return False
    expected = sign(secret, msg_id, timestamp, body)
    return any(
        hmac.compare_digest(expected, candidate)
        for candidate in lowered.get("webhook-signature", "").split()
    )


def payload(event: DomainEvent) -> str:
    """The JSON body for ``event``: ``{"type", "timestamp", "data": {...}}``.

    ``data`` holds ``entity_type``, ``entity_id``, ``actor_id`` and the event's details.
    """
    data: dict[str, Any] = {
        **event.details,
        "entity_type": event.entity_type,
        "entity_id": event.entity_id,
        "actor_id": event.actor_id,
    }
    if event.entity_version is not None:
        data["entity_version"] = event.entity_version
    body = {"type": event.name, "timestamp": event.occurred_at.isoformat(), "data": data}
    return json.dumps(body, separators=(",", ":"), sort_keys=True, default=str)


def project_of(event: DomainEvent) -> int | None:
    """The project an event belongs to (its ``project_id``), if any."""
    value = getattr(event, "project_id", None)
    return value if type(value) is int else None


# -- input rules ----------------------------------------------------------------------------


def check_event_types(value: object) -> tuple[str, ...]:
    """A non-empty list of known event names, or ``["*"]``; duplicates dropped.

    Raises:
        ValidationError: ``event_types must be a non-empty list of event names`` or
            ``Unknown event type: <name>``.
    """
    if not isinstance(value, list | tuple) or not value or len(value) > MAX_EVENT_TYPES:
        raise ValidationError(
            "event_types must be a non-empty list of event names", field="event_types"
        )
    names: list[str] = []
    for item in value:
        if not isinstance(item, str) or (item != ALL_EVENTS and item not in EVENT_NAMES):
            raise ValidationError(f"Unknown event type: {item!s:.100}", field="event_types")
        if item not in names:
            names.append(item)
    return (ALL_EVENTS,) if ALL_EVENTS in names else tuple(sorted(names))


def check_description(value: str | None) -> str:
    """The description, stripped; at most 500 characters.

    Raises:
        ValidationError: ``description must be at most 500 characters``.
    """
    text = (value or "").strip()
    if len(text) > MAX_DESCRIPTION_LENGTH:
        raise ValidationError(
            f"description must be at most {MAX_DESCRIPTION_LENGTH} characters",
            field="description",
        )
    return text


# -- the URL guard --------------------------------------------------------------------------


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
    if not isinstance(url, str) or not url.strip():
        raise _bad("url is required")
    text = url.strip()
    if len(text) > MAX_URL_LENGTH:
        raise _bad(f"url must be at most {MAX_URL_LENGTH} characters")
    if not text.isascii() or any(ord(c) <= 32 or ord(c) == 127 or c == "\\" for c in text):
        raise _bad("URL must be ASCII without spaces, control characters or backslashes")
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
    if port_text is None or port_text == "":
        port = 443 if scheme == "https" else 80
    elif _PORT.match(port_text) and 0 < int(port_text) < 65536:
        port = int(port_text)
    else:
        raise _bad("URL has an invalid port")
    address: ipaddress.IPv4Address | ipaddress.IPv6Address | None = None
    if ":" in host:
        if "%" in host:
            raise _bad("URL must not name an IPv6 zone")
        try:
            address = ipaddress.IPv6Address(host)
        except ValueError:
            raise _bad("URL has an invalid IPv6 address") from None
        host = address.compressed
    else:
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
    allowed = policy.allows_host(host, port)
    if not allowed:
        if port not in policy.ports:
            raise _bad(f"URL port must be one of {sorted(policy.ports)}")
        if address is not None and not is_public(address):
            raise _bad("URL must not point to a private, loopback or reserved address")
        if address is None and (host == "localhost" or host.endswith(".localhost")):
            raise _bad("URL must not point to a private, loopback or reserved address")
    return WebhookTarget(
        url=text,
        scheme=scheme,
        host=host,
        port=port,
        target=target if target.startswith("/") else "/" + target,
        address=address,
        allow_listed=allowed,
    )


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


def subscribed(endpoints: Collection[WebhookEndpoint], event_name: str) -> list[WebhookEndpoint]:
    """The active endpoints among ``endpoints`` that want ``event_name``."""
    return [e for e in endpoints if e.is_active and e.wants(event_name)]
