"""Fakes for the clock, password hashing and tokens: deterministic and fast, for tests."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets

from taskcore.errors import TokenInvalid
from taskcore.ports.security import IssuedToken, TokenClaims


class ManualClock:
    """A clock that only moves when told to."""

    def __init__(self, start: dt.datetime | None = None) -> None:
        self._now = start or dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC)
        if self._now.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")

    def now(self) -> dt.datetime:
        return self._now

    def advance(self, **delta: float) -> None:
        """Move forward by a ``timedelta(**delta)``."""
        self._now += dt.timedelta(**delta)


class PlainPasswordHasher:
    """A fast salted SHA-256 hasher. For tests only: it is not slow on purpose."""

    prefix = "fake-sha256$"

    def hash(self, password: str) -> str:
        salt = secrets.token_hex(8)
        digest = hashlib.sha256((salt + password).encode()).hexdigest()
        return f"{self.prefix}{salt}${digest}"

    def verify(self, stored_hash: str, password: str) -> bool:
        if not stored_hash.startswith(self.prefix):
            return False
        salt, _, digest = stored_hash[len(self.prefix) :].partition("$")
        expected = hashlib.sha256((salt + password).encode()).hexdigest()
        return hmac.compare_digest(expected, digest)

    def needs_rehash(self, stored_hash: str) -> bool:
        return not stored_hash.startswith(self.prefix)

    def burn(self, password: str) -> None:
        hashlib.sha256(password.encode()).hexdigest()


class FakeTokenService:
    """HMAC-signed JSON tokens with the same semantics as the JWT adapter; for tests."""

    def __init__(self, *, ttl: dt.timedelta = dt.timedelta(hours=24), key: bytes = b"k" * 32):
        self._ttl = ttl
        self._key = key

    def issue(
        self, *, user_id: int, now: dt.datetime, session_id: str | None = None
    ) -> IssuedToken:
        claims = TokenClaims(
            user_id=user_id,
            token_id=secrets.token_hex(8),
            issued_at=now,
            expires_at=now + self._ttl,
            session_id=session_id,
        )
        body = json.dumps(
            [
                user_id,
                claims.token_id,
                now.timestamp(),
                claims.expires_at.timestamp(),
                session_id,
            ]
        )
        sig = hmac.new(self._key, body.encode(), hashlib.sha256).hexdigest()
        return IssuedToken(token=f"{body.encode().hex()}.{sig}", claims=claims)

    def verify(self, token: str, *, now: dt.datetime) -> TokenClaims:
        body_hex, _, sig = token.partition(".")
        try:
            body = bytes.fromhex(body_hex).decode()
            expected = hmac.new(self._key, body.encode(), hashlib.sha256).hexdigest()
            if not hmac.compare_digest(expected, sig):
                raise TokenInvalid()
            user_id, token_id, iat, exp, session_id = json.loads(body)
        except (ValueError, TypeError) as exc:
            raise TokenInvalid() from exc
        expires = dt.datetime.fromtimestamp(exp, dt.UTC)
        if expires <= now:
            raise TokenInvalid()
        return TokenClaims(
            user_id=int(user_id),
            token_id=str(token_id),
            issued_at=dt.datetime.fromtimestamp(iat, dt.UTC),
            expires_at=expires,
            session_id=session_id,
        )
