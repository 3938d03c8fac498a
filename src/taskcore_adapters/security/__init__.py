"""Password hashing (argon2id) and access tokens (JWT through PyJWT)."""

from taskcore_adapters.security.passwords import Argon2PasswordHasher
from taskcore_adapters.security.tokens import JwtTokenService, Keyring, check_secret_key

__all__ = ["Argon2PasswordHasher", "JwtTokenService", "Keyring", "check_secret_key"]
