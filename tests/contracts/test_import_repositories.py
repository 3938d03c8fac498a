"""The contract of the import repository (runs, their staged rows, the sources of
imported tasks), on every adapter."""

from __future__ import annotations

import datetime as dt

import attrs
import pytest

from taskcore.domain.import_mapping import ImportRun, RunStatus
from taskcore.domain.projects import Project
from taskcore.domain.tasks import Task
from taskcore.domain.users import User
from taskcore.ports.uow import UnitOfWorkFactory

NOW = dt.datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=dt.UTC)


@pytest.fixture
def ids(uow_factory: UnitOfWorkFactory) -> tuple[int, int, int]:
    """A user, their project and a task in it."""
    with uow_factory() as uow:
        user = uow.users.add(
            User(
                username="al",
                email="al@example.com",
                password_hash="h",
                full_name=None,
                created_at=NOW,
            )
        ).key
        project = uow.projects.add(
            Project(name="P", owner_id=user, created_at=NOW, updated_at=NOW)
        ).key
        task = uow.tasks.add(
            Task(project_id=project, title="t", created_at=NOW, updated_at=NOW)
        ).key
        uow.commit()
    return user, project, task


def new_run(user: int, project: int) -> ImportRun:
    return ImportRun(
        project_id=project,
        user_id=user,
        source="csv",
        mapping={"title": "Summary"},
        total=3,
        created_at=NOW,
        updated_at=NOW,
    )


class TestRuns:
    def test_round_trip_rows_in_line_order(
        self, uow_factory: UnitOfWorkFactory, ids: tuple[int, int, int]
    ) -> None:
        """A run and its rows come back as stored; rows by line, paged; progress saves;
        dropped rows are gone."""
        user, project, _ = ids
        rows = [(4, {"Summary": "c"}), (2, {"Summary": "a"}), (3, {"Summary": "b"})]
        with uow_factory() as uow:
            run = uow.imports.add_run(new_run(user, project), rows)
            uow.commit()
        with uow_factory() as uow:
            found = uow.imports.get_run(run.key, for_update=True)
            assert found is not None
            assert ({"title": "Summary"}, RunStatus.QUEUED, 3) == (
                found.mapping,
                found.status,
                found.total,
            )
            assert [2, 3] == [line for line, _ in uow.imports.rows(run.key, offset=0, limit=2)]
            assert [(4, {"Summary": "c"})] == list(uow.imports.rows(run.key, offset=2, limit=5))
            found.done, found.status = 2, RunStatus.RUNNING
            found.problems = [{"line": 2, "field": "title", "reason": "r"}]
            uow.imports.save_run(found)
            uow.imports.drop_rows(run.key)
            uow.commit()
        with uow_factory() as uow:
            again = uow.imports.get_run(run.key)
            assert again is not None
            assert (2, RunStatus.RUNNING, "r") == (
                again.done,
                again.status,
                again.problems[0]["reason"],
            )
            assert [] == list(uow.imports.rows(run.key, offset=0, limit=5))
            assert uow.imports.get_run(run.key + 100) is None

    def test_dropping_the_rows_handled(
        self, uow_factory: UnitOfWorkFactory, ids: tuple[int, int, int]
    ) -> None:
        """Rows dropped through a line are gone, the later ones stay in line order; a
        rolled-back drop keeps them."""
        user, project, _ = ids
        rows = [(n, {"Summary": f"row {n}"}) for n in (5, 2, 9, 7)]
        with uow_factory() as uow:
            run = uow.imports.add_run(new_run(user, project), rows)
            uow.commit()
        with uow_factory() as uow:
            uow.imports.drop_rows(run.key, through_line=7)
        with uow_factory() as uow:
            assert [2, 5, 7, 9] == [n for n, _ in uow.imports.rows(run.key, offset=0, limit=9)]
            uow.imports.drop_rows(run.key, through_line=5)
            uow.commit()
        with uow_factory() as uow:
            assert [(7, {"Summary": "row 7"}), (9, {"Summary": "row 9"})] == list(
                uow.imports.rows(run.key, offset=0, limit=9)
            )

    def test_unfinished_runs_not_moving(
        self, uow_factory: UnitOfWorkFactory, ids: tuple[int, int, int]
    ) -> None:
        """Queued or running runs last updated before the cutoff are listed; done ones and
        recent ones are not."""
        user, project, _ = ids
        with uow_factory() as uow:
            stale = uow.imports.add_run(new_run(user, project), [])
            done = uow.imports.add_run(new_run(user, project), [])
            done.status = RunStatus.DONE
            uow.imports.save_run(done)
            uow.commit()
        with uow_factory() as uow:
            assert [stale.key] == list(uow.imports.unfinished(NOW + dt.timedelta(minutes=1), 10))
            assert [] == list(uow.imports.unfinished(NOW, 10))


class TestSources:
    def test_link_and_find(self, uow_factory: UnitOfWorkFactory, ids: tuple[int, int, int]) -> None:
        """A linked item is found by its source and external id, not by another source;
        linking again moves it."""
        _, project, task = ids
        with uow_factory() as uow:
            uow.imports.link(project, "csv", "A-1", task)
            uow.imports.link(project, "csv", "A-1", task)
            uow.commit()
        with uow_factory() as uow:
            assert {"A-1": task} == uow.imports.sources(project, "csv", ["A-1", "A-2"])
            assert {} == uow.imports.sources(project, "trello", ["A-1"])
            assert {} == uow.imports.sources(project, "csv", [])

    def test_a_task_moved_away_is_not_found(
        self, uow_factory: UnitOfWorkFactory, ids: tuple[int, int, int]
    ) -> None:
        """A linked task moved to another project since is no longer the item's task
        in the project it was imported into (a new import there makes a new one)."""
        user, project, task = ids
        with uow_factory() as uow:
            uow.imports.link(project, "csv", "A-1", task)
            other = uow.projects.add(
                Project(name="Q", owner_id=user, created_at=NOW, updated_at=NOW)
            ).key
            moved = uow.tasks.get(task)
            assert moved is not None
            uow.tasks.update(attrs.evolve(moved, project_id=other), children_changed=False)
            uow.commit()
        with uow_factory() as uow:
            assert {} == uow.imports.sources(project, "csv", ["A-1"])
            assert {} == uow.imports.sources(other, "csv", ["A-1"])

    def test_link_many(self, uow_factory: UnitOfWorkFactory, ids: tuple[int, int, int]) -> None:
        """Links stored together are found like single ones."""
        _, project, task = ids
        with uow_factory() as uow:
            uow.imports.link_many(project, "csv", [("A-1", task), ("A-2", task)])
            uow.imports.link_many(project, "csv", [])
            uow.commit()
        with uow_factory() as uow:
            assert {"A-1": task, "A-2": task} == uow.imports.sources(project, "csv", ["A-1", "A-2"])
