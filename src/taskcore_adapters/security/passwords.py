"""argon2id password hashing, with verification of the original system's Werkzeug hashes."""

from __future__ import annotations

import hashlib
import hmac

import argon2
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_WERKZEUG_PREFIX = "pbkdf2:"
_MAX_LEGACY_ITERATIONS = 5_000_000


class Argon2PasswordHasher:
    """Hashes with argon2id; verifies argon2 and legacy ``pbkdf2:sha256:N$salt$hex`` hashes.

    The defaults are OWASP's m=19456 KiB, t=2, p=1 set (about 36 ms per hash on a small
    machine). Legacy hashes always report :meth:`needs_rehash`, so a successful login
    replaces them.

    Args:
        time_cost: argon2 iterations.
        memory_cost: argon2 memory in KiB.
        parallelism: argon2 lanes.
    """

    def __init__(self, *, time_cost: int = 2, memory_cost: int = 19456, parallelism: int = 1):
        self._argon = argon2.PasswordHasher(
            time_cost=time_cost,
            memory_cost=memory_cost,
            parallelism=parallelism,
            type=argon2.Type.ID,
        )
        self._dummy = self._argon.hash("taskcore-timing-parity")

    @classmethod
    def cheapest(cls) -> Argon2PasswordHasher:
        """Minimal parameters: for test suites only."""
        profile = argon2.profiles.CHEAPEST
        return cls(
            time_cost=profile.time_cost,
            memory_cost=profile.memory_cost,
            parallelism=profile.parallelism,
        )

    def hash(self, password: str) -> str:
        return self._argon.hash(password)

    def verify(self, stored_hash: str, password: str) -> bool:
        if stored_hash.startswith(_WERKZEUG_PREFIX):
            return _verify_werkzeug(stored_hash, password)
        try:
            return self._argon.verify(stored_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored_hash: str) -> bool:
        if stored_hash.startswith(_WERKZEUG_PREFIX):
            return True
        try:
            return self._argon.check_needs_rehash(stored_hash)
        except InvalidHashError:
            return True

    def burn(self, password: str) -> None:
        self.verify(self._dummy, password)


def _verify_werkzeug(stored_hash: str, password: str) -> bool:
    """Check a Werkzeug ``pbkdf2:<digest>:<iterations>$<salt>$<hex>`` hash."""
    try:
        method, salt, expected = stored_hash.split("$", 2)
        _, digest, iterations_text = method.split(":", 2)
        iterations = int(iterations_text)
    except ValueError:
        return False
    if digest not in {"sha256", "sha512"} or not 0 < iterations <= _MAX_LEGACY_ITERATIONS:
        return False
    actual = hashlib.pbkdf2_hmac(digest, password.encode(), salt.encode(), iterations).hex()
    return hmac.compare_digest(actual, expected)
