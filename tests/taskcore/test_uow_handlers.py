"""In-transaction handlers and on-commit callbacks of ``Transactions`` and ``Work``."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import pytest

from taskcore.domain.events import DomainEvent, ProjectDeleted, TaskDeleted, UserRegistered
from taskcore.domain.users import User
from taskcore.uow import MAX_HANDLER_ROUNDS, Transactions, Work
from taskcore_adapters.memory import InMemoryStore

NOW = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)


def task_deleted(task_id: int) -> TaskDeleted:
    return TaskDeleted(
        occurred_at=NOW,
        actor_id=1,
        entity_id=task_id,
        project_id=1,
        title="T",
        with_project=False,
    )


def user(name: str) -> User:
    return User(
        username=name,
        email=f"{name}@example.com",
        password_hash="hash",
        full_name=None,
        created_at=NOW,
    )


class TestInTransactionHandlers:
    def test_handler_gets_wanted_events_in_one_batch_with_the_same_unit(self) -> None:
        """A handler is called once per commit with the recorded events of its kinds, in
        order, and the very unit of work the use case used."""
        store = InMemoryStore()
        tx = Transactions(store)
        calls: list[tuple[Work, list[str]]] = []
        tx.handle_in_transaction(
            (TaskDeleted, ProjectDeleted),
            lambda work, events: calls.append((work, [e.event_id for e in events])),
        )
        first, second = task_deleted(1), task_deleted(2)
        other = UserRegistered(occurred_at=NOW, actor_id=None, entity_id=9, username="u")
        with tx() as work:
            work.record(first, other, second)
            work.commit()
        assert [(work, [first.event_id, second.event_id])] == calls

    def test_handler_changes_commit_with_the_use_case(self) -> None:
        """What a handler writes is committed with the rest, events included."""
        store = InMemoryStore()
        tx = Transactions(store)

        def add_user(work: Work, events: Sequence[DomainEvent]) -> None:
            added = work.uow.users.add(user("carol"))
            work.record(
                UserRegistered(occurred_at=NOW, actor_id=None, entity_id=added.key, username="u")
            )

        tx.handle_in_transaction([TaskDeleted], add_user)
        with tx() as work:
            work.record(task_deleted(1))
            work.commit()
        with store() as uow:
            assert uow.users.get_by_username("carol") is not None
        assert ["task.deleted", "user.registered"] == [e.name for e in store.events()]

    def test_events_recorded_by_handlers_reach_other_handlers(self) -> None:
        """Handlers react to each other's events, in rounds, before the commit."""
        tx = Transactions(InMemoryStore())
        seen: list[str] = []

        def on_task(work: Work, events: Sequence[DomainEvent]) -> None:
            seen.append("task")
            work.record(UserRegistered(occurred_at=NOW, actor_id=None, entity_id=1, username="u"))

        tx.handle_in_transaction([TaskDeleted], on_task)
        tx.handle_in_transaction([UserRegistered], lambda work, events: seen.append("user"))
        with tx() as work:
            work.record(task_deleted(1))
            work.commit()
        assert ["task", "user"] == seen

    def test_a_failing_handler_commits_nothing(self) -> None:
        """When a handler raises, the commit fails and nothing of the unit is kept."""
        store = InMemoryStore()
        tx = Transactions(store)

        def fail(work: Work, events: Sequence[DomainEvent]) -> None:
            raise RuntimeError("boom")

        tx.handle_in_transaction([TaskDeleted], fail)

        def delete() -> None:
            with tx() as work:
                work.uow.users.add(user("dave"))
                work.record(task_deleted(1))
                work.commit()

        with pytest.raises(RuntimeError, match="boom"):
            delete()
        with store() as uow:
            assert uow.users.get_by_username("dave") is None
        assert [] == store.events()

    def test_handlers_that_feed_each_other_for_ever_are_stopped(self) -> None:
        """A cycle of handlers is a programming error, reported instead of looping."""
        tx = Transactions(InMemoryStore())
        calls: list[int] = []

        def again(work: Work, events: Sequence[DomainEvent]) -> None:
            calls.append(1)
            work.record(task_deleted(len(calls)))

        tx.handle_in_transaction([TaskDeleted], again)

        def delete() -> None:
            with tx() as work:
                work.record(task_deleted(0))
                work.commit()

        with pytest.raises(RuntimeError, match="keep recording"):
            delete()
        assert MAX_HANDLER_ROUNDS == len(calls)


class TestOnCommit:
    def test_runs_after_the_commit_once_the_unit_is_closed(self) -> None:
        """A callback runs after its unit of work has committed and been closed."""
        store = InMemoryStore()
        tx = Transactions(store)
        seen: list[bool] = []

        def free_elsewhere() -> None:
            # The store's lock is re-entrant, so ask from another thread whether it is free.
            with ThreadPoolExecutor(1) as pool:
                free = pool.submit(store.lock.acquire, timeout=1).result()
                if free:
                    pool.submit(store.lock.release).result()
            seen.append(free)

        with tx() as work:
            work.uow.users.add(user("erin"))
            work.on_commit(free_elsewhere)
            work.commit()
            assert [] == seen
        assert [True] == seen

    def test_dropped_without_commit(self) -> None:
        """A callback of a unit that does not commit never runs."""
        tx = Transactions(InMemoryStore())
        seen: list[int] = []
        with tx() as work:
            work.on_commit(lambda: seen.append(1))
        assert [] == seen

    def test_a_failing_callback_is_logged_and_the_commit_stands(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        """A callback that raises is logged; the data it followed stays committed and later
        callbacks still run."""
        store = InMemoryStore()
        tx = Transactions(store)
        seen: list[int] = []

        def fail() -> None:
            raise RuntimeError("boom")

        with caplog.at_level(logging.ERROR, logger="taskcore.uow"), tx() as work:
            work.uow.users.add(user("frank"))
            work.on_commit(fail)
            work.on_commit(lambda: seen.append(1))
            work.commit()
        assert [1] == seen
        assert "on-commit callback failed" in caplog.text
        with store() as uow:
            assert uow.users.get_by_username("frank") is not None
