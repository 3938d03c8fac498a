"""The repository contract of attachments and pending blob removals, on every adapter."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import attrs
import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from taskcore import errors
from taskcore.domain.attachments import Attachment
from taskcore.domain.pagination import Keyset
from taskcore.domain.projects import Project
from taskcore.domain.tasks import Task
from taskcore.domain.users import User
from taskcore.ports.uow import UnitOfWork, UnitOfWorkFactory
from taskcore_adapters.sql import SqlAlchemyUnitOfWorkFactory

NOW = dt.datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=dt.UTC)


@attrs.frozen
class Setup:
    """Two users, a project and three tasks in it (the first two tasks are used most)."""

    alice: int
    bob: int
    project_id: int
    tasks: list[int]


@pytest.fixture
def setup(uow_factory: UnitOfWorkFactory) -> Setup:
    with uow_factory() as uow:
        ids = []
        for name in ("alice", "bob"):
            user = uow.users.add(
                User(
                    username=name,
                    email=f"{name}@example.com",
                    password_hash="hash",
                    full_name=None,
                    created_at=NOW,
                )
            )
            ids.append(user.key)
        project = uow.projects.add(
            Project(name="Apollo", owner_id=ids[0], created_at=NOW, updated_at=NOW)
        )
        tasks = [
            uow.tasks.add(
                Task(project_id=project.key, title=f"t{i}", created_at=NOW, updated_at=NOW)
            ).key
            for i in range(3)
        ]
        uow.commit()
    return Setup(alice=ids[0], bob=ids[1], project_id=project.key, tasks=tasks)


def new_attachment(task_id: int, uploaded_by: int, n: int = 0, **changes: Any) -> Attachment:
    attachment = Attachment(
        task_id=task_id,
        uploaded_by=uploaded_by,
        filename=f"{n:032x}.pdf",
        original_filename=f"Zoë {n}.pdf",
        extension="pdf",
        file_size=1000 + n,
        mime_type="application/pdf",
        file_hash=f"{n:064x}",
        blob_key=f"2026/03/01/093015-{n:032x}",
        created_at=NOW + dt.timedelta(minutes=n),
    )
    return attrs.evolve(attachment, **changes)


def add_many(uow: UnitOfWork, setup: Setup, count: int, task: int = 0) -> list[Attachment]:
    return [
        uow.attachments.add(new_attachment(setup.tasks[task], setup.bob, n + 100 * task))
        for n in range(count)
    ]


class TestAttachmentRepository:
    def test_round_trip_with_project_and_uploader(
        self, uow_factory: UnitOfWorkFactory, setup: Setup
    ) -> None:
        """A stored attachment reads back with its id, project and uploader's name."""
        with uow_factory() as uow:
            added = uow.attachments.add(new_attachment(setup.tasks[0], setup.bob, 7))
            uow.commit()
        with uow_factory() as uow:
            view = uow.attachments.get(added.key)
            assert uow.attachments.get(added.key + 100) is None
        assert view is not None
        assert (added.key, setup.project_id, "bob", "Zoë 7.pdf", 1007, NOW.tzinfo) == (
            view.id,
            view.project_id,
            view.uploaded_by_username,
            view.original_filename,
            view.file_size,
            view.created_at.tzinfo,
        )
        assert attrs.asdict(added) == {
            k: v
            for k, v in attrs.asdict(view).items()
            if k not in ("project_id", "uploaded_by_username")
        }

    def test_large_sizes(self, uow_factory: UnitOfWorkFactory, setup: Setup) -> None:
        """Sizes beyond 32 bits are kept exactly."""
        with uow_factory() as uow:
            added = uow.attachments.add(
                new_attachment(setup.tasks[0], setup.bob, file_size=5 * 2**30)
            )
            view = uow.attachments.get(added.key)
        assert view is not None
        assert 5 * 2**30 == view.file_size

    def test_add_to_missing_task(self, uow_factory: UnitOfWorkFactory, setup: Setup) -> None:
        """An attachment of a task that does not exist is refused."""
        with uow_factory() as uow, pytest.raises(errors.TaskNotFound):
            uow.attachments.add(new_attachment(999, setup.bob))

    def test_nothing_kept_without_commit(
        self, uow_factory: UnitOfWorkFactory, setup: Setup
    ) -> None:
        """An attachment added in a unit of work that is not committed is gone."""
        with uow_factory() as uow:
            added = uow.attachments.add(new_attachment(setup.tasks[0], setup.bob))
        with uow_factory() as uow:
            assert uow.attachments.get(added.key) is None

    def test_delete_returns_the_row(self, uow_factory: UnitOfWorkFactory, setup: Setup) -> None:
        """delete() returns the attachment as it was, or None when there was none."""
        with uow_factory() as uow:
            added = uow.attachments.add(new_attachment(setup.tasks[0], setup.bob))
            assert added == uow.attachments.delete(added.key)
            assert uow.attachments.delete(added.key) is None
            assert uow.attachments.get(added.key) is None

    def test_delete_for_tasks(self, uow_factory: UnitOfWorkFactory, setup: Setup) -> None:
        """delete_for_tasks() removes the attachments of exactly those tasks, returned by
        id."""
        with uow_factory() as uow:
            first = add_many(uow, setup, 2, task=0)
            second = add_many(uow, setup, 1, task=1)
            third = add_many(uow, setup, 1, task=2)
            uow.commit()
        with uow_factory() as uow:
            gone = uow.attachments.delete_for_tasks([setup.tasks[1], setup.tasks[0], 12345])
            assert [] == uow.attachments.delete_for_tasks([])
            uow.commit()
        assert first + second == list(gone)
        with uow_factory() as uow:
            assert [0, 0, 1] == [uow.attachments.count(t) for t in setup.tasks]
            assert uow.attachments.get(third[0].key) is not None

    def test_rows_outlive_their_task_until_the_commit(
        self, uow_factory: UnitOfWorkFactory, setup: Setup
    ) -> None:
        """After a task is deleted, its attachments are still found (and deleted) by
        delete_for_tasks() in the same transaction, which then commits."""
        with uow_factory() as uow:
            added = add_many(uow, setup, 2)
            uow.commit()
        with uow_factory() as uow:
            uow.tasks.delete(setup.tasks[0])
            assert added == list(uow.attachments.delete_for_tasks([setup.tasks[0]]))
            uow.commit()
        with uow_factory() as uow:
            assert uow.tasks.get(setup.tasks[0]) is None
            assert set() == uow.attachments.referenced_keys([a.blob_key for a in added])

    def test_adding_waits_for_a_concurrent_task_deletion_or_is_deleted_by_it(
        self, uow_factory: UnitOfWorkFactory, setup: Setup
    ) -> None:
        """An attachment added while another transaction deletes its task is either
        refused or deleted with the task; it never outlives it."""
        deleted: list[list[Attachment]] = []
        with uow_factory() as uow:
            added = uow.attachments.add(new_attachment(setup.tasks[0], setup.bob))

            def delete_task() -> None:
                with uow_factory() as other:
                    other.tasks.delete(setup.tasks[0])
                    deleted.append(list(other.attachments.delete_for_tasks([setup.tasks[0]])))
                    other.commit()

            worker = threading.Thread(target=delete_task)
            worker.start()
            worker.join(0.3)
            assert worker.is_alive()
            uow.commit()
        worker.join(10)
        assert [[added]] == deleted
        with uow_factory() as uow:
            assert uow.attachments.get(added.key) is None

    def test_find_newest_first_by_page_and_keyset(
        self, uow_factory: UnitOfWorkFactory, setup: Setup
    ) -> None:
        """find() lists a task's attachments newest first (ties by id), by offset or keyset."""
        with uow_factory() as uow:
            added = add_many(uow, setup, 4)
            tie = uow.attachments.add(
                new_attachment(setup.tasks[0], setup.alice, 9, created_at=added[3].created_at)
            )
            add_many(uow, setup, 2, task=1)
            uow.commit()
        newest = [tie.key, added[3].key, added[2].key, added[1].key, added[0].key]
        with uow_factory() as uow:
            repo = uow.attachments
            assert newest == [a.id for a in repo.find(setup.tasks[0], limit=10)]
            assert newest[1:3] == [a.id for a in repo.find(setup.tasks[0], offset=1, limit=2)]
            after = Keyset(value=added[3].created_at, id=added[3].key)
            assert newest[2:] == [a.id for a in repo.find(setup.tasks[0], limit=10, after=after)]
            assert (5, 2, 0) == tuple(repo.count(t) for t in setup.tasks)
            assert ["alice", "bob"] == [
                a.uploaded_by_username for a in repo.find(setup.tasks[0], limit=2)
            ]

    def test_stats(self, uow_factory: UnitOfWorkFactory, setup: Setup) -> None:
        """stats() totals every attachment and groups by extension and media type, largest
        total first."""
        with uow_factory() as uow:
            empty = uow.attachments.stats()
            rows = [
                ("pdf", "application/pdf", 100),
                ("pdf", "application/pdf", 50),
                ("docx", "application/vnd.openxmlformats", 400),
                ("txt", "text/plain", 0),
            ]
            for n, (extension, media_type, size) in enumerate(rows):
                uow.attachments.add(
                    new_attachment(
                        setup.tasks[n % 2],
                        setup.bob,
                        n,
                        extension=extension,
                        mime_type=media_type,
                        file_size=size,
                    )
                )
            stats = uow.attachments.stats()
        assert (0, 0, [], []) == (
            empty.total_count,
            empty.total_size,
            list(empty.by_extension),
            list(empty.by_media_type),
        )
        assert (4, 550) == (stats.total_count, stats.total_size)
        assert [("docx", 1, 400), ("pdf", 2, 150), ("txt", 1, 0)] == [
            (t.value, t.count, t.total_size) for t in stats.by_extension
        ]
        assert ["application/vnd.openxmlformats", "application/pdf", "text/plain"] == [
            t.value for t in stats.by_media_type
        ]

    def test_keys_for_the_sweep(self, uow_factory: UnitOfWorkFactory, setup: Setup) -> None:
        """referenced_keys() picks the keys that have rows; blob_keys() pages through every
        row's key by id."""
        with uow_factory() as uow:
            added = add_many(uow, setup, 3) + add_many(uow, setup, 2, task=1)
            uow.commit()
        with uow_factory() as uow:
            keys = [a.blob_key for a in added]
            assert set(keys[:2]) == uow.attachments.referenced_keys([*keys[:2], "2026/x-y"])
            assert set() == uow.attachments.referenced_keys([])
            first = uow.attachments.blob_keys(limit=3)
            rest = uow.attachments.blob_keys(after_id=first[-1][0], limit=3)
        assert [(a.key, a.blob_key) for a in added] == [*first, *rest]


class TestBlobDeletionRepository:
    def test_add_pending_forget(self, uow_factory: UnitOfWorkFactory) -> None:
        """Removals are pending oldest first until forgotten; adding one twice keeps the
        first."""
        later = NOW + dt.timedelta(minutes=5)
        with uow_factory() as uow:
            uow.blob_deletions.add(["b", "a"], later)
            uow.blob_deletions.add(["c"], NOW)
            uow.blob_deletions.add(["a"], NOW - dt.timedelta(days=1))
            uow.blob_deletions.add([], NOW)
            uow.commit()
        with uow_factory() as uow:
            pending = uow.blob_deletions.pending(10)
            assert ["c", "a", "b"] == [d.blob_key for d in pending]
            assert (later, 0, None) == (
                pending[1].requested_at,
                pending[1].attempts,
                pending[1].last_error,
            )
            assert ["c", "a"] == [d.blob_key for d in uow.blob_deletions.pending(2)]
            uow.blob_deletions.forget(["a", "zzz"])
            uow.blob_deletions.forget([])
            uow.commit()
        with uow_factory() as uow:
            assert (["c", "b"], 2) == (
                [d.blob_key for d in uow.blob_deletions.pending(10)],
                uow.blob_deletions.count(),
            )

    def test_record_failure(self, uow_factory: UnitOfWorkFactory) -> None:
        """Failed attempts are counted with the last error; unknown keys are ignored."""
        with uow_factory() as uow:
            uow.blob_deletions.add(["k"], NOW)
            uow.blob_deletions.record_failure("k", "first")
            uow.blob_deletions.record_failure("k", "second " + "x" * 5000)
            uow.blob_deletions.record_failure("unknown", "x")
            uow.commit()
        with uow_factory() as uow:
            (pending,) = uow.blob_deletions.pending(10)
        assert (2, True) == (pending.attempts, (pending.last_error or "").startswith("second"))

    def test_nothing_kept_without_commit(self, uow_factory: UnitOfWorkFactory) -> None:
        """Removals recorded in a unit of work that is not committed are gone."""
        with uow_factory() as uow:
            uow.blob_deletions.add(["k"], NOW)
        with uow_factory() as uow:
            assert 0 == uow.blob_deletions.count()


class TestSqlSchema:
    def test_a_deleted_task_cannot_keep_attachments(self, engine: Engine, setup: Setup) -> None:
        """A transaction that deletes a task and leaves its attachments behind cannot
        commit: the deferred foreign key refuses it."""
        factory = SqlAlchemyUnitOfWorkFactory(engine)
        with factory() as uow:
            add_many(uow, setup, 1)
            uow.commit()
        with factory() as uow:
            uow.tasks.delete(setup.tasks[0])
            with pytest.raises(IntegrityError):
                uow.commit()

    @pytest.fixture
    def uow_factory(self, engine: Engine) -> UnitOfWorkFactory:
        """SQL only."""
        return SqlAlchemyUnitOfWorkFactory(engine)
