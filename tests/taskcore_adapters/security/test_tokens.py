"""JWT access tokens: claims, pinned algorithm, expiry, legacy tokens."""

from __future__ import annotations

import datetime as dt

import jwt
import pytest

from taskcore import errors
from taskcore_adapters.security import JwtTokenService, check_secret_key

KEY = "k" * 64
NOW = dt.datetime(2026, 5, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def tokens() -> JwtTokenService:
    """A token service with a 24-hour lifetime."""
    return JwtTokenService(secret_key=KEY)


def claims_of(token: str) -> dict[str, object]:
    return jwt.decode(token, KEY, algorithms=["HS256"], options={"verify_exp": False})  # noqa: TID251


class TestJwtTokenService:
    def test_claims(self, tokens: JwtTokenService) -> None:
        """Tokens carry user_id, sub, iat, exp (24 h later) and a unique jti, signed HS256."""
        issued = tokens.issue(user_id=7, now=NOW)
        claims = claims_of(issued.token)
        assert {"user_id", "sub", "iat", "exp", "jti"} == set(claims)
        assert (7, "7", 86400) == (
            claims["user_id"],
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
            jwt.encode({"user_id": 1, "iat": 1, "exp": 2**40}, None, algorithm="none"),
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
