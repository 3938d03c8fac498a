"""ID token validation: only a token of the configured issuer, for this client, unexpired,
carrying the sign-in's nonce and signed by one of the provider's keys passes."""

from __future__ import annotations

from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import OctKey, RSAKey

from taskcore.errors import SignInFailed
from taskcore_adapters.oidc.tokens import KEY_REFRESH_SECONDS, IdTokenValidator

ISSUER = "https://id.example"
CLIENT = "taskcore"
NOW = 1_900_000_000


@pytest.fixture(scope="module")
def keys() -> dict[str, RSAKey]:
    return {kid: RSAKey.generate_key(2048, parameters={"kid": kid}) for kid in ("k1", "k2")}


def claims(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "iss": ISSUER,
        "aud": CLIENT,
        "sub": "alice-1",
        "iat": NOW - 10,
        "exp": NOW + 300,
        "nonce": "n-1",
        "email": "alice@corp.example",
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def sign(key: RSAKey, **changes: Any) -> str:
    return jwt.encode({"alg": "RS256", "kid": key.kid}, claims(**changes), key)


class Jwks:
    """The provider's published keys, counting how often they are read."""

    def __init__(self, *published: RSAKey) -> None:
        self.published = list(published)
        self.reads = 0

    def __call__(self) -> dict[str, Any]:
        self.reads += 1
        return {"keys": [key.as_dict(private=False) for key in self.published]}


def validator(jwks: Jwks, now: list[float] | None = None) -> IdTokenValidator:
    clock = now or [float(NOW)]
    return IdTokenValidator(
        issuer=ISSUER, client_id=CLIENT, fetch_keys=jwks, now=lambda: clock[0], leeway=30
    )


def test_a_good_token_gives_its_claims(keys: dict[str, RSAKey]) -> None:
    found = validator(Jwks(keys["k1"])).validate(sign(keys["k1"]), nonce="n-1")
    assert ("alice-1", "alice@corp.example") == (found["sub"], found["email"])


@pytest.mark.parametrize(
    ("changes", "nonce", "reason"),
    [
        ({"iss": "https://evil.example"}, "n-1", "wrong iss"),
        ({"aud": "someone-else"}, "n-1", "wrong aud"),
        ({"aud": [CLIENT, "other"], "azp": "other"}, "n-1", "wrong azp"),
        ({"exp": NOW - 31}, "n-1", "expired ID token"),
        ({}, "another-nonce", "wrong nonce"),
        ({"nonce": None}, "n-1", "nonce"),
        ({"sub": None}, "n-1", "sub"),
    ],
)
def test_wrong_claims_are_refused(
    keys: dict[str, RSAKey], changes: dict[str, Any], nonce: str, reason: str
) -> None:
    with pytest.raises(SignInFailed, match=reason):
        validator(Jwks(keys["k1"])).validate(sign(keys["k1"], **changes), nonce=nonce)


def test_a_bad_signature_or_a_shared_secret_algorithm_is_refused(keys: dict[str, RSAKey]) -> None:
    """A token signed by another key under a known key id fails its signature; an HMAC
    token (signed with anything public, such as the client id) is never accepted."""
    forged = jwt.encode({"alg": "RS256", "kid": "k1"}, claims(), keys["k2"])
    with pytest.raises(SignInFailed, match="bad signature"):
        validator(Jwks(keys["k1"])).validate(forged, nonce="n-1")
    hmac_token = jwt.encode(
        {"alg": "HS256", "kid": "k1"}, claims(), OctKey.import_key(CLIENT.encode() * 4)
    )
    with pytest.raises(SignInFailed, match="unexpected signature algorithm"):
        validator(Jwks(keys["k1"])).validate(hmac_token, nonce="n-1")
    with pytest.raises(SignInFailed, match="malformed"):
        validator(Jwks(keys["k1"])).validate("not.a-token", nonce="n-1")


def test_an_unknown_key_id_reads_the_keys_again_at_most_once_a_minute(
    keys: dict[str, RSAKey],
) -> None:
    """After the provider rotates to a new key, the first token naming it makes the
    validator read the keys again; unknown key ids do not make it read them more often
    than once a minute."""
    jwks = Jwks(keys["k1"])
    clock = [float(NOW)]
    check = validator(jwks, clock)
    check.validate(sign(keys["k1"]), nonce="n-1")
    clock[0] += KEY_REFRESH_SECONDS
    jwks.published = [keys["k2"]]
    assert "alice-1" == check.validate(sign(keys["k2"]), nonce="n-1")["sub"]
    stranger = RSAKey.generate_key(2048, parameters={"kid": "k9"})
    for _ in range(3):
        with pytest.raises(SignInFailed, match="unknown key"):
            check.validate(sign(stranger), nonce="n-1")
    assert 2 == jwks.reads
