"""Pages ordered by a custom field: the keyset walk over the field's values (and the
single statement it hands over to) list every matching task once, in value then id
order, tasks without a value last, both ways, for numbers, texts and booleans, with
filters matching many tasks or very few; the memory store is held to the same order."""

from __future__ import annotations

from typing import Any

import pytest

from taskcore.app import Taskcore, build
from taskcore.domain.pagination import CursorRequest
from taskcore.ports.uow import UnitOfWorkFactory
from taskcore.services.tasks import TaskFilters
from taskcore.services.users import Principal
from taskcore_adapters.memory import FakeTokenService, ManualClock, PlainPasswordHasher
from taskcore_adapters.sql import SqlAlchemyUnitOfWorkFactory, support
from taskcore_adapters.sql.field_order import WalkShape

COUNT = 60


@pytest.fixture
def core(uow_factory: UnitOfWorkFactory) -> Taskcore:
    return build(
        uow_factory=uow_factory,
        clock=ManualClock(),
        password_hasher=PlainPasswordHasher(),
        token_service=FakeTokenService(),
    )


def _values(i: int) -> dict[str, Any]:
    """Task ``i``'s values: ties on every field, some tasks without one."""
    values: dict[str, Any] = {"team": "rare" if i in (17, 52) else "ab"[i % 2]}
    if i % 5:
        values["points"] = float(i % 7)
    if i % 6:
        values["code"] = f"c{i % 4}"
    if i % 7:
        values["flag"] = i % 3 == 0
    return values


@pytest.fixture
def project(core: Taskcore) -> tuple[Principal, int, dict[int, dict[str, Any]]]:
    """An owner, a project with four fields and its tasks' values by task id."""
    view = core.users.register(
        username="alice", email="alice@example.com", password="correct horse", full_name="A"
    )
    alice = core.as_user(view.id)
    project_id = core.projects.create_project(alice, name="Ordered").id
    tasks = core.tasks
    tasks.define_field(alice, project_id, key="points", label="Points", field_type="number")
    tasks.define_field(alice, project_id, key="code", label="Code", field_type="text")
    tasks.define_field(alice, project_id, key="flag", label="Flag", field_type="boolean")
    tasks.define_field(
        alice,
        project_id,
        key="team",
        label="Team",
        field_type="single_select",
        options=["a", "b", "rare"],
    )
    made = {}
    for i in range(COUNT):
        task = tasks.create_task(alice, project_id, title=f"Task {i}", custom_fields=_values(i))
        made[task.id] = _values(i)
    return alice, project_id, made


def _expected(made: dict[int, dict[str, Any]], key: str, team: str | None, desc: bool) -> list[int]:
    matching = {i: v for i, v in made.items() if team is None or v["team"] == team}
    valued = [(v[key], i) for i, v in matching.items() if key in v]
    without = sorted((i for i, v in matching.items() if key not in v), reverse=desc)
    return [i for _, i in sorted(valued, reverse=desc)] + without


def _pages(
    core: Taskcore, alice: Principal, project_id: int, filters: TaskFilters, per_page: int
) -> list[int]:
    """The ids of every page of the list, following the cursors."""
    seen: list[int] = []
    cursor = None
    for _ in range(COUNT + 1):
        page = core.tasks.list_tasks(
            alice, project_id, filters=filters, page=CursorRequest(after=cursor, per_page=per_page)
        )
        assert len(page.items) <= per_page
        seen.extend(t.id for t in page.items)
        cursor = page.next_cursor
        if cursor is None:
            break
    return seen


@pytest.mark.parametrize("key", ["points", "code", "flag"])
def test_cursor_pages_by_a_field(
    core: Taskcore, project: tuple[Principal, int, dict[int, dict[str, Any]]], key: str
) -> None:
    alice, project_id, made = project
    for order in ("asc", "desc"):
        for team, per_page in [(None, 7), ("a", 4), ("rare", 3)]:
            custom = () if team is None else (("team", "eq", team),)
            filters = TaskFilters(custom=custom, sort=f"cf.{key}", order=order)
            seen = _pages(core, alice, project_id, filters, per_page)
            assert _expected(made, key, team, order == "desc") == seen, (order, team)


def test_a_walks_statements_are_made_once_per_shape(
    core: Taskcore,
    project: tuple[Principal, int, dict[int, dict[str, Any]]],
    uow_factory: UnitOfWorkFactory,
) -> None:
    """Listing the same pages again reuses the statements of the first time (one shape for
    a first page, one for the pages after a cursor), whatever the instant of the call."""
    if not isinstance(uow_factory, SqlAlchemyUnitOfWorkFactory):
        pytest.skip("the memory store does not walk the values")
    alice, project_id, _ = project
    filters = TaskFilters(custom=(("team", "eq", "a"),), sort="cf.points", order="asc")

    def walks() -> dict[Any, Any]:
        made = support._MADE.items()
        return {key[1]: found for key, found in made if isinstance(key[1], WalkShape)}

    support._MADE.clear()
    first = _pages(core, alice, project_id, filters, 4)
    made = walks()
    assert len(made) == 2
    assert {shape.resumed for shape in made} == {False, True}
    assert all(shape.criteria.now is None for shape in made)
    assert _pages(core, alice, project_id, filters, 4) == first
    assert walks().keys() == made.keys()
    assert all(walks()[shape] is statements for shape, statements in made.items())
