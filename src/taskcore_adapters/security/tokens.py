"""Access tokens as JWTs (PyJWT), with the algorithm pinned on decode."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from typing import Any, TypeGuard

import jwt

from taskcore.errors import TokenInvalid
from taskcore.ports.security import IssuedToken, TokenClaims

MIN_SECRET_BYTES = 32


def check_secret_key(key: str) -> str:
    """Refuse signing keys that are empty or shorter than 32 bytes.

    Raises:
        ValueError: the key is too short to be a safe HMAC key.
    """
    if len(key.encode()) < MIN_SECRET_BYTES:
        raise ValueError(
            f"TASKCORE_SECRET_KEY must be at least {MIN_SECRET_BYTES} bytes "
            "(generate one with: python -c 'import secrets; print(secrets.token_urlsafe(48))')"
        )
    return key


class JwtTokenService:
    """HS256 JWTs carrying ``user_id`` (for compatibility), ``sub``, ``iat``, ``exp``, ``jti``
    and ``sid`` (the login session).

    Tokens of the original system (``user_id``, ``iat``, ``exp`` only) still verify if they
    were signed with the same key; they are revocable by a digest of the token.

    Args:
        secret_key: HMAC key, at least 32 bytes.
        ttl: Lifetime of a new token.
        algorithm: The one algorithm accepted on decode.
        leeway: Clock skew tolerated on ``exp``/``iat``.
    """

    def __init__(
        self,
        *,
        secret_key: str,
        ttl: dt.timedelta = dt.timedelta(hours=24),
        algorithm: str = "HS256",
        leeway: dt.timedelta = dt.timedelta(seconds=30),
    ) -> None:
        if algorithm not in {"HS256", "HS384", "HS512"}:
            raise ValueError(f"unsupported algorithm {algorithm!r}")
        self._key = check_secret_key(secret_key)
        self._ttl = ttl
        self._algorithm = algorithm
        self._leeway = leeway
        self._jwt = jwt.PyJWT(options={"enforce_minimum_key_length": True})

    def issue(
        self, *, user_id: int, now: dt.datetime, session_id: str | None = None
    ) -> IssuedToken:
        issued = now.replace(microsecond=0)
        expires = issued + self._ttl
        token_id = uuid.uuid4().hex
        payload: dict[str, Any] = {
            "user_id": user_id,
            "sub": str(user_id),
            "iat": int(issued.timestamp()),
            "exp": int(expires.timestamp()),
            "jti": token_id,
        }
        if session_id is not None:
            payload["sid"] = session_id
        token = self._jwt.encode(payload, self._key, algorithm=self._algorithm)
        return IssuedToken(
            token=token,
            claims=TokenClaims(
                user_id=user_id,
                token_id=token_id,
                issued_at=issued,
                expires_at=expires,
                session_id=session_id,
            ),
        )

    def verify(self, token: str, *, now: dt.datetime) -> TokenClaims:
        try:
            payload: dict[str, Any] = self._jwt.decode(
                token,
                self._key,
                algorithms=[self._algorithm],
                options={"require": ["exp", "iat"], "verify_exp": False, "verify_iat": False},
            )
        except jwt.PyJWTError as exc:
            raise TokenInvalid() from exc
        exp, iat, user_id = payload.get("exp"), payload.get("iat"), payload.get("user_id")
        if not _is_int(exp) or not _is_int(iat) or not _is_int(user_id):
            raise TokenInvalid()
        leeway = self._leeway.total_seconds()
        moment = now.timestamp()
        if exp + leeway <= moment or iat - leeway > moment:
            raise TokenInvalid()
        sub = payload.get("sub")
        if sub is not None and sub != str(user_id):
            raise TokenInvalid()
        jti = payload.get("jti")
        token_id = jti if isinstance(jti, str) and jti else _digest(token)
        sid = payload.get("sid")
        if "sid" in payload and (not isinstance(sid, str) or not sid):
            raise TokenInvalid()
        return TokenClaims(
            user_id=user_id,
            token_id=token_id,
            issued_at=dt.datetime.fromtimestamp(iat, dt.UTC),
            expires_at=dt.datetime.fromtimestamp(exp, dt.UTC),
            session_id=sid,
        )


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _digest(token: str) -> str:
    return "sha256:" + hashlib.sha256(token.encode()).hexdigest()
