"""The projects repository with its members: the checks of
:class:`~taskcore_adapters.contracts.UnitOfWorkContract` about them."""

from __future__ import annotations

import datetime as dt

import attrs
import pytest

from taskcore import errors
from taskcore.domain.pagination import Keyset
from taskcore.domain.projects import Membership, Priority, ProjectCriteria, ProjectStatus, Role
from taskcore.ports.uow import UnitOfWorkFactory
from taskcore_adapters.contracts.repositories.records import NOW, new_project, stored_project


class _Projects:
    def test_project_round_trip(self, uow_factory: UnitOfWorkFactory, user_ids: list[int]) -> None:
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
        assert (read.version, read.created_at.tzinfo) == (1, dt.UTC)

    def test_project_not_kept_without_commit(
        self, uow_factory: UnitOfWorkFactory, user_ids: list[int]
    ) -> None:
        """A project added in a unit of work that is not committed is gone."""
        with uow_factory() as uow:
            added = uow.projects.add(new_project(user_ids[0]))
        with uow_factory() as uow:
            assert uow.projects.get(added.key) is None

    def test_project_update_checks_version(
        self, uow_factory: UnitOfWorkFactory, user_ids: list[int]
    ) -> None:
        """Updates bump the version; a stale version or a missing project is refused."""
        with uow_factory() as uow:
            project = uow.projects.add(new_project(user_ids[0]))
            project.name = "Artemis"
            updated = uow.projects.update(project)
            assert updated == uow.projects.get(project.key)
            assert (updated.version, updated.name) == (2, "Artemis")
            with pytest.raises(errors.VersionMismatch):
                uow.projects.update(project)
            with pytest.raises(errors.ProjectNotFound):
                uow.projects.update(attrs.evolve(project, id=project.key + 100))

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
            assert uow.projects.count(mine) == 4
            everything = ProjectCriteria(viewer_id=alice, member_id=None)
            assert uow.projects.count(everything) == 5
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
            assert uow.projects.count_members(project.key) == 0
            assert uow.projects.count(ProjectCriteria(viewer_id=alice, member_id=alice)) == 0


class _Members:
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
            assert uow.projects.count_members(project.key) == 3
            uow.projects.set_role(project.key, carol, Role.OWNER)
            uow.projects.remove_member(project.key, bob)
            assert {alice: Role.OWNER, carol: Role.OWNER} == uow.projects.member_roles(
                project.key, [alice, bob, carol]
            )
            assert [alice, carol] == list(uow.projects.owner_ids(project.key))
            assert uow.projects.member(project.key, bob) is None
            assert uow.projects.member_roles(project.key, []) == {}

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
