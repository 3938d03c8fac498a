"""Prometheus metrics of the server and the workers (``prometheus-client``).

Counters, histograms and gauges are module-level: every part of a process records into
the same ones. With several processes (``taskcore serve --workers N``) each writes its
values to files in the folder named by ``PROMETHEUS_MULTIPROC_DIR``, which ``taskcore
serve`` and ``taskcore worker`` set up before the first import of ``prometheus_client``
when metrics are on; a scrape of any process then adds up all of them (multiprocess
mode). Without the variable (tests, a library user) the values live in this process.

Figures held by the database (the outbox backlog, failed deliveries, mail by status) are
read when scraped (:class:`DatabaseCollector`), so every process reports the same.

``/metrics`` is off unless ``TASKCORE_METRICS_TOKEN`` is set; scrapers then send
``Authorization: Bearer <token>`` (see docs/deployment.md).
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
import os
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine, event, func, or_, select
from sqlalchemy.exc import SQLAlchemyError

from taskcore_adapters import logs

MULTIPROC_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_JOB_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 300.0)

REQUESTS = Counter(
    "taskcore_http_requests",
    "HTTP requests answered, by method, route template and status",
    ["method", "route", "status"],
)
REQUEST_SECONDS = Histogram(
    "taskcore_http_request_duration_seconds",
    "Time to answer HTTP requests, by method, route template and status",
    ["method", "route", "status"],
    buckets=_LATENCY_BUCKETS,
)
REQUESTS_IN_FLIGHT = Gauge(
    "taskcore_http_requests_in_flight",
    "HTTP requests being answered",
    multiprocess_mode="livesum",
)
POOL_IN_USE = Gauge(
    "taskcore_db_pool_connections_in_use",
    "Pooled database connections checked out",
    multiprocess_mode="livesum",
)
POOL_CAPACITY = Gauge(
    "taskcore_db_pool_connections_max",
    "Pooled database connections the processes may open (pool size plus overflow)",
    multiprocess_mode="livesum",
)
JOB_SECONDS = Histogram(
    "taskcore_job_duration_seconds",
    "Time background jobs ran, by job name",
    ["job"],
    buckets=_JOB_BUCKETS,
)
JOB_FAILURES = Counter(
    "taskcore_job_failures", "Background job runs that raised, by job name", ["job"]
)
LOGINS_FAILED = Counter("taskcore_logins_failed", "Logins refused for a wrong name or password")
LOGINS_THROTTLED = Counter(
    "taskcore_logins_throttled", "Login attempts answered 429 (too many attempts)"
)

LOGIN_ROUTES = frozenset({"/api/login", "/login"})


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    """Record one answered request."""
    code = str(status)
    REQUESTS.labels(method, route, code).inc()
    REQUEST_SECONDS.labels(method, route, code).observe(seconds)
    if status == 429 and method == "POST" and route in LOGIN_ROUTES:
        LOGINS_THROTTLED.inc()


class _LoginFailures(logging.Handler):
    """Counts the security log's ``login_failed`` events."""

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(record, "event", None) == "login_failed":
            LOGINS_FAILED.inc()


_LOGIN_HANDLER = _LoginFailures(level=logging.WARNING)


def count_login_failures() -> None:
    """Count failed logins from the ``taskcore.security`` log (once per process)."""
    security = logging.getLogger("taskcore.security")
    if _LOGIN_HANDLER not in security.handlers:
        security.addHandler(_LOGIN_HANDLER)
    if security.getEffectiveLevel() > logging.WARNING:
        security.setLevel(logging.WARNING)


def instrument_pool(engine: Engine, capacity: int) -> None:
    """Track ``engine``'s checked-out connections in :data:`POOL_IN_USE`."""
    POOL_CAPACITY.inc(capacity)

    def checkout(*args: Any) -> None:
        POOL_IN_USE.inc()

    def checkin(*args: Any) -> None:
        POOL_IN_USE.dec()

    event.listen(engine, "checkout", checkout)
    event.listen(engine, "checkin", checkin)


def observed(runner: Callable[[str, Mapping[str, Any]], None]) -> Callable[..., None]:
    """``runner`` (a worker's job runner) timed into :data:`JOB_SECONDS`, its failures
    counted in :data:`JOB_FAILURES`, and run with the request id of the request that
    queued the job (from the rq job's ``meta``) attached to its log lines."""

    def run(name: str, args: Mapping[str, Any]) -> None:
        rid = _queued_by()
        token = logs.bind_request_id(rid)
        started = time.perf_counter()
        try:
            runner(name, args)
        except BaseException:
            JOB_FAILURES.labels(name).inc()
            raise
        finally:
            JOB_SECONDS.labels(name).observe(time.perf_counter() - started)
            logs.unbind_request_id(token)

    return run


def _queued_by() -> str | None:
    """The request id stored in the current rq job's ``meta``, if any."""
    try:
        from rq import get_current_job
    except ImportError:  # pragma: no cover - the queue extra comes with workers
        return None
    job = get_current_job()
    value = job.meta.get("request_id") if job is not None else None
    return value if isinstance(value, str) else None


class DatabaseCollector(Collector):
    """Figures read from the database at each scrape: the outbox backlog, the age of the
    oldest undelivered event, event deliveries by state, and mail by state."""

    def __init__(self, engine: Engine | None) -> None:
        self.engine = engine

    def collect(self) -> Iterator[GaugeMetricFamily]:
        if self.engine is None:
            return
        from taskcore_adapters.sql.tables import event_deliveries, notification_queue, outbox

        unsettled = (
            select(event_deliveries.c.event_id)
            .where(
                event_deliveries.c.event_id == outbox.c.event_id,
                event_deliveries.c.status == "pending",
            )
            .exists()
        )
        undelivered = or_(outbox.c.published_at.is_(None), unsettled)
        try:
            with self.engine.connect() as conn:
                backlog, oldest = conn.execute(
                    select(func.count(), func.min(outbox.c.occurred_at)).where(undelivered)
                ).one()
                deliveries: dict[str, int] = dict(
                    conn.execute(
                        select(event_deliveries.c.status, func.count()).group_by(
                            event_deliveries.c.status
                        )
                    ).all()
                )
                mail: dict[str, int] = dict(
                    conn.execute(
                        select(notification_queue.c.status, func.count()).group_by(
                            notification_queue.c.status
                        )
                    ).all()
                )
        except SQLAlchemyError:
            return
        yield GaugeMetricFamily(
            "taskcore_outbox_backlog",
            "Events not yet relayed or with a delivery still pending",
            value=backlog,
        )
        age = 0.0
        if oldest is not None:
            age = max(0.0, (dt.datetime.now(dt.UTC) - _aware(oldest)).total_seconds())
        yield GaugeMetricFamily(
            "taskcore_outbox_oldest_undelivered_age_seconds",
            "Age of the oldest event not yet delivered to every handler (0: none)",
            value=age,
        )
        by_state = GaugeMetricFamily(
            "taskcore_event_deliveries",
            "Event deliveries kept, by state (failed: given up, see requeue-failed)",
            labels=["state"],
        )
        for state in ("pending", "done", "failed"):
            by_state.add_metric([state], deliveries.get(state, 0))
        yield by_state
        mails = GaugeMetricFamily(
            "taskcore_mails", "E-mail notifications kept, by state", labels=["state"]
        )
        for state in ("pending", "sending", "sent", "failed", "failed_config"):
            mails.add_metric([state], mail.get(state, 0))
        yield mails


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def render(database: Engine | None) -> bytes:
    """The text exposition of every metric: this process's (or, in multiprocess mode,
    all processes'), then the database's figures."""
    directory = os.environ.get(MULTIPROC_VARIABLE)
    if directory:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=directory)  # type: ignore[no-untyped-call]
        own = generate_latest(registry)
    else:
        own = generate_latest(REGISTRY)
    figures = CollectorRegistry(auto_describe=False)
    figures.register(DatabaseCollector(database))
    return own + generate_latest(figures)


def authorised(token: str | None, header: str | None) -> bool:
    """Whether ``header`` (the request's ``Authorization``) is ``Bearer <token>``."""
    if not token or not header or not header.startswith("Bearer "):
        return False
    return hmac.compare_digest(header[len("Bearer ") :].strip().encode(), token.encode())


def prepare_directory(directory: str) -> None:
    """Empty ``directory`` (the values of an earlier run) and name it in the environment,
    before any process imports ``prometheus_client``'s values."""
    os.makedirs(directory, mode=0o700, exist_ok=True)
    for name in os.listdir(directory):
        if name.endswith(".db"):
            os.remove(os.path.join(directory, name))
    os.environ[MULTIPROC_VARIABLE] = directory
