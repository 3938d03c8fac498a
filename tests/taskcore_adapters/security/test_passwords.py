"""argon2id hashing and legacy Werkzeug hashes."""

from __future__ import annotations

import hashlib

import pytest

from taskcore_adapters.security import Argon2PasswordHasher


def werkzeug_hash(password: str, salt: str = "saltsalt", iterations: int = 1000) -> str:
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), iterations).hex()
    return f"pbkdf2:sha256:{iterations}${salt}${digest}"


class TestArgon2PasswordHasher:
    def test_production_parameters(self) -> None:
        """The default encoding is argon2id with OWASP's m=19456, t=2, p=1."""
        encoded = Argon2PasswordHasher().hash("a password")
        assert encoded.startswith("$argon2id$v=19$m=19456,t=2,p=1$")

    def test_verify_round_trip(self, hasher: Argon2PasswordHasher) -> None:
        """The right password verifies; a wrong one does not."""
        encoded = hasher.hash("a password")
        assert (True, False) == (hasher.verify(encoded, "a password"), hasher.verify(encoded, "x"))

    def test_hash_is_salted(self, hasher: Argon2PasswordHasher) -> None:
        """The same password hashes differently each time."""
        assert hasher.hash("same") != hasher.hash("same")

    @pytest.mark.parametrize("stored", ["", "garbage", "$argon2id$broken", "pbkdf2:sha256:x$y$z"])
    def test_malformed_hash_never_verifies(self, hasher: Argon2PasswordHasher, stored: str) -> None:
        """A malformed stored hash does not verify and does not raise."""
        assert not hasher.verify(stored, "anything")
        assert hasher.needs_rehash(stored)

    def test_werkzeug_hash_verifies_and_needs_rehash(self, hasher: Argon2PasswordHasher) -> None:
        """The original system's pbkdf2 hashes verify, and are marked for rehashing."""
        legacy = werkzeug_hash("seed password")
        assert hasher.verify(legacy, "seed password")
        assert not hasher.verify(legacy, "Seed password")
        assert hasher.needs_rehash(legacy)

    def test_werkzeug_iteration_cap(self, hasher: Argon2PasswordHasher) -> None:
        """A legacy hash with an absurd iteration count is refused rather than computed."""
        assert not hasher.verify("pbkdf2:sha256:999999999$s$00", "x")

    def test_cheap_hash_needs_rehash_under_production(self, hasher: Argon2PasswordHasher) -> None:
        """A hash made with weaker parameters is flagged by the production hasher."""
        weak = hasher.hash("pw")
        production = Argon2PasswordHasher()
        assert production.verify(weak, "pw")
        assert production.needs_rehash(weak)
        assert not production.needs_rehash(production.hash("pw"))
