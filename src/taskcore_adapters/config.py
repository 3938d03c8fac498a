"""Settings: a typed object, filled from the environment only by an explicit call.

Every variable is optional; the defaults give the embedded profile (SQLite file, local
files, inline jobs, a development mailer) inside ``TASKCORE_DATA_DIR``.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from pathlib import Path

import attrs

from taskcore.domain.attachments import DEFAULT_MAX_UPLOAD_BYTES
from taskcore_adapters.security.tokens import check_secret_key

SECRET_FILE = "secret_key"  # noqa: S105  # nosec B105


class ConfigError(ValueError):
    """A setting is present but unusable; the message names the variable."""


@attrs.frozen(kw_only=True)
class Settings:
    """Everything needed to assemble taskcore and its server.

    Attributes:
        data_dir: Folder for the embedded database, files, mail and the generated key.
        database_url: SQLAlchemy URL; ``None`` means a SQLite file in ``data_dir``.
        storage_url: fsspec URL for attachments; ``None`` means ``data_dir/files``.
        max_upload_bytes: The largest attachment accepted (16 MiB by default).
        mail_url: ``smtp://`` or ``smtp+starttls://`` URL; ``None`` writes ``.eml`` files.
        queue_url: ``redis://`` URL for rq; ``None`` runs jobs inline.
        secret_key: JWT signing key (≥ 32 bytes); ``None`` means generate one in
            ``data_dir`` on first use.
        token_ttl_seconds: Access-token lifetime.
        password_time_cost / password_memory_cost: argon2id parameters.
        rate_limit_url: Where throttling counts live: ``memory://`` or ``redis://...``.
        auth_rate_per_address: Login/registration attempts per client address
            (``limits`` notation such as ``30/minute``; ``off`` disables).
        failed_login_rate: Failed logins per account before it is throttled.
    """

    data_dir: Path = Path("taskcore-data")
    database_url: str | None = None
    storage_url: str | None = None
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES
    mail_url: str | None = None
    queue_url: str | None = None
    secret_key: str | None = attrs.field(default=None, repr=False)
    token_ttl_seconds: int = 86400
    password_time_cost: int = 2
    password_memory_cost: int = 19456
    rate_limit_url: str = "memory://"
    auth_rate_per_address: str | None = "30/minute"
    failed_login_rate: str | None = "10/minute"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read ``TASKCORE_*`` variables (from ``os.environ`` unless given).

        Raises:
            ConfigError: a variable is malformed (its name is in the message).
        """
        env = os.environ if environ is None else environ

        def opt(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        ttl_text = opt("TASKCORE_TOKEN_TTL_SECONDS")
        ttl = 86400
        if ttl_text is not None:
            try:
                ttl = int(ttl_text)
            except ValueError:
                raise ConfigError("TASKCORE_TOKEN_TTL_SECONDS must be a whole number") from None
            if ttl <= 0:
                raise ConfigError("TASKCORE_TOKEN_TTL_SECONDS must be positive")
        max_upload = DEFAULT_MAX_UPLOAD_BYTES
        max_upload_text = opt("TASKCORE_MAX_UPLOAD_BYTES")
        if max_upload_text is not None:
            try:
                max_upload = int(max_upload_text)
            except ValueError:
                raise ConfigError("TASKCORE_MAX_UPLOAD_BYTES must be a whole number") from None
            if max_upload <= 0:
                raise ConfigError("TASKCORE_MAX_UPLOAD_BYTES must be positive")
        secret = env.get("TASKCORE_SECRET_KEY")
        if secret is not None:
            try:
                check_secret_key(secret)
            except ValueError as exc:
                raise ConfigError(str(exc)) from None
        return cls(
            data_dir=Path(opt("TASKCORE_DATA_DIR") or "taskcore-data"),
            database_url=opt("TASKCORE_DATABASE_URL"),
            storage_url=opt("TASKCORE_STORAGE_URL"),
            max_upload_bytes=max_upload,
            mail_url=opt("TASKCORE_MAIL_URL"),
            queue_url=opt("TASKCORE_QUEUE_URL"),
            secret_key=secret,
            token_ttl_seconds=ttl,
            rate_limit_url=opt("TASKCORE_RATE_LIMIT_URL") or "memory://",
            auth_rate_per_address=_rate(env, "TASKCORE_AUTH_RATE_PER_ADDRESS", "30/minute"),
            failed_login_rate=_rate(env, "TASKCORE_FAILED_LOGIN_RATE", "10/minute"),
        )

    @property
    def effective_database_url(self) -> str:
        """The database URL, defaulting to ``sqlite:///<data_dir>/taskcore.db``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'taskcore.db').absolute()}"

    @property
    def is_embedded_database(self) -> bool:
        """Whether the database is SQLite (the server then migrates it on start)."""
        return self.effective_database_url.startswith("sqlite")

    def resolve_secret_key(self) -> str:
        """The signing key: the configured one, or one generated once in ``data_dir``.

        The generated key is written with mode 0600 and reused on later starts, so tokens
        survive restarts and are shared by every worker process.

        Raises:
            ConfigError: the configured or stored key is shorter than 32 bytes.
        """
        if self.secret_key is not None:
            try:
                return check_secret_key(self.secret_key)
            except ValueError as exc:
                raise ConfigError(str(exc)) from None
        path = self.data_dir / SECRET_FILE
        self.data_dir.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            key = path.read_text(encoding="utf-8").strip()
        else:
            key = secrets.token_urlsafe(48)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(key + "\n")
        try:
            return check_secret_key(key)
        except ValueError:
            raise ConfigError(f"the key stored in {path} is too short; remove it") from None


def _rate(env: Mapping[str, str], name: str, default: str) -> str | None:
    """A rate such as ``30/minute`` (checked), or ``None`` for ``off``.

    Raises:
        ConfigError: the value is not a rate.
    """
    value = env.get(name, "").strip() or default
    if value.lower() == "off":
        return None
    if not re.fullmatch(r"\d+\s*(/|per)\s*\d*\s*(second|minute|hour|day)s?", value):
        raise ConfigError(f"{name} must look like 30/minute (or be off)")
    return value
