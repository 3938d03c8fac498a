"""The reminder job on the selected SQL backend: two workers (each with its own engine, as
two processes would have) racing over the same reminders send each exactly once, and a
worker that dies between claiming a reminder and committing leaves it for the next run."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, func, select

from taskcore.app import Taskcore, build
from taskcore.services.users import Principal
from taskcore_adapters.memory import FakeTokenService, ManualClock, PlainPasswordHasher
from taskcore_adapters.rrule import DateutilRecurrenceRules
from taskcore_adapters.sql import SqlAlchemyUnitOfWorkFactory, make_engine
from taskcore_adapters.sql.tables import notification_queue, task_reminders
from taskcore_adapters.sql.uow import SqlAlchemyUnitOfWork

REMINDERS = 12


class Killed(RuntimeError):
    """The worker died (before its transaction committed)."""


class DyingUnitOfWork(SqlAlchemyUnitOfWork):
    """A unit of work whose process dies at the commit after ``lives`` commits."""

    lives: list[int]

    def commit(self) -> None:
        if self.lives[0] == 0:
            raise Killed("worker killed mid-run")
        self.lives[0] -= 1
        super().commit()


def worker(engine: Engine, clock: ManualClock, *, lives: int | None = None) -> Taskcore:
    """A taskcore on ``engine`` (a worker); with ``lives``, it dies at the commit after
    that many."""
    factory = SqlAlchemyUnitOfWorkFactory(engine)
    if lives is not None:
        budget = [lives]

        def dying(*, read_only: bool = False) -> SqlAlchemyUnitOfWork:
            uow = DyingUnitOfWork(engine, read_only=read_only)
            uow.lives = budget
            return uow

        uow_factory = dying
    else:
        uow_factory = factory
    return build(
        uow_factory=uow_factory,
        clock=clock,
        password_hasher=PlainPasswordHasher(),
        token_service=FakeTokenService(),
        recurrence_rules=DateutilRecurrenceRules(),
        job_lanes=None,
    )


@pytest.fixture
def engines(database_url: str) -> Iterator[tuple[Engine, Engine]]:
    """Two engines on one clean database: two worker processes' pools."""
    first, second = make_engine(database_url), make_engine(database_url)
    yield first, second
    first.dispose()
    second.dispose()


def seed(core: Taskcore, clock: ManualClock) -> int:
    """bob assigned to tasks each with a reminder due now; returns bob's id."""
    users = core.users
    alice_view = users.register(
        username="alice", email="alice@example.com", password="correct horse", full_name="A"
    )
    bob_view = users.register(
        username="bob", email="bob@example.com", password="correct horse", full_name="B"
    )
    alice = Principal(user_id=alice_view.id, username="alice", is_admin=True)
    project = core.projects.create_project(alice, name="Apollo")
    core.projects.add_member(alice, project.id, user_id=bob_view.id)
    for i in range(REMINDERS):
        task = core.tasks.create_task(alice, project.id, title=f"t{i}", assignee_id=bob_view.id)
        core.time.add_reminder(
            alice, task.id, remind_at=(clock.now() + dt.timedelta(minutes=5)).isoformat()
        )
    clock.advance(minutes=10)
    return bob_view.id


def counts(engine: Engine) -> tuple[int, int]:
    """Reminder notifications stored, and reminders still unsent."""
    with engine.connect() as conn:
        sent = conn.execute(
            select(func.count())
            .select_from(notification_queue)
            .where(notification_queue.c.subject.like("Reminder:%"))
        ).scalar_one()
        unsent = conn.execute(
            select(func.count())
            .select_from(task_reminders)
            .where(task_reminders.c.sent_at.is_(None))
        ).scalar_one()
    return sent, unsent


def test_two_workers_send_each_reminder_once(engines: tuple[Engine, Engine]) -> None:
    """Both workers run the job at the same moment; every reminder goes out once (one
    in-app and one e-mail notification for its assignee), none twice."""
    clock = ManualClock()
    first, second = (worker(engine, clock) for engine in engines)
    seed(first, clock)
    start = threading.Barrier(2)
    results: list[int] = []

    def run(core: Taskcore) -> None:
        start.wait()
        results.append(core.time.send_due_reminders())

    threads = [threading.Thread(target=run, args=(core,)) for core in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert REMINDERS == sum(results)
    assert (REMINDERS * 2, 0) == counts(engines[0])


def test_a_worker_killed_mid_run_loses_and_repeats_nothing(
    engines: tuple[Engine, Engine],
) -> None:
    """A worker dies after sending three reminders, with the fourth claimed but not
    committed; the next run sends the rest, the fourth included, each once."""
    clock = ManualClock()
    healthy = worker(engines[0], clock)
    seed(healthy, clock)
    doomed = worker(engines[1], clock, lives=3)
    with pytest.raises(Killed):
        doomed.time.send_due_reminders()
    assert (3 * 2, REMINDERS - 3) == counts(engines[0])
    assert REMINDERS - 3 == healthy.time.send_due_reminders()
    assert (REMINDERS * 2, 0) == counts(engines[0])
    assert 0 == healthy.time.send_due_reminders()


def test_two_workers_send_one_digest(engines: tuple[Engine, Engine]) -> None:
    """Both workers run the digest job at the same moment: bob gets one digest."""
    clock = ManualClock()
    first, second = (worker(engine, clock) for engine in engines)
    bob_id = seed(first, clock)
    bob = Principal(user_id=bob_id, username="bob", is_admin=False)
    first.time.set_digest(bob, enabled=True, hour=0)
    # A task of bob's due today (the clock is at 12:10 UTC).
    alice = Principal(user_id=1, username="alice", is_admin=True)
    project_id = first.projects.list_projects(alice).items[0].id
    first.tasks.create_task(
        alice,
        project_id,
        title="today",
        assignee_id=bob_id,
        due_date=dt.datetime.fromisoformat("2026-01-01T18:00:00Z"),
    )
    start = threading.Barrier(2)
    results: list[int] = []

    def run(core: Taskcore) -> None:
        start.wait()
        results.append(core.time.send_due_digests())

    threads = [threading.Thread(target=run, args=(core,)) for core in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [0, 1] == sorted(results)
    with engines[0].connect() as conn:
        digests = conn.execute(
            select(func.count())
            .select_from(notification_queue)
            .where(notification_queue.c.subject.like("Your tasks for%"))
        ).scalar_one()
    assert 2 == digests
