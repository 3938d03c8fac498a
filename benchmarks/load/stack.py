"""The system under load, started the way production runs it, and what is watched on it.

One :func:`running` block gives: a fresh PostgreSQL database (``benchmarks.support``),
migrated and seeded by ``benchmarks.http_api.seed`` (an account, 10,000 tasks) plus five
member accounts, a second account watching the 20 "hot" tasks and a storm target; an
empty Redis database for the rq queue and the login throttle's counts; a local SMTP
server (aiosmtpd) that accepts and counts every message; ``taskcore serve --workers 2``
with the production defaults (background relay, login throttling at 30/minute per
address and 10 failed logins/minute per account); one ``taskcore worker``; and the bare
Starlette baseline app (``benchmarks.baseline_app``) on the same database.

Each server names itself to PostgreSQL (``application_name``), so the connections of
each can be counted in ``pg_stat_activity``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import inspect
import os
import secrets
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import redis
from sqlalchemy import Connection, create_engine, func, insert, select, text
from sqlalchemy.engine import make_url

from benchmarks.http_api import PASSWORD, USERNAME, baseline_command, login, seed, serve_command
from benchmarks.support import (
    ROOT,
    free_port,
    redis_queue_db,
    scratch_database,
    server,
    stop,
    taskcore_command,
)
from taskcore.services.users import Principal
from taskcore_adapters.bootstrap import from_settings
from taskcore_adapters.config import Settings
from taskcore_adapters.sql import make_engine
from taskcore_adapters.sql.tables import (
    activity_logs,
    event_deliveries,
    notification_queue,
    outbox,
    task_watchers,
    users,
)

MEMBERS = 5
HOT_TASKS = 20
STREAM_USERS = 100
"""Members of the listed project who only follow its live stream (with personal access
tokens, so the login throttle is not involved): 5 streams each for the default 500, under
the 8 per user and server process."""
VICTIM = "victim"
SERVE_WORKERS = 2
APP_SERVE, APP_WORKER, APP_BASELINE = "taskcore-serve", "taskcore-worker", "load-baseline"
APP_MONITOR = "load-monitor"


def pool_limit(env: dict[str, str]) -> int:
    """Most connections one taskcore process may hold with these settings: the pool,
    its overflow, and one for a health probe (which connects outside the pool)."""
    settings = Settings.from_env(env)
    default = inspect.signature(make_engine).parameters["pool_size"].default
    size = int(getattr(settings, "database_pool_size", default))
    overflow = int(getattr(settings, "database_max_overflow", size))
    return size + overflow + 1


def _named(url: str, application: str) -> str:
    """``url`` with a PostgreSQL ``application_name``."""
    return (
        make_url(url)
        .update_query_dict({"application_name": application})
        .render_as_string(hide_password=False)
    )


class MailCounter:
    """An aiosmtpd handler that accepts every message and counts them."""

    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.count += 1
        return "250 OK"


@contextlib.contextmanager
def smtp_server() -> Iterator[tuple[MailCounter, int]]:
    """An SMTP server on 127.0.0.1 that accepts and counts mail."""
    from aiosmtpd.controller import Controller

    counter = MailCounter()
    port = free_port()
    controller = Controller(counter, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield counter, port
    finally:
        controller.stop()


@contextlib.contextmanager
def background(
    command: list[str], env: dict[str, str], log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """Run a process without a port (the worker) until the block ends (SIGTERM, then
    SIGKILL after 30 s); its output goes to ``log``."""
    with log.open("ab") as sink:
        process = subprocess.Popen(  # noqa: S603 - our own command
            command, env=env, cwd=ROOT, stdout=sink, stderr=sink
        )
        try:
            yield process
        finally:
            stop(process, 30)


@dataclass
class Stack:
    """A running stack (see the module docstring)."""

    url: str
    queue_url: str
    work: Path
    taskcore: str
    baseline: str
    serve: subprocess.Popen[bytes]
    worker: subprocess.Popen[bytes]
    mail: MailCounter
    ids: dict[str, int]
    hot: list[int]
    tokens: list[str]
    stream_tokens: list[str]
    pool_limit: int
    conn: Connection
    log: Callable[[str], None]
    redis: redis.Redis = field(init=False)

    def __post_init__(self) -> None:
        self.redis = redis.Redis.from_url(self.queue_url)

    def spec(self, **extra: Any) -> dict[str, Any]:
        """What the locust file needs to know about this stack."""
        return {
            "taskcore": self.taskcore,
            "baseline": self.baseline,
            "tokens": self.tokens,
            "listed": self.ids["listed"],
            "id_min": self.ids["low"],
            "id_max": self.ids["high"],
            "hot": self.hot,
            "victim": VICTIM,
            **extra,
        }

    def scalar(self, query: Any) -> int:
        """One number from the database (outside any long transaction)."""
        value = self.conn.execute(query).scalar_one()
        self.conn.commit()
        return int(value or 0)

    def activity(self, entity_type: str, action: str) -> int:
        """Activity entries of one kind."""
        return self.scalar(
            select(func.count())
            .select_from(activity_logs)
            .where(activity_logs.c.entity_type == entity_type, activity_logs.c.action == action)
        )

    def backlog(self) -> dict[str, int]:
        """The event backlog: outbox rows not relayed yet (``published_at`` null), and
        event deliveries still ``pending`` (relayed, not yet done by their handler)."""
        return {
            "outbox_unrelayed": self.scalar(
                select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))
            ),
            "deliveries_pending": self.scalar(
                select(func.count())
                .select_from(event_deliveries)
                .where(event_deliveries.c.status == "pending")
            ),
        }

    def event_totals(self) -> dict[str, int]:
        """Rows in the outbox and deliveries by status (kept: nothing trims them)."""
        found = {"outbox_rows": self.scalar(select(func.count()).select_from(outbox))}
        rows = self.conn.execute(
            select(event_deliveries.c.status, func.count()).group_by(event_deliveries.c.status)
        ).all()
        self.conn.commit()
        found |= {f"deliveries_{status}": int(n) for status, n in rows}
        return found

    def notifications(self) -> dict[str, int]:
        rows = self.conn.execute(
            select(
                notification_queue.c.notification_type, notification_queue.c.status, func.count()
            ).group_by(notification_queue.c.notification_type, notification_queue.c.status)
        ).all()
        self.conn.commit()
        return {f"{kind}_{status}": int(n) for kind, status, n in rows}

    def mail_backlog(self) -> int:
        """E-mail notifications not sent yet (``pending`` or ``sending``)."""
        return self.scalar(
            select(func.count())
            .select_from(notification_queue)
            .where(
                notification_queue.c.notification_type == "email",
                notification_queue.c.status.in_(("pending", "sending")),
            )
        )

    def connections(self) -> dict[str, int]:
        """Open connections to the database, by application (this monitor excluded)."""
        rows = self.conn.execute(
            text(
                "SELECT application_name, count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                "GROUP BY application_name"
            )
        ).all()
        self.conn.commit()
        return {str(name): int(n) for name, n in rows}

    def failed_jobs(self) -> int:
        """Jobs in rq's failed-job registry of taskcore's queue."""
        from rq import Queue
        from rq.registry import FailedJobRegistry

        return FailedJobRegistry(queue=Queue("taskcore", connection=self.redis)).count

    def drain(self, limit: float, *, mail: bool = False) -> float | None:
        """Seconds until the event backlog (or, with ``mail``, the e-mail backlog) is
        empty, polled every 0.25 s; ``None`` when it is not empty after ``limit``
        seconds."""
        started = time.perf_counter()
        while True:
            if not (self.mail_backlog() if mail else any(self.backlog().values())):
                return time.perf_counter() - started
            if time.perf_counter() - started > limit:
                return None
            time.sleep(0.25)

    def processes(self) -> dict[str, list[int]]:
        """Process ids of the server (the ``taskcore serve`` process and its
        descendants) and of the worker."""
        return {"server": descendants(self.serve.pid), "worker": [self.worker.pid]}

    def sample(self) -> dict[str, Any]:
        """One observation: memory and open files of each side, Redis, connections and
        the event backlog."""
        out: dict[str, Any] = {"t": time.time()}
        for side, pids in self.processes().items():
            rss = fds = 0
            for pid in pids:
                rss += rss_bytes(pid)
                fds += open_files(pid)
            out[f"{side}_rss_mib"] = round(rss / 2**20, 2)
            out[f"{side}_fds"] = fds
        info = self.redis.info("memory")
        out["redis_used_memory_mib"] = round(int(info["used_memory"]) / 2**20, 3)
        out["redis_keys"] = int(self.redis.dbsize())
        out["connections"] = self.connections()
        out |= self.backlog()
        return out


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it (from ``/proc``)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(parents.get(current, []))
    return found


def rss_bytes(pid: int) -> int:
    """Resident memory of a process (``VmRSS``), 0 when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def open_files(pid: int) -> int:
    """Open file descriptors of a process, 0 when it is gone."""
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return 0


class Sampler:
    """Calls :meth:`Stack.sample` every ``every`` seconds in a thread of its own."""

    def __init__(self, stack: Stack, every: float) -> None:
        self.samples: list[dict[str, Any]] = []
        self._stack = stack
        self._every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="load-sampler", daemon=True)

    def _run(self) -> None:
        engine = create_engine(_named(self._stack.url, APP_MONITOR))
        try:
            with engine.connect() as conn:
                own = replace(self._stack, conn=conn)  # a connection of this thread's own
                try:
                    while True:
                        try:
                            self.samples.append(own.sample())
                        except Exception as exc:  # noqa: BLE001 - a missed sample is reported
                            self.samples.append({"t": time.time(), "error": repr(exc)})
                        if self._stop.wait(self._every):
                            return
                finally:
                    own.redis.close()
        finally:
            engine.dispose()

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)


def _people(
    url: str, work: Path, secret_key: str, ids: dict[str, int]
) -> tuple[list[int], list[str]]:
    """Member accounts in the listed project, two of them watching the hot tasks, the
    storm's target account and the stream followers; returns the hot task ids and the
    followers' access tokens."""
    runtime = from_settings(
        Settings(data_dir=work, database_url=url, secret_key=secret_key), migrate=False
    )
    engine = create_engine(url)
    try:
        core = runtime.core
        with engine.connect() as conn:
            owner_id = conn.execute(
                select(users.c.id).where(users.c.username == USERNAME)
            ).scalar_one()
        # Seeded directly, as an administrator adds members (no invitation mail).
        seeder = Principal(user_id=owner_id, username=USERNAME, is_admin=True)
        members = []
        for i in range(MEMBERS):
            user = core.users.register(
                username=f"member{i}",
                email=f"member{i}@example.com",
                password=PASSWORD,
                full_name=f"Member {i}",
            )
            core.projects.add_member(seeder, ids["listed"], user_id=user.id, role="member")
            members.append(user.id)
        core.users.register(
            username=VICTIM, email="victim@example.com", password=PASSWORD, full_name="Victim"
        )
        hot = list(range(ids["low"], ids["low"] + HOT_TASKS))
        with engine.begin() as conn:
            conn.execute(
                insert(task_watchers),
                [{"task_id": t, "user_id": u} for t in hot for u in members[:2]],
            )
        return hot, _followers(core, seeder, ids["listed"])
    finally:
        engine.dispose()
        runtime.close()


def _followers(core: Any, seeder: Principal, project_id: int) -> list[str]:
    """:data:`STREAM_USERS` members of the project, each with a read-only token."""
    expires = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    tokens = []
    for i in range(STREAM_USERS):
        user = core.users.register(
            username=f"follower{i}",
            email=f"follower{i}@example.com",
            password=PASSWORD,
            full_name=f"Follower {i}",
        )
        core.projects.add_member(seeder, project_id, user_id=user.id, role="member")
        me = Principal(user_id=user.id, username=user.username, is_admin=False)
        made = core.users.create_token(me, name="live", scopes=["tasks:read"], expires_at=expires)
        tokens.append(made.secret)
    return tokens


@contextlib.contextmanager
def running(log: Callable[[str], None]) -> Iterator[Stack]:
    """Start the whole stack; stop and remove everything when the block ends."""
    work = Path(tempfile.mkdtemp(prefix="taskcore-load-"))
    secret_key = secrets.token_urlsafe(48)
    try:
        with (
            scratch_database() as url,
            redis_queue_db() as queue_url,
            smtp_server() as (mail, smtp_port),
        ):
            log("seeding the database")
            ids = seed(url, work, secret_key)
            hot, stream_tokens = _people(url, work, secret_key, ids)
            tc_port, base_port = free_port(), free_port()
            env = {
                **os.environ,
                "TASKCORE_DATA_DIR": str(work),
                "TASKCORE_DATABASE_URL": _named(url, APP_SERVE),
                "TASKCORE_SECRET_KEY": secret_key,
                "TASKCORE_QUEUE_URL": queue_url,
                "TASKCORE_RATE_LIMIT_URL": queue_url,
                "TASKCORE_MAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
                "TASKCORE_MAIL_FROM": "tasks@example.com",
                "BENCH_DATABASE_URL": _named(url, APP_BASELINE),
            }
            for name in ("TASKCORE_AUTH_RATE_PER_ADDRESS", "TASKCORE_FAILED_LOGIN_RATE"):
                env.pop(name, None)  # the production defaults
            worker = [*taskcore_command(), "worker", "--relay-interval", "0.5"]
            worker_env = {**env, "TASKCORE_DATABASE_URL": _named(url, APP_WORKER)}
            log("starting taskcore serve, the worker and the baseline app")
            engine = create_engine(_named(url, APP_MONITOR))
            with (
                server(serve_command(tc_port, SERVE_WORKERS), tc_port, env) as serve_process,
                server(baseline_command(base_port), base_port, env),
                background(worker, worker_env, work / "worker.log") as worker_process,
                engine.connect() as conn,
            ):
                taskcore = f"http://127.0.0.1:{tc_port}"
                tokens = [login(taskcore, USERNAME)] + [
                    login(taskcore, f"member{i}") for i in range(MEMBERS)
                ]
                stack = Stack(
                    url=url,
                    queue_url=queue_url,
                    work=work,
                    taskcore=taskcore,
                    baseline=f"http://127.0.0.1:{base_port}",
                    serve=serve_process,
                    worker=worker_process,
                    mail=mail,
                    ids=ids,
                    hot=hot,
                    tokens=tokens,
                    stream_tokens=stream_tokens,
                    pool_limit=pool_limit(env),
                    conn=conn,
                    log=log,
                )
                _wait_for_worker(stack, worker_process)
                try:
                    yield stack
                finally:
                    stack.redis.close()
            engine.dispose()
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _wait_for_worker(stack: Stack, process: subprocess.Popen[bytes], limit: float = 60) -> None:
    """Wait until the worker has registered with rq.

    Raises:
        RuntimeError: it exited or did not register within ``limit`` seconds.
    """
    from rq import Worker

    started = time.perf_counter()
    while time.perf_counter() - started < limit:
        if process.poll() is not None:
            tail = (stack.work / "worker.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"the worker exited with code {process.returncode}: {tail}")
        if Worker.all(connection=stack.redis):
            return
        time.sleep(0.1)
    raise RuntimeError(f"the worker did not register within {limit:.0f} s")


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
