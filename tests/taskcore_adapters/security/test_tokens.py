"""JWT access tokens: claims, pinned algorithm, expiry, issuer and audience, legacy tokens."""

from __future__ import annotations

import datetime as dt
import json

import jwt
import pytest
from hypothesis import given
from hypothesis import strategies as st

from taskcore import errors
from taskcore_adapters.security import JwtTokenService, check_secret_key
from taskcore_adapters.security.tokens import AUDIENCE, ISSUER, key_id

KEY = "k" * 64
NOW = dt.datetime(2026, 5, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def tokens() -> JwtTokenService:
    """A token service with a 24-hour lifetime."""
    return JwtTokenService(secret_key=KEY)


def claims_of(token: str) -> dict[str, object]:
    return jwt.decode(  # noqa: TID251
        token, KEY, algorithms=["HS256"], audience=AUDIENCE, options={"verify_exp": False}
    )


class TestJwtTokenService:
    def test_claims(self, tokens: JwtTokenService) -> None:
        """Tokens carry user_id, iss, aud, sub, iat, exp (24 h later) and a unique jti,
        signed HS256."""
        issued = tokens.issue(user_id=7, now=NOW)
        claims = claims_of(issued.token)
        assert {"user_id", "iss", "aud", "sub", "iat", "exp", "jti"} == set(claims)
        assert (7, "taskcore", "taskcore-api", "7", 86400) == (
            claims["user_id"],
            claims["iss"],
            claims["aud"],
            claims["sub"],
            int(str(claims["exp"])) - int(str(claims["iat"])),
        )
        assert "HS256" == jwt.get_unverified_header(issued.token)["alg"]
        assert issued.claims.token_id == claims["jti"]
        assert tokens.issue(user_id=7, now=NOW).claims.token_id != issued.claims.token_id

    def test_verify_round_trip(self, tokens: JwtTokenService) -> None:
        """A fresh token verifies to its claims."""
        issued = tokens.issue(user_id=7, now=NOW)
        assert issued.claims == tokens.verify(issued.token, now=NOW + dt.timedelta(hours=1))

    def test_expired(self, tokens: JwtTokenService) -> None:
        """A token past exp (beyond 30 s leeway) is refused."""
        issued = tokens.issue(user_id=7, now=NOW)
        with pytest.raises(errors.TokenInvalid):
            tokens.verify(issued.token, now=NOW + dt.timedelta(hours=24, seconds=31))

    def test_issued_in_future(self, tokens: JwtTokenService) -> None:
        """A token issued later than now (beyond leeway) is refused."""
        issued = tokens.issue(user_id=7, now=NOW + dt.timedelta(minutes=5))
        with pytest.raises(errors.TokenInvalid):
            tokens.verify(issued.token, now=NOW)

    @pytest.mark.parametrize(
        "forged",
        [
            jwt.encode({"user_id": 1, "iat": 1, "exp": 2**40}, "z" * 64, algorithm="HS256"),
            jwt.encode({"user_id": 1, "iat": 1, "exp": 2**40}, KEY, algorithm="HS512"),
            jwt.encode({"user_id": 1, "iat": 1, "exp": 2**40}, "", algorithm="none"),
            jwt.encode({"user_id": 1, "iat": 1}, KEY, algorithm="HS256"),
            jwt.encode({"user_id": "1", "iat": 1, "exp": 2**40}, KEY, algorithm="HS256"),
            jwt.encode({"user_id": True, "iat": 1, "exp": 2**40}, KEY, algorithm="HS256"),
            jwt.encode({"user_id": 1, "sub": "2", "iat": 1, "exp": 2**40}, KEY, algorithm="HS256"),
            "not.a.token",
            "",
        ],
        ids=[
            "other-key",
            "other-alg",
            "alg-none",
            "no-exp",
            "str-id",
            "bool-id",
            "sub-mismatch",
            "junk",
            "empty",
        ],
    )
    def test_refuses_forged_and_malformed(self, tokens: JwtTokenService, forged: str) -> None:
        """Wrong key, wrong or no algorithm, missing exp and odd claims are all refused."""
        with pytest.raises(errors.TokenInvalid):
            tokens.verify(forged, now=NOW)

    def test_legacy_token_accepted_with_digest_id(self, tokens: JwtTokenService) -> None:
        """An original-system token (user_id, iat, exp) verifies; its id is a digest of it."""
        legacy = jwt.encode(
            {"user_id": 3, "iat": int(NOW.timestamp()), "exp": int(NOW.timestamp()) + 60},
            KEY,
            algorithm="HS256",
        )
        claims = tokens.verify(legacy, now=NOW)
        assert 3 == claims.user_id
        assert claims.token_id.startswith("sha256:")


class TestSecretKey:
    @pytest.mark.parametrize("key", ["", "short", "x" * 31])
    def test_short_keys_refused(self, key: str) -> None:
        """Keys under 32 bytes are refused with a message naming the variable."""
        with pytest.raises(ValueError, match="TASKCORE_SECRET_KEY"):
            check_secret_key(key)
        with pytest.raises(ValueError, match="TASKCORE_SECRET_KEY"):
            JwtTokenService(secret_key=key)


class TestSessions:
    def test_session_id_round_trip(self, tokens: JwtTokenService) -> None:
        """A token minted for a session carries it as ``sid`` and verifies back to it."""
        issued = tokens.issue(user_id=7, now=NOW, session_id="abc123")
        assert "abc123" == claims_of(issued.token)["sid"]
        assert "abc123" == tokens.verify(issued.token, now=NOW).session_id

    @pytest.mark.parametrize("sid", [5, "", None, ["a"]], ids=["int", "empty", "null", "list"])
    def test_malformed_session_ids_are_refused(self, tokens: JwtTokenService, sid: object) -> None:
        """A correctly signed token whose ``sid`` is not a non-empty string is refused."""
        token = jwt.encode(
            {"user_id": 1, "iat": int(NOW.timestamp()), "exp": 2**40, "sid": sid},
            KEY,
            algorithm="HS256",
        )
        with pytest.raises(errors.TokenInvalid):
            tokens.verify(token, now=NOW)

    @pytest.mark.parametrize(
        "headers",
        [
            {"kid": "../../../keys/other.pem"},
            {"kid": "1' OR '1'='1"},
            {"jku": "http://127.0.0.1:9/keys.json"},
            {"x5u": "http://127.0.0.1:9/cert.pem"},
            {"jwk": {"kty": "oct", "k": "eg"}},
        ],
        ids=["kid-path", "kid-sql", "jku", "x5u", "jwk"],
    )
    def test_hostile_headers_change_nothing(
        self, tokens: JwtTokenService, headers: dict[str, object]
    ) -> None:
        """Key-pointing headers are never followed: a token signed with another key is
        refused whatever its header says (and no socket may open: pytest-socket)."""
        token = jwt.encode(
            {"user_id": 1, "iat": int(NOW.timestamp()), "exp": 2**40},
            "z" * 64,
            algorithm="HS256",
            headers=headers,
        )
        with pytest.raises(errors.TokenInvalid):
            tokens.verify(token, now=NOW)


REMOVED = object()
"""Marks a claim taken out of the token."""

STAMP = int(NOW.timestamp())
ALTERATIONS: dict[str, list[object]] = {
    "exp": [REMOVED, None, STAMP - 31, STAMP - 86400, str(STAMP + 3600), float(STAMP + 3600)],
    "iat": [REMOVED, None, STAMP + 31, STAMP + 86400, str(STAMP), True],
    "nbf": [STAMP + 31, STAMP + 86400, str(STAMP), None],
    "iss": [REMOVED, None, "", "other", "Taskcore", "taskcore ", 1, [ISSUER]],
    "aud": [
        REMOVED,
        None,
        "",
        "other",
        "taskcore-API",
        [AUDIENCE],
        [AUDIENCE, "other"],
        ["other", AUDIENCE],
        [],
        7,
    ],
    "sub": [REMOVED, None, "", "8", " 7", 7, ["7"]],
    "jti": [REMOVED, None, "", 7, ["a"]],
}
"""For each claim, ways to take it out or make it wrong: expired beyond the 30 s leeway,
issued or valid only in the future beyond it, a wrong, differently cased or non-string
issuer, a wrong, extra or listed audience, another or a non-string subject, an empty or
non-string token id."""


def resigned(claims: dict[str, object]) -> str:
    """``claims`` signed with the right key, type and kid: only the claims are at fault
    (signed as raw JSON, since PyJWT's encoder refuses some of the wrong values)."""
    return jwt.PyJWS().encode(
        json.dumps(claims).encode(),
        KEY,
        algorithm="HS256",
        headers={"typ": "at+jwt", "kid": key_id(KEY)},
    )


@st.composite
def altered_claims(draw: st.DrawFn) -> dict[str, object]:
    """A non-empty set of claims, each removed or altered one of the ways above."""
    names = draw(st.sets(st.sampled_from(sorted(ALTERATIONS)), min_size=1))
    return {name: draw(st.sampled_from(ALTERATIONS[name])) for name in sorted(names)}


class TestClaimMatrix:
    """T03: every removed or altered claim is refused; the untouched token verifies."""

    def issued_claims(self) -> dict[str, object]:
        return claims_of(JwtTokenService(secret_key=KEY).issue(user_id=7, now=NOW).token)

    def test_untouched_token_verifies_when_resigned(self) -> None:
        """The claims of an issued token, signed again by hand, verify: the refusals in
        this class come from the altered claims alone."""
        verified = JwtTokenService(secret_key=KEY).verify(resigned(self.issued_claims()), now=NOW)
        assert (7, None) == (verified.user_id, verified.session_id)

    def test_a_valid_not_before_is_accepted(self) -> None:
        """An ``nbf`` in the past, or within the leeway, does not make a token invalid."""
        tokens = JwtTokenService(secret_key=KEY)
        for nbf in (STAMP - 3600, STAMP + 30):
            token = resigned(self.issued_claims() | {"nbf": nbf})
            assert 7 == tokens.verify(token, now=NOW).user_id

    def refuse(self, changes: dict[str, object]) -> None:
        claims = self.issued_claims()
        for name, value in changes.items():
            if value is REMOVED:
                claims.pop(name, None)
            else:
                claims[name] = value
        with pytest.raises(errors.TokenInvalid):
            JwtTokenService(secret_key=KEY).verify(resigned(claims), now=NOW)

    @pytest.mark.parametrize(
        ("name", "value"),
        [(name, value) for name, values in ALTERATIONS.items() for value in values],
        ids=lambda v: "removed" if v is REMOVED else repr(v),
    )
    def test_each_alteration_alone_is_refused(self, name: str, value: object) -> None:
        """Every single removal or alteration of the matrix is enough for a 401."""
        self.refuse({name: value})

    @given(altered_claims())
    def test_every_altered_token_is_refused(self, changes: dict[str, object]) -> None:
        """Any non-empty set of claims among exp, iat, nbf, iss, aud, sub and jti, each
        removed or altered, makes the token invalid."""
        self.refuse(changes)

    @pytest.mark.parametrize(
        ("issuer", "audience"),
        [("taskcore", "other-api"), ("other", "taskcore-api")],
        ids=["other-audience", "other-issuer"],
    )
    def test_a_service_with_another_issuer_or_audience_refuses(
        self, issuer: str, audience: str
    ) -> None:
        """A token for another audience, or from another issuer, is refused even when it
        is signed with the same key."""
        token = JwtTokenService(secret_key=KEY).issue(user_id=7, now=NOW).token
        other = JwtTokenService(secret_key=KEY, issuer=issuer, audience=audience)
        assert 7 == other.verify(other.issue(user_id=7, now=NOW).token, now=NOW).user_id
        with pytest.raises(errors.TokenInvalid):
            other.verify(token, now=NOW)

    @pytest.mark.parametrize(
        "extra",
        [{"iss": ISSUER}, {"aud": AUDIENCE}, {"iss": ISSUER, "aud": AUDIENCE}],
        ids=["iss", "aud", "both"],
    )
    def test_original_system_tokens_stay_exact(
        self, tokens: JwtTokenService, extra: dict[str, str]
    ) -> None:
        """The exception for the original system's tokens admits exactly user_id, iat and
        exp: the same token with our issuer or audience added is refused."""
        claims: dict[str, object] = {"user_id": 3, "iat": STAMP, "exp": STAMP + 60}
        assert 3 == tokens.verify(jwt.encode(claims, KEY, algorithm="HS256"), now=NOW).user_id
        with pytest.raises(errors.TokenInvalid):
            tokens.verify(jwt.encode(claims | extra, KEY, algorithm="HS256"), now=NOW)
