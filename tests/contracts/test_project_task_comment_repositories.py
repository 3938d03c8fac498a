"""The repository contract of projects, memberships, tasks and comments, on every adapter."""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs
import pytest

from taskcore import errors
from taskcore.domain.comments import Comment
from taskcore.domain.pagination import Keyset
from taskcore.domain.projects import (
    Membership,
    Priority,
    Project,
    ProjectCriteria,
    ProjectStatus,
    Role,
)
from taskcore.domain.tasks import Task, TaskCriteria, TaskOrder, TaskSort, TaskStatus
from taskcore.domain.users import User
from taskcore.ports.uow import UnitOfWork, UnitOfWorkFactory

NOW = dt.datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=dt.UTC)


@pytest.fixture
def user_ids(uow_factory: UnitOfWorkFactory) -> list[int]:
    """Three stored users: alice, Bob and carol."""
    ids = []
    with uow_factory() as uow:
        for name in ("alice", "Bob", "carol"):
            user = uow.users.add(
                User(
                    username=name,
                    email=f"{name.lower()}@example.com",
                    password_hash="hash",
                    full_name=name.title(),
                    created_at=NOW,
                )
            )
            ids.append(user.key)
        uow.commit()
    return ids


def new_project(owner_id: int, *, at: dt.datetime = NOW, **changes: Any) -> Project:
    project = Project(name="Apollo", owner_id=owner_id, created_at=at, updated_at=at)
    return attrs.evolve(project, **changes)


def new_task(project_id: int, *, at: dt.datetime = NOW, **changes: Any) -> Task:
    task = Task(project_id=project_id, title="t", created_at=at, updated_at=at)
    return attrs.evolve(task, **changes)


def stored_project(uow: UnitOfWork, owner_id: int, **changes: Any) -> Project:
    project = uow.projects.add(new_project(owner_id, **changes))
    uow.projects.add_member(
        Membership(project_id=project.key, user_id=owner_id, role=Role.OWNER, added_at=NOW)
    )
    return project


class TestProjectRepository:
    def test_add_get_round_trip(self, uow_factory: UnitOfWorkFactory, user_ids: list[int]) -> None:
        """A stored project reads back equal, with an id, version 1 and aware UTC times."""
        with uow_factory() as uow:
            added = uow.projects.add(
                new_project(
                    user_ids[0],
                    description="d",
                    status=ProjectStatus.ARCHIVED,
                    priority=Priority.HIGH,
                    start_date=dt.date(2026, 1, 2),
                    end_date=dt.date(2026, 3, 4),
                )
            )
            uow.commit()
        with uow_factory() as uow:
            read = uow.projects.get(added.key)
            assert uow.projects.get(added.key + 100) is None
        assert added == read
        assert read is not None
        assert (1, dt.UTC) == (read.version, read.created_at.tzinfo)

    def test_nothing_kept_without_commit(
        self, uow_factory: UnitOfWorkFactory, user_ids: list[int]
    ) -> None:
        """A project added in a unit of work that is not committed is gone."""
        with uow_factory() as uow:
            added = uow.projects.add(new_project(user_ids[0]))
        with uow_factory() as uow:
            assert uow.projects.get(added.key) is None

    def test_update_checks_version(
        self, uow_factory: UnitOfWorkFactory, user_ids: list[int]
    ) -> None:
        """Updates bump the version; a stale version or a missing project is refused."""
        with uow_factory() as uow:
            project = uow.projects.add(new_project(user_ids[0]))
            project.name = "Artemis"
            updated = uow.projects.update(project)
            assert updated == uow.projects.get(project.key)
            assert (2, "Artemis") == (updated.version, updated.name)
            with pytest.raises(errors.VersionMismatch):
                uow.projects.update(project)
            with pytest.raises(errors.ProjectNotFound):
                uow.projects.update(attrs.evolve(project, id=project.key + 100))

    def test_access_and_view(self, uow_factory: UnitOfWorkFactory, user_ids: list[int]) -> None:
        """access() and view() report existence, the user's role and the live task count."""
        alice, bob, carol = user_ids
        with uow_factory() as uow:
            project = stored_project(uow, alice)
            uow.projects.add_member(
                Membership(project_id=project.key, user_id=bob, role=Role.VIEWER, added_at=NOW)
            )
            uow.tasks.add(new_task(project.key))
            uow.tasks.add(new_task(project.key))
            uow.commit()
        with uow_factory() as uow:
            roles = [uow.projects.access(project.key, u) for u in (alice, bob, carol)]
            assert [Role.OWNER, Role.VIEWER, None] == [a.role for a in roles if a is not None]
            assert uow.projects.access(project.key + 100, alice) is None
            view = uow.projects.view(project.key, viewer_id=bob)
            assert view is not None
            assert (project.key, 2, Role.VIEWER, "Apollo", project.version) == (
                view.id,
                view.task_count,
                view.role,
                view.name,
                view.version,
            )
            assert uow.projects.view(project.key + 100, viewer_id=bob) is None

    def test_find_filters_orders_and_pages(
        self, uow_factory: UnitOfWorkFactory, user_ids: list[int]
    ) -> None:
        """find() keeps the member's projects, newest first, by offset or after a keyset."""
        alice, bob, _ = user_ids
        with uow_factory() as uow:
            ids = [
                stored_project(uow, alice, created_at=NOW + dt.timedelta(minutes=i)).key
                for i in range(3)
            ]
            ids.append(stored_project(uow, alice, created_at=NOW + dt.timedelta(minutes=1)).key)
            other = stored_project(uow, bob, status=ProjectStatus.COMPLETED).key
            uow.commit()
        newest_first = [ids[2], ids[3], ids[1], ids[0]]
        mine = ProjectCriteria(viewer_id=alice, member_id=alice)
        with uow_factory() as uow:
            assert newest_first == [p.id for p in uow.projects.find(mine, limit=10)]
            assert newest_first[1:3] == [p.id for p in uow.projects.find(mine, offset=1, limit=2)]
            after = Keyset(value=NOW + dt.timedelta(minutes=1), id=ids[3])
            assert newest_first[2:] == [p.id for p in uow.projects.find(mine, limit=5, after=after)]
            assert 4 == uow.projects.count(mine)
            everything = ProjectCriteria(viewer_id=alice, member_id=None)
            assert 5 == uow.projects.count(everything)
            done = ProjectCriteria(viewer_id=alice, member_id=None, status=ProjectStatus.COMPLETED)
            found = uow.projects.find(done, limit=10)
            assert [(other, None)] == [(p.id, p.role) for p in found]

    def test_delete_removes_memberships(
        self, uow_factory: UnitOfWorkFactory, user_ids: list[int]
    ) -> None:
        """Deleting a project removes it and its memberships."""
        alice = user_ids[0]
        with uow_factory() as uow:
            project = stored_project(uow, alice)
            uow.projects.delete(project.key)
            uow.commit()
        with uow_factory() as uow:
            assert uow.projects.get(project.key) is None
            assert 0 == uow.projects.count_members(project.key)
            assert 0 == uow.projects.count(ProjectCriteria(viewer_id=alice, member_id=alice))


class TestMembership:
    def test_members_round_trip(self, uow_factory: UnitOfWorkFactory, user_ids: list[int]) -> None:
        """Members read back with names and roles; roles change; members leave."""
        alice, bob, carol = user_ids
        later = NOW + dt.timedelta(hours=1)
        with uow_factory() as uow:
            project = stored_project(uow, alice)
            for user_id, role in ((carol, Role.VIEWER), (bob, Role.MEMBER)):
                uow.projects.add_member(
                    Membership(project_id=project.key, user_id=user_id, role=role, added_at=later)
                )
            uow.commit()
        with uow_factory() as uow:
            member = uow.projects.member(project.key, bob)
            assert member is not None
            assert ("Bob", "Bob", Role.MEMBER, later) == (
                member.username,
                member.full_name,
                member.role,
                member.added_at,
            )
            listed = uow.projects.find_members(project.key, limit=10)
            assert [alice, bob, carol] == [m.user_id for m in listed]
            assert [bob, carol] == [
                m.user_id for m in uow.projects.find_members(project.key, offset=1, limit=5)
            ]
            after = Keyset(value=later, id=bob)
            assert [carol] == [
                m.user_id for m in uow.projects.find_members(project.key, limit=5, after=after)
            ]
            assert 3 == uow.projects.count_members(project.key)
            uow.projects.set_role(project.key, carol, Role.OWNER)
            uow.projects.remove_member(project.key, bob)
            assert {alice: Role.OWNER, carol: Role.OWNER} == uow.projects.member_roles(
                project.key, [alice, bob, carol]
            )
            assert [alice, carol] == list(uow.projects.owner_ids(project.key))
            assert uow.projects.member(project.key, bob) is None
            assert {} == uow.projects.member_roles(project.key, [])

    def test_duplicate_membership(
        self, uow_factory: UnitOfWorkFactory, user_ids: list[int]
    ) -> None:
        """Adding a member twice raises MemberAlreadyExists and keeps the first role."""
        alice = user_ids[0]
        with uow_factory() as uow:
            project = stored_project(uow, alice)
            with pytest.raises(errors.MemberAlreadyExists):
                uow.projects.add_member(
                    Membership(
                        project_id=project.key, user_id=alice, role=Role.VIEWER, added_at=NOW
                    )
                )
            assert {alice: Role.OWNER} == uow.projects.member_roles(project.key, [alice])

    def test_members_named_ignores_case(
        self, uow_factory: UnitOfWorkFactory, user_ids: list[int]
    ) -> None:
        """members_named matches usernames in any case and only among members."""
        alice, bob, carol = user_ids
        with uow_factory() as uow:
            project = stored_project(uow, alice)
            uow.projects.add_member(
                Membership(project_id=project.key, user_id=bob, role=Role.MEMBER, added_at=NOW)
            )
            found = uow.projects.members_named(project.key, ["ALICE", "bob", "carol", "zed"])
            assert [("alice", alice), ("Bob", bob)] == [(m.username, m.user_id) for m in found]
            assert [] == list(uow.projects.members_named(project.key, []))
            assert carol not in {m.user_id for m in found}


class TestTaskRepository:
    def test_add_get_round_trip(self, uow_factory: UnitOfWorkFactory, user_ids: list[int]) -> None:
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
        assert (1, dt.UTC) == (read.version, read.due_date.tzinfo if read.due_date else None)

    def test_add_to_missing_project(
        self, uow_factory: UnitOfWorkFactory, user_ids: list[int]
    ) -> None:
        """Adding a task to a project that does not exist raises ProjectNotFound."""
        with pytest.raises(errors.ProjectNotFound), uow_factory() as uow:
            uow.tasks.add(new_task(999))

    def test_update_replaces_labels_and_checks_version(
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
            assert 2 == updated.version
            with pytest.raises(errors.VersionMismatch):
                uow.tasks.update(task)
            with pytest.raises(errors.TaskNotFound):
                uow.tasks.update(attrs.evolve(task, id=task.key + 100))

    def test_update_without_changed_children_keeps_them(
        self, uow_factory: UnitOfWorkFactory, user_ids: list[int]
    ) -> None:
        """An update whose labels and watchers are as stored keeps them and saves the
        other fields."""
        alice, bob, _ = user_ids
        with uow_factory() as uow:
            project = stored_project(uow, alice)
            task = uow.tasks.add(new_task(project.key, labels=("a", "b"), watchers=(alice, bob)))
            task.title = "renamed"
            uow.tasks.update(task, children_changed=False)
            stored = uow.tasks.get(task.key)
        assert stored is not None
        assert ("renamed", ("a", "b"), (alice, bob), 2) == (
            stored.title,
            stored.labels,
            stored.watchers,
            stored.version,
        )

    def test_delete_and_delete_in_project(
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
            assert [] == list(uow.tasks.delete_in_project(first.key))

    def test_last_position(self, uow_factory: UnitOfWorkFactory, user_ids: list[int]) -> None:
        """last_position is the largest position in one status column of one project."""
        alice = user_ids[0]
        with uow_factory() as uow:
            project = stored_project(uow, alice)
            assert uow.tasks.last_position(project.key, TaskStatus.PENDING) is None
            uow.tasks.add(new_task(project.key, position=2.5))
            uow.tasks.add(new_task(project.key, position=-1.0))
            uow.tasks.add(new_task(project.key, status=TaskStatus.CANCELLED, position=9.0))
            assert 2.5 == uow.tasks.last_position(project.key, TaskStatus.PENDING)

    def test_release_member(self, uow_factory: UnitOfWorkFactory, user_ids: list[int]) -> None:
        """release_member unassigns the user (bumping versions) and stops them watching."""
        alice, bob, _ = user_ids
        later = NOW + dt.timedelta(hours=2)
        with uow_factory() as uow:
            project = stored_project(uow, alice)
            other = stored_project(uow, alice)
            assigned = uow.tasks.add(new_task(project.key, assignee_id=bob, watchers=(alice, bob)))
            watched = uow.tasks.add(new_task(project.key, watchers=(bob,)))
            elsewhere = uow.tasks.add(new_task(other.key, assignee_id=bob, watchers=(bob,)))
            released = uow.tasks.release_member(project.key, bob, later)
            assert [
                attrs.evolve(
                    assigned,
                    assignee_id=None,
                    assignee_ids=(),
                    watchers=(alice,),
                    updated_at=later,
                    version=2,
                )
            ] == list(released)
            assert attrs.evolve(watched, watchers=()) == uow.tasks.get(watched.key)
            assert elsewhere == uow.tasks.get(elsewhere.key)


class TestTaskQueries:
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
            assert ["Beta"] == [t.title for t in uow.tasks.find(mine, TaskOrder(), limit=9)]
            assert 0 == uow.tasks.count(TaskCriteria(member_id=alice, assignee_id=carol))
            assert 1 == uow.tasks.count(TaskCriteria(assignee_id=carol))
            labelled = TaskCriteria(label="bug", member_id=carol)
            assert ["Zeta"] == [t.title for t in uow.tasks.find(labelled, TaskOrder(), limit=9)]

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


class TestCommentRepository:
    def test_round_trip_with_author_and_project(
        self, uow_factory: UnitOfWorkFactory, user_ids: list[int]
    ) -> None:
        """A stored comment reads back with its author's name and its task's project."""
        alice, bob, _ = user_ids
        with uow_factory() as uow:
            project = stored_project(uow, alice)
            task = uow.tasks.add(new_task(project.key))
            added = uow.comments.add(
                Comment(
                    task_id=task.key, author_id=bob, content="hi", created_at=NOW, updated_at=NOW
                )
            )
            uow.commit()
        with uow_factory() as uow:
            view = uow.comments.get(added.key)
            assert uow.comments.get(added.key + 100) is None
        assert view is not None
        assert (added.key, task.key, project.key, bob, "Bob", "hi", NOW, 1) == (
            view.id,
            view.task_id,
            view.project_id,
            view.author_id,
            view.author_name,
            view.content,
            view.created_at,
            view.version,
        )
        assert added == view.comment()

    def test_add_to_missing_task(self, uow_factory: UnitOfWorkFactory, user_ids: list[int]) -> None:
        """Commenting on a task that does not exist raises TaskNotFound."""
        comment = Comment(
            task_id=999, author_id=user_ids[0], content="x", created_at=NOW, updated_at=NOW
        )
        with pytest.raises(errors.TaskNotFound), uow_factory() as uow:
            uow.comments.add(comment)

    def test_update_checks_version(
        self, uow_factory: UnitOfWorkFactory, user_ids: list[int]
    ) -> None:
        """Edits bump the version; a stale version or a missing comment is refused."""
        alice = user_ids[0]
        with uow_factory() as uow:
            task = uow.tasks.add(new_task(stored_project(uow, alice).key))
            comment = uow.comments.add(
                Comment(
                    task_id=task.key, author_id=alice, content="a", created_at=NOW, updated_at=NOW
                )
            )
            comment.edit("b", NOW + dt.timedelta(minutes=1))
            updated = uow.comments.update(comment)
            view = uow.comments.get(comment.key)
            assert view is not None
            assert (2, "b", NOW + dt.timedelta(minutes=1)) == (
                view.version,
                view.content,
                view.updated_at,
            )
            assert updated == view.comment()
            with pytest.raises(errors.VersionMismatch):
                uow.comments.update(comment)
            with pytest.raises(errors.CommentNotFound):
                uow.comments.update(attrs.evolve(comment, id=comment.key + 100))

    def test_find_orders_and_deletes(
        self, uow_factory: UnitOfWorkFactory, user_ids: list[int]
    ) -> None:
        """Comments list oldest first by offset or keyset, count, and delete in bulk."""
        alice = user_ids[0]
        with uow_factory() as uow:
            project = stored_project(uow, alice)
            task = uow.tasks.add(new_task(project.key))
            other = uow.tasks.add(new_task(project.key))
            elsewhere = uow.tasks.add(new_task(stored_project(uow, alice).key))
            ids = [
                uow.comments.add(
                    Comment(
                        task_id=task.key,
                        author_id=alice,
                        content=str(i),
                        created_at=NOW + dt.timedelta(minutes=(3 - i) % 3),
                        updated_at=NOW,
                    )
                ).key
                for i in range(3)
            ]
            for target in (other, elsewhere):
                uow.comments.add(
                    Comment(
                        task_id=target.key,
                        author_id=alice,
                        content="x",
                        created_at=NOW,
                        updated_at=NOW,
                    )
                )
            oldest_first = [ids[0], ids[2], ids[1]]
            assert oldest_first == [c.id for c in uow.comments.find(task.key, limit=10)]
            assert oldest_first[1:] == [
                c.id for c in uow.comments.find(task.key, offset=1, limit=10)
            ]
            after = Keyset(value=NOW + dt.timedelta(minutes=1), id=ids[2])
            assert [ids[1]] == [c.id for c in uow.comments.find(task.key, limit=10, after=after)]
            assert 3 == uow.comments.count(task.key)
            uow.comments.delete(ids[0])
            assert 2 == uow.comments.delete_for_task(task.key)
            assert 1 == uow.comments.delete_in_project(project.key)
            assert (0, 0, 1) == tuple(uow.comments.count(t.key) for t in (task, other, elsewhere))


class TestTaskBatches:
    def test_round_trip_in_order(self, uow_factory: UnitOfWorkFactory, user_ids: list[int]) -> None:
        """Tasks added in one batch get increasing ids in the order given and read back equal."""
        alice, bob, _ = user_ids
        with uow_factory() as uow:
            project = stored_project(uow, alice)
            added = uow.tasks.add_many(
                [
                    new_task(project.key, title="a", labels=("x", "y"), watchers=(alice, bob)),
                    new_task(project.key, title="b", status=TaskStatus.IN_PROGRESS, position=2.0),
                    new_task(project.key, title="c", assignee_id=bob, labels=("z",)),
                ]
            )
            uow.commit()
        assert ["a", "b", "c"] == [t.title for t in added]
        ids = [t.key for t in added]
        assert sorted(ids) == ids
        assert len(set(ids)) == 3
        assert [1, 1, 1] == [t.version for t in added]
        with uow_factory() as uow:
            assert added == [uow.tasks.get(i) for i in ids]

    def test_empty_batch(self, uow_factory: UnitOfWorkFactory, user_ids: list[int]) -> None:
        """An empty batch stores nothing."""
        with uow_factory() as uow:
            assert [] == uow.tasks.add_many([])

    def test_missing_project(self, uow_factory: UnitOfWorkFactory, user_ids: list[int]) -> None:
        """A batch for a project that does not exist raises ProjectNotFound."""
        with pytest.raises(errors.ProjectNotFound), uow_factory() as uow:
            uow.tasks.add_many([new_task(999)])

    def test_nothing_kept_without_commit(
        self, uow_factory: UnitOfWorkFactory, user_ids: list[int]
    ) -> None:
        """A batch whose unit of work is not committed leaves no task behind."""
        alice = user_ids[0]
        with uow_factory() as uow:
            project = stored_project(uow, alice)
            uow.commit()
        with uow_factory() as uow:
            added = uow.tasks.add_many([new_task(project.key), new_task(project.key)])
        with uow_factory() as uow:
            assert [None, None] == [uow.tasks.get(t.key) for t in added]
