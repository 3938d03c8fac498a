"""Access tokens as JWTs (PyJWT), with the algorithm pinned on decode, typed ``at+jwt``
(RFC 9068) and signed by a keyring that can rotate keys without a restart."""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
import uuid
from collections.abc import Iterable
from typing import Any, TypeGuard

import jwt

from taskcore.errors import TokenInvalid
from taskcore.ports.security import IssuedToken, TokenClaims

MIN_SECRET_BYTES = 32
ACCESS_TOKEN_TYPE = "at+jwt"  # noqa: S105  # nosec B105 - a media type, not a secret
"""The ``typ`` header of access tokens (RFC 9068, RFC 8725 section 3.11)."""
LEGACY_CLAIMS = frozenset({"user_id", "iat", "exp"})
"""The exact claims of the original system's tokens, which carry no ``typ`` of ours."""
ISSUER = "taskcore"
"""The ``iss`` claim of access tokens."""
AUDIENCE = "taskcore-api"
"""The ``aud`` claim of access tokens: exactly this one audience, a string."""
REQUIRED_CLAIMS = ("exp", "iat", "iss", "aud", "sub", "jti")
"""Claims an access token must carry (besides ``user_id``); a null value counts as absent."""


def check_secret_key(key: str, *, name: str = "TASKCORE_SECRET_KEY") -> str:
    """Refuse signing keys that are empty or shorter than 32 bytes.

    Args:
        key: The key.
        name: The setting named in the message.

    Raises:
        ValueError: the key is too short to be a safe HMAC key.
    """
    if len(key.encode()) < MIN_SECRET_BYTES:
        raise ValueError(
            f"{name} must be at least {MIN_SECRET_BYTES} bytes "
            "(generate one with: python -c 'import secrets; print(secrets.token_urlsafe(48))')"
        )
    return key


def key_id(key: str) -> str:
    """The ``kid`` of a signing key: 16 hex digits of its SHA-256 (it reveals nothing a
    signature does not)."""
    return hashlib.sha256(key.encode()).hexdigest()[:16]


class Keyring:
    """The signing key and the verify-only keys of earlier rotations, by ``kid``.

    Rotation: :meth:`rotate` makes a new key the signing key and keeps the old one for
    verification; once every token it signed has expired (one access-token lifetime),
    :meth:`retire` drops it. Both take effect at once in the running process. A ``kid``
    is only ever a key into this in-memory map, never a file name or a database value.

    Args:
        signing_key: The key that signs new tokens (at least 32 bytes).
        verify_only: Earlier keys whose tokens still verify (at least 32 bytes each).
    """

    def __init__(self, signing_key: str, verify_only: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._signing = check_secret_key(signing_key)
        self._keys: dict[str, str] = {}
        for key in verify_only:
            checked = check_secret_key(key, name="TASKCORE_PREVIOUS_SECRET_KEYS")
            self._keys[key_id(checked)] = checked
        self._keys[key_id(self._signing)] = self._signing

    @property
    def signing(self) -> tuple[str, str]:
        """The ``kid`` and key that sign new tokens."""
        with self._lock:
            return key_id(self._signing), self._signing

    @property
    def kids(self) -> frozenset[str]:
        """The ``kid`` of every key that verifies (the signing key included)."""
        with self._lock:
            return frozenset(self._keys)

    def key_for(self, kid: str) -> str | None:
        """The key of ``kid``, or ``None`` if it is unknown or retired."""
        with self._lock:
            return self._keys.get(kid)

    def rotate(self, new_key: str) -> str:
        """Sign with ``new_key`` from now on; the previous key becomes verify-only.

        Returns:
            The new signing key's ``kid``.

        Raises:
            ValueError: the key is shorter than 32 bytes.
        """
        checked = check_secret_key(new_key)
        with self._lock:
            self._signing = checked
            self._keys[key_id(checked)] = checked
        return key_id(checked)

    def retire(self, kid: str) -> None:
        """Stop accepting tokens signed by the verify-only key ``kid`` (unknown: no-op).

        Raises:
            ValueError: ``kid`` is the signing key (rotate first).
        """
        with self._lock:
            if kid == key_id(self._signing):
                raise ValueError("the signing key cannot be retired; rotate first")
            self._keys.pop(kid, None)


class JwtTokenService:
    """HS256 JWTs carrying ``user_id`` (for compatibility), ``iss``, ``aud``, ``sub``,
    ``iat``, ``exp``, ``jti`` and ``sid`` (the login session), with the headers
    ``typ: at+jwt`` and the ``kid`` of the signing key.

    A token verifies only with the keyring's key named by its ``kid``, only with
    ``typ: at+jwt``, and only with every claim of :data:`REQUIRED_CLAIMS`: ``iss`` equal to
    the issuer, ``aud`` exactly the audience (a string; a list, even one naming it among
    others, is refused), ``sub`` the ``user_id`` as a string, a non-empty ``jti``, and an
    ``nbf``, if present, not in the future. The one exception is a token of the original
    system: no ``kid``, a ``typ`` of ``JWT`` or none, and exactly the claims ``user_id``,
    ``iat`` and ``exp``; it verifies with the signing key and is revocable by a digest of
    the token.

    Args:
        secret_key: HMAC key, at least 32 bytes (ignored when ``keyring`` is given).
        ttl: Lifetime of a new token.
        algorithm: The one algorithm accepted on decode.
        leeway: Clock skew tolerated on ``exp``/``iat``.
        keyring: The signing and verify-only keys; by default one holding ``secret_key``
            and ``previous_keys``.
        previous_keys: Verify-only keys of earlier rotations.
        issuer: The ``iss`` of new tokens, required on verification.
        audience: The ``aud`` of new tokens, required on verification.
    """

    def __init__(
        self,
        *,
        secret_key: str = "",
        ttl: dt.timedelta = dt.timedelta(hours=24),
        algorithm: str = "HS256",
        leeway: dt.timedelta = dt.timedelta(seconds=30),
        keyring: Keyring | None = None,
        previous_keys: Iterable[str] = (),
        issuer: str = ISSUER,
        audience: str = AUDIENCE,
    ) -> None:
        if algorithm not in {"HS256", "HS384", "HS512"}:
            raise ValueError(f"unsupported algorithm {algorithm!r}")
        self.keyring = keyring or Keyring(secret_key, previous_keys)
        self._ttl = ttl
        self._algorithm = algorithm
        self._leeway = leeway
        self._issuer = issuer
        self._audience = audience
        self._jwt = jwt.PyJWT(options={"enforce_minimum_key_length": True})

    def issue(
        self, *, user_id: int, now: dt.datetime, session_id: str | None = None
    ) -> IssuedToken:
        issued = now.replace(microsecond=0)
        expires = issued + self._ttl
        token_id = uuid.uuid4().hex
        payload: dict[str, Any] = {
            "user_id": user_id,
            "iss": self._issuer,
            "aud": self._audience,
            "sub": str(user_id),
            "iat": int(issued.timestamp()),
            "exp": int(expires.timestamp()),
            "jti": token_id,
        }
        if session_id is not None:
            payload["sid"] = session_id
        kid, key = self.keyring.signing
        token = self._jwt.encode(
            payload,
            key,
            algorithm=self._algorithm,
            headers={"typ": ACCESS_TOKEN_TYPE, "kid": kid},
        )
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
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise TokenInvalid() from exc
        kid, typ = header.get("kid"), header.get("typ")
        legacy = kid is None and typ in (None, "JWT")
        if legacy:
            key = self.keyring.signing[1]
        elif typ == ACCESS_TOKEN_TYPE and isinstance(kid, str):
            found = self.keyring.key_for(kid)
            if found is None:
                raise TokenInvalid()
            key = found
        else:
            raise TokenInvalid()
        try:
            # Times are checked below against ``now``, not by PyJWT against the wall clock.
            payload: dict[str, Any] = self._jwt.decode(
                token,
                key,
                algorithms=[self._algorithm],
                issuer=None if legacy else self._issuer,
                audience=None if legacy else self._audience,
                options={
                    "require": ["exp", "iat"] if legacy else list(REQUIRED_CLAIMS),
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                    "strict_aud": True,
                },
            )
        except jwt.PyJWTError as exc:
            raise TokenInvalid() from exc
        if legacy and set(payload) != LEGACY_CLAIMS:
            raise TokenInvalid()
        exp, iat, user_id = payload.get("exp"), payload.get("iat"), payload.get("user_id")
        if not _is_int(exp) or not _is_int(iat) or not _is_int(user_id):
            raise TokenInvalid()
        leeway = self._leeway.total_seconds()
        moment = now.timestamp()
        if exp + leeway <= moment or iat - leeway > moment:
            raise TokenInvalid()
        if "nbf" in payload:
            nbf = payload["nbf"]
            if not _is_int(nbf) or nbf - leeway > moment:
                raise TokenInvalid()
        sub = payload.get("sub")
        if sub is not None and sub != str(user_id):
            raise TokenInvalid()
        jti = payload.get("jti")
        if not legacy and not (isinstance(jti, str) and jti):
            raise TokenInvalid()
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
