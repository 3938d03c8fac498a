"""The tasks repository and its queries (criteria, orders, pages): the checks of
:class:`~taskcore_adapters.contracts.UnitOfWorkContract` about them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs
import pytest

from taskcore import errors
from taskcore.domain.pagination import Keyset
from taskcore.domain.projects import Membership, Priority, Role
from taskcore.domain.relations import RelationKind, TaskRelation
from taskcore.domain.tasks import TaskCriteria, TaskOrder, TaskSort, TaskStatus
from taskcore.ports.uow import UnitOfWorkFactory
from taskcore_adapters.contracts.repositories.records import NOW, new_task, stored_project


class _Tasks:
    def test_task_round_trip(self, uow_factory: UnitOfWorkFactory, user_ids: list[int]) -> None:
        """A stored task reads back equal, labels, watchers and UTC times included."""
        alice, bob, _ = user_ids
        with uow_factory() as uow:
            project = stored_project(uow, alice)
            added = uow.tasks.add(
                new_task(
                    project.key,
                    description="d",
                    status=TaskStatus.COMPLETED,
                    completed_at=NOW,
                    priority=Priority.CRITICAL,
                    due_date=NOW + dt.timedelta(days=3),
                    estimated_hours=2.5,
                    actual_hours=0.0,
                    assignee_id=bob,
                    labels=("bug", "ui"),
                    watchers=(alice, bob),
                    position=3.25,
                )
            )
            uow.commit()
        with uow_factory() as uow:
            read = uow.tasks.get(added.key)
            assert uow.tasks.get(added.key + 100) is None
            assert project.key == uow.tasks.project_id_of(added.key)
            assert uow.tasks.project_id_of(added.key + 100) is None
        assert added == read
        assert read is not None
        assert (read.version, read.due_date.tzinfo if read.due_date else None) == (1, dt.UTC)
        with uow_factory() as uow:  # read with the role of a caller in the task's project
            assert (read, Role.OWNER) == uow.tasks.get_with_role(added.key, alice)
            assert (read, None) == uow.tasks.get_with_role(added.key, bob)
            assert uow.tasks.get_with_role(added.key + 100, alice) is None

    def test_view_facts(self, uow_factory: UnitOfWorkFactory, user_ids: list[int]) -> None:
        """A task's view facts: the roll-up of its direct subtasks (as ``rollups`` gives)
        and whether an open task blocks it; tasks with neither are left out."""
        alice = user_ids[0]

        def task(project: int, status: TaskStatus, **changes: Any) -> Any:
            done = NOW if status is TaskStatus.COMPLETED else None
            return new_task(project, status=status, completed_at=done, **changes)

        with uow_factory() as uow:
            project = stored_project(uow, alice).key
            parent = uow.tasks.add(new_task(project)).key
            for status in (TaskStatus.PENDING, TaskStatus.COMPLETED):
                uow.tasks.add(task(project, status, parent_id=parent))
            blocker, done, lone = (
                uow.tasks.add(task(project, s)).key
                for s in (TaskStatus.IN_PROGRESS, TaskStatus.COMPLETED, TaskStatus.PENDING)
            )
            for source in (blocker, done):
                uow.tasks.add_relation(
                    TaskRelation(
                        kind=RelationKind.BLOCKS, source_id=source, target_id=parent, created_at=NOW
                    )
                )
            uow.tasks.add_relation(
                TaskRelation(
                    kind=RelationKind.BLOCKS, source_id=done, target_id=lone, created_at=NOW
                )
            )
            uow.commit()
        with uow_factory() as uow:
            rollups, blocked = uow.tasks.view_facts([parent, lone, blocker])
            assert uow.tasks.rollups([parent, lone, blocker]) == rollups
            assert [parent] == list(rollups)
            assert (rollups[parent].total, rollups[parent].by_status.completed) == (2, 1)
            assert {parent} == blocked
            assert ({}, set()) == uow.tasks.view_facts([])

    def test_task_for_a_missing_project(
        self, uow_factory: UnitOfWorkFactory, user_ids: list[int]
    ) -> None:
        """Adding a task to a project that does not exist raises ProjectNotFound."""
        with pytest.raises(errors.ProjectNotFound), uow_factory() as uow:
            uow.tasks.add(new_task(999))

    def test_task_update_replaces_labels_and_checks_version(
        self, uow_factory: UnitOfWorkFactory, user_ids: list[int]
    ) -> None:
        """Updates save every field, replace labels and watchers, and check the version."""
        alice, bob, _ = user_ids
        with uow_factory() as uow:
            project = stored_project(uow, alice)
            task = uow.tasks.add(new_task(project.key, labels=("a",), watchers=(alice,)))
            task.labels, task.watchers, task.title = ("b", "c"), (bob,), "renamed"
            updated = uow.tasks.update(task)
            assert updated == uow.tasks.get(task.key)
            assert updated.version == 2
            with pytest.raises(errors.VersionMismatch):
                uow.tasks.update(task)
            with pytest.raises(errors.TaskNotFound):
                uow.tasks.update(attrs.evolve(task, id=task.key + 100))

    def test_task_delete_and_delete_in_project(
        self, uow_factory: UnitOfWorkFactory, user_ids: list[int]
    ) -> None:
        """Tasks are deleted one by one or all of a project's at once."""
        alice = user_ids[0]
        with uow_factory() as uow:
            first = stored_project(uow, alice)
            second = stored_project(uow, alice)
            a = uow.tasks.add(new_task(first.key, labels=("x",)))
            b = uow.tasks.add(new_task(first.key, title="b"))
            c = uow.tasks.add(new_task(second.key))
            uow.tasks.delete(a.key)
            gone = uow.tasks.delete_in_project(first.key)
            assert [b] == list(gone)
            assert (None, None, c) == (
                uow.tasks.get(a.key),
                uow.tasks.get(b.key),
                uow.tasks.get(c.key),
            )
            assert list(uow.tasks.delete_in_project(first.key)) == []


class _TaskQueries:
    @pytest.fixture
    def board(
        self, uow_factory: UnitOfWorkFactory, user_ids: list[int]
    ) -> tuple[int, int, dict[str, int]]:
        """Two projects (alice's with bob, carol's alone) and tasks by title."""
        alice, bob, carol = user_ids
        specs: list[tuple[str, dict[str, Any]]] = [
            ("Alpha", {"priority": Priority.LOW, "due_date": NOW + dt.timedelta(days=1)}),
            ("Beta", {"priority": Priority.CRITICAL, "assignee_id": bob, "position": 5.0}),
            (
                "Gamma",
                {
                    "priority": Priority.HIGH,
                    "status": TaskStatus.COMPLETED,
                    "completed_at": NOW,
                    "due_date": NOW - dt.timedelta(days=2),
                },
            ),
            ("Delta", {"description": "50% off_sale", "labels": ("bug",), "position": 0.5}),
            ("Epsilon", {"status": TaskStatus.IN_PROGRESS, "due_date": NOW - dt.timedelta(days=1)}),
        ]
        ids: dict[str, int] = {}
        with uow_factory() as uow:
            project = stored_project(uow, alice)
            uow.projects.add_member(
                Membership(project_id=project.key, user_id=bob, role=Role.MEMBER, added_at=NOW)
            )
            for i, (title, fields) in enumerate(specs):
                task = uow.tasks.add(
                    new_task(
                        project.key,
                        at=NOW + dt.timedelta(minutes=i),
                        title=title,
                        **fields,
                    )
                )
                ids[title] = task.key
            elsewhere = stored_project(uow, carol)
            ids["Zeta"] = uow.tasks.add(
                new_task(elsewhere.key, title="Zeta", assignee_id=carol, labels=("bug",))
            ).key
            uow.commit()
        return project.key, elsewhere.key, ids

    @pytest.mark.parametrize(
        ("criteria", "expected"),
        [
            ({}, ["Epsilon", "Delta", "Gamma", "Beta", "Alpha"]),
            ({"status": TaskStatus.COMPLETED}, ["Gamma"]),
            ({"priority": Priority.CRITICAL}, ["Beta"]),
            ({"label": "bug"}, ["Delta"]),
            ({"search": "OFF_S"}, ["Delta"]),
            ({"search": "%"}, ["Delta"]),
            ({"search": "a%"}, []),
            ({"search": "lph"}, ["Alpha"]),
            ({"due_before": NOW}, ["Epsilon", "Gamma"]),
            ({"due_after": NOW - dt.timedelta(days=1)}, ["Epsilon", "Alpha"]),
            ({"overdue": True, "now": NOW}, ["Epsilon"]),
            ({"overdue": False, "now": NOW}, ["Delta", "Gamma", "Beta", "Alpha"]),
        ],
    )
    def test_criteria(
        self,
        uow_factory: UnitOfWorkFactory,
        board: tuple[int, int, dict[str, int]],
        criteria: dict[str, Any],
        expected: list[str],
    ) -> None:
        """Each criterion keeps exactly the matching tasks of the project."""
        project_id = board[0]
        chosen = TaskCriteria(project_id=project_id, **criteria)
        with uow_factory() as uow:
            found = uow.tasks.find(chosen, TaskOrder(), limit=50)
            assert expected == [t.title for t in found]
            assert len(expected) == uow.tasks.count(chosen)

    def test_assignee_and_member_criteria(
        self,
        uow_factory: UnitOfWorkFactory,
        user_ids: list[int],
        board: tuple[int, int, dict[str, int]],
    ) -> None:
        """member_id limits tasks to the user's projects; assignee_id to their tasks."""
        alice, bob, carol = user_ids
        with uow_factory() as uow:
            mine = TaskCriteria(member_id=bob, assignee_id=bob)
            assert [t.title for t in uow.tasks.find(mine, TaskOrder(), limit=9)] == ["Beta"]
            assert uow.tasks.count(TaskCriteria(member_id=alice, assignee_id=carol)) == 0
            assert uow.tasks.count(TaskCriteria(assignee_id=carol)) == 1
            labelled = TaskCriteria(label="bug", member_id=carol)
            assert [t.title for t in uow.tasks.find(labelled, TaskOrder(), limit=9)] == ["Zeta"]

    @pytest.mark.parametrize(
        ("sort", "descending", "expected"),
        [
            (TaskSort.PRIORITY, True, ["Beta", "Gamma", "Epsilon", "Delta", "Alpha"]),
            (TaskSort.PRIORITY, False, ["Alpha", "Delta", "Epsilon", "Gamma", "Beta"]),
            (TaskSort.DUE_DATE, False, ["Gamma", "Epsilon", "Alpha", "Beta", "Delta"]),
            (TaskSort.DUE_DATE, True, ["Alpha", "Epsilon", "Gamma", "Delta", "Beta"]),
            (TaskSort.POSITION, False, ["Delta", "Alpha", "Gamma", "Epsilon", "Beta"]),
            (TaskSort.CREATED_AT, False, ["Alpha", "Beta", "Gamma", "Delta", "Epsilon"]),
            (TaskSort.UPDATED_AT, True, ["Epsilon", "Delta", "Gamma", "Beta", "Alpha"]),
        ],
    )
    def test_orders_and_keysets(
        self,
        uow_factory: UnitOfWorkFactory,
        board: tuple[int, int, dict[str, int]],
        sort: TaskSort,
        descending: bool,
        expected: list[str],
    ) -> None:
        """Every order is total; pages after each item's keyset continue the same order."""
        order = TaskOrder(sort=sort, descending=descending)
        criteria = TaskCriteria(project_id=board[0])
        with uow_factory() as uow:
            found = list(uow.tasks.find(criteria, order, limit=50))
            assert expected == [t.title for t in found]
            assert expected[1:3] == [
                t.title for t in uow.tasks.find(criteria, order, offset=1, limit=2)
            ]
            for i, task in enumerate(found):
                after = Keyset(value=order.value(task), id=task.key)
                rest = uow.tasks.find(criteria, order, limit=50, after=after)
                assert expected[i + 1 :] == [t.title for t in rest]
