"""Standard Webhooks signing (https://www.standardwebhooks.com): secrets, headers, checks.

Every delivery is POSTed with:

- ``webhook-id``: the message id, the same on every retry of one event to one endpoint;
- ``webhook-timestamp``: Unix seconds of this attempt;
- ``webhook-signature``: ``v1,<base64 HMAC-SHA256 of "id.timestamp.body">``, one per
  secret in use, separated by spaces (two while a rotated secret is still honoured).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Mapping, Sequence

SECRET_PREFIX = "whsec_"  # noqa: S105  # nosec B105
SECRET_BYTES = 32
"""Random bytes in a new signing secret."""
TOLERANCE_SECONDS = 300
"""How far a receiver should accept ``webhook-timestamp`` from its own clock."""


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
