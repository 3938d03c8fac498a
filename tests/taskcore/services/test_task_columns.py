"""A project's board read at once (``tasks.list_columns``): the same as one ``list_tasks``
per status, in one transaction."""

from __future__ import annotations

import pytest

from taskcore import errors
from taskcore.domain.pagination import PageRequest
from taskcore.domain.tasks import TaskStatus
from taskcore.services.tasks import TaskFilters
from taskcore.services.users import Principal
from taskcore_adapters.testing import World

BOARD = TaskFilters(sort="position", order="asc")


@pytest.fixture
def world() -> World:
    return World.create()


def _board(world: World) -> tuple[Principal, int]:
    """alice's project: 5 pending (labelled web on odd ones), 2 in progress (one of them
    a parent, one blocked), 1 completed, none cancelled."""
    alice = world.user("alice")
    project = world.project(alice).id
    tasks = world.core.tasks
    for n in range(5):
        tasks.create_task(alice, project, title=f"p{n}", labels=["web"] if n % 2 else [])
    parent = tasks.create_task(alice, project, title="parent", status=TaskStatus.IN_PROGRESS)
    blocked = tasks.create_task(alice, project, title="blocked", status=TaskStatus.IN_PROGRESS)
    tasks.create_task(alice, project, title="step", parent_id=parent.id)
    tasks.create_task(alice, project, title="done", status=TaskStatus.COMPLETED)
    tasks.add_relation(alice, blocked.id, kind="blocked_by", other_id=parent.id)
    return alice, project


@pytest.mark.parametrize("per_column", [1, 2, 3, 100])
@pytest.mark.parametrize("label", [None, "web"])
def test_same_as_one_list_per_status(world: World, per_column: int, label: str | None) -> None:
    """Each column holds what list_tasks answers for its status: the same views in the
    same order and the same total, whether the column is cut or not."""
    alice, project = _board(world)
    tasks = world.core.tasks
    filters = TaskFilters(sort="position", order="asc", label=label)
    columns = tasks.list_columns(alice, project, filters=filters, per_column=per_column)
    assert list(TaskStatus) == [status for status, _ in columns]
    for status, found in columns:
        alone = tasks.list_tasks(
            alice,
            project,
            filters=TaskFilters(sort="position", order="asc", label=label, status=status),
            page=PageRequest(per_page=per_column),
        )
        assert (alone.items, alone.total, per_column) == (
            list(found.items),
            found.total,
            found.per_page,
        ), status


def test_cards_carry_rollups_and_blocked(world: World) -> None:
    alice, project = _board(world)
    columns = dict(world.core.tasks.list_columns(alice, project, filters=BOARD))
    cards = {t.title: t for t in columns[TaskStatus.IN_PROGRESS].items}
    assert (1, False) == (cards["parent"].subtasks.total, cards["parent"].blocked)
    assert (0, True) == (cards["blocked"].subtasks.total, cards["blocked"].blocked)


def test_members_only_and_bounded(world: World) -> None:
    """Someone outside the project gets 404; a column size outside 1-500 is refused."""
    alice, project = _board(world)
    eve = world.user("eve")
    tasks = world.core.tasks
    for project_id in (project, 999):
        with pytest.raises(errors.ProjectNotFound):
            tasks.list_columns(eve, project_id)
    for size in (0, 501):
        with pytest.raises(errors.ValidationError) as exc:
            tasks.list_columns(alice, project, per_column=size)
        assert "per_page" == exc.value.field
