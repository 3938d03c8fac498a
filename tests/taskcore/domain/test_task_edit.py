"""Task.edit: the entity applies a checked patch and says what changed."""

from __future__ import annotations

import datetime as dt

from taskcore.domain.events import TaskAssigned, TaskStatusChanged, TaskUpdated
from taskcore.domain.projects import Priority
from taskcore.domain.tasks import Task, TaskPatch, TaskStatus

CREATED = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
NOW = dt.datetime(2026, 3, 2, 10, 30, tzinfo=dt.UTC)


def task() -> Task:
    return Task(
        id=7,
        project_id=3,
        title="Write",
        assignee_id=1,
        labels=("docs",),
        created_at=CREATED,
        updated_at=CREATED,
    )


def test_only_differing_fields_change_in_order() -> None:
    """Given fields equal to the current values are no change; the changes list status
    and completed_at first, then the other fields in TaskPatch order, as JSON."""
    one = task()
    edit = one.edit(
        TaskPatch(
            position=4.0,
            title="Write",
            priority=Priority.HIGH,
            due_date=NOW,
            labels=("docs", "urgent"),
            status=TaskStatus.COMPLETED,
        ),
        NOW,
    )
    assert list(edit.changes) == [
        "status",
        "completed_at",
        "priority",
        "due_date",
        "labels",
        "position",
    ]
    assert edit.changes["status"] == {"old": "pending", "new": "completed"}
    assert edit.changes["completed_at"] == {"old": None, "new": NOW.isoformat()}
    assert edit.changes["labels"] == {"old": ["docs"], "new": ["docs", "urgent"]}
    assert (one.title, one.priority, one.completed_at, one.position, one.updated_at) == (
        "Write",
        Priority.HIGH,
        NOW,
        4.0,
        NOW,
    )
    assert edit.changed_children
    assert edit.old_status is TaskStatus.PENDING


def test_empty_patch_changes_nothing_but_updated_at() -> None:
    one = task()
    edit = one.edit(TaskPatch(), NOW)
    assert ({}, False, NOW) == (edit.changes, edit.changed_children, one.updated_at)
    assert [TaskUpdated] == [type(e) for e in edit.events(5, one, NOW)]


def test_none_clears_and_events_follow_the_changes() -> None:
    """Clearing the assignee and moving the status give TaskUpdated, TaskStatusChanged
    and TaskAssigned, carrying the task as saved."""
    one = task()
    edit = one.edit(TaskPatch(assignee_id=None, status=TaskStatus.IN_PROGRESS), NOW)
    one.version = 2
    updated, moved, assigned = edit.events(5, one, NOW)
    assert isinstance(updated, TaskUpdated)
    assert updated.changes == {
        "status": {"old": "pending", "new": "in_progress"},
        "assignee_id": {"old": 1, "new": None},
        "assignee_ids": {"old": [1], "new": []},
    }
    assert isinstance(moved, TaskStatusChanged)
    assert (moved.old_status, moved.new_status, moved.entity_version) == (
        "pending",
        "in_progress",
        2,
    )
    assert isinstance(assigned, TaskAssigned)
    assert (assigned.old_assignee_id, assigned.assignee_id, assigned.actor_id) == (1, None, 5)


def test_assignee_id_is_the_first_assignee() -> None:
    """A task built with one assignee has it as its list; a list sets the first."""
    assert ((1,), 1) == (task().assignee_ids, task().assignee_id)
    several = Task(project_id=3, title="t", assignee_ids=(4, 2), created_at=NOW, updated_at=NOW)
    assert 4 == several.assignee_id


def test_assignee_id_alone_replaces_the_first() -> None:
    """Setting assignee_id keeps the other assignees; None unassigns everyone."""
    one = task()
    one.edit(TaskPatch(assignee_ids=(1, 2, 3)), NOW)
    one.edit(TaskPatch(assignee_id=3), NOW)
    assert ((3, 2), 3) == (one.assignee_ids, one.assignee_id)
    one.edit(TaskPatch(assignee_id=None), NOW)
    assert ((), None) == (one.assignee_ids, one.assignee_id)


def test_one_event_per_joining_or_leaving_assignee() -> None:
    """Leaving users pair with joining ones; each new assignee is named by an event that
    carries the whole new list; a reordering records no assignment."""
    one = task()
    edit = one.edit(TaskPatch(assignee_ids=(2, 3, 4)), NOW)
    pairs = [
        (e.old_assignee_id, e.assignee_id, e.assignee_ids)
        for e in edit.events(5, one, NOW)
        if isinstance(e, TaskAssigned)
    ]
    assert [(1, 2, [2, 3, 4]), (None, 3, [2, 3, 4]), (None, 4, [2, 3, 4])] == pairs
    again = one.edit(TaskPatch(assignee_ids=(4, 3, 2)), NOW)
    assert not [e for e in again.events(5, one, NOW) if isinstance(e, TaskAssigned)]
    assert {"old": 2, "new": 4} == again.changes["assignee_id"]
