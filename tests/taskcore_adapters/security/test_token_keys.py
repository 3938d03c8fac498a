"""Access-token typing (``typ: at+jwt``) and key rotation by ``kid``."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Mapping

import jwt
import pytest

from taskcore import errors
from taskcore_adapters.bootstrap import in_memory
from taskcore_adapters.config import ConfigError, Settings
from taskcore_adapters.security import JwtTokenService, Keyring
from taskcore_adapters.security.tokens import key_id

K1 = "1" * 48
K2 = "2" * 48
NOW = dt.datetime(2026, 5, 1, 12, 0, tzinfo=dt.UTC)


def resign(token: str, key: str, **header: object) -> str:
    """The claims of ``token`` signed again with ``key`` under ``header``."""
    claims = jwt.decode(token, options={"verify_signature": False})  # noqa: TID251
    return jwt.encode(claims, key, algorithm="HS256", headers=header)


def sign_by_hand(header: Mapping[str, object], token: str, key: str) -> str:
    """The claims of ``token`` under any ``header`` (PyJWT refuses a non-string kid),
    HS256-signed with ``key``."""

    def part(data: bytes) -> bytes:
        return base64.urlsafe_b64encode(data).rstrip(b"=")

    claims = jwt.decode(token, options={"verify_signature": False})  # noqa: TID251
    signed = part(json.dumps(header).encode()) + b"." + part(json.dumps(claims).encode())
    mac = hmac.new(key.encode(), signed, hashlib.sha256).digest()
    return (signed + b"." + part(mac)).decode()


class TestTokenType:
    def test_issued_tokens_are_typed_and_carry_the_kid(self) -> None:
        """A new token's header is exactly alg HS256, typ at+jwt and the signing key's kid."""
        tokens = JwtTokenService(secret_key=K1)
        issued = tokens.issue(user_id=7, now=NOW, session_id="s1")
        assert {"alg": "HS256", "typ": "at+jwt", "kid": key_id(K1)} == jwt.get_unverified_header(
            issued.token
        )

    @pytest.mark.parametrize(
        "typ", [None, "JWT", "jwt", "at+JWT", "refresh+jwt", "at+jwt "], ids=repr
    )
    def test_other_types_refused_even_with_the_right_key(self, typ: str | None) -> None:
        """A token signed with the right key and kid but without ``typ: at+jwt`` is refused."""
        tokens = JwtTokenService(secret_key=K1)
        issued = tokens.issue(user_id=7, now=NOW, session_id="s1")
        forged = resign(issued.token, K1, typ=typ, kid=key_id(K1))
        assert typ == jwt.get_unverified_header(forged).get("typ")
        with pytest.raises(errors.TokenInvalid):
            tokens.verify(forged, now=NOW)

    @pytest.mark.parametrize("typ", [["at+jwt"], {"t": 1}, 7], ids=["list", "object", "int"])
    @pytest.mark.parametrize("kid", [None, key_id(K1)], ids=["no-kid", "kid"])
    def test_odd_typ_values_refused(self, typ: object, kid: str | None) -> None:
        """A ``typ`` that is not a string is refused, never an error."""
        tokens = JwtTokenService(secret_key=K1)
        issued = tokens.issue(user_id=7, now=NOW)
        header = {"alg": "HS256", "typ": typ} | ({} if kid is None else {"kid": kid})
        with pytest.raises(errors.TokenInvalid):
            tokens.verify(sign_by_hand(header, issued.token, K1), now=NOW)

    @pytest.mark.parametrize("typ", [None, "JWT"], ids=repr)
    def test_untyped_token_with_our_claims_refused(self, typ: str | None) -> None:
        """Without a kid, only the original system's exact claims may go untyped: a token
        carrying taskcore's claims (``sub``, ``jti``, ``sid``) is refused."""
        tokens = JwtTokenService(secret_key=K1)
        issued = tokens.issue(user_id=7, now=NOW, session_id="s1")
        with pytest.raises(errors.TokenInvalid):
            tokens.verify(resign(issued.token, K1, typ=typ), now=NOW)

    def test_original_system_token_still_verifies(self) -> None:
        """A token with only ``user_id``, ``iat`` and ``exp`` (typ JWT, no kid) verifies."""
        legacy = jwt.encode(
            {"user_id": 3, "iat": int(NOW.timestamp()), "exp": int(NOW.timestamp()) + 60},
            K1,
            algorithm="HS256",
        )
        assert 3 == JwtTokenService(secret_key=K1).verify(legacy, now=NOW).user_id

    def test_refresh_token_is_not_an_access_token(self) -> None:
        """An opaque refresh token presented as an access token is refused."""
        runtime = in_memory(secret_key=K1)
        users = runtime.core.users
        users.register(username="alice", email="a@example.com", password="pw-jk3#8x", full_name="A")
        result = users.login(username="alice", password="pw-jk3#8x")
        assert result.refresh_token
        with pytest.raises(errors.TokenInvalid):
            JwtTokenService(secret_key=K1).verify(result.refresh_token, now=NOW)


class TestKeyRotation:
    def test_rotate_then_retire_without_restart(self) -> None:
        """k1 tokens verify after rotating to k2 (k1 verify-only) and fail once k1 is retired;
        new tokens carry k2's kid."""
        tokens = JwtTokenService(secret_key=K1)
        old = tokens.issue(user_id=7, now=NOW).token
        assert key_id(K2) == tokens.keyring.rotate(K2)
        new = tokens.issue(user_id=7, now=NOW).token
        assert (key_id(K1), key_id(K2)) == (
            jwt.get_unverified_header(old)["kid"],
            jwt.get_unverified_header(new)["kid"],
        )
        assert (7, 7) == (
            tokens.verify(old, now=NOW).user_id,
            tokens.verify(new, now=NOW).user_id,
        )
        tokens.keyring.retire(key_id(K1))
        with pytest.raises(errors.TokenInvalid):
            tokens.verify(old, now=NOW)
        assert 7 == tokens.verify(new, now=NOW).user_id

    def test_previous_keys_verify_but_never_sign(self) -> None:
        """A service started with k2 signing and k1 verify-only accepts k1 tokens and signs
        with k2."""
        old = JwtTokenService(secret_key=K1).issue(user_id=5, now=NOW).token
        tokens = JwtTokenService(secret_key=K2, previous_keys=[K1])
        assert 5 == tokens.verify(old, now=NOW).user_id
        assert (
            key_id(K2) == jwt.get_unverified_header(tokens.issue(user_id=5, now=NOW).token)["kid"]
        )
        assert frozenset({key_id(K1), key_id(K2)}) == tokens.keyring.kids

    @pytest.mark.parametrize(
        "kid",
        ["0123456789abcdef", "../../../keys/other.pem", "1' OR '1'='1", "k" * 10_000, 7, ["a"]],
        ids=["unknown", "path", "sql", "10kb", "int", "list"],
    )
    def test_unknown_kids_refused_even_with_the_right_key(self, kid: object) -> None:
        """A kid outside the keyring is refused, even if the token is signed with the
        signing key itself."""
        tokens = JwtTokenService(secret_key=K1)
        issued = tokens.issue(user_id=7, now=NOW)
        header = {"alg": "HS256", "typ": "at+jwt", "kid": kid}
        with pytest.raises(errors.TokenInvalid):
            tokens.verify(sign_by_hand(header, issued.token, K1), now=NOW)

    def test_hand_signed_token_with_the_right_kid_verifies(self) -> None:
        """The hand signer makes valid tokens, so the refusals above are about the kid."""
        tokens = JwtTokenService(secret_key=K1)
        issued = tokens.issue(user_id=7, now=NOW)
        header = {"alg": "HS256", "typ": "at+jwt", "kid": key_id(K1)}
        assert 7 == tokens.verify(sign_by_hand(header, issued.token, K1), now=NOW).user_id

    def test_a_kid_cannot_pick_another_known_key(self) -> None:
        """A token signed with k1 but naming k2's kid is refused."""
        tokens = JwtTokenService(secret_key=K2, previous_keys=[K1])
        issued = JwtTokenService(secret_key=K1).issue(user_id=7, now=NOW)
        with pytest.raises(errors.TokenInvalid):
            tokens.verify(resign(issued.token, K1, typ="at+jwt", kid=key_id(K2)), now=NOW)

    def test_signing_key_cannot_be_retired(self) -> None:
        """Retiring the key that signs is refused; retiring an unknown kid changes nothing."""
        keyring = Keyring(K1)
        with pytest.raises(ValueError, match="rotate first"):
            keyring.retire(key_id(K1))
        keyring.retire("unknown")
        assert frozenset({key_id(K1)}) == keyring.kids

    def test_short_previous_key_refused(self) -> None:
        """A verify-only key under 32 bytes is refused, naming its setting."""
        with pytest.raises(ValueError, match="TASKCORE_PREVIOUS_SECRET_KEYS"):
            Keyring(K1, ["short"])
        with pytest.raises(ValueError, match="TASKCORE_SECRET_KEY must"):
            Keyring(K1).rotate("short")


class TestSetting:
    def test_previous_keys_from_the_environment(self) -> None:
        """``TASKCORE_PREVIOUS_SECRET_KEYS`` is a comma-separated list of keys."""
        settings = Settings.from_env(
            {"TASKCORE_SECRET_KEY": K2, "TASKCORE_PREVIOUS_SECRET_KEYS": f" {K1} , {'3' * 40},"}
        )
        assert (K1, "3" * 40) == settings.previous_secret_keys
        assert () == Settings.from_env({}).previous_secret_keys
        assert K1 not in repr(settings)

    def test_short_previous_key_is_a_config_error(self) -> None:
        """A short key in the list is refused at start, without echoing it."""
        with pytest.raises(ConfigError, match="TASKCORE_PREVIOUS_SECRET_KEYS") as caught:
            Settings.from_env({"TASKCORE_PREVIOUS_SECRET_KEYS": f"{K1},tooshort"})
        assert "tooshort" not in str(caught.value)
