"""The repository contract of teams, their members and their project grants, on every
adapter; and the effective roles the grants give in the project queries."""

from __future__ import annotations

import datetime as dt

import pytest

from taskcore import errors
from taskcore.domain.projects import Membership, Project, ProjectCriteria, Role
from taskcore.domain.task_listing import TaskCriteria
from taskcore.domain.tasks import Task
from taskcore.domain.teams import Team, TeamCriteria, TeamGrant, TeamMembership, TeamRole
from taskcore.domain.users import User
from taskcore.ports.uow import UnitOfWorkFactory

NOW = dt.datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=dt.UTC)


def _team(name: str, created_by: int) -> Team:
    return Team(name=name, description="d", created_by=created_by, created_at=NOW, updated_at=NOW)


@pytest.fixture
def ids(uow_factory: UnitOfWorkFactory) -> dict[str, int]:
    """alice (owner of Apollo), bob and carol; team Core (alice admin, bob member) and
    Ops (carol admin); each one's id."""
    found: dict[str, int] = {}
    with uow_factory() as uow:
        for name in ("alice", "bob", "carol"):
            user = uow.users.add(
                User(
                    username=name,
                    email=f"{name}@example.com",
                    password_hash="hash",
                    full_name=name.title(),
                    created_at=NOW,
                )
            )
            found[name] = user.key
        project = uow.projects.add(
            Project(name="Apollo", owner_id=found["alice"], created_at=NOW, updated_at=NOW)
        )
        uow.projects.add_member(
            Membership(
                project_id=project.key, user_id=found["alice"], role=Role.OWNER, added_at=NOW
            )
        )
        found["Apollo"] = project.key
        core = uow.teams.add(_team("Core", found["alice"]))
        ops = uow.teams.add(_team("Ops", found["carol"]))
        found["Core"], found["Ops"] = core.key, ops.key
        for team, who, role, minute in (
            ("Core", "alice", TeamRole.ADMIN, 0),
            ("Core", "bob", TeamRole.MEMBER, 1),
            ("Ops", "carol", TeamRole.ADMIN, 0),
        ):
            uow.teams.add_member(
                TeamMembership(
                    team_id=found[team],
                    user_id=found[who],
                    role=role,
                    added_at=NOW + dt.timedelta(minutes=minute),
                )
            )
        uow.commit()
    return found


class TestTeams:
    def test_names_are_unique_case_insensitively(
        self, uow_factory: UnitOfWorkFactory, ids: dict[str, int]
    ) -> None:
        with uow_factory() as uow, pytest.raises(errors.TeamNameTaken):
            uow.teams.add(_team("CORE", ids["bob"]))
        with uow_factory() as uow:
            ops = uow.teams.get(ids["Ops"])
            assert ops is not None
            ops.name = "core"
            with pytest.raises(errors.TeamNameTaken):
                uow.teams.update(ops)

    def test_update_and_views(self, uow_factory: UnitOfWorkFactory, ids: dict[str, int]) -> None:
        with uow_factory() as uow:
            core = uow.teams.get(ids["Core"])
            assert core is not None
            core.name, core.description = "Core team", "new"
            uow.teams.update(core)
            uow.commit()
        with uow_factory() as uow:
            view = uow.teams.view(ids["Core"], viewer_id=ids["bob"])
            assert view is not None
            assert (view.name, view.description, view.member_count) == ("Core team", "new", 2)
            assert view.role is TeamRole.MEMBER
            stranger = uow.teams.view(ids["Core"], viewer_id=ids["carol"])
            assert stranger is not None
            assert stranger.role is None
            assert uow.teams.view(9999, viewer_id=ids["bob"]) is None

    def test_find_by_member_ordered_by_name(
        self, uow_factory: UnitOfWorkFactory, ids: dict[str, int]
    ) -> None:
        with uow_factory() as uow:
            every = TeamCriteria(viewer_id=ids["alice"], member_id=None)
            assert [t.name for t in uow.teams.find(every, limit=10)] == ["Core", "Ops"]
            assert [t.name for t in uow.teams.find(every, offset=1, limit=10)] == ["Ops"]
            assert uow.teams.count(every) == 2
            mine = TeamCriteria(viewer_id=ids["bob"], member_id=ids["bob"])
            assert [(t.name, t.role) for t in uow.teams.find(mine, limit=10)] == [
                ("Core", TeamRole.MEMBER)
            ]
            assert uow.teams.count(mine) == 1

    def test_members(self, uow_factory: UnitOfWorkFactory, ids: dict[str, int]) -> None:
        core = ids["Core"]
        with uow_factory() as uow, pytest.raises(errors.TeamMemberExists):
            uow.teams.add_member(
                TeamMembership(team_id=core, user_id=ids["bob"], role=TeamRole.MEMBER, added_at=NOW)
            )
        with uow_factory() as uow:
            members = uow.teams.find_members(core, limit=10)
            assert [(m.username, m.role) for m in members] == [
                ("alice", TeamRole.ADMIN),
                ("bob", TeamRole.MEMBER),
            ]
            assert [m.username for m in uow.teams.find_members(core, offset=1, limit=1)] == ["bob"]
            assert uow.teams.count_members(core) == 2
            assert uow.teams.admin_ids(core) == [ids["alice"]]
            uow.teams.set_member_role(core, ids["bob"], TeamRole.ADMIN)
            assert list(uow.teams.admin_ids(core)) == sorted([ids["alice"], ids["bob"]])
            uow.teams.remove_member(core, ids["alice"])
            uow.commit()
        with uow_factory() as uow:
            assert uow.teams.member(core, ids["alice"]) is None
            bob = uow.teams.member(core, ids["bob"])
            assert bob is not None
            assert bob.full_name == "Bob"
            assert bob.role is TeamRole.ADMIN

    def test_grants(self, uow_factory: UnitOfWorkFactory, ids: dict[str, int]) -> None:
        apollo, core = ids["Apollo"], ids["Core"]
        with uow_factory() as uow:
            uow.teams.grant(
                TeamGrant(project_id=apollo, team_id=core, role=Role.VIEWER, added_at=NOW)
            )
            uow.teams.grant(
                TeamGrant(
                    project_id=apollo,
                    team_id=ids["Ops"],
                    role=Role.MEMBER,
                    added_at=NOW + dt.timedelta(seconds=1),
                )
            )
            uow.commit()
        with uow_factory() as uow, pytest.raises(errors.TeamGrantExists):
            uow.teams.grant(
                TeamGrant(project_id=apollo, team_id=core, role=Role.OWNER, added_at=NOW)
            )
        with uow_factory() as uow:
            grants = uow.teams.find_grants(apollo, limit=10)
            assert [(g.team_name, g.role, g.member_count) for g in grants] == [
                ("Core", Role.VIEWER, 2),
                ("Ops", Role.MEMBER, 1),
            ]
            assert uow.teams.count_grants(apollo) == 2
            uow.teams.set_grant_role(apollo, core, Role.MEMBER)
            found = uow.teams.grant_of(apollo, core)
            assert found is not None
            assert found.role is Role.MEMBER
            assert list(uow.teams.project_ids(ids["Ops"])) == [apollo]
            assert list(uow.teams.member_ids(core)) == sorted([ids["alice"], ids["bob"]])
            uow.teams.revoke(apollo, ids["Ops"])
            uow.commit()
        with uow_factory() as uow:
            assert uow.teams.grant_of(apollo, ids["Ops"]) is None
            assert uow.teams.count_grants(apollo) == 1

    def test_delete_removes_members_and_grants(
        self, uow_factory: UnitOfWorkFactory, ids: dict[str, int]
    ) -> None:
        with uow_factory() as uow:
            uow.teams.grant(
                TeamGrant(
                    project_id=ids["Apollo"], team_id=ids["Core"], role=Role.MEMBER, added_at=NOW
                )
            )
            uow.teams.delete(ids["Core"])
            uow.commit()
        with uow_factory() as uow:
            assert uow.teams.get(ids["Core"]) is None
            assert uow.teams.count_grants(ids["Apollo"]) == 0
            access = uow.projects.access(ids["Apollo"], ids["bob"])
            assert access is not None
            assert access.role is None


class TestEffectiveRoles:
    """A grant gives its role to each team member; the highest role wins; removal from
    the team or of the grant ends it at once."""

    def _grant(self, uow_factory: UnitOfWorkFactory, ids: dict[str, int], role: Role) -> None:
        with uow_factory() as uow:
            uow.teams.grant(
                TeamGrant(project_id=ids["Apollo"], team_id=ids["Core"], role=role, added_at=NOW)
            )
            uow.commit()

    def test_grant_gives_access_everywhere(
        self, uow_factory: UnitOfWorkFactory, ids: dict[str, int]
    ) -> None:
        apollo, bob = ids["Apollo"], ids["bob"]
        with uow_factory() as uow:
            uow.tasks.add(Task(project_id=apollo, title="t", created_at=NOW, updated_at=NOW))
            uow.commit()
        with uow_factory() as uow:
            assert uow.projects.count(ProjectCriteria(viewer_id=bob, member_id=bob)) == 0
            assert uow.tasks.count(TaskCriteria(member_id=bob)) == 0
        self._grant(uow_factory, ids, Role.VIEWER)
        with uow_factory() as uow:
            access = uow.projects.access(apollo, bob)
            assert access is not None
            assert access.role is Role.VIEWER
            mine = ProjectCriteria(viewer_id=bob, member_id=bob)
            assert [(p.id, p.role) for p in uow.projects.find(mine, limit=10)] == [
                (apollo, Role.VIEWER)
            ]
            assert uow.projects.count(mine) == 1
            view = uow.projects.view(apollo, viewer_id=bob)
            assert view is not None
            assert view.role is Role.VIEWER
            assert uow.tasks.count(TaskCriteria(member_id=bob)) == 1
            assert uow.report_queries.dashboard(bob, NOW).projects_total == 1

    def test_highest_role_wins(self, uow_factory: UnitOfWorkFactory, ids: dict[str, int]) -> None:
        apollo, alice, bob = ids["Apollo"], ids["alice"], ids["bob"]
        self._grant(uow_factory, ids, Role.MEMBER)
        with uow_factory() as uow:
            uow.projects.add_member(
                Membership(project_id=apollo, user_id=bob, role=Role.VIEWER, added_at=NOW)
            )
            uow.commit()
        with uow_factory() as uow:
            # bob: viewer himself, member through Core; alice: owner herself, member
            # through Core.
            bob_access = uow.projects.access(apollo, bob)
            alice_access = uow.projects.access(apollo, alice)
            assert bob_access is not None
            assert bob_access.role is Role.MEMBER
            assert alice_access is not None
            assert alice_access.role is Role.OWNER
            mine = ProjectCriteria(viewer_id=bob, member_id=bob)
            assert [p.role for p in uow.projects.find(mine, limit=10)] == [Role.MEMBER]
            assert uow.projects.count(mine) == 1
            # A task is read with the same effective role of the caller.
            task = uow.tasks.add(Task(project_id=apollo, title="t", created_at=NOW, updated_at=NOW))
            for user, role in [(bob, Role.MEMBER), (alice, Role.OWNER), (ids["carol"], None)]:
                found = uow.tasks.get_with_role(task.key, user)
                assert found is not None
                assert (found[0].title, found[1]) == ("t", role)
            assert uow.tasks.get_with_role(task.key + 1000, bob) is None

    def test_member_roles_count_team_grants(
        self, uow_factory: UnitOfWorkFactory, ids: dict[str, int]
    ) -> None:
        apollo, alice, bob, carol = ids["Apollo"], ids["alice"], ids["bob"], ids["carol"]
        self._grant(uow_factory, ids, Role.MEMBER)
        with uow_factory() as uow:
            roles = uow.projects.member_roles(apollo, [alice, bob, carol])
            assert roles == {alice: Role.OWNER, bob: Role.MEMBER}
            named = uow.projects.members_named(apollo, ["ALICE", "bob", "carol"])
            assert [(m.username, m.role) for m in named] == [
                ("alice", Role.OWNER),
                ("bob", Role.MEMBER),
            ]

    def test_removal_ends_access_at_once(
        self, uow_factory: UnitOfWorkFactory, ids: dict[str, int]
    ) -> None:
        apollo, bob = ids["Apollo"], ids["bob"]
        self._grant(uow_factory, ids, Role.MEMBER)
        with uow_factory() as uow:
            uow.teams.remove_member(ids["Core"], bob)
            uow.commit()
        with uow_factory() as uow:
            access = uow.projects.access(apollo, bob)
            assert access is not None
            assert access.role is None
            assert uow.projects.count(ProjectCriteria(viewer_id=bob, member_id=bob)) == 0
            alice_access = uow.projects.access(apollo, ids["alice"])
            assert alice_access is not None
            assert alice_access.role is Role.OWNER
            task = uow.tasks.add(Task(project_id=apollo, title="t", created_at=NOW, updated_at=NOW))
            assert (task, None) == uow.tasks.get_with_role(task.key, bob)
            uow.teams.revoke(apollo, ids["Core"])
            uow.commit()
        with uow_factory() as uow:
            alice_access = uow.projects.access(apollo, ids["alice"])
            assert alice_access is not None
            assert alice_access.role is Role.OWNER

    def test_project_deletion_removes_grants(
        self, uow_factory: UnitOfWorkFactory, ids: dict[str, int]
    ) -> None:
        self._grant(uow_factory, ids, Role.MEMBER)
        with uow_factory() as uow:
            uow.projects.delete(ids["Apollo"])
            uow.commit()
        with uow_factory() as uow:
            assert uow.teams.count_grants(ids["Apollo"]) == 0
            assert uow.projects.access(ids["Apollo"], ids["bob"]) is None
