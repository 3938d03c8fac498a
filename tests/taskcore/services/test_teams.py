"""Use cases of teams, their members and their roles in projects, on the in-memory
adapters; and the effective roles they give."""

from __future__ import annotations

import pytest

from taskcore import errors
from taskcore.domain.pagination import PageRequest
from taskcore.domain.projects import Role
from taskcore.domain.teams import TeamRole
from taskcore.services.users import Principal
from taskcore_adapters.testing import World


@pytest.fixture
def world() -> World:
    """A fresh in-memory taskcore."""
    return World.create()


def _team(world: World, admin: Principal, *members: Principal, name: str = "Core") -> int:
    team = world.core.teams.create_team(admin, name=name)
    for member in members:
        world.core.teams.add_team_member(admin, team.id, username=member.username)
    return team.id


class TestTeams:
    def test_creator_is_first_admin(self, world: World) -> None:
        alice = world.user("alice")
        team = world.core.teams.create_team(alice, name="  Core ", description=" devs ")
        assert (team.name, team.description, team.member_count, team.role) == (
            "Core",
            "devs",
            1,
            TeamRole.ADMIN,
        )
        assert world.event_names()[-1] == "team.created"

    def test_bad_names(self, world: World) -> None:
        alice = world.user("alice")
        with pytest.raises(errors.ValidationError) as blank:
            world.core.teams.create_team(alice, name=" ")
        assert blank.value.field == "name"
        with pytest.raises(errors.ValidationError) as long:
            world.core.teams.create_team(alice, name="x" * 101)
        assert long.value.field == "name"
        world.core.teams.create_team(alice, name="Core")
        with pytest.raises(errors.TeamNameTaken):
            world.core.teams.create_team(alice, name="CORE")

    def test_only_members_see_a_team(self, world: World) -> None:
        alice, bob, root = world.user("alice"), world.user("bob"), world.user("root", admin=True)
        team_id = _team(world, alice)
        with pytest.raises(errors.TeamNotFound):
            world.core.teams.get_team(bob, team_id)
        assert world.core.teams.get_team(root, team_id).role is None
        assert world.core.teams.list_teams(bob).total == 0
        assert world.core.teams.list_teams(root, every=True).total == 1
        with pytest.raises(errors.AdminRequired):
            world.core.teams.list_teams(bob, every=True)

    def test_only_admins_manage(self, world: World) -> None:
        alice, bob, carol = world.user("alice"), world.user("bob"), world.user("carol")
        team_id = _team(world, alice, bob)
        with pytest.raises(errors.TeamRoleRequired):
            world.core.teams.update_team(bob, team_id, name="Mine")
        with pytest.raises(errors.TeamRoleRequired):
            world.core.teams.add_team_member(bob, team_id, username="carol")
        with pytest.raises(errors.TeamRoleRequired):
            world.core.teams.delete_team(bob, team_id)
        renamed = world.core.teams.update_team(alice, team_id, name="Platform")
        assert renamed.name == "Platform"
        assert world.events()[-1].details["changes"] == {"name": {"old": "Core", "new": "Platform"}}
        world.core.teams.add_team_member(alice, team_id, username="CAROL", role="admin")
        assert world.core.teams.get_team(carol, team_id).role is TeamRole.ADMIN

    def test_members_paginated_and_last_admin_stays(self, world: World) -> None:
        alice, bob = world.user("alice"), world.user("bob")
        team_id = _team(world, alice, bob)
        first = world.core.teams.list_team_members(
            bob, team_id, page=PageRequest(page=1, per_page=1)
        )
        assert ([m.username for m in first.items], first.total) == (["alice"], 2)
        with pytest.raises(errors.LastTeamAdmin):
            world.core.teams.remove_team_member(alice, team_id, alice.user_id)
        with pytest.raises(errors.LastTeamAdmin):
            world.core.teams.change_team_member_role(alice, team_id, alice.user_id, role="member")
        with pytest.raises(errors.TeamMemberExists):
            world.core.teams.add_team_member(alice, team_id, username="bob")
        with pytest.raises(errors.UserNotFound):
            world.core.teams.add_team_member(alice, team_id, username="nobody")
        with pytest.raises(errors.ValidationError) as missing:
            world.core.teams.add_team_member(alice, team_id, username=None)
        assert missing.value.field == "username"
        world.core.teams.remove_team_member(bob, team_id, bob.user_id)  # leaving
        assert world.core.teams.list_team_members(alice, team_id).total == 1


class TestProjectTeams:
    def test_grant_gives_access_and_removal_ends_it(self, world: World) -> None:
        alice, bob = world.user("alice"), world.user("bob")
        project = world.project(alice)
        team_id = _team(world, alice, bob)
        task = world.core.tasks.create_task(alice, project.id, title="t")
        with pytest.raises(errors.TaskNotFound):
            world.core.tasks.get_task(bob, task.id)
        grant = world.core.teams.add_project_team(alice, project.id, team_id=team_id, role="viewer")
        assert (grant.team_name, grant.role, grant.member_count) == ("Core", Role.VIEWER, 2)
        assert world.core.tasks.get_task(bob, task.id).title == "t"
        assert [p.role for p in world.core.projects.list_projects(bob).items] == [Role.VIEWER]
        with pytest.raises(errors.ProjectRoleRequired):
            world.core.tasks.create_task(bob, project.id, title="no")
        world.core.teams.change_project_team_role(alice, project.id, team_id, role="member")
        world.core.tasks.create_task(bob, project.id, title="yes")
        world.core.teams.remove_team_member(alice, team_id, bob.user_id)
        with pytest.raises(errors.TaskNotFound):
            world.core.tasks.get_task(bob, task.id)
        assert world.core.projects.list_projects(bob).total == 0

    def test_highest_role_wins(self, world: World) -> None:
        alice, bob = world.user("alice"), world.user("bob")
        project = world.project(alice, members=[bob])
        team_id = _team(world, alice, bob)
        world.core.teams.add_project_team(alice, project.id, team_id=team_id, role="viewer")
        assert world.core.projects.get_project(bob, project.id).role is Role.MEMBER
        world.core.teams.change_project_team_role(alice, project.id, team_id, role="owner")
        assert world.core.projects.get_project(bob, project.id).role is Role.OWNER
        world.core.teams.remove_project_team(alice, project.id, team_id)
        assert world.core.projects.get_project(bob, project.id).role is Role.MEMBER

    def test_team_members_are_assignable_and_mentionable(self, world: World) -> None:
        alice, bob = world.user("alice"), world.user("bob")
        project = world.project(alice)
        team_id = _team(world, alice, bob)
        world.core.teams.add_project_team(alice, project.id, team_id=team_id, role="viewer")
        task = world.core.tasks.create_task(alice, project.id, title="t", assignee_id=bob.user_id)
        assert task.assignee_id == bob.user_id
        comment = world.core.comments.add_comment(alice, task.id, content="hi @bob")
        assert comment.mentions == ("bob",)
        assert world.events()[-1].details["user_id"] == bob.user_id

    def test_losing_all_access_releases_tasks(self, world: World) -> None:
        alice, bob, carol = world.user("alice"), world.user("bob"), world.user("carol")
        project = world.project(alice, members=[carol])
        team_id = _team(world, alice, bob, carol)
        world.core.teams.add_project_team(alice, project.id, team_id=team_id)
        for_bob = world.core.tasks.create_task(
            alice, project.id, title="b", assignee_id=bob.user_id
        )
        for_carol = world.core.tasks.create_task(
            alice, project.id, title="c", assignee_id=carol.user_id
        )
        world.core.teams.remove_project_team(alice, project.id, team_id)
        # bob had access only through the team; carol is a member herself.
        assert world.core.tasks.get_task(alice, for_bob.id).assignee_id is None
        assert world.core.tasks.get_task(alice, for_carol.id).assignee_id == carol.user_id
        assert "task.assigned" in world.event_names()[-2:]

    def test_who_may_grant(self, world: World) -> None:
        alice, bob, carol = world.user("alice"), world.user("bob"), world.user("carol")
        project = world.project(alice, members=[bob])
        own = _team(world, alice)
        other = _team(world, carol, name="Other")
        with pytest.raises(errors.ProjectRoleRequired):
            world.core.teams.add_project_team(bob, project.id, team_id=own)
        with pytest.raises(errors.TeamNotFound):
            world.core.teams.add_project_team(alice, project.id, team_id=other)
        with pytest.raises(errors.ValidationError) as bad:
            world.core.teams.add_project_team(alice, project.id, team_id=own, role="boss")
        assert bad.value.field == "role"
        world.core.teams.add_project_team(alice, project.id, team_id=own)
        with pytest.raises(errors.TeamGrantExists):
            world.core.teams.add_project_team(alice, project.id, team_id=own)
        listed = world.core.teams.list_project_teams(bob, project.id)
        assert [(t.team_id, t.role) for t in listed.items] == [(own, Role.MEMBER)]
        with pytest.raises(errors.ProjectRoleRequired):
            world.core.teams.remove_project_team(bob, project.id, own)
        names = world.event_names()
        assert "project.team_added" in names

    def test_team_admin_withdraws_team_and_deletion_ends_access(self, world: World) -> None:
        alice, bob, carol = world.user("alice"), world.user("bob"), world.user("carol")
        project = world.project(alice)
        team_id = _team(world, alice, carol)
        world.core.teams.change_team_member_role(alice, team_id, carol.user_id, role="admin")
        world.core.teams.add_project_team(alice, project.id, team_id=team_id)
        world.core.teams.remove_project_team(carol, project.id, team_id)
        with pytest.raises(errors.ProjectNotFound):
            world.core.projects.get_project(carol, project.id)
        world.core.teams.add_project_team(alice, project.id, team_id=team_id)
        world.core.teams.delete_team(carol, team_id)
        with pytest.raises(errors.ProjectNotFound):
            world.core.projects.get_project(carol, project.id)
        with pytest.raises(errors.ProjectNotFound):
            world.core.teams.list_project_teams(bob, project.id)
        assert world.core.teams.list_project_teams(alice, project.id).total == 0
