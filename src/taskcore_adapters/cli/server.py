"""``taskcore serve`` and ``taskcore worker``: the long-running processes."""

from __future__ import annotations

import inspect
import os
import signal
import sys
from typing import Any

import click

from taskcore_adapters.config import ConfigError, Settings

MULTIPROC_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"

WORKER_START_SECONDS = 60
"""How long uvicorn waits for a worker process to answer its health pings (it restarts
one that does not): on a busy host, spawning a process and importing taskcore can take
longer than uvicorn's default of 5 seconds, which made it restart its workers for ever."""

LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")


@click.command(
    short_help="Run the HTTP server.",
    help="Run the HTTP server (uvicorn); it migrates the embedded SQLite database itself.",
)
@click.option("--host", default="127.0.0.1", help="The address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, help="The port.")
@click.option(
    "--workers", type=click.IntRange(min=1), default=1, help="Server processes (uvicorn workers)."
)
@click.option(
    "--log-level",
    type=click.Choice(LOG_LEVELS, case_sensitive=False),
    default="info",
    help="The least severe log lines written.",
)
def serve(host: str, port: int, workers: int, log_level: str) -> int:
    import uvicorn

    from taskcore_adapters import logs

    # On SIGTERM uvicorn stops accepting connections, lets the requests in flight finish
    # (at most timeout_graceful_shutdown seconds), runs the lifespan shutdown (the relay
    # thread stops, the engine is disposed), and then raises the signal again. After such
    # a graceful stop the process should end with status 0, not "killed by SIGTERM"; a
    # SIGTERM before uvicorn takes over (during the migration below) ends it the same way.
    signal.signal(signal.SIGTERM, _exit_cleanly)
    level = log_level.lower()
    settings = Settings.from_env()
    settings.resolve_secret_key()  # fail early, and create the key once before workers fork
    if settings.metrics_token:
        metrics_directory()
    if settings.is_embedded_database:
        from taskcore_adapters.sql import make_engine, upgrade

        engine = make_engine(settings.effective_database_url)
        upgrade(engine)
        engine.dispose()
    print(
        f"taskcore serving on http://{host}:{port} (data in {settings.data_dir.absolute()})",
        file=sys.stderr,
    )
    uvicorn.run(
        "taskcore_adapters.asgi:create",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=level,
        log_config=logs.config(level),
        access_log=False,  # taskcore.access logs each request, with its route and id
        proxy_headers=False,
        server_header=False,
        timeout_graceful_shutdown=10,
        **worker_healthcheck(uvicorn.run),
    )
    return 0


def worker_healthcheck(run: object) -> dict[str, Any]:
    """``timeout_worker_healthcheck`` for uvicorn versions that have it."""
    parameters = inspect.signature(run).parameters  # type: ignore[arg-type]
    if "timeout_worker_healthcheck" in parameters:
        return {"timeout_worker_healthcheck": WORKER_START_SECONDS}
    return {}  # pragma: no cover - older uvicorn


def metrics_directory() -> str:
    """Set up multiprocess metrics before ``prometheus_client`` is imported: the folder
    ``PROMETHEUS_MULTIPROC_DIR`` names (a new private one unless set), emptied of the
    values of an earlier run, where every process of this server writes its own."""
    directory = os.environ.get(MULTIPROC_VARIABLE, "").strip()
    if not directory:
        import tempfile

        directory = tempfile.mkdtemp(prefix="taskcore-metrics-")
    os.makedirs(directory, mode=0o700, exist_ok=True)
    for name in os.listdir(directory):
        if name.endswith(".db"):
            os.remove(os.path.join(directory, name))
    os.environ[MULTIPROC_VARIABLE] = directory
    return directory


def _exit_cleanly(signum: int, frame: object) -> None:
    raise SystemExit(0)


@click.command(help="Run background jobs from Redis (rq) and relay the outbox.")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@click.option(
    "--relay-interval",
    type=click.FloatRange(min=0, min_open=True),
    default=2.0,
    help="Seconds between outbox relay rounds.",
)
@click.option(
    "--lanes",
    default="",
    show_default="all of them, in that order",
    help="Serve only these comma-separated lanes, in order: default (taskcore's own jobs), "
    "mail, webhooks, imports.",
)
@click.option(
    "--metrics-port",
    type=click.IntRange(0, 65535),
    default=0,
    help="Serve this worker's metrics (job durations and failures) over HTTP on this port, "
    "without authentication (0: not served).",
)
@click.option(
    "--metrics-host", default="127.0.0.1", help="The address the metrics port listens on."
)
def worker(
    burst: bool, relay_interval: float, lanes: str, metrics_port: int, metrics_host: str
) -> int:
    # A SIGTERM while the worker is still starting (importing, connecting) ends it with
    # status 0, as a stop once it works does; `run` then makes it a warm shutdown.
    signal.signal(signal.SIGTERM, _exit_cleanly)
    from taskcore_adapters.bootstrap import from_settings
    from taskcore_adapters.worker import run

    settings = Settings.from_env()
    if not settings.queue_url:
        raise ConfigError(
            "taskcore worker needs TASKCORE_QUEUE_URL (redis://...); without it jobs run "
            "inline inside `taskcore serve`"
        )
    runtime = from_settings(settings, migrate=False)
    if metrics_port:
        from prometheus_client import start_http_server

        start_http_server(metrics_port, addr=metrics_host)
    try:
        if runtime.job_queue is None:  # pragma: no cover - queue_url was checked above
            raise ConfigError("no job queue configured")
        chosen = [lane.strip() for lane in lanes.split(",") if lane.strip()] or None
        run(runtime, runtime.job_queue, burst=burst, interval=relay_interval, lanes=chosen)
    finally:
        runtime.close()
    return 0


COMMANDS = (serve, worker)
