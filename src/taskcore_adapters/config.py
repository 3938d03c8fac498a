"""Settings: a typed object, filled from the environment only by an explicit call.

Every variable is optional; the defaults give the embedded profile (SQLite file, local
files, inline jobs, a development mailer) inside ``TASKCORE_DATA_DIR``.
"""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
from collections.abc import Mapping
from pathlib import Path

import attrs

from taskcore.domain.attachments import DEFAULT_MAX_UPLOAD_BYTES, DEFAULT_USER_QUOTA_BYTES
from taskcore.domain.webhook_urls import parse_allow_hosts


def check_secret_key(key: str, *, name: str = "TASKCORE_SECRET_KEY") -> str:
    """:func:`taskcore_adapters.security.tokens.check_secret_key`, imported when first
    needed, so that the settings load without the ``security`` extra."""
    from taskcore_adapters.security.tokens import check_secret_key as check

    return check(key, name=name)


SECRET_FILE = "secret_key"  # noqa: S105  # nosec B105

DEFAULT_MAIL_FROM = "taskcore@localhost"
"""The ``From`` of the development mailer's ``.eml`` files; a real SMTP server needs
``TASKCORE_MAIL_FROM`` (an address of a domain the operator owns)."""

SECRET_VARIABLES = (
    "TASKCORE_SECRET_KEY",
    "TASKCORE_PREVIOUS_SECRET_KEYS",
    "TASKCORE_DATABASE_URL",
    "TASKCORE_QUEUE_URL",
    "TASKCORE_RATE_LIMIT_URL",
    "TASKCORE_MAIL_URL",
    "TASKCORE_MAIL_PASSWORD",
    "TASKCORE_STORAGE_URL",
    "TASKCORE_METRICS_TOKEN",
)
"""Variables that hold secrets (keys, passwords, URLs with credentials): each may instead
be read from a file named by ``<variable>_FILE`` (Docker and systemd secrets)."""

LOCAL_HOSTS = ("localhost", "127.0.0.1", "[::1]")
"""The hosts the server answers to unless ``TASKCORE_ALLOWED_HOSTS`` says otherwise: this
machine only."""


class ConfigError(ValueError):
    """A setting is present but unusable; the message names the variable."""


@attrs.frozen(kw_only=True)
class Settings:
    """Everything needed to assemble taskcore and its server.

    Attributes:
        data_dir: Folder for the embedded database, files, mail and the generated key.
        database_url: SQLAlchemy URL; ``None`` means a SQLite file in ``data_dir``.
        database_pool_size / database_max_overflow: PostgreSQL connections kept open, and
            opened beyond them under load, per process.
        database_pool_timeout_seconds: How long a request waits for a free PostgreSQL
            connection before it is answered 503 with ``Retry-After``.
        storage_url: fsspec URL for attachments; ``None`` means ``data_dir/files``.
        max_upload_bytes: The largest attachment accepted (16 MiB by default).
        user_quota_bytes: How many bytes of attachments one user may have stored (1 GiB
            by default); 0 means no limit.
        clamd_url: ``tcp://host:port`` of a ClamAV daemon that scans every upload;
            ``None`` (the default) scans nothing.
        mail_url: ``smtp://`` or ``smtp+starttls://`` URL; ``None`` writes ``.eml`` files.
        queue_url: ``redis://`` URL for rq; ``None`` runs jobs inline.
        secret_key: JWT signing key (≥ 32 bytes); ``None`` means generate one in
            ``data_dir`` on first use.
        previous_secret_keys: Verify-only signing keys of earlier rotations: tokens they
            signed still verify (by their ``kid``) until the key is removed.
        token_ttl_seconds: Access-token lifetime.
        session_ttl_seconds: How long a login can be renewed with refresh tokens.
        refresh_reuse_grace_seconds: How long after its first use a refresh token presented
            again is refused without revoking its session (two tabs renewing at once); 0
            makes every replay a reuse that ends the session.
        password_time_cost / password_memory_cost: argon2id parameters.
        rate_limit_url: Where throttling counts live: ``memory://`` or ``redis://...``.
        auth_rate_per_address: Login/registration attempts per client address
            (``limits`` notation such as ``30/minute``; ``off`` disables).
        failed_login_rate: Failed logins for one account from one client address before
            that address is throttled for it.
        account_failed_login_rate: Failed logins for one account from all addresses before
            every address but the account's known ones (a successful sign-in in the last
            30 days) is throttled for it.
        password_change_rate: Password changes with a wrong current password in one login
            session before the session is throttled.
        background_relay: Relay committed events in a background thread instead of in
            the call that committed them. ``TASKCORE_RELAY`` is ``background`` unless set
            to ``inline`` (handlers run before the response); settings made in code are
            inline unless they say otherwise.
        trusted_proxies: Addresses or CIDR networks of reverse proxies whose
            ``X-Forwarded-For`` is believed (none by default).
        allowed_hosts: The names (and IP addresses) the server answers to in the ``Host``
            header; any other is refused with 400 before routing, so nothing the server
            writes (a redirect's address) can name another host. ``*.example.com`` allows
            the subdomains, ``*`` any host. ``TASKCORE_ALLOWED_HOSTS`` defaults to
            :data:`LOCAL_HOSTS`; settings made in code also allow ``testserver`` (the
            name test clients send) unless they say otherwise.
        log_retention_days: Days activity entries are kept (90 by default).
        event_retention_days: Days published events whose deliveries are all done are
            kept in the outbox, with those deliveries (7 by default).
        webhook_allow_http: Accept plain ``http`` webhook URLs (and port 80).
        webhook_ports: Ports accepted in webhook URLs besides 443 (and 80).
        webhook_allow_hosts: Exact ``host:port`` pairs webhooks may reach even when they
            are loopback or private (none by default; for tests and closed networks).
        webhook_max_attempts: Attempts per webhook delivery before it fails.
        webhook_disable_after: Failed deliveries in a row that disable a webhook.
        webhook_timeout_seconds: Time limit of one webhook request (connecting: at most
            3 seconds of it).
        webhooks_per_project: Webhooks a project may have (20).
        webhook_project_concurrency: Webhook requests of one project that may run at
            once, in all processes together (4).
        webhook_project_rate: Webhook requests of one project that may start per minute
            (600).
        webhook_threads / mail_threads: Without a queue, the threads that deliver
            webhooks (8) and send mail (2), apart from the requests' threads.
        mail_server / mail_port / mail_use_tls / mail_username / mail_password: The SMTP
            server when ``mail_url`` is not set (STARTTLS on by default; login when both
            username and password are set). Without either, mail is written as ``.eml``
            files to ``data_dir/mail``.
        mail_from: The ``From`` address of notification e-mail.
        mail_timeout_seconds: Time limit of each SMTP network operation.
        mail_max_attempts: Delivery attempts of one e-mail before it is marked failed.
        metrics_token: The bearer token ``/metrics`` requires; ``None`` (the default)
            turns ``/metrics`` off.
    """

    data_dir: Path = Path("taskcore-data")
    database_url: str | None = None
    database_pool_size: int = 10
    database_max_overflow: int = 10
    database_pool_timeout_seconds: int = 10
    storage_url: str | None = None
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES
    user_quota_bytes: int = DEFAULT_USER_QUOTA_BYTES
    clamd_url: str | None = None
    mail_url: str | None = None
    queue_url: str | None = None
    secret_key: str | None = attrs.field(default=None, repr=False)
    previous_secret_keys: tuple[str, ...] = attrs.field(default=(), repr=False)
    token_ttl_seconds: int = 86400
    session_ttl_seconds: int = 30 * 86400
    refresh_reuse_grace_seconds: int = 10
    password_time_cost: int = 2
    password_memory_cost: int = 19456
    rate_limit_url: str = "memory://"
    auth_rate_per_address: str | None = "30/minute"
    failed_login_rate: str | None = "10/minute"
    account_failed_login_rate: str | None = "100/hour"
    password_change_rate: str | None = "10/hour"  # noqa: S105  # nosec B105 - a rate
    background_relay: bool = False
    trusted_proxies: tuple[str, ...] = ()
    allowed_hosts: tuple[str, ...] = (*LOCAL_HOSTS, "testserver")
    log_retention_days: int = 90
    event_retention_days: int = 7
    webhook_allow_http: bool = False
    webhook_ports: tuple[int, ...] = ()
    webhook_allow_hosts: tuple[str, ...] = ()
    webhook_max_attempts: int = 8
    webhook_disable_after: int = 10
    webhook_timeout_seconds: int = 10
    webhooks_per_project: int = 20
    webhook_project_concurrency: int = 4
    webhook_project_rate: int = 600
    webhook_threads: int = 8
    mail_threads: int = 2
    mail_server: str | None = None
    mail_port: int = 587
    mail_use_tls: bool = True
    mail_username: str | None = None
    mail_password: str | None = attrs.field(default=None, repr=False)
    mail_from: str = DEFAULT_MAIL_FROM
    mail_timeout_seconds: int = 10
    mail_max_attempts: int = 5
    metrics_token: str | None = attrs.field(default=None, repr=False)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read ``TASKCORE_*`` variables (from ``os.environ`` unless given).

        A secret (:data:`SECRET_VARIABLES`) may come from the file ``<name>_FILE`` names
        instead, without its trailing newline.

        Raises:
            ConfigError: a variable is malformed (its name is in the message), a secret is
                set both ways or its file cannot be read, or an SMTP server is set without
                ``TASKCORE_MAIL_FROM``.
        """
        env = with_secret_files(os.environ if environ is None else environ)

        def opt(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        secret = env.get("TASKCORE_SECRET_KEY")
        if secret is not None:
            try:
                check_secret_key(secret)
            except ValueError as exc:
                raise ConfigError(str(exc)) from None
        return cls(
            data_dir=Path(opt("TASKCORE_DATA_DIR") or "taskcore-data"),
            database_url=opt("TASKCORE_DATABASE_URL"),
            database_pool_size=positive_int(env, "TASKCORE_DATABASE_POOL_SIZE", 10),
            database_max_overflow=_non_negative_int(env, "TASKCORE_DATABASE_MAX_OVERFLOW", 10),
            database_pool_timeout_seconds=positive_int(
                env, "TASKCORE_DATABASE_POOL_TIMEOUT_SECONDS", 10
            ),
            storage_url=opt("TASKCORE_STORAGE_URL"),
            max_upload_bytes=positive_int(
                env, "TASKCORE_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES
            ),
            user_quota_bytes=_quota(env),
            clamd_url=opt("TASKCORE_CLAMD_URL"),
            mail_url=opt("TASKCORE_MAIL_URL"),
            queue_url=opt("TASKCORE_QUEUE_URL"),
            secret_key=secret,
            previous_secret_keys=_previous_keys(env, "TASKCORE_PREVIOUS_SECRET_KEYS"),
            token_ttl_seconds=positive_int(env, "TASKCORE_TOKEN_TTL_SECONDS", 86400),
            session_ttl_seconds=positive_int(env, "TASKCORE_SESSION_TTL_SECONDS", 30 * 86400),
            refresh_reuse_grace_seconds=_non_negative_int(
                env, "TASKCORE_REFRESH_REUSE_GRACE_SECONDS", 10
            ),
            rate_limit_url=opt("TASKCORE_RATE_LIMIT_URL") or "memory://",
            auth_rate_per_address=_rate(env, "TASKCORE_AUTH_RATE_PER_ADDRESS", "30/minute"),
            failed_login_rate=_rate(env, "TASKCORE_FAILED_LOGIN_RATE", "10/minute"),
            account_failed_login_rate=_rate(env, "TASKCORE_ACCOUNT_FAILED_LOGIN_RATE", "100/hour"),
            password_change_rate=_rate(env, "TASKCORE_PASSWORD_CHANGE_RATE", "10/hour"),
            background_relay=_relay(env),
            trusted_proxies=_networks(env, "TASKCORE_TRUSTED_PROXIES"),
            allowed_hosts=_allowed_hosts(env, "TASKCORE_ALLOWED_HOSTS"),
            log_retention_days=positive_int(env, "TASKCORE_LOG_RETENTION_DAYS", 90),
            event_retention_days=positive_int(env, "TASKCORE_EVENT_RETENTION_DAYS", 7),
            webhook_allow_http=_flag(env, "TASKCORE_WEBHOOK_ALLOW_HTTP"),
            webhook_ports=_ports(env, "TASKCORE_WEBHOOK_PORTS"),
            webhook_allow_hosts=_host_ports(env, "TASKCORE_WEBHOOK_ALLOW_HOSTS"),
            webhook_max_attempts=positive_int(env, "TASKCORE_WEBHOOK_MAX_ATTEMPTS", 8),
            webhook_disable_after=positive_int(env, "TASKCORE_WEBHOOK_DISABLE_AFTER", 10),
            webhook_timeout_seconds=positive_int(env, "TASKCORE_WEBHOOK_TIMEOUT_SECONDS", 10),
            webhooks_per_project=positive_int(env, "TASKCORE_WEBHOOKS_PER_PROJECT", 20),
            webhook_project_concurrency=positive_int(
                env, "TASKCORE_WEBHOOK_PROJECT_CONCURRENCY", 4
            ),
            webhook_project_rate=positive_int(env, "TASKCORE_WEBHOOK_PROJECT_RATE", 600),
            webhook_threads=positive_int(env, "TASKCORE_WEBHOOK_THREADS", 8),
            mail_threads=positive_int(env, "TASKCORE_MAIL_THREADS", 2),
            mail_server=opt("TASKCORE_MAIL_SERVER"),
            mail_port=_mail_port(env),
            mail_use_tls=_flag(env, "TASKCORE_MAIL_USE_TLS")
            if opt("TASKCORE_MAIL_USE_TLS")
            else True,
            mail_username=opt("TASKCORE_MAIL_USERNAME"),
            mail_password=env.get("TASKCORE_MAIL_PASSWORD") or None,
            mail_from=_mail_from(env),
            mail_timeout_seconds=positive_int(env, "TASKCORE_MAIL_TIMEOUT_SECONDS", 10),
            mail_max_attempts=positive_int(env, "TASKCORE_MAIL_MAX_ATTEMPTS", 5),
            metrics_token=_metrics_token(env),
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
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        self.data_dir.mkdir(mode=0o700, exist_ok=True)
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


def positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    """The whole number > 0 in variable ``name``, or ``default`` when it is unset or empty.

    Raises:
        ConfigError: the value is not a positive whole number (the message names it).
    """
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number") from None
    if value <= 0:
        raise ConfigError(f"{name} must be positive")
    return value


def _non_negative_int(env: Mapping[str, str], name: str, default: int) -> int:
    """The whole number ≥ 0 in variable ``name``, or ``default`` when it is unset or empty.

    Raises:
        ConfigError: the value is not a whole number ≥ 0 (the message names it).
    """
    if env.get(name, "").strip() == "0":
        return 0
    return positive_int(env, name, default)


def _networks(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    """Comma-separated IP addresses or CIDR networks (checked); empty when unset.

    Raises:
        ConfigError: an item is neither an address nor a network.
    """
    items = tuple(item.strip() for item in env.get(name, "").split(",") if item.strip())
    for item in items:
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise ConfigError(f"{name}: {item!r} is not an IP address or network") from None
    return items


_HOST_NAME = re.compile(r"(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")


def _allowed_hosts(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    """Comma-separated host names, IP addresses (IPv6 with or without brackets),
    ``*.domain`` patterns or ``*``, without ports; :data:`LOCAL_HOSTS` when unset.

    Raises:
        ConfigError: an item is none of those (a port, a path, a misplaced ``*``).
    """
    items = [item.strip().lower() for item in env.get(name, "").split(",") if item.strip()]
    hosts = []
    for item in items:
        literal = item[1:-1] if item.startswith("[") and item.endswith("]") else item
        try:
            address = ipaddress.ip_address(literal)
        except ValueError:
            if item != "*" and not _HOST_NAME.fullmatch(item):
                raise ConfigError(
                    f"{name}: {item!r} is not a host name, an IP address, *.domain or *"
                ) from None
            hosts.append(item)
            continue
        hosts.append(f"[{address.compressed}]" if address.version == 6 else str(address))
    return tuple(hosts) or LOCAL_HOSTS


def _flag(env: Mapping[str, str], name: str) -> bool:
    """``true``/``false`` (also 1/0, yes/no, on/off); false when unset.

    Raises:
        ConfigError: any other value.
    """
    value = env.get(name, "").strip().lower()
    if value in ("", "0", "false", "no", "off"):
        return False
    if value in ("1", "true", "yes", "on"):
        return True
    raise ConfigError(f"{name} must be true or false")


def _ports(env: Mapping[str, str], name: str) -> tuple[int, ...]:
    """Comma-separated TCP ports; empty when unset.

    Raises:
        ConfigError: an item is not a port number.
    """
    ports = []
    for item in (i.strip() for i in env.get(name, "").split(",")):
        if not item:
            continue
        if not item.isdigit() or not 0 < int(item) < 65536:
            raise ConfigError(f"{name}: {item!r} is not a port number")
        ports.append(int(item))
    return tuple(ports)


def _host_ports(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    """Comma-separated exact ``host:port`` pairs (IPv6 hosts in brackets); empty when unset.

    Raises:
        ConfigError: an item is not ``host:port``.
    """
    items = [i.strip() for i in env.get(name, "").split(",") if i.strip()]
    try:
        return tuple(sorted(parse_allow_hosts(items)))
    except ValueError as exc:
        raise ConfigError(f"{name}: {exc}") from None


def _mail_port(env: Mapping[str, str]) -> int:
    """``TASKCORE_MAIL_PORT``: a TCP port, 587 when unset.

    Raises:
        ConfigError: not a port number.
    """
    port = positive_int(env, "TASKCORE_MAIL_PORT", 587)
    if port > 65535:
        raise ConfigError("TASKCORE_MAIL_PORT must be a port number")
    return port


def _relay(env: Mapping[str, str]) -> bool:
    """``TASKCORE_RELAY``: ``background`` (default) or ``inline``.

    Raises:
        ConfigError: any other value.
    """
    value = env.get("TASKCORE_RELAY", "").strip().lower() or "background"
    if value not in {"inline", "background"}:
        raise ConfigError("TASKCORE_RELAY must be inline or background")
    return value == "background"


def _quota(env: Mapping[str, str]) -> int:
    """``TASKCORE_USER_QUOTA_BYTES``: a whole number of bytes, 0 for no limit; 1 GiB when
    unset or empty.

    Raises:
        ConfigError: the value is not a whole number, or is negative.
    """
    name = "TASKCORE_USER_QUOTA_BYTES"
    text = env.get(name, "").strip()
    if not text:
        return DEFAULT_USER_QUOTA_BYTES
    try:
        value = int(text)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number") from None
    if value < 0:
        raise ConfigError(f"{name} must not be negative")
    return value


def _previous_keys(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    """Comma-separated signing keys of earlier rotations (each checked); empty when unset.

    Raises:
        ConfigError: a key is shorter than 32 bytes (the key itself is not shown).
    """
    keys = tuple(item.strip() for item in env.get(name, "").split(",") if item.strip())
    for key in keys:
        try:
            check_secret_key(key, name=name)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
    return keys


def with_secret_files(env: Mapping[str, str]) -> Mapping[str, str]:
    """``env`` with each secret whose ``<name>_FILE`` is set read from that file.

    Raises:
        ConfigError: a secret is set both directly and by file, or its file cannot be read
            (the message names the variable, never the secret).
    """
    found: dict[str, str] = {}
    for name in SECRET_VARIABLES:
        path = env.get(f"{name}_FILE", "").strip()
        if not path:
            continue
        if env.get(name, "").strip():
            raise ConfigError(f"set {name} or {name}_FILE, not both")
        try:
            found[name] = Path(path).read_text(encoding="utf-8").rstrip("\r\n")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
            raise ConfigError(f"{name}_FILE: cannot read {path}: {reason}") from None
    return {**env, **found} if found else env


def _mail_from(env: Mapping[str, str]) -> str:
    """``TASKCORE_MAIL_FROM``; required once a real SMTP server is configured.

    Raises:
        ConfigError: ``TASKCORE_MAIL_URL`` or ``TASKCORE_MAIL_SERVER`` is set without it.
    """
    value = env.get("TASKCORE_MAIL_FROM", "").strip()
    if value:
        return value
    for name in ("TASKCORE_MAIL_URL", "TASKCORE_MAIL_SERVER"):
        if env.get(name, "").strip():
            raise ConfigError(
                f"TASKCORE_MAIL_FROM must be set when {name} is (an address of your own "
                "domain, e.g. tasks@example.com)"
            )
    return DEFAULT_MAIL_FROM


METRICS_TOKEN_BYTES = 16
"""The shortest ``TASKCORE_METRICS_TOKEN`` accepted."""


def _metrics_token(env: Mapping[str, str]) -> str | None:
    """``TASKCORE_METRICS_TOKEN``: at least :data:`METRICS_TOKEN_BYTES` bytes, or unset.

    Raises:
        ConfigError: the token is shorter (it is not shown).
    """
    value = env.get("TASKCORE_METRICS_TOKEN", "").strip()
    if not value:
        return None
    if len(value.encode()) < METRICS_TOKEN_BYTES:
        raise ConfigError(f"TASKCORE_METRICS_TOKEN must be at least {METRICS_TOKEN_BYTES} bytes")
    return value
