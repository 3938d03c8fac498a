"""The OpenID Connect provider adapter over a scripted HTTP transport: discovery, the
authorization request (PKCE S256, state, nonce), the answer's checks and the code
exchange. The whole flow against a real provider is in tests/e2e/test_oidc_sso.py."""

from __future__ import annotations

import base64
import hashlib
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx2
import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

from taskcore.errors import SignInFailed
from taskcore_adapters.config_checks import OidcProviderSettings
from taskcore_adapters.oidc import OidcProvider
from taskcore_adapters.oidc.provider import to_claims

ISSUER = "https://id.example/realm"
NOW = 1_900_000_000
REDIRECT = "https://tasks.example/login/oidc/corp/callback"
SETTINGS = OidcProviderSettings(
    name="corp",
    issuer=ISSUER,
    client_id="taskcore",
    client_secret="s3cret:/%",
    display_name="Corp",
    scopes=("openid", "email", "groups"),
)


class FakeProvider:
    """Answers discovery, keys and the token endpoint; records token requests."""

    def __init__(self, key: RSAKey, *, issuer: str = ISSUER) -> None:
        self.key = key
        self.issuer = issuer
        self.token_requests: list[httpx2.Request] = []
        self.id_token_claims: dict[str, Any] = {}
        self.token_status = 200

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        path = request.url.path
        if path.endswith("/.well-known/openid-configuration"):
            return httpx2.Response(
                200,
                json={
                    "issuer": self.issuer,
                    "authorization_endpoint": ISSUER + "/auth",
                    "token_endpoint": ISSUER + "/token",
                    "jwks_uri": ISSUER + "/jwks",
                },
            )
        if path.endswith("/jwks"):
            return httpx2.Response(200, json={"keys": [self.key.as_dict(private=False)]})
        if path.endswith("/token"):
            self.token_requests.append(request)
            header = {"alg": "RS256", "kid": self.key.kid}
            token = jwt.encode(header, self.id_token_claims, self.key)
            return httpx2.Response(self.token_status, json={"id_token": token})
        return httpx2.Response(404)


@pytest.fixture(scope="module")
def key() -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": "k1"})


def provider(fake: FakeProvider) -> OidcProvider:
    client = httpx2.Client(transport=httpx2.MockTransport(fake))
    return OidcProvider(SETTINGS, client=client, now=lambda: NOW)


def test_the_authorization_request_carries_pkce_state_and_nonce(key: RSAKey) -> None:
    """The browser goes to the discovered endpoint with the client, the scopes, a fresh
    state and nonce, and the S256 challenge of a fresh verifier."""
    oidc = provider(FakeProvider(key))
    first, second = oidc.start(REDIRECT), oidc.start(REDIRECT)
    query = {k: v[0] for k, v in parse_qs(urlsplit(first.url).query).items()}
    digest = hashlib.sha256(first.code_verifier.encode()).digest()
    challenge = base64.urlsafe_b64encode(digest).decode().rstrip("=")
    assert first.url.startswith(ISSUER + "/auth?")
    assert {
        "response_type": "code",
        "client_id": "taskcore",
        "redirect_uri": REDIRECT,
        "scope": "openid email groups",
        "state": first.state,
        "nonce": first.nonce,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    } == query
    assert len(first.code_verifier) >= 43
    assert {first.state, first.nonce}.isdisjoint({second.state, second.nonce})


def test_the_code_is_exchanged_with_the_verifier_and_the_token_validated(key: RSAKey) -> None:
    """The code goes to the token endpoint with the verifier and the client's credentials
    (form-encoded, then Basic); the validated ID token gives the person's claims."""
    fake = FakeProvider(key)
    oidc = provider(fake)
    started = oidc.start(REDIRECT)
    fake.id_token_claims = {
        "iss": ISSUER,
        "aud": "taskcore",
        "sub": "u-1",
        "iat": NOW,
        "exp": NOW + 60,
        "nonce": started.nonce,
        "email": "a@corp.example",
        "email_verified": True,
        "groups": ["admins"],
    }
    found = oidc.complete(
        started, redirect_uri=REDIRECT, params={"code": "c-1", "state": started.state}
    )
    sent = fake.token_requests[0]
    form = {k: v[0] for k, v in parse_qs(sent.content.decode()).items()}
    credentials = base64.b64decode(sent.headers["Authorization"].removeprefix("Basic ")).decode()
    assert ("u-1", True, ("admins",)) == (found.subject, found.email_verified, found.groups)
    assert {
        "grant_type": "authorization_code",
        "code": "c-1",
        "redirect_uri": REDIRECT,
        "code_verifier": started.code_verifier,
    } == form
    assert "taskcore:s3cret%3A%2F%25" == credentials


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"error": "access_denied", "state": "x"}, "cancelled or refused at Corp"),
        ({"code": "c-1", "state": "forged"}, "does not belong"),
        ({"state": "{state}"}, "does not belong"),
    ],
)
def test_a_denied_or_foreign_answer_fails_before_any_exchange(
    key: RSAKey, params: dict[str, str], message: str
) -> None:
    fake = FakeProvider(key)
    oidc = provider(fake)
    started = oidc.start(REDIRECT)
    answer = {k: v.format(state=started.state) for k, v in params.items()}
    with pytest.raises(SignInFailed, match=message):
        oidc.complete(started, redirect_uri=REDIRECT, params=answer)
    assert [] == fake.token_requests


def test_provider_failures_become_sign_in_failures(key: RSAKey) -> None:
    """Another issuer in the discovery document, a refused code, an unreachable provider:
    each is a ``SignInFailed`` with a message to show."""
    with pytest.raises(SignInFailed, match="names another issuer"):
        provider(FakeProvider(key, issuer="https://evil.example")).start(REDIRECT)
    fake = FakeProvider(key)
    fake.token_status = 400
    oidc = provider(fake)
    started = oidc.start(REDIRECT)
    with pytest.raises(SignInFailed, match="refused the sign-in code"):
        oidc.complete(started, redirect_uri=REDIRECT, params={"code": "c", "state": started.state})

    def unreachable(request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ConnectError("refused", request=request)

    down = OidcProvider(SETTINGS, client=httpx2.Client(transport=httpx2.MockTransport(unreachable)))
    with pytest.raises(SignInFailed, match="could not be reached"):
        down.start(REDIRECT)


def test_claims_keep_what_taskcore_uses() -> None:
    """Only a literal ``true`` verifies an address; a single group may be a string;
    blank names are dropped."""
    found = to_claims(
        {"sub": "1", "email_verified": "true", "groups": "staff", "name": " "},
        groups_claim="groups",
    )
    assert (False, ("staff",), None) == (found.email_verified, found.groups, found.name)
