"""Settings: a typed object, filled from the environment only by an explicit call.

Every variable is optional; the defaults give the embedded profile (SQLite file, local
files, inline jobs, a development mailer) inside ``TASKCORE_DATA_DIR``. The checks of
each variable's value are in :mod:`taskcore_adapters.config_checks`.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path

import attrs

from taskcore.domain.attachments import DEFAULT_MAX_UPLOAD_BYTES, DEFAULT_USER_QUOTA_BYTES
from taskcore_adapters import config_checks as checks
from taskcore_adapters.config_checks import (
    DEFAULT_MAIL_FROM,
    LOCAL_HOSTS,
    METRICS_TOKEN_BYTES,
    SECRET_VARIABLES,
    ConfigError,
    OidcProviderSettings,
    check_secret_key,
    positive_int,
    with_secret_files,
)

__all__ = [
    "DEFAULT_MAIL_FROM",
    "LOCAL_HOSTS",
    "METRICS_TOKEN_BYTES",
    "SECRET_FILE",
    "SECRET_VARIABLES",
    "ConfigError",
    "OidcProviderSettings",
    "Settings",
    "check_secret_key",
    "positive_int",
    "with_secret_files",
]

SECRET_FILE = "secret_key"  # noqa: S105  # nosec B105


@attrs.frozen(kw_only=True)
class Settings:
    """Everything needed to assemble taskcore and its server.

    Attributes:
        data_dir: Folder for the embedded database, files, mail and the generated key.
        database_url: SQLAlchemy URL; ``None`` means a SQLite file in ``data_dir``.
        database_pool_size / database_max_overflow: PostgreSQL connections kept open, and
            opened beyond them under load (closed again after each use), per process.
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
        queue_name: The rq queue of taskcore's jobs (each lane adds ``-<lane>``), so
            deployments sharing one Redis database never take each other's jobs.
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
        tracing: OpenTelemetry tracing: ``off`` (the default), ``otlp`` (to a collector,
            set by the ``OTEL_EXPORTER_OTLP_*`` variables) or ``console`` (see
            :mod:`taskcore_adapters.tracing`; needs the ``otel`` extra).
        oidc_providers: OpenID Connect providers people may sign in through (single
            sign-on), in the order of their login buttons.
    """

    data_dir: Path = Path("taskcore-data")
    database_url: str | None = None
    database_pool_size: int = 20
    database_max_overflow: int = 0
    database_pool_timeout_seconds: int = 10
    storage_url: str | None = None
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES
    user_quota_bytes: int = DEFAULT_USER_QUOTA_BYTES
    clamd_url: str | None = None
    mail_url: str | None = None
    queue_url: str | None = None
    queue_name: str = "taskcore"
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
    tracing: str = "off"
    oidc_providers: tuple[OidcProviderSettings, ...] = ()

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
            database_pool_size=positive_int(env, "TASKCORE_DATABASE_POOL_SIZE", 20),
            database_max_overflow=checks.non_negative_int(env, "TASKCORE_DATABASE_MAX_OVERFLOW", 0),
            database_pool_timeout_seconds=positive_int(
                env, "TASKCORE_DATABASE_POOL_TIMEOUT_SECONDS", 10
            ),
            storage_url=opt("TASKCORE_STORAGE_URL"),
            max_upload_bytes=positive_int(
                env, "TASKCORE_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES
            ),
            user_quota_bytes=checks.quota(env),
            clamd_url=opt("TASKCORE_CLAMD_URL"),
            mail_url=opt("TASKCORE_MAIL_URL"),
            queue_url=opt("TASKCORE_QUEUE_URL"),
            queue_name=checks.queue_name(env),
            secret_key=secret,
            previous_secret_keys=checks.previous_keys(env, "TASKCORE_PREVIOUS_SECRET_KEYS"),
            token_ttl_seconds=positive_int(env, "TASKCORE_TOKEN_TTL_SECONDS", 86400),
            session_ttl_seconds=positive_int(env, "TASKCORE_SESSION_TTL_SECONDS", 30 * 86400),
            refresh_reuse_grace_seconds=checks.non_negative_int(
                env, "TASKCORE_REFRESH_REUSE_GRACE_SECONDS", 10
            ),
            rate_limit_url=opt("TASKCORE_RATE_LIMIT_URL") or "memory://",
            auth_rate_per_address=checks.rate(env, "TASKCORE_AUTH_RATE_PER_ADDRESS", "30/minute"),
            failed_login_rate=checks.rate(env, "TASKCORE_FAILED_LOGIN_RATE", "10/minute"),
            account_failed_login_rate=checks.rate(
                env, "TASKCORE_ACCOUNT_FAILED_LOGIN_RATE", "100/hour"
            ),
            password_change_rate=checks.rate(env, "TASKCORE_PASSWORD_CHANGE_RATE", "10/hour"),
            background_relay=checks.relay(env),
            trusted_proxies=checks.networks(env, "TASKCORE_TRUSTED_PROXIES"),
            allowed_hosts=checks.allowed_hosts(env, "TASKCORE_ALLOWED_HOSTS"),
            log_retention_days=positive_int(env, "TASKCORE_LOG_RETENTION_DAYS", 90),
            event_retention_days=positive_int(env, "TASKCORE_EVENT_RETENTION_DAYS", 7),
            webhook_allow_http=checks.flag(env, "TASKCORE_WEBHOOK_ALLOW_HTTP"),
            webhook_ports=checks.ports(env, "TASKCORE_WEBHOOK_PORTS"),
            webhook_allow_hosts=checks.host_ports(env, "TASKCORE_WEBHOOK_ALLOW_HOSTS"),
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
            mail_port=checks.mail_port(env),
            mail_use_tls=checks.flag(env, "TASKCORE_MAIL_USE_TLS")
            if opt("TASKCORE_MAIL_USE_TLS")
            else True,
            mail_username=opt("TASKCORE_MAIL_USERNAME"),
            mail_password=env.get("TASKCORE_MAIL_PASSWORD") or None,
            mail_from=checks.mail_from(env),
            mail_timeout_seconds=positive_int(env, "TASKCORE_MAIL_TIMEOUT_SECONDS", 10),
            mail_max_attempts=positive_int(env, "TASKCORE_MAIL_MAX_ATTEMPTS", 5),
            metrics_token=checks.metrics_token(env),
            tracing=checks.tracing(env),
            oidc_providers=checks.oidc_providers(env),
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
