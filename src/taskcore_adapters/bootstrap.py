"""The composition root: build a ready taskcore from settings or from in-memory fakes.

Import these from the package: ``from taskcore_adapters import in_memory, from_settings,
Settings``. :func:`in_memory` needs nothing beyond the core's own dependency (attrs): it
uses argon2, JWT and blinker when their extras are installed and standard-library
equivalents otherwise. :func:`from_settings` needs the ``sql`` and ``security`` extras
(and ``files`` for the default file store); SQLAlchemy is imported only there.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

import attrs

from taskcore.app import Taskcore, build
from taskcore.domain.blobs import new_blob_key
from taskcore.errors import TaskcoreError
from taskcore.ports.clock import Clock
from taskcore.ports.events import EventBus
from taskcore.ports.files import FileStore
from taskcore.ports.mail import Mailer
from taskcore.ports.scanning import MalwareScanner
from taskcore.ports.security import PasswordHasher
from taskcore_adapters import bootstrap_parts as parts
from taskcore_adapters.bootstrap_parts import (
    LocatedFileStore,
    mailer_from_settings,
    malware_scanner_from_settings,
    template_renderer,
    webhook_options,
    webhook_sender,
)
from taskcore_adapters.config import Settings
from taskcore_adapters.events import Events, LocalEventBus
from taskcore_adapters.idempotency import IdempotencyStore
from taskcore_adapters.memory import InMemoryFileStore, InMemoryStore, RecordingMailer
from taskcore_adapters.memory.idempotency import InMemoryIdempotencyStore
from taskcore_adapters.system import SystemClock

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from taskcore_adapters.rq import RqJobQueue
    from taskcore_adapters.security import Keyring

__all__ = [
    "HealthReport",
    "LocatedFileStore",
    "Runtime",
    "from_settings",
    "in_memory",
    "mailer_from_settings",
    "malware_scanner_from_settings",
    "template_renderer",
    "webhook_options",
    "webhook_sender",
]


@attrs.frozen(kw_only=True)
class HealthReport:
    """The state of each dependency at one moment.

    ``checks`` maps ``database`` and ``queue`` to ``ok``/``connected``, ``inline``
    (no server needed) or ``unavailable``.
    """

    checked_at: dt.datetime
    checks: dict[str, str]
    storage_location: str
    storage_writable: bool

    @property
    def healthy(self) -> bool:
        """Whether no dependency is unavailable."""
        return "unavailable" not in self.checks.values()


def _idempotency_store(engine: Engine | None) -> IdempotencyStore:
    """Idempotency keys in ``engine``'s database, or in process memory without one."""
    if engine is not None:
        from taskcore_adapters.sql.idempotency import SqlAlchemyIdempotencyStore

        return SqlAlchemyIdempotencyStore(engine)
    return InMemoryIdempotencyStore()


@attrs.define
class Runtime:
    """A taskcore instance with the resources it owns.

    Use it as a context manager (``with from_settings(settings) as rt: ...``) or call
    :meth:`close` when done: that stops the background thread, the job lanes' threads, and
    releases the database pools and the queue's connection. ``rt.core`` holds the use
    cases; ``rt.events`` subscribes to committed events.
    """

    core: Taskcore
    settings: Settings
    engine: Engine | None = None
    event_bus: EventBus = attrs.field(factory=LocalEventBus)
    """Receives every committed event in process; subscribe through :attr:`events`."""
    file_store: LocatedFileStore = attrs.field(factory=InMemoryFileStore)
    job_queue: RqJobQueue | None = None
    """The rq queue when ``queue_url`` is set; ``None`` means jobs run inline."""
    probe_engine: Engine | None = None
    """Opens a fresh connection per health probe (``None``: probe through ``engine``), so
    health answers at once, and truthfully, while every pooled connection is busy."""
    keyring: Keyring | None = None
    """The access-token signing keys: rotate or retire a key here without a restart
    (``None`` without the ``security`` extra)."""
    idempotency_keys: IdempotencyStore = attrs.field(
        default=attrs.Factory(lambda runtime: _idempotency_store(runtime.engine), takes_self=True)
    )
    """The HTTP host's ``Idempotency-Key`` records: in the database when there is one,
    else in process memory."""
    tracer_provider: Any = None
    """taskcore's OpenTelemetry tracer provider when ``tracing`` is on (see
    :mod:`taskcore_adapters.tracing`), else ``None``."""
    _stop: threading.Event = attrs.field(factory=threading.Event, init=False)
    _pump: threading.Thread | None = attrs.field(default=None, init=False)

    @property
    def events(self) -> Events:
        """Typed subscription to committed events:
        ``rt.events.subscribe(TaskStatusChanged, handler)``."""
        return Events(self.event_bus)

    def start_background(self) -> None:
        """Run :meth:`Taskcore.pump` in a daemon thread until :meth:`close`: it relays the
        outbox (needed with ``background_relay``), retries due deliveries and runs the
        periodic jobs. Entering the runtime as a context manager starts it when the
        relay is in the background; calling it twice starts one thread."""
        if self._pump is not None:
            return
        self._pump = threading.Thread(
            target=self.core.pump, args=(self._stop,), name="taskcore-relay", daemon=True
        )
        self._pump.start()

    def __enter__(self) -> Self:
        if self.core.background_relay:
            self.start_background()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def health(self) -> HealthReport:
        """Probe the database (``SELECT 1``), the queue (Redis ``PING``) and the file store."""
        checks = {"database": "ok", "queue": "inline"}
        if self.engine is not None:
            from sqlalchemy import text
            from sqlalchemy.exc import SQLAlchemyError

            try:
                with (self.probe_engine or self.engine).connect() as conn:
                    conn.execute(text("SELECT 1"))
            except SQLAlchemyError:
                checks["database"] = "unavailable"
        if self.settings.queue_url:
            checks["queue"] = "connected" if _redis_ping(self.settings.queue_url) else "unavailable"
        now = SystemClock().now()
        location = self.file_store.location
        return HealthReport(
            checked_at=now,
            checks=checks,
            storage_location=_redact(location.removeprefix("file://")),
            storage_writable=_writable(self.file_store, now),
        )

    def close(self) -> None:
        """Stop the background thread and the in-process job lanes, then release
        connections and pools. Closing twice does nothing more."""
        if self._pump is not None:
            self._stop.set()
            self.core.wake()
            self._pump.join(timeout=10)
            self._pump = None
        self.core.close()
        if self.engine is not None:
            from taskcore_adapters.sql.engine import dispose

            dispose(self.engine, wait=CLOSE_WAIT_SECONDS)
        if self.probe_engine is not None:
            self.probe_engine.dispose()
        if self.job_queue is not None:
            self.job_queue.connection.close()
        if self.tracer_provider is not None:
            self.tracer_provider.shutdown()  # sends the spans still waiting


CLOSE_WAIT_SECONDS = 5.0
"""How long :meth:`Runtime.close` waits for connections still in use to come back."""


def _redis_ping(url: str) -> bool:
    try:
        import redis
    except ImportError:
        return False
    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


def _writable(store: FileStore, now: dt.datetime) -> bool:
    """Whether the store accepts a write: partial data is written and discarded."""
    try:
        writer = store.open_writer(new_blob_key(now))
        try:
            writer.write(b"")
        finally:
            writer.abort()
    except TaskcoreError:
        return False
    return True


def _redact(url: str) -> str:
    """A location without credentials."""
    return re.sub(r"//[^@/]*@", "//", url)


def from_settings(
    settings: Settings,
    *,
    clock: Clock | None = None,
    password_hasher: PasswordHasher | None = None,
    migrate: bool | None = None,
    file_store: LocatedFileStore | None = None,
    mailer: Mailer | None = None,
    malware_scanner: MalwareScanner | None = None,
) -> Runtime:
    """Build taskcore on the adapters the settings name.

    Args:
        settings: Where the data lives and which services to use.
        clock: Override the wall clock (tests).
        password_hasher: Override the argon2id hasher (tests use cheap parameters).
        migrate: Apply migrations first; by default only on the embedded SQLite database.
        file_store: Override the store built from ``settings.storage_url`` (tests).
        mailer: Override the mailer built from the mail settings (tests).
        malware_scanner: Override the scanner built from ``settings.clamd_url`` (tests).

    Returns:
        The runtime; use it in a ``with`` block, or call :meth:`Runtime.close` when done.
    """
    from taskcore_adapters.sql import SqlAlchemyUnitOfWorkFactory, upgrade

    engine, probe = parts.engines(settings)
    try:
        tracer_provider = parts.tracer_provider(settings, engine)
        if migrate if migrate is not None else settings.is_embedded_database:
            upgrade(engine)
        bus = parts.event_bus()
        files = file_store or parts.file_store(settings)
        queue = parts.job_queue(settings)
        tokens = parts.token_service(settings)
        core = build(
            uow_factory=SqlAlchemyUnitOfWorkFactory(engine),
            clock=clock or SystemClock(),
            password_hasher=password_hasher or parts.password_hasher(settings),
            token_service=tokens,
            event_bus=bus,
            file_store=files,
            max_upload_bytes=settings.max_upload_bytes,
            user_quota_bytes=settings.user_quota_bytes or None,
            malware_scanner=malware_scanner or parts.malware_scanner_from_settings(settings),
            activity_retention_days=settings.log_retention_days,
            event_retention_days=settings.event_retention_days,
            webhook_sender=parts.webhook_sender(settings),
            webhook_options=parts.webhook_options(settings),
            session_ttl=dt.timedelta(seconds=settings.session_ttl_seconds),
            refresh_reuse_grace=dt.timedelta(seconds=settings.refresh_reuse_grace_seconds),
            background_relay=settings.background_relay,
            job_queue=queue,
            mailer=mailer or parts.mailer_from_settings(settings),
            template_renderer=parts.template_renderer(),
            mail_max_attempts=settings.mail_max_attempts,
            job_lanes={"webhooks": settings.webhook_threads, "mail": settings.mail_threads},
            recurrence_rules=parts.recurrence_rules(),
        )
        parts.observe_jobs(core, tracer_provider)
        return Runtime(
            core=core,
            settings=settings,
            engine=engine,
            event_bus=bus,
            file_store=files,
            job_queue=queue,
            probe_engine=probe,
            keyring=tokens.keyring,
            tracer_provider=tracer_provider,
        )
    except BaseException:
        # Whatever failed after the engines were made (a migration, a bad setting), their
        # pooled connections must not wait for the garbage collector to close them.
        engine.dispose()
        if probe is not None:
            probe.dispose()
        raise


def in_memory(
    *,
    secret_key: str | None = None,
    clock: Clock | None = None,
    password_hasher: PasswordHasher | None = None,
) -> Runtime:
    """Build taskcore entirely in memory: no files, no servers. Ideal for tests and demos.

    Needs no extra: without the ``security`` extra passwords are hashed with scrypt and
    tokens are HMAC-signed by the standard library; without ``events`` the in-process
    event bus is the standard-library one. SQLAlchemy is never imported.

    Args:
        secret_key: Token signing key (≥ 32 bytes); a random one by default.
        clock: Override the wall clock.
        password_hasher: Override the password hasher (argon2id, or scrypt without the
            ``security`` extra).

    Returns:
        The runtime; use it in a ``with`` block, or call :meth:`Runtime.close` when done.
    """
    import secrets

    key = secret_key or secrets.token_urlsafe(48)
    tokens, keyring = parts.memory_tokens(key)
    bus = parts.event_bus()
    files = InMemoryFileStore()
    core = build(
        uow_factory=InMemoryStore(),
        clock=clock or SystemClock(),
        password_hasher=password_hasher or parts.memory_password_hasher(),
        token_service=tokens,
        event_bus=bus,
        file_store=files,
        mailer=RecordingMailer(),
        template_renderer=parts.template_renderer(),
        recurrence_rules=parts.recurrence_rules(),
    )
    return Runtime(
        core=core,
        settings=Settings(secret_key=key),
        event_bus=bus,
        file_store=files,
        keyring=keyring,
    )
