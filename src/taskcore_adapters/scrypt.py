"""Password hashing with scrypt from the standard library, for installs without argon2.

:func:`taskcore_adapters.in_memory` uses it when the ``security`` extra (argon2-cffi) is
missing; the server always hashes with argon2id (:mod:`taskcore_adapters.security`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from typing import Final

PREFIX: Final = "$scrypt$"
_MAXMEM: Final = 64 * 1024 * 1024
_BURN_SALT: Final = b"taskcore-burn-salt"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)


class ScryptPasswordHasher:
    """A :class:`~taskcore.ports.security.PasswordHasher` on :func:`hashlib.scrypt`.

    Hashes read ``$scrypt$n=16384,r=8,p=1$<salt>$<digest>`` (base64); a hash in another
    scheme, or with other costs, verifies as false or needs a rehash, never raises.
    """

    def __init__(self, *, n: int = 2**14, r: int = 8, p: int = 1) -> None:
        self._params = (n, r, p)
        self._tag = f"n={n},r={r},p={p}"

    def _derive(self, password: str, salt: bytes, params: tuple[int, int, int]) -> bytes:
        n, r, p = params
        return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, maxmem=_MAXMEM, dklen=32)

    def hash(self, password: str) -> str:
        """A fresh salted hash of ``password``."""
        salt = os.urandom(16)
        digest = self._derive(password, salt, self._params)
        return f"{PREFIX}{self._tag}${_b64(salt)}${_b64(digest)}"

    def verify(self, stored_hash: str, password: str) -> bool:
        """Whether ``password`` matches ``stored_hash`` (constant-time comparison)."""
        if not stored_hash.startswith(PREFIX):
            return False
        try:
            tag, salt_text, digest_text = stored_hash[len(PREFIX) :].split("$")
            fields = dict(part.split("=") for part in tag.split(","))
            params = (int(fields["n"]), int(fields["r"]), int(fields["p"]))
            salt, digest = _unb64(salt_text), _unb64(digest_text)
            actual = self._derive(password, salt, params)
        except (ValueError, KeyError, binascii.Error):
            return False
        return hmac.compare_digest(actual, digest)

    def needs_rehash(self, stored_hash: str) -> bool:
        """Whether ``stored_hash`` is in another scheme or has other costs."""
        return not stored_hash.startswith(f"{PREFIX}{self._tag}$")

    def burn(self, password: str) -> None:
        """Spend the time of one verification (for unknown accounts)."""
        self._derive(password, _BURN_SALT, self._params)
