"""An OpenID Connect provider: discovery, the authorization code flow with PKCE, ``state``
and ``nonce``, and validation of the ID token against the provider's published keys."""

from __future__ import annotations

import base64
import hmac
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final, Protocol
from urllib.parse import quote

import httpx2
from authlib.common.security import generate_token
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from taskcore.domain.identities import ExternalClaims
from taskcore.errors import SignInFailed
from taskcore.ports.identities import AuthorizationRequest
from taskcore_adapters.oidc.tokens import IdTokenValidator

DISCOVERY_PATH: Final = "/.well-known/openid-configuration"
METADATA_TTL: Final = 3600.0
"""How long (seconds) the discovery document is used before it is read again."""
TIMEOUT: Final = 10.0

DENIED: Final = "The sign-in was cancelled or refused at {provider}"
UNREACHABLE: Final = "{provider} could not be reached; try again later"
MISMATCH: Final = "This sign-in answer does not belong to the sign-in that was started; try again"


class ProviderSettings(Protocol):
    """What a provider needs of its settings
    (:class:`taskcore_adapters.config.OidcProviderSettings` has it)."""

    @property
    def name(self) -> str: ...
    @property
    def issuer(self) -> str: ...
    @property
    def client_id(self) -> str: ...
    @property
    def client_secret(self) -> str | None: ...
    @property
    def display_name(self) -> str: ...
    @property
    def scopes(self) -> tuple[str, ...]: ...
    @property
    def groups_claim(self) -> str: ...


class OidcProvider:
    """One configured OpenID Connect provider (see
    :class:`~taskcore.ports.identities.IdentityProvider`).

    Args:
        settings: The provider's settings.
        client: The HTTP client for discovery, keys and the token endpoint (one with a
            time limit by default).
        now: The current time in seconds since the epoch (for token expiry).
        leeway: Seconds of clock difference tolerated on ``exp`` and ``iat``.
    """

    def __init__(
        self,
        settings: ProviderSettings,
        *,
        client: httpx2.Client | None = None,
        now: Callable[[], float] = time.time,
        leeway: int = 60,
    ) -> None:
        self.settings = settings
        self._client = client or httpx2.Client(timeout=TIMEOUT, follow_redirects=False)
        self._now = now
        self._lock = threading.Lock()
        self._metadata: dict[str, Any] | None = None
        self._metadata_at = 0.0
        self._validator = IdTokenValidator(
            issuer=settings.issuer,
            client_id=settings.client_id,
            fetch_keys=self._fetch_keys,
            now=now,
            leeway=leeway,
        )

    @property
    def name(self) -> str:
        return self.settings.name

    @property
    def display_name(self) -> str:
        return self.settings.display_name

    def close(self) -> None:
        """Close the HTTP client."""
        self._client.close()

    # -- the flow --------------------------------------------------------------------------

    def start(self, redirect_uri: str) -> AuthorizationRequest:
        metadata = self.metadata()
        state, nonce, verifier = generate_token(32), generate_token(32), generate_token(64)
        url = prepare_grant_uri(
            metadata["authorization_endpoint"],
            self.settings.client_id,
            "code",
            redirect_uri=redirect_uri,
            scope=" ".join(self.settings.scopes),
            state=state,
            nonce=nonce,
            code_challenge=create_s256_code_challenge(verifier),
            code_challenge_method="S256",
        )
        return AuthorizationRequest(url=str(url), state=state, nonce=nonce, code_verifier=verifier)

    def complete(
        self, request: AuthorizationRequest, *, redirect_uri: str, params: dict[str, str]
    ) -> ExternalClaims:
        if params.get("error"):
            raise SignInFailed(DENIED.format(provider=self.display_name))
        if not hmac.compare_digest(params.get("state", "").encode(), request.state.encode()):
            raise SignInFailed(MISMATCH)
        code = params.get("code")
        if not code:
            raise SignInFailed(MISMATCH)
        tokens = self._exchange(code, redirect_uri, request.code_verifier)
        id_token = tokens.get("id_token")
        if not isinstance(id_token, str):
            raise SignInFailed(f"{self.display_name} did not send an ID token")
        claims = self._validator.validate(id_token, nonce=request.nonce)
        return to_claims(claims, groups_claim=self.settings.groups_claim)

    def _exchange(self, code: str, redirect_uri: str, verifier: str) -> dict[str, Any]:
        """Trade the authorization code (and the PKCE verifier) for tokens."""
        data = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
        }
        headers = {"Accept": "application/json"}
        secret = self.settings.client_secret
        if secret:  # client_secret_basic: each part form-encoded first (RFC 6749, 2.3.1)
            pair = f"{quote(self.settings.client_id, safe='')}:{quote(secret, safe='')}"
            headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
        else:  # a public client: PKCE alone
            data["client_id"] = self.settings.client_id
        try:
            response = self._client.post(
                self.metadata()["token_endpoint"], data=data, headers=headers
            )
        except httpx2.HTTPError:
            raise SignInFailed(UNREACHABLE.format(provider=self.display_name)) from None
        body = _json(response)
        if response.status_code != 200 or body is None:
            raise SignInFailed(f"{self.display_name} refused the sign-in code; try again")
        return body

    # -- discovery and keys ----------------------------------------------------------------

    def metadata(self) -> dict[str, Any]:
        """The provider's discovery document (kept for an hour).

        Raises:
            SignInFailed: it cannot be read, or names another issuer or lacks an endpoint.
        """
        with self._lock:
            fresh = self._now() - self._metadata_at < METADATA_TTL
            if self._metadata is not None and fresh:
                return self._metadata
        metadata = self._get_json(self.settings.issuer + DISCOVERY_PATH)
        if metadata.get("issuer") != self.settings.issuer:
            raise SignInFailed(f"{self.display_name}'s discovery document names another issuer")
        for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            if not isinstance(metadata.get(key), str):
                raise SignInFailed(f"{self.display_name}'s discovery document lacks {key}")
        with self._lock:
            self._metadata, self._metadata_at = metadata, self._now()
        return metadata

    def _fetch_keys(self) -> dict[str, Any]:
        return self._get_json(self.metadata()["jwks_uri"])

    def _get_json(self, url: str) -> dict[str, Any]:
        try:
            response = self._client.get(url, headers={"Accept": "application/json"})
        except httpx2.HTTPError:
            raise SignInFailed(UNREACHABLE.format(provider=self.display_name)) from None
        body = _json(response)
        if response.status_code != 200 or body is None:
            raise SignInFailed(UNREACHABLE.format(provider=self.display_name))
        return body


def _json(response: httpx2.Response) -> dict[str, Any] | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def to_claims(claims: Mapping[str, Any], *, groups_claim: str = "groups") -> ExternalClaims:
    """What taskcore keeps of a validated ID token's claims."""

    def text(key: str) -> str | None:
        value = claims.get(key)
        return value if isinstance(value, str) and value.strip() else None

    groups = claims.get(groups_claim)
    if isinstance(groups, str):
        groups = [groups]
    return ExternalClaims(
        subject=str(claims["sub"]),
        email=text("email"),
        email_verified=claims.get("email_verified") is True,
        name=text("name"),
        preferred_username=text("preferred_username"),
        groups=tuple(g for g in groups if isinstance(g, str)) if isinstance(groups, list) else (),
    )


def providers_from(settings: Iterable[ProviderSettings], **options: Any) -> dict[str, OidcProvider]:
    """One :class:`OidcProvider` per configured provider, by name (in order)."""
    return {item.name: OidcProvider(item, **options) for item in settings}
