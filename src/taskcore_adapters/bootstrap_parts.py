"""The adapters :mod:`taskcore_adapters.bootstrap` assembles, each built from the settings.

Every technology is imported inside the function that builds it, so a base install
imports none it does not use: SQLAlchemy for the engines, fsspec for the file store, rq
for the queue, PyJWT and argon2 for tokens and passwords, and the mail, clamd, httpx2,
dateutil and blinker adapters, each with a standard-library stand-in or ``None`` where
its extra may be missing.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Protocol

from taskcore.domain.webhook_urls import UrlPolicy
from taskcore.ports.events import EventBus
from taskcore.ports.files import FileStore
from taskcore.ports.mail import Mailer, TemplateRenderer
from taskcore.ports.scanning import MalwareScanner
from taskcore.ports.security import PasswordHasher, TokenService
from taskcore.ports.time import RecurrenceRules
from taskcore.ports.webhooks import WebhookSender
from taskcore.services.webhooks import WebhookOptions
from taskcore_adapters.config import ConfigError, Settings
from taskcore_adapters.events import LocalEventBus

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from taskcore.app import Taskcore
    from taskcore_adapters.rq import RqJobQueue
    from taskcore_adapters.security import JwtTokenService, Keyring


class LocatedFileStore(FileStore, Protocol):
    """A file store that can say where it keeps its blobs."""

    @property
    def location(self) -> str:
        """Where the blobs are, as a URL."""
        ...


def engines(settings: Settings) -> tuple[Engine, Engine | None]:
    """The pooled engine of the database, and on a server database an unpooled one for
    health checks (which must not wait for a pooled connection)."""
    from taskcore_adapters.sql import make_engine

    url = settings.effective_database_url
    engine = make_engine(
        url,
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_max_overflow,
        pool_timeout=settings.database_pool_timeout_seconds,
    )
    probe = None if settings.is_embedded_database else make_engine(url, pooled=False)
    return engine, probe


def tracer_provider(settings: Settings, engine: Engine) -> Any:
    """The OpenTelemetry tracer provider when ``tracing`` is on (statements on ``engine``
    traced), else ``None``."""
    if settings.tracing == "off":
        return None
    from taskcore_adapters import tracing  # needs the `otel` extra

    made = tracing.provider(settings.tracing)
    if made is not None:
        tracing.trace_engine(engine, made)
    return made


def observe_jobs(core: Taskcore, tracer_provider: Any) -> None:
    """Time every job into the job metrics (when ``prometheus-client`` is installed: the
    ``http`` extra) and trace it when tracing is on, in ``taskcore serve``'s in-process
    lanes and in workers alike."""
    try:
        from taskcore_adapters import metrics
    except ModuleNotFoundError:  # a library install without the server's extras
        pass
    else:
        core.jobs.observe(metrics.observed)
    if tracer_provider is not None:
        from taskcore_adapters.tracing import traced_jobs

        core.jobs.observe(lambda runner: traced_jobs(runner, tracer_provider))


def file_store(settings: Settings) -> LocatedFileStore:
    """The attachments' store at ``storage_url``, by default ``data_dir/files``."""
    from taskcore_adapters.fsspec import FsspecFileStore  # needs the `files` extra

    return FsspecFileStore(settings.storage_url or str((settings.data_dir / "files").absolute()))


def job_queue(settings: Settings) -> RqJobQueue | None:
    """The rq queue at ``queue_url``; ``None`` (jobs run inline) without one."""
    if not settings.queue_url:
        return None
    from taskcore_adapters.rq import RqJobQueue  # needs the `queue` extra

    return RqJobQueue.from_url(settings.queue_url, queue_name=settings.queue_name)


def token_service(settings: Settings) -> JwtTokenService:
    """Access tokens signed with the secret key (the previous keys still verify)."""
    from taskcore_adapters.security import JwtTokenService  # needs the `security` extra

    return JwtTokenService(
        secret_key=settings.resolve_secret_key(),
        previous_keys=settings.previous_secret_keys,
        ttl=dt.timedelta(seconds=settings.token_ttl_seconds),
    )


def password_hasher(settings: Settings) -> PasswordHasher:
    """argon2id with the configured costs."""
    from taskcore_adapters.security import Argon2PasswordHasher

    return Argon2PasswordHasher(
        time_cost=settings.password_time_cost, memory_cost=settings.password_memory_cost
    )


def mailer_from_settings(settings: Settings) -> Mailer:
    """SMTP from ``mail_url`` or ``mail_server``; otherwise ``.eml`` files in
    ``data_dir/mail``.

    Raises:
        ConfigError: ``TASKCORE_MAIL_URL`` is malformed (the URL itself is not repeated).
    """
    from taskcore_adapters.mail import DirectoryMailer, SmtpMailer, SmtpSettings

    timeout = float(settings.mail_timeout_seconds)
    if settings.mail_url:
        try:
            smtp = SmtpSettings.from_url(
                settings.mail_url, sender=settings.mail_from, timeout=timeout
            )
        except ValueError as exc:
            raise ConfigError(f"TASKCORE_MAIL_URL: {exc}") from None
        return SmtpMailer(smtp)
    if settings.mail_server:
        return SmtpMailer(
            SmtpSettings(
                host=settings.mail_server,
                port=settings.mail_port,
                sender=settings.mail_from,
                starttls=settings.mail_use_tls,
                username=settings.mail_username,
                password=settings.mail_password,
                timeout=timeout,
            )
        )
    return DirectoryMailer(settings.data_dir / "mail", sender=settings.mail_from)


def template_renderer() -> TemplateRenderer | None:
    """The sandboxed jinja renderer, or ``None`` (the core's plain placeholders) without
    the ``mail`` extra."""
    try:
        from taskcore_adapters.mail.templates import JinjaTemplateRenderer
    except ImportError:  # pragma: no cover - the extra is part of the server's
        return None
    return JinjaTemplateRenderer()


def webhook_options(settings: Settings) -> WebhookOptions:
    """The webhook URL rules and delivery limits the settings give."""
    return WebhookOptions(
        policy=UrlPolicy(
            allow_http=settings.webhook_allow_http,
            extra_ports=frozenset(settings.webhook_ports),
            allow_hosts=frozenset(settings.webhook_allow_hosts),
        ),
        max_attempts=settings.webhook_max_attempts,
        disable_after=settings.webhook_disable_after,
        claim_seconds=settings.webhook_timeout_seconds + 60,
        max_webhooks=settings.webhooks_per_project,
        project_concurrency=settings.webhook_project_concurrency,
        project_rate_per_minute=settings.webhook_project_rate,
    )


def malware_scanner_from_settings(settings: Settings) -> MalwareScanner | None:
    """The clamd scanner ``settings.clamd_url`` names, or ``None`` (no scanning).

    Raises:
        ConfigError: the URL is not ``tcp://host:port``.
    """
    if settings.clamd_url is None:
        return None
    from taskcore_adapters.clamd import ClamdScanner

    try:
        return ClamdScanner.from_url(settings.clamd_url)
    except ValueError as exc:
        raise ConfigError(f"TASKCORE_CLAMD_URL: {exc}") from None


def webhook_sender(settings: Settings) -> WebhookSender | None:
    """The httpx2 webhook sender, or ``None`` without the ``webhooks`` extra (deliveries
    then wait for one)."""
    try:
        from taskcore_adapters.webhooks import HttpxWebhookSender
    except ImportError:  # pragma: no cover - the extra is part of the server's
        return None
    return HttpxWebhookSender(
        policy=webhook_options(settings).policy,
        connect_timeout=min(3.0, settings.webhook_timeout_seconds),
        timeout=settings.webhook_timeout_seconds,
    )


def recurrence_rules() -> RecurrenceRules | None:
    """python-dateutil's recurrence rules with the ``time`` extra; without it, none
    (recurring tasks then answer that the extra is missing)."""
    try:
        from taskcore_adapters.rrule import DateutilRecurrenceRules
    except ImportError:
        return None
    return DateutilRecurrenceRules()


def event_bus() -> EventBus:
    """blinker's bus with the ``events`` extra, the standard-library one without."""
    try:
        from taskcore_adapters.blinker import BlinkerEventBus
    except ImportError:
        return LocalEventBus()
    return BlinkerEventBus()


def memory_tokens(key: str) -> tuple[TokenService, Keyring | None]:
    """JWTs with the ``security`` extra; HMAC-signed JSON tokens without it."""
    try:
        from taskcore_adapters.security import JwtTokenService
    except ImportError:
        from taskcore_adapters.memory import FakeTokenService

        if len(key.encode()) < 32:
            raise ConfigError("secret_key must be at least 32 bytes") from None
        return FakeTokenService(key=key.encode()), None
    tokens = JwtTokenService(secret_key=key)
    return tokens, tokens.keyring


def memory_password_hasher() -> PasswordHasher:
    """argon2id with the ``security`` extra; scrypt from the standard library without."""
    try:
        from taskcore_adapters.security import Argon2PasswordHasher
    except ImportError:
        from taskcore_adapters.scrypt import ScryptPasswordHasher

        return ScryptPasswordHasher()
    return Argon2PasswordHasher()
