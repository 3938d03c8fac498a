"""Reminders and daily digests go out exactly once, whatever happens to the workers
sending them: one killed in the middle of a send leaves nothing behind, and two running at
once afterwards send each once between them (a reminder to every assignee and watcher)."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from taskcore.services.users import Principal
from taskcore_adapters.bootstrap import from_settings
from taskcore_adapters.config import Settings
from taskcore_adapters.security import Argon2PasswordHasher

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

# A worker process running jobs. With a marker path, it stops for good in the middle of
# its first send's transaction, after storing the first notification.
WORKER = """
import sys, time
from pathlib import Path
import taskcore.services.time.reminders as reminders
from taskcore_adapters.bootstrap import from_settings
from taskcore_adapters.config import Settings

data_dir, database_url, jobs, marker = sys.argv[1:5]
if marker:
    store = reminders._store

    def stuck(*args, **kwargs):
        store(*args, **kwargs)
        Path(marker).write_text("inside the transaction")
        time.sleep(120)

    reminders._store = stuck
settings = Settings(data_dir=Path(data_dir), database_url=database_url, secret_key="s" * 40)
with from_settings(settings, migrate=False) as runtime:
    for job in jobs.split(","):
        runtime.core.run_job(job, {})
"""
BOTH = "time.send_reminders,time.send_digests"


def _worker(tmp_path: Path, url: str, jobs: str, marker: str = "") -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", WORKER, str(tmp_path), url, jobs, marker],
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )


def _kill_inside(tmp_path: Path, url: str, job: str) -> None:
    """Run ``job`` in a worker and kill it once it is inside a send's transaction."""
    marker = tmp_path / f"inside-{job}"
    killed = _worker(tmp_path, url, job, str(marker))
    try:
        deadline = time.monotonic() + 90
        while not marker.exists() and killed.poll() is None:
            assert time.monotonic() < deadline, f"the worker never reached a send of {job}"
            time.sleep(0.05)
        assert killed.poll() is None, "the worker ended before it was killed"
    finally:
        killed.send_signal(signal.SIGKILL)
        killed.wait(timeout=10)


def test_reminders_and_digests_survive_a_killed_worker_and_go_out_once(
    tmp_path: Path, database_url: str, hasher: Argon2PasswordHasher
) -> None:
    settings = Settings(data_dir=tmp_path, database_url=database_url, secret_key="s" * 40)
    with from_settings(settings, password_hasher=hasher, migrate=False) as runtime:
        core = runtime.core
        people = [
            core.users.register(
                username=name,
                email=f"{name}@example.com",
                password="long enough",
                full_name=name,
                is_admin=name == "olivia",
            )
            for name in ("olivia", "ann", "bob", "cid")
        ]
        owner, ann, bob, cid = (core.as_user(p.id) for p in people)
        project = core.projects.create_project(owner, name="P")
        for member in (ann, bob, cid):  # added directly, as an administrator may
            core.projects.add_member(owner, project.id, user_id=member.user_id)
        now = dt.datetime.now(dt.UTC)
        task = core.tasks.create_task(
            owner,
            project.id,
            title="Ship it",
            due_date=(now + dt.timedelta(days=1)).date(),
            assignee_ids=[ann.user_id, bob.user_id],
            watchers=[cid.user_id],
        )
        core.tasks.create_task(  # overdue: Ann's digest has something to say
            owner,
            project.id,
            title="Late",
            due_date=(now - dt.timedelta(days=2)).date(),
            assignee_id=ann.user_id,
        )
        core.time.set_digest(ann, enabled=True, hour=0)  # due at once (UTC)
        soon = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)
        core.time.add_reminder(owner, task.id, remind_at=soon.isoformat())
        time.sleep(1.5)  # the reminder is due by the workers' wall clock

        def received(person: Principal, prefix: str) -> int:
            inbox = core.notifications.inbox(person)
            return sum(1 for n in inbox.page.items if n.subject.startswith(prefix))

        def state() -> tuple[list[int], int, int, int]:
            assert runtime.engine is not None
            with runtime.engine.connect() as conn:
                query = "SELECT name, count(*) FROM outbox WHERE name LIKE '%%_sent' GROUP BY name"
                events = {row[0]: row[1] for row in conn.execute(text(query))}
            return (
                [received(p, "Reminder: Ship it") for p in (ann, bob, cid)],
                received(ann, "Your tasks for"),
                events.get("task.reminder_sent", 0),
                events.get("user.daily_digest_sent", 0),
            )

        _kill_inside(tmp_path, database_url, "time.send_digests")
        _kill_inside(tmp_path, database_url, "time.send_reminders")
        assert ([0, 0, 0], 0, 0, 0) == state()

        workers = [_worker(tmp_path, database_url, BOTH) for _ in range(2)]
        assert [0, 0] == [w.wait(timeout=120) for w in workers]
        assert ([1, 1, 1], 1, 1, 1) == state()
