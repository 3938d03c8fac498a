"""Validation of OpenID Connect ID tokens: signature with the provider's published keys
(read again when a token names a key not seen yet: providers rotate keys), issuer,
audience, expiry, and the ``nonce`` of the sign-in."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Final

from joserfc import jwt
from joserfc.errors import (
    ExpiredTokenError,
    InvalidClaimError,
    JoseError,
    MissingClaimError,
)
from joserfc.jwk import KeySet
from joserfc.jws import extract_compact

from taskcore.errors import SignInFailed

ALGORITHMS: Final = (
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "EdDSA",
)
"""Signature algorithms accepted on ID tokens: asymmetric only (never ``none``, nor a
shared-secret HMAC)."""
KEY_REFRESH_SECONDS: Final = 60.0
"""The keys are read again for an unknown key id at most this often."""

INVALID: Final = "The identity provider's answer did not validate ({reason}); try again"


class IdTokenValidator:
    """Checks ID tokens of one issuer for one client.

    Args:
        issuer: The expected ``iss``.
        client_id: The expected audience.
        fetch_keys: Reads the provider's JSON Web Key Set.
        now: The current time in seconds since the epoch.
        leeway: Seconds of clock difference tolerated.
    """

    def __init__(
        self,
        *,
        issuer: str,
        client_id: str,
        fetch_keys: Callable[[], dict[str, Any]],
        now: Callable[[], float],
        leeway: int = 60,
    ) -> None:
        self._issuer = issuer
        self._client_id = client_id
        self._fetch = fetch_keys
        self._now = now
        self._leeway = leeway
        self._lock = threading.Lock()
        self._keys: KeySet | None = None
        self._fetched_at = float("-inf")

    def validate(self, id_token: str, *, nonce: str) -> dict[str, Any]:
        """The claims of ``id_token`` once every check passed.

        Raises:
            SignInFailed: malformed, signed with an unknown key or another algorithm, a
                bad signature, another issuer or audience, expired, or another nonce.
        """
        try:
            header = extract_compact(id_token.encode()).protected
        except (JoseError, ValueError):
            raise SignInFailed(INVALID.format(reason="malformed ID token")) from None
        if header.get("alg") not in ALGORITHMS:
            raise SignInFailed(INVALID.format(reason="unexpected signature algorithm"))
        keys = self._keys_for(header.get("kid"))
        try:
            token = jwt.decode(id_token, keys, algorithms=list(ALGORITHMS))
        except JoseError:
            raise SignInFailed(INVALID.format(reason="bad signature")) from None
        self._check_claims(token.claims, nonce)
        return dict(token.claims)

    def _keys_for(self, kid: object) -> KeySet:
        """The key set, read again (rate-limited) when it lacks ``kid``."""
        with self._lock:
            keys = self._keys
            stale = self._now() - self._fetched_at >= KEY_REFRESH_SECONDS
        if keys is None or (stale and not _has_kid(keys, kid)):
            try:
                keys = KeySet.import_key_set(self._fetch())  # type: ignore[arg-type]
            except (JoseError, ValueError, KeyError, TypeError):
                raise SignInFailed(INVALID.format(reason="unusable provider keys")) from None
            with self._lock:
                self._keys, self._fetched_at = keys, self._now()
        if not _has_kid(keys, kid):
            raise SignInFailed(INVALID.format(reason="signed with an unknown key"))
        return keys

    def _check_claims(self, claims: dict[str, Any], nonce: str) -> None:
        registry = jwt.JWTClaimsRegistry(
            now=lambda: int(self._now()),
            leeway=self._leeway,
            iss={"essential": True, "value": self._issuer},
            aud={"essential": True, "value": self._client_id},
            sub={"essential": True},
            exp={"essential": True},
            iat={"essential": True},
            nonce={"essential": True, "value": nonce},
        )
        try:
            registry.validate(claims)
        except ExpiredTokenError:
            raise SignInFailed(INVALID.format(reason="expired ID token")) from None
        except (InvalidClaimError, MissingClaimError) as exc:
            claim = getattr(exc, "claim", None) or "a claim"
            raise SignInFailed(INVALID.format(reason=f"wrong {claim}")) from None
        except JoseError:
            raise SignInFailed(INVALID.format(reason="invalid ID token")) from None
        audience = claims.get("aud")
        several = isinstance(audience, list) and len(audience) > 1
        if several and claims.get("azp") != self._client_id:
            raise SignInFailed(INVALID.format(reason="wrong azp"))


def _has_kid(keys: KeySet, kid: object) -> bool:
    """Whether ``keys`` can verify a token naming ``kid`` (any key when it names none)."""
    if kid is None:
        return bool(keys.keys)
    return any(key.kid == kid for key in keys.keys)
