"""Relations between tasks in the tasks service: kinds from either side, visibility
across projects, no dependency cycles, the completion guard and its override."""

from __future__ import annotations

import pytest

from taskcore import errors
from taskcore.domain.events import (
    TaskBlockersOverridden,
    TaskRelationAdded,
    TaskRelationRemoved,
)
from taskcore.domain.tasks import TaskStatus
from taskcore.services.tasks import TaskFilters
from taskcore.services.users import Principal
from taskcore_adapters.testing import World

Team = tuple[Principal, Principal, Principal, int]


@pytest.fixture
def world() -> World:
    return World.create()


@pytest.fixture
def team(world: World) -> Team:
    """An owner, a viewer, an outsider and the project."""
    alice, carol, dave = world.user("alice"), world.user("carol"), world.user("dave")
    project = world.project(alice, viewers=[carol])
    return alice, carol, dave, project.id


def test_added_from_either_side(world: World, team: Team) -> None:
    """``blocked_by`` stores ``blocks`` the other way; both sides see their name."""
    alice, _, _, project = team
    tasks = world.core.tasks
    a = tasks.create_task(alice, project, title="a")
    b = tasks.create_task(alice, project, title="b")
    seen = tasks.add_relation(alice, a.id, kind="blocked_by", other_id=b.id)
    assert ("blocked_by", b.id, "b") == (seen.kind, seen.task_id, seen.task_title)
    from_b = tasks.list_relations(alice, b.id).items
    assert [("blocks", a.id)] == [(r.kind, r.task_id) for r in from_b]
    added = [e for e in world.events() if isinstance(e, TaskRelationAdded)]
    assert [("blocks", b.id, a.id, a.id)] == [
        (e.kind, e.source_id, e.target_id, e.entity_id) for e in added
    ]
    assert tasks.get_task(alice, a.id).blocked
    assert not tasks.get_task(alice, b.id).blocked


def test_bad_relations(world: World, team: Team) -> None:
    """Bad kinds, lags, self relations and duplicates are refused."""
    alice, _, _, project = team
    tasks = world.core.tasks
    a = tasks.create_task(alice, project, title="a")
    b = tasks.create_task(alice, project, title="b")
    cases = [
        ({"kind": "parent", "other_id": b.id}, "kind"),
        ({"kind": "blocks", "other_id": b.id, "lag_days": 2}, "lag_days"),
        ({"kind": "follows", "other_id": b.id, "lag_days": -1}, "lag_days"),
        ({"kind": "relates", "other_id": a.id}, "task_id"),
    ]
    for arguments, field in cases:
        with pytest.raises(errors.ValidationError) as exc:
            tasks.add_relation(alice, a.id, **arguments)
        assert field == exc.value.field
    tasks.add_relation(alice, a.id, kind="relates", other_id=b.id)
    with pytest.raises(errors.Conflict):
        tasks.add_relation(alice, b.id, kind="relates", other_id=a.id)
    follows = tasks.add_relation(alice, b.id, kind="follows", other_id=a.id, lag_days=2)
    assert ("follows", 2) == (follows.kind, follows.lag_days)


def test_no_dependency_cycles(world: World, team: Team) -> None:
    """Blocking and precedence together never close a cycle."""
    alice, _, _, project = team
    tasks = world.core.tasks
    a, b, c = (tasks.create_task(alice, project, title=t) for t in "abc")
    tasks.add_relation(alice, a.id, kind="blocks", other_id=b.id)
    tasks.add_relation(alice, b.id, kind="precedes", other_id=c.id)
    for kind in ("blocks", "precedes", "blocked_by"):
        first, second = (c, a) if kind != "blocked_by" else (a, c)
        with pytest.raises(errors.ValidationError) as exc:
            tasks.add_relation(alice, first.id, kind=kind, other_id=second.id)
        assert "This relation would make a dependency cycle" == str(exc.value)
    tasks.add_relation(alice, c.id, kind="relates", other_id=a.id)


def test_other_task_must_be_visible(world: World, team: Team) -> None:
    """Another project's task is 404 unless the caller may see it; relations to it are
    hidden from members who may not see it, and blockers they cannot see are counted,
    not named."""
    alice, carol, dave, project = team
    tasks = world.core.tasks
    mine = tasks.create_task(alice, project, title="mine")
    theirs_project = world.project(dave, name="Dave's").id
    theirs = tasks.create_task(dave, theirs_project, title="theirs")
    with pytest.raises(errors.TaskNotFound):
        tasks.add_relation(alice, mine.id, kind="blocked_by", other_id=theirs.id)
    with pytest.raises(errors.ProjectRoleRequired):
        tasks.add_relation(carol, mine.id, kind="relates", other_id=theirs.id)
    world.join(dave, theirs_project, alice)
    relation = tasks.add_relation(alice, mine.id, kind="blocked_by", other_id=theirs.id)
    assert 1 == tasks.list_relations(alice, mine.id).total
    assert 0 == tasks.list_relations(carol, mine.id).total
    with pytest.raises(errors.RelationNotFound):
        tasks.remove_relation(dave, theirs.id, relation.id + 1)
    with pytest.raises(errors.TaskBlocked) as named:
        tasks.update_task(alice, mine.id, status=TaskStatus.COMPLETED)
    assert f"Task is blocked by open tasks: #{theirs.id};" in str(named.value)
    world.core.projects.add_member(
        Principal(user_id=alice.user_id, username="alice", is_admin=True),
        project,
        user_id=world.user("erin").user_id,
    )
    erin = world.core.users.authenticate(
        world.core.users.login(username="erin", password="correct horse").token
    )
    with pytest.raises(errors.TaskBlocked) as counted:
        tasks.update_task(erin, mine.id, status=TaskStatus.COMPLETED)
    assert "blocked by open tasks: 1 task you cannot see;" in str(counted.value)


def test_completion_guard_and_override(world: World, team: Team) -> None:
    """An open blocker stops completion (409 naming it) unless overridden, which is
    recorded; a completed blocker never blocks."""
    alice, _, _, project = team
    tasks = world.core.tasks
    blocker = tasks.create_task(alice, project, title="blocker")
    blocked = tasks.create_task(alice, project, title="blocked")
    other = tasks.create_task(alice, project, title="other")
    tasks.add_relation(alice, blocker.id, kind="blocks", other_id=blocked.id)
    tasks.add_relation(alice, blocker.id, kind="blocks", other_id=other.id)
    with pytest.raises(errors.TaskBlocked) as exc:
        tasks.update_task(alice, blocked.id, status=TaskStatus.COMPLETED)
    assert f"Task is blocked by open tasks: #{blocker.id}; complete them first or override" == (
        str(exc.value)
    )
    ids = {t.id for t in tasks.list_tasks(alice, project, filters=TaskFilters(blocked=True)).items}
    assert {blocked.id, other.id} == ids
    done = tasks.update_task(alice, blocked.id, status=TaskStatus.COMPLETED, override_blockers=True)
    assert TaskStatus.COMPLETED is done.status
    overrides = [e for e in world.events() if isinstance(e, TaskBlockersOverridden)]
    assert [(blocked.id, [blocker.id])] == [(e.entity_id, e.blocker_ids) for e in overrides]
    tasks.update_task(alice, blocker.id, status=TaskStatus.COMPLETED)
    assert (
        TaskStatus.COMPLETED
        is tasks.update_task(alice, other.id, status=TaskStatus.COMPLETED).status
    )
    assert not tasks.get_task(alice, other.id).blocked


def test_remove(world: World, team: Team) -> None:
    """Either task's writers remove a relation; it must involve the task."""
    alice, carol, _, project = team
    tasks = world.core.tasks
    a, b, c = (tasks.create_task(alice, project, title=t) for t in "abc")
    relation = tasks.add_relation(alice, a.id, kind="duplicates", other_id=b.id)
    with pytest.raises(errors.RelationNotFound):
        tasks.remove_relation(alice, c.id, relation.id)
    with pytest.raises(errors.ProjectRoleRequired):
        tasks.remove_relation(carol, b.id, relation.id)
    tasks.remove_relation(alice, b.id, relation.id)
    assert 0 == tasks.list_relations(alice, a.id).total
    removed = [e for e in world.events() if isinstance(e, TaskRelationRemoved)]
    assert [("duplicates", b.id)] == [(e.kind, e.entity_id) for e in removed]
