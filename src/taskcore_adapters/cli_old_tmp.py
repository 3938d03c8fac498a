"""The ``taskcore`` command: serve, worker, migrate, db, config, create-admin,
sweep-files, requeue-failed."""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import signal
import sys
from collections.abc import Sequence
from typing import Any

from taskcore.errors import TaskcoreError
from taskcore_adapters.config import ConfigError, Settings
from taskcore_adapters.extras import EXTRAS_HELP, missing_extra

log = logging.getLogger("taskcore")

MULTIPROC_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from taskcore_adapters import logs

    # On SIGTERM uvicorn stops accepting connections, lets the requests in flight finish
    # (at most timeout_graceful_shutdown seconds), runs the lifespan shutdown (the relay
    # thread stops, the engine is disposed), and then raises the signal again. After such
    # a graceful stop the process should end with status 0, not "killed by SIGTERM"; a
    # SIGTERM before uvicorn takes over (during the migration below) ends it the same way.
    signal.signal(signal.SIGTERM, _exit_cleanly)
    settings = Settings.from_env()
    settings.resolve_secret_key()  # fail early, and create the key once before workers fork
    if settings.metrics_token:
        _metrics_directory()
    if settings.is_embedded_database:
        from taskcore_adapters.sql import make_engine, upgrade

        engine = make_engine(settings.effective_database_url)
        upgrade(engine)
        engine.dispose()
    print(
        f"taskcore serving on http://{args.host}:{args.port} "
        f"(data in {settings.data_dir.absolute()})",
        file=sys.stderr,
    )
    uvicorn.run(
        "taskcore_adapters.asgi:create",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=args.log_level,
        log_config=logs.config(args.log_level),
        access_log=False,  # taskcore.access logs each request, with its route and id
        proxy_headers=False,
        server_header=False,
        timeout_graceful_shutdown=10,
        **_worker_healthcheck(uvicorn.run),
    )
    return 0


WORKER_START_SECONDS = 60
"""How long uvicorn waits for a worker process to answer its health pings (it restarts
one that does not): on a busy host, spawning a process and importing taskcore can take
longer than uvicorn's default of 5 seconds, which made it restart its workers for ever."""


def _worker_healthcheck(run: object) -> dict[str, Any]:
    """``timeout_worker_healthcheck`` for uvicorn versions that have it."""
    import inspect

    parameters = inspect.signature(run).parameters  # type: ignore[arg-type]
    if "timeout_worker_healthcheck" in parameters:
        return {"timeout_worker_healthcheck": WORKER_START_SECONDS}
    return {}  # pragma: no cover - older uvicorn


def _metrics_directory() -> str:
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


def _migrate(args: argparse.Namespace) -> int:
    from taskcore_adapters.sql import make_engine, upgrade

    settings = Settings.from_env()
    logging.getLogger("alembic").setLevel(logging.INFO)  # name each migration applied
    engine = make_engine(settings.effective_database_url)
    try:
        upgrade(engine, args.revision)
    finally:
        engine.dispose()
    print(f"database at revision {args.revision}", file=sys.stderr)
    return 0


def _create_admin(args: argparse.Namespace) -> int:
    from taskcore_adapters.bootstrap import from_settings

    password = args.password or os.environ.get("TASKCORE_ADMIN_PASSWORD")
    if not password:
        password = getpass.getpass("Password for the new admin: ")
    runtime = from_settings(Settings.from_env(), migrate=None)
    try:
        user, created = runtime.core.users.create_admin(
            username=args.username, email=args.email, password=password
        )
    finally:
        runtime.close()
    verb = "created" if created else "is an active admin (existing account; password unchanged)"
    print(f"admin {user.username!r} (id {user.id}) {verb}", file=sys.stderr)
    return 0


def _sweep_files(args: argparse.Namespace) -> int:
    import datetime as dt

    from taskcore_adapters.bootstrap import from_settings

    runtime = from_settings(Settings.from_env(), migrate=None)
    try:
        report = runtime.core.attachments.sweep_files(
            grace=dt.timedelta(hours=args.grace_hours), check_rows=not args.skip_row_check
        )
    finally:
        runtime.close()
    print(f"blob removals completed: {report.deletions_completed}")
    print(f"blob removals still pending: {report.deletions_pending}")
    print(f"orphaned blobs removed: {len(report.orphans_removed)}")
    print(f"unfinished uploads removed: {len(report.partials_removed)}")
    print(f"removals that failed (retried next time): {report.failures}")
    if report.unrecognised_keys:
        print(f"keys not made by taskcore, left alone: {len(report.unrecognised_keys)}")
    if report.missing_blobs:
        ids = ", ".join(str(i) for i in report.missing_blobs)
        print(f"attachments whose file is missing: {ids}")
        return 1
    return 0


def _requeue_failed(args: argparse.Namespace) -> int:
    from taskcore_adapters.bootstrap import from_settings

    runtime = from_settings(Settings.from_env(), migrate=None)
    try:
        count = runtime.core.events.requeue_failed(True, event_id=args.event, handler=args.handler)
    finally:
        runtime.close()
    print(f"failed deliveries requeued: {count}")
    return 0


def _worker(args: argparse.Namespace) -> int:
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
    if args.metrics_port:
        from prometheus_client import start_http_server

        start_http_server(args.metrics_port, addr=args.metrics_host)
    try:
        if runtime.job_queue is None:  # pragma: no cover - queue_url was checked above
            raise ConfigError("no job queue configured")
        lanes = [lane.strip() for lane in args.lanes.split(",") if lane.strip()] or None
        run(
            runtime,
            runtime.job_queue,
            burst=args.burst,
            interval=args.relay_interval,
            lanes=lanes,
        )
    finally:
        runtime.close()
    return 0


def _db(args: argparse.Namespace) -> int:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from taskcore_adapters.sql import make_engine
    from taskcore_adapters.sql.migrate import alembic_config, downgrade, upgrade

    settings = Settings.from_env()
    engine = make_engine(settings.effective_database_url)
    try:
        if args.action == "current":
            with engine.connect() as conn:
                current = MigrationContext.configure(conn).get_current_revision()
            head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
            state = "up to date" if current == head else f"head is {head}"
            print(f"{current or 'empty (no migration applied)'} ({state})")
            return 0 if current == head else 1
        logging.getLogger("alembic").setLevel(logging.INFO)
        if args.action == "upgrade":
            upgrade(engine, args.revision or "head")
        else:
            if not args.revision:
                raise ConfigError("taskcore db downgrade needs a revision (or base)")
            downgrade(engine, args.revision)
    finally:
        engine.dispose()
    print(f"database {args.action}d to {args.revision or 'head'}", file=sys.stderr)
    return 0


def _config_check(args: argparse.Namespace) -> int:
    from taskcore_adapters.cli_checks import effective, problems

    settings = Settings.from_env()
    width = max(len(name) for name, _ in effective(settings))
    for name, value in effective(settings):
        print(f"{name:<{width}}  {value}")
    found = list(problems(settings))
    for problem in found:
        print(f"taskcore: problem: {problem}", file=sys.stderr)
    if not found:
        print("configuration OK", file=sys.stderr)
    return 1 if found else 0


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("taskcore")
    except PackageNotFoundError:  # pragma: no cover - run from a source tree
        return "0+unknown"


def parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    root = argparse.ArgumentParser(
        prog="taskcore",
        description="taskcore reference server and tools. Settings come from TASKCORE_* "
        "environment variables (see docs/configuration.md).",
        epilog=EXTRAS_HELP,
    )
    root.add_argument("--version", action="version", version=f"taskcore {_version()}")
    sub = root.add_subparsers(dest="command", required=True)
    _add_db(sub)
    _add_config(sub)
    _add_serve(sub)
    _add_worker(sub)
    _add_migrate(sub)
    _add_create_admin(sub)
    _add_sweep_files(sub)
    _add_requeue_failed(sub)
    return root


def _add_db(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``taskcore db`` (current, upgrade, downgrade)."""
    db = sub.add_parser(
        "db",
        help="show or move the database schema's revision",
        description="current: the applied revision (exit status 1 when not the newest); "
        "upgrade [REV]: apply migrations up to REV (default head); downgrade REV: undo "
        "them down to REV (base removes every table).",
    )
    db.add_argument("action", choices=["current", "upgrade", "downgrade"])
    db.add_argument("revision", nargs="?", default=None, help="target revision")
    db.set_defaults(run=_db)


def _add_config(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``taskcore config check``."""
    config = sub.add_parser("config", help="check the settings")
    config_sub = config.add_subparsers(dest="config_command", required=True)
    check = config_sub.add_parser(
        "check",
        help="print the effective settings (secrets masked) and what is wrong with them",
        description="Print every setting as the server would use it (keys, tokens and "
        "passwords masked), then check that the data folder is writable and that the "
        "database and Redis answer. Exit status 1 when something is wrong.",
    )
    check.set_defaults(run=_config_check)


def _add_serve(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``taskcore serve``."""
    serve = sub.add_parser("serve", help="run the HTTP server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--log-level", default="info")
    serve.set_defaults(run=_serve)


def _add_worker(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``taskcore worker``."""
    worker = sub.add_parser(
        "worker", help="run background jobs from Redis (rq) and relay the outbox"
    )
    worker.add_argument("--burst", action="store_true", help="stop when the queue is empty")
    worker.add_argument(
        "--relay-interval", type=float, default=2.0, help="seconds between outbox relay rounds"
    )
    worker.add_argument(
        "--lanes",
        default="",
        help="serve only these comma-separated lanes, in order: default (taskcore's own "
        "jobs), mail, webhooks (default: all of them, in that order)",
    )
    worker.add_argument(
        "--metrics-port",
        type=int,
        default=0,
        help="serve this worker's metrics (job durations and failures) over HTTP on this "
        "port, without authentication (default 0: not served)",
    )
    worker.add_argument(
        "--metrics-host",
        default="127.0.0.1",
        help="the address the metrics port listens on (default 127.0.0.1)",
    )
    worker.set_defaults(run=_worker)


def _add_migrate(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``taskcore migrate``."""
    migrate = sub.add_parser("migrate", help="apply database migrations")
    migrate.add_argument("--revision", default="head")
    migrate.set_defaults(run=_migrate)


def _add_create_admin(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``taskcore create-admin``."""
    admin = sub.add_parser("create-admin", help="create an admin, or promote an existing user")
    admin.add_argument("--username", required=True)
    admin.add_argument("--email", required=True)
    admin.add_argument(
        "--password", help="the password (or set TASKCORE_ADMIN_PASSWORD, or type it when asked)"
    )
    admin.set_defaults(run=_create_admin)


def _add_sweep_files(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``taskcore sweep-files``."""
    sweep = sub.add_parser(
        "sweep-files",
        help="retry pending file removals, remove orphaned files, report missing ones",
        description="Bring the attachment files in step with the database: retry recorded "
        "removals, remove files no attachment refers to and unfinished uploads older than "
        "the grace period, and report attachments whose file is missing (exit status 1).",
    )
    sweep.add_argument(
        "--grace-hours",
        type=float,
        default=24.0,
        help="leave files younger than this alone (longer than the slowest upload)",
    )
    sweep.add_argument(
        "--skip-row-check",
        action="store_true",
        help="do not look up each attachment's file (one store lookup per attachment)",
    )
    sweep.set_defaults(run=_sweep_files)


def _add_requeue_failed(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``taskcore requeue-failed``."""
    requeue = sub.add_parser(
        "requeue-failed",
        help="make failed event deliveries pending again, once their cause is fixed",
        description="Make failed event deliveries pending again, with their attempts "
        "counted from zero; the server's or the worker's next relay round queues them.",
    )
    requeue.add_argument("--event", metavar="ID", help="only the deliveries of this event")
    requeue.add_argument("--handler", metavar="NAME", help="only the deliveries to this handler")
    requeue.set_defaults(run=_requeue_failed)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``taskcore`` console script."""
    args = parser().parse_args(argv)
    if not logging.getLogger().handlers:  # leave a host's (or a test runner's) logging alone
        _configure_logs()
    from taskcore_adapters.cli_checks import explain, misspelt

    for warning in misspelt():
        print(f"taskcore: warning: {warning}", file=sys.stderr)
    try:
        return int(args.run(args))
    except (ConfigError, TaskcoreError) as exc:
        print(f"taskcore: error: {exc}", file=sys.stderr)
        return 2
    except ModuleNotFoundError as exc:  # a base install, or an extra missing
        print(f"taskcore: error: {missing_extra(exc)}", file=sys.stderr)
        return 2
    except Exception as exc:
        # The usual mistakes get one line (an unreachable server, a malformed URL, an
        # unknown driver, a folder it cannot write); anything else keeps its traceback.
        if not _common(exc):
            raise
        print(f"taskcore: error: {explain(exc, _settings_or_none())}", file=sys.stderr)
        return 2


def _common(exc: Exception) -> bool:
    module = type(exc).__module__
    return module.startswith(("sqlalchemy", "redis", "psycopg")) or isinstance(exc, PermissionError)


def _settings_or_none() -> Settings | None:
    try:
        return Settings.from_env()
    except ConfigError:
        return None


def _configure_logs() -> None:
    """taskcore's log lines; the standard library's until the server's extra (structlog)
    is installed, so that a command can still say which extra it needs."""
    from taskcore_adapters import logs

    try:
        logs.configure()
    except ModuleNotFoundError:
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")


if __name__ == "__main__":
    sys.exit(main())
