"""The repository contract of projects, memberships, tasks and comments, on every adapter.

The core checks of projects, members, tasks and task queries are in the public suite
:class:`taskcore_adapters.contracts.UnitOfWorkContract` (run by ``test_units_of_work.py``);
these are the rest.
"""

from __future__ import annotations

import datetime as dt

import attrs
import pytest

from taskcore import errors
from taskcore.domain.comments import Comment
from taskcore.domain.pagination import Keyset
from taskcore.domain.projects import Membership, Role
from taskcore.domain.tasks import TaskStatus
from taskcore.ports.uow import UnitOfWorkFactory
from taskcore_adapters.contracts.repositories.records import (
    NOW,
    add_users,
    new_task,
    stored_project,
)


@pytest.fixture
def user_ids(uow_factory: UnitOfWorkFactory) -> list[int]:
    """Three stored users: alice, Bob and carol."""
    return add_users(uow_factory)


class TestProjectRepository:
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


class TestMembership:
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

    def test_search_in_one_project_newest_first(
        self, uow_factory: UnitOfWorkFactory, user_ids: list[int]
    ) -> None:
        """search finds the project's comments holding the text in any case (``%`` and
        ``_`` taken literally), newest first, up to the limit, with their task's title;
        another project's comments never."""
        alice, bob, _ = user_ids
        with uow_factory() as uow:
            project = stored_project(uow, alice)
            task = uow.tasks.add(new_task(project.key, title="Pick a CMS"))
            other = uow.tasks.add(new_task(project.key, title="Host it"))
            elsewhere = uow.tasks.add(new_task(stored_project(uow, bob).key, title="Hidden"))
            texts = [
                (task, "Hugo or ZOLA?", 0),
                (other, "zola is fast", 2),
                (task, "no match here", 3),
                (elsewhere, "zola elsewhere", 4),
                (task, "50% of zola_x", 1),
            ]
            for target, content, minutes in texts:
                uow.comments.add(
                    Comment(
                        task_id=target.key,
                        author_id=bob,
                        content=content,
                        created_at=NOW + dt.timedelta(minutes=minutes),
                        updated_at=NOW,
                    )
                )
            uow.commit()
        with uow_factory() as uow:
            found = uow.comments.search(project.key, "Zola", limit=10)
            assert [
                ("zola is fast", "Host it", "Bob", project.key),
                ("50% of zola_x", "Pick a CMS", "Bob", project.key),
                ("Hugo or ZOLA?", "Pick a CMS", "Bob", project.key),
            ] == [
                (m.comment.content, m.task_title, m.comment.author_name, m.comment.project_id)
                for m in found
            ]
            assert ["zola is fast"] == [
                m.comment.content for m in uow.comments.search(project.key, "zola", limit=1)
            ]
            assert ["50% of zola_x"] == [
                m.comment.content for m in uow.comments.search(project.key, "% of zola_", limit=5)
            ]
            assert [] == list(uow.comments.search(project.key, "a_o", limit=5))
            assert [] == list(uow.comments.search(project.key, "elsewhere", limit=5))


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

    def test_batches_follow_the_tasks_before_them(
        self, uow_factory: UnitOfWorkFactory, user_ids: list[int]
    ) -> None:
        """A batch after single tasks and other batches gets new ids, each row its own."""
        alice = user_ids[0]
        with uow_factory() as uow:
            project = stored_project(uow, alice)
            single = uow.tasks.add(new_task(project.key, title="single"))
            first = uow.tasks.add_many([new_task(project.key, title=f"a{n}") for n in range(3)])
            uow.commit()
        with uow_factory() as uow:
            second = uow.tasks.add_many([new_task(project.key, title=f"b{n}") for n in range(3)])
            uow.commit()
        ids = [single.key, *(t.key for t in first), *(t.key for t in second)]
        assert sorted(set(ids)) == ids
        with uow_factory() as uow:
            titles = [t.title for t in (uow.tasks.get(i) for i in ids) if t is not None]
        assert ["single", "a0", "a1", "a2", "b0", "b1", "b2"] == titles

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
