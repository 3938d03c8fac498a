"""Deleting every comment of several tasks (C7): administrators only, in one transaction,
with an event per comment; a failure half-way leaves every comment in place."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine

from taskcore import errors
from taskcore.services import comments as service
from taskcore.services.users import Principal
from taskcore_adapters.sql import SqlAlchemyUnitOfWorkFactory
from taskcore_adapters.testing import World


@pytest.fixture(params=["memory", "sql"])
def world(request: pytest.FixtureRequest) -> World:
    """A fresh taskcore on the in-memory store, or on the selected SQL backend."""
    if request.param == "memory":
        return World.create()
    engine: Engine = request.getfixturevalue("engine")
    return World.create(wrap_uow=lambda _: SqlAlchemyUnitOfWorkFactory(engine))


class Setup:
    """An administrator, a project owner, and three tasks: the first two with comments
    to delete (three and two), the third with one to keep."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.admin = world.user("root", admin=True)
        self.owner = world.user("olga")
        project = world.project(self.owner)
        self.tasks = [
            world.core.tasks.create_task(self.owner, project.id, title=f"t{n}").id for n in range(3)
        ]
        for task_id, count in zip(self.tasks, (3, 2, 1), strict=True):
            for n in range(count):
                world.core.comments.add_comment(self.owner, task_id, content=f"c{n} @olga")

    def contents(self) -> list[list[str]]:
        """Each task's comments, oldest first."""
        return [
            [c.content for c in self.world.core.comments.list_comments(self.owner, t).items]
            for t in self.tasks
        ]

    def deletions_logged(self) -> list[int]:
        """Ids of the comments whose deletion the activity log records."""
        found = self.world.core.activity.list_activities(
            self.admin, entity_type="comment", action="delete"
        )
        return sorted(v.entry.entity_id for v in found.items)


@pytest.fixture
def setup(world: World) -> Setup:
    return Setup(world)


def comment_ids(setup: Setup, *tasks: int) -> list[int]:
    return sorted(
        c.id for t in tasks for c in setup.world.core.comments.list_comments(setup.owner, t).items
    )


class TestDeleteTaskComments:
    def test_deletes_the_listed_tasks_comments_with_an_event_each(
        self, setup: Setup, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Every comment of the listed tasks goes (read in several batches), each with a
        recorded deletion; repeated, unknown and impossible ids are skipped."""
        monkeypatch.setattr(service, "BULK_BATCH", 2)
        first, second, _ = setup.tasks
        doomed = comment_ids(setup, first, second)
        deleted = setup.world.core.comments.delete_task_comments(
            setup.admin, [first, second, first, 4242, 0, -1, 2**40]
        )
        assert 5 == deleted
        assert [[], [], ["c0 @olga"]] == setup.contents()
        assert doomed == setup.deletions_logged()

    def test_nothing_to_delete(self, setup: Setup) -> None:
        """Tasks without comments, or no task at all, delete nothing."""
        _, _, kept = setup.tasks
        assert 0 == setup.world.core.comments.delete_task_comments(setup.admin, [4242])
        assert [1, 0] == [
            setup.world.core.comments.delete_task_comments(setup.admin, [kept]) for _ in range(2)
        ]

    def test_only_administrators(self, setup: Setup) -> None:
        """Anyone else, even the project's owner, gets ``Admin privileges required`` and
        nothing is deleted."""
        with pytest.raises(errors.AdminRequired) as caught:
            setup.world.core.comments.delete_task_comments(setup.owner, setup.tasks)
        assert "Admin privileges required" == caught.value.message
        assert [3, 2, 1] == [len(c) for c in setup.contents()]

    def test_failure_half_way_deletes_nothing(
        self, setup: Setup, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """When the fourth deletion fails (the first task's comments already deleted in the
        transaction), every comment is still there and no deletion is recorded; a retry
        then deletes them all."""
        with setup.world.core.transactions() as work:
            repository = type(work.uow.comments)
        original = repository.delete
        calls: list[int] = []

        def fail_fourth(self: Any, comment_id: int) -> None:
            calls.append(comment_id)
            if len(calls) == 4:
                raise errors.Unavailable("Database unavailable")
            original(self, comment_id)

        monkeypatch.setattr(repository, "delete", fail_fourth)
        before = setup.contents()
        with pytest.raises(errors.Unavailable):
            setup.world.core.comments.delete_task_comments(setup.admin, setup.tasks[:2])
        assert 4 == len(calls)
        assert before == setup.contents()
        assert [] == setup.deletions_logged()
        monkeypatch.setattr(repository, "delete", original)
        assert 5 == setup.world.core.comments.delete_task_comments(setup.admin, setup.tasks[:2])
        assert [[], [], ["c0 @olga"]] == setup.contents()


def test_admin_principal_is_enough() -> None:
    """An administrator needs no membership: a fresh admin deletes in a project they are
    not in."""
    world = World.create()
    owner = world.user("olga")
    task = world.core.tasks.create_task(owner, world.project(owner).id, title="t").id
    world.core.comments.add_comment(owner, task, content="hello")
    admin: Principal = world.user("root", admin=True)
    assert 1 == world.core.comments.delete_task_comments(admin, [task])
    assert 0 == world.core.comments.count_comments(owner, task)
