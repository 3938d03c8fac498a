"""Use cases of the projects area and membership, on the in-memory adapters."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from taskcore import errors
from taskcore.domain.events import ProjectDeleted, ProjectUpdated, TaskDeleted
from taskcore.domain.pagination import CursorRequest, PageRequest
from taskcore.domain.projects import Priority, ProjectStatus, Role
from taskcore_adapters.testing import World
from taskcore_adapters.wire_fields import project_arguments, project_status


@pytest.fixture
def world() -> World:
    """A fresh in-memory taskcore."""
    return World.create()


STATUS_ERROR = "Invalid status. Must be one of ['active', 'completed', 'archived']"
PRIORITY_ERROR = "Invalid priority. Must be one of ['low', 'medium', 'high', 'critical']"
DATE_ERROR = "Invalid date format. Use YYYY-MM-DD"


class TestCreateProject:
    def test_creator_becomes_owner_with_defaults(self, world: World) -> None:
        """A new project has the defaults, no tasks, and its creator as sole owner."""
        alice = world.user("alice")
        project = world.core.projects.create_project(
            alice, name="  Apollo  ", description="  to the moon "
        )
        assert ("Apollo", "to the moon") == (project.name, project.description)
        assert (ProjectStatus.ACTIVE, Priority.MEDIUM) == (project.status, project.priority)
        assert (alice.user_id, 0, Role.OWNER, 1) == (
            project.owner_id,
            project.task_count,
            project.role,
            project.version,
        )
        members = world.core.projects.list_members(alice, project.id)
        assert [(alice.user_id, Role.OWNER)] == [(m.user_id, m.role) for m in members.items]

    def test_records_project_created(self, world: World) -> None:
        """Creating a project records ProjectCreated with its id, name and owner."""
        alice = world.user("alice")
        project = world.core.projects.create_project(alice, name="Apollo")
        event = world.events()[-1]
        assert "project.created" == event.name
        assert {"project_id": project.id, "name": "Apollo", "owner_id": alice.user_id} == (
            event.details
        )

    def test_accepts_dates_status_and_priority(self, world: World) -> None:
        """Dates, status and priority given on create are kept."""
        alice = world.user("alice")
        project = world.core.projects.create_project(
            alice,
            name="Apollo",
            start_date=dt.date(2026, 1, 5),
            end_date=dt.date(2026, 2, 1),
            status=ProjectStatus.COMPLETED,
            priority=Priority.CRITICAL,
        )
        assert (dt.date(2026, 1, 5), dt.date(2026, 2, 1)) == (
            project.start_date,
            project.end_date,
        )
        assert (ProjectStatus.COMPLETED, Priority.CRITICAL) == (project.status, project.priority)

    def test_falsy_dates_are_ignored(self, world: World) -> None:
        """Empty dates on create are no dates, as in the original."""
        alice = world.user("alice")
        project = world.core.projects.create_project(
            alice, name="Apollo", start_date=None, end_date=None
        )
        assert (None, None) == (project.start_date, project.end_date)

    @pytest.mark.parametrize(
        ("fields", "message", "field"),
        [
            ({"name": None}, "Project name is required", "name"),
            ({"name": "   "}, "Project name is required", "name"),
            ({"name": "   ", "start_date": "x", "status": "x"}, "Project name is required", "name"),
            ({"start_date": "2026/01/05", "status": "x"}, DATE_ERROR, "start_date"),
            ({"end_date": "tomorrow"}, DATE_ERROR, "end_date"),
            ({"status": "done", "priority": "x"}, STATUS_ERROR, "status"),
            ({"priority": "urgent"}, PRIORITY_ERROR, "priority"),
            ({"name": "x" * 201}, "name must be at most 200 characters", "name"),
            (
                {"start_date": "2026-02-01", "end_date": "2026-01-01"},
                "End date cannot be before start date",
                "end_date",
            ),
        ],
    )
    def test_validation_order_and_texts(
        self, world: World, fields: dict[str, str | None], message: str, field: str
    ) -> None:
        """Checks run name, dates, status, priority, then lengths and date order; nothing
        is saved when one fails."""
        alice = world.user("alice")
        before = world.event_names()
        arguments: dict[str, str | None] = {"name": "Apollo", **fields}
        with pytest.raises(errors.ValidationError) as caught:
            world.core.projects.create_project(alice, **project_arguments(arguments))
        assert (message, field) == (caught.value.message, caught.value.field)
        assert 0 == world.core.projects.list_projects(alice).total
        assert before == world.event_names()


class TestGetProject:
    def test_non_member_gets_not_found(self, world: World) -> None:
        """A user outside the project is told it does not exist, like an unknown id."""
        alice, mallory = world.user("alice"), world.user("mallory")
        project = world.project(alice)
        for project_id in (project.id, 999):
            with pytest.raises(errors.ProjectNotFound) as caught:
                world.core.projects.get_project(mallory, project_id)
            assert "Project not found" == caught.value.message

    def test_members_and_admins_see_it_with_their_role(self, world: World) -> None:
        """Members see the project with their role; an administrator sees it with none."""
        alice, bob, carol = world.user("alice"), world.user("bob"), world.user("carol")
        root = world.user("root", admin=True)
        project = world.project(alice, members=[bob], viewers=[carol])
        roles = [world.core.projects.get_project(u, project.id).role for u in (bob, carol, root)]
        assert [Role.MEMBER, Role.VIEWER, None] == roles

    def test_task_count_is_live(self, world: World) -> None:
        """The task count follows task creation and deletion."""
        alice = world.user("alice")
        project = world.project(alice)
        first = world.core.tasks.create_task(alice, project.id, title="one")
        world.core.tasks.create_task(alice, project.id, title="two")
        world.core.tasks.delete_task(alice, first.id)
        assert 1 == world.core.projects.get_project(alice, project.id).task_count


class TestListProjects:
    def test_lists_the_callers_projects_newest_first(self, world: World) -> None:
        """A user sees the projects they belong to, in any role, newest first."""
        alice, bob = world.user("alice"), world.user("bob")
        mine = world.project(alice, name="mine")
        world.clock.advance(minutes=1)
        shared = world.project(bob, name="shared", viewers=[alice])
        world.clock.advance(minutes=1)
        world.project(bob, name="not mine")
        page = world.core.projects.list_projects(alice)
        assert [shared.id, mine.id] == [p.id for p in page.items]
        assert [Role.VIEWER, Role.OWNER] == [p.role for p in page.items]
        assert (1, 20, 2, 1) == (page.page, page.per_page, page.total, page.pages)

    def test_numbered_pages(self, world: World) -> None:
        """Numbered pages cut the list and report the total."""
        alice = world.user("alice")
        ids = []
        for i in range(5):
            world.clock.advance(seconds=1)
            ids.append(world.project(alice, name=f"p{i}").id)
        page = world.core.projects.list_projects(alice, page=PageRequest(page=2, per_page=2))
        assert ([ids[2], ids[1]], 5, 3) == ([p.id for p in page.items], page.total, page.pages)

    def test_cursor_pages_walk_the_whole_list(self, world: World) -> None:
        """Following next_cursor visits every project once, in order, then stops."""
        alice = world.user("alice")
        for i in range(5):
            world.project(alice, name=f"p{i}")  # same created_at: ties broken by id
        seen: list[int] = []
        cursor: str | None = None
        while True:
            page = world.core.projects.list_projects(
                alice, page=CursorRequest(after=cursor, per_page=2)
            )
            seen.extend(p.id for p in page.items)
            cursor = page.next_cursor
            if cursor is None:
                break
        assert [5, 4, 3, 2, 1] == seen

    def test_all_projects_for_admins_only(self, world: World) -> None:
        """Administrators may list every project; others may not ask for that."""
        alice, root = world.user("alice"), world.user("root", admin=True)
        world.project(alice)
        assert 0 == world.core.projects.list_projects(root).total
        assert 1 == world.core.projects.list_projects(root, all=True).total
        with pytest.raises(errors.AdminRequired):
            world.core.projects.list_projects(alice, all=True)

    def test_status_filter(self, world: World) -> None:
        """The status filter keeps projects with that status and rejects unknown ones."""
        alice = world.user("alice")
        world.project(alice)
        done = world.core.projects.create_project(
            alice, name="done", status=ProjectStatus.COMPLETED
        )
        page = world.core.projects.list_projects(alice, status=ProjectStatus.COMPLETED)
        assert [done.id] == [p.id for p in page.items]
        with pytest.raises(errors.ValidationError) as caught:
            world.core.projects.list_projects(alice, status=project_status("closed"))
        assert STATUS_ERROR == caught.value.message

    @pytest.mark.parametrize("cursor", ["garbage", "e30", "eyJvIjoieCJ9", "!!!"])
    def test_bad_cursor_is_a_validation_error(self, world: World, cursor: str) -> None:
        """A malformed cursor, or one made for another list, names the cursor field."""
        alice = world.user("alice")
        with pytest.raises(errors.ValidationError) as caught:
            world.core.projects.list_projects(alice, page=CursorRequest(after=cursor))
        assert ("Invalid cursor", "cursor") == (caught.value.message, caught.value.field)

    def test_cursor_of_another_list_is_refused(self, world: World) -> None:
        """A members-list cursor is not accepted by the projects list."""
        alice, bob, carol = world.user("alice"), world.user("bob"), world.user("carol")
        project = world.project(alice, members=[bob, carol])
        members = world.core.projects.list_members(
            alice, project.id, page=CursorRequest(per_page=1)
        )
        assert members.next_cursor is not None
        with pytest.raises(errors.ValidationError):
            world.core.projects.list_projects(alice, page=CursorRequest(after=members.next_cursor))


class TestUpdateProject:
    def test_owner_changes_fields_and_bumps_version(self, world: World) -> None:
        """An owner's update changes the given fields, bumps updated_at and version."""
        alice = world.user("alice")
        project = world.project(alice)
        world.clock.advance(hours=1)
        updated = world.core.projects.update_project(
            alice,
            project.id,
            name=" Artemis ",
            priority=Priority.HIGH,
            start_date=dt.date(2026, 3, 1),
        )
        assert ("Artemis", Priority.HIGH, dt.date(2026, 3, 1)) == (
            updated.name,
            updated.priority,
            updated.start_date,
        )
        assert (world.clock.now(), 2) == (updated.updated_at, updated.version)
        assert project.description == updated.description

    def test_records_changes_as_json(self, world: World) -> None:
        """ProjectUpdated lists each changed field, old and new, in JSON-safe values."""
        alice = world.user("alice")
        project = world.project(alice)
        world.core.projects.update_project(
            alice,
            project.id,
            name="Artemis",
            end_date=dt.date(2026, 12, 31),
            status=ProjectStatus.ARCHIVED,
        )
        event = world.events()[-1]
        assert isinstance(event, ProjectUpdated)
        expected = {
            "project_id": project.id,
            "name": "Artemis",
            "changes": {
                "name": {"old": "Apollo", "new": "Artemis"},
                "status": {"old": "active", "new": "archived"},
                "end_date": {"old": None, "new": "2026-12-31"},
            },
        }
        assert expected == json.loads(json.dumps(event.details))
        assert expected == event.details

    def test_empty_or_null_date_clears_it(self, world: World) -> None:
        """An empty or None date on update clears the field."""
        alice = world.user("alice")
        project = world.core.projects.create_project(
            alice, name="Apollo", start_date=dt.date(2026, 1, 1), end_date=dt.date(2026, 2, 1)
        )
        updated = world.core.projects.update_project(
            alice, project.id, start_date=None, end_date=None
        )
        assert (None, None) == (updated.start_date, updated.end_date)

    @pytest.mark.parametrize(
        ("fields", "message"),
        [
            ({"name": "  ", "status": "x"}, "Project name cannot be empty"),
            ({"status": "x", "priority": "x"}, STATUS_ERROR),
            ({"priority": "x", "start_date": "x"}, PRIORITY_ERROR),
            ({"start_date": "1/2/2026"}, DATE_ERROR),
            ({"end_date": "2025-12-31"}, "End date cannot be before start date"),
            ({"description": "x" * 20_001}, "description must be at most 20000 characters"),
            ({"description": "x" * 20_001, "status": "x"}, STATUS_ERROR),
        ],
    )
    def test_validation_saves_nothing(
        self, world: World, fields: dict[str, str], message: str
    ) -> None:
        """A failed check reports the first problem in order and saves nothing."""
        alice = world.user("alice")
        project = world.core.projects.create_project(
            alice, name="Apollo", start_date=dt.date(2026, 1, 1)
        )
        with pytest.raises(errors.ValidationError) as caught:
            world.core.projects.update_project(alice, project.id, **project_arguments(fields))
        assert message == caught.value.message
        assert project == world.core.projects.get_project(alice, project.id)

    def test_only_owners_may_update(self, world: World) -> None:
        """Members and viewers get PermissionDenied; outsiders get NotFound."""
        alice, bob, carol, mallory = (world.user(n) for n in ("alice", "bob", "carol", "mallory"))
        project = world.project(alice, members=[bob], viewers=[carol])
        for user in (bob, carol):
            with pytest.raises(errors.ProjectRoleRequired) as denied:
                world.core.projects.update_project(user, project.id, name="x")
            assert "owner" == denied.value.required
        with pytest.raises(errors.ProjectNotFound):
            world.core.projects.update_project(mallory, project.id, name="x")

    def test_admin_may_update_any_project(self, world: World) -> None:
        """A system administrator may update a project they are not a member of."""
        alice, root = world.user("alice"), world.user("root", admin=True)
        project = world.project(alice)
        updated = world.core.projects.update_project(root, project.id, name="Renamed")
        assert ("Renamed", None) == (updated.name, updated.role)

    def test_expected_version_must_match(self, world: World) -> None:
        """An update with a stale expected_version is refused and saves nothing."""
        alice = world.user("alice")
        project = world.project(alice)
        world.core.projects.update_project(alice, project.id, name="B", expected_version=1)
        with pytest.raises(errors.VersionMismatch):
            world.core.projects.update_project(alice, project.id, name="C", expected_version=1)
        assert "B" == world.core.projects.get_project(alice, project.id).name


class TestDeleteProject:
    def test_deletes_tasks_and_comments_with_events(self, world: World) -> None:
        """Deleting a project deletes its tasks and their comments and records events."""
        alice, bob = world.user("alice"), world.user("bob")
        project = world.project(alice, members=[bob])
        task = world.core.tasks.create_task(bob, project.id, title="one")
        world.core.comments.add_comment(bob, task.id, content="hello")
        other = world.project(alice, name="other")
        kept = world.core.tasks.create_task(alice, other.id, title="kept")
        world.core.comments.add_comment(alice, kept.id, content="stays")
        world.core.projects.delete_project(alice, project.id)
        with pytest.raises(errors.ProjectNotFound):
            world.core.projects.get_project(alice, project.id)
        with pytest.raises(errors.TaskNotFound):
            world.core.tasks.get_task(alice, task.id)
        with world.store() as uow:
            assert [] == list(uow.comments.find(task.id, limit=10))
            assert 1 == uow.comments.count(kept.id)
        deleted = [e for e in world.events() if isinstance(e, TaskDeleted | ProjectDeleted)]
        assert [("task.deleted", task.id), ("project.deleted", project.id)] == [
            (e.name, e.entity_id) for e in deleted
        ]
        assert [task.id] == deleted[-1].details["task_ids"]

    def test_only_owners_may_delete(self, world: World) -> None:
        """A member may not delete the project; an outsider is told it does not exist."""
        alice, bob, mallory = world.user("alice"), world.user("bob"), world.user("mallory")
        project = world.project(alice, members=[bob])
        with pytest.raises(errors.ProjectRoleRequired):
            world.core.projects.delete_project(bob, project.id)
        with pytest.raises(errors.ProjectNotFound):
            world.core.projects.delete_project(mallory, project.id)
        assert project.id == world.core.projects.get_project(alice, project.id).id

    def test_expected_version_must_match(self, world: World) -> None:
        """A delete with a stale expected_version is refused."""
        alice = world.user("alice")
        project = world.project(alice)
        world.core.projects.update_project(alice, project.id, name="B")
        with pytest.raises(errors.VersionMismatch):
            world.core.projects.delete_project(alice, project.id, expected_version=1)
        world.core.projects.delete_project(alice, project.id, expected_version=2)
        assert 0 == world.core.projects.list_projects(alice).total


class TestMembership:
    def test_admin_adds_members_with_roles(self, world: World) -> None:
        """An administrator adds users with roles at once; the members list shows them in
        join order."""
        alice, bob, carol = world.user("alice"), world.user("bob"), world.user("carol")
        root = world.user("root", admin=True)
        project = world.project(alice)
        world.clock.advance(minutes=1)
        added = world.core.projects.add_member(root, project.id, user_id=bob.user_id)
        world.core.projects.add_member(root, project.id, user_id=carol.user_id, role="viewer")
        assert ("bob", "Bob", Role.MEMBER) == (added.username, added.full_name, added.role)
        members = world.core.projects.list_members(carol, project.id)
        assert [("alice", Role.OWNER), ("bob", Role.MEMBER), ("carol", Role.VIEWER)] == [
            (m.username, m.role) for m in members.items
        ]
        assert {"project_id": project.id, "user_id": bob.user_id, "role": "member"} == (
            world.events()[-2].details
        )

    def test_add_member_errors(self, world: World) -> None:
        """Bad role, unknown user and duplicate membership are refused."""
        alice, bob = world.user("alice"), world.user("bob")
        root = world.user("root", admin=True)
        project = world.project(alice, members=[bob])
        with pytest.raises(errors.ValidationError) as bad_role:
            world.core.projects.add_member(root, project.id, user_id=bob.user_id, role="boss")
        assert "Invalid role. Must be one of ['owner', 'member', 'viewer']" == (
            bad_role.value.message
        )
        with pytest.raises(errors.UserNotFound):
            world.core.projects.add_member(root, project.id, user_id=999)
        with pytest.raises(errors.MemberAlreadyExists):
            world.core.projects.add_member(root, project.id, user_id=bob.user_id)

    def test_owners_may_not_add_without_consent(self, world: World) -> None:
        """An owner who is not an administrator cannot add a user directly (they invite);
        nothing changes."""
        alice, bob = world.user("alice"), world.user("bob")
        project = world.project(alice)
        with pytest.raises(errors.ProjectRoleRequired) as denied:
            world.core.projects.add_member(alice, project.id, user_id=bob.user_id)
        assert "Only administrators add members directly; invite the user instead" == (
            denied.value.message
        )
        assert 1 == world.core.projects.list_members(alice, project.id).total

    def test_only_owners_manage_members(self, world: World) -> None:
        """Members may not add, promote or remove others."""
        alice, bob, carol = world.user("alice"), world.user("bob"), world.user("carol")
        project = world.project(alice, members=[bob])
        with pytest.raises(errors.ProjectRoleRequired):
            world.core.projects.add_member(bob, project.id, user_id=carol.user_id)
        with pytest.raises(errors.ProjectRoleRequired):
            world.core.projects.change_member_role(bob, project.id, bob.user_id, role="owner")
        with pytest.raises(errors.ProjectRoleRequired):
            world.core.projects.remove_member(bob, project.id, alice.user_id)

    def test_change_role_records_event(self, world: World) -> None:
        """Promoting a member records MemberRoleChanged with old and new roles."""
        alice, bob = world.user("alice"), world.user("bob")
        project = world.project(alice, members=[bob])
        member = world.core.projects.change_member_role(
            alice, project.id, bob.user_id, role="owner"
        )
        assert Role.OWNER == member.role
        assert {
            "project_id": project.id,
            "user_id": bob.user_id,
            "changes": {"role": {"old": "member", "new": "owner"}},
        } == world.events()[-1].details

    def test_last_owner_cannot_be_demoted_or_removed(self, world: World) -> None:
        """The only owner can neither be demoted nor removed; with two, one may go."""
        alice, bob = world.user("alice"), world.user("bob")
        project = world.project(alice, members=[bob])
        with pytest.raises(errors.LastOwner):
            world.core.projects.change_member_role(alice, project.id, alice.user_id, role="member")
        with pytest.raises(errors.LastOwner):
            world.core.projects.remove_member(alice, project.id, alice.user_id)
        world.core.projects.change_member_role(alice, project.id, bob.user_id, role="owner")
        world.core.projects.remove_member(bob, project.id, alice.user_id)
        members = world.core.projects.list_members(bob, project.id)
        assert [(bob.user_id, Role.OWNER)] == [(m.user_id, m.role) for m in members.items]

    def test_unknown_member(self, world: World) -> None:
        """Changing or removing a non-member reports MemberNotFound."""
        alice, bob = world.user("alice"), world.user("bob")
        project = world.project(alice)
        with pytest.raises(errors.MemberNotFound):
            world.core.projects.change_member_role(alice, project.id, bob.user_id, role="viewer")
        with pytest.raises(errors.MemberNotFound):
            world.core.projects.remove_member(alice, project.id, bob.user_id)

    def test_removal_unassigns_and_unwatches(self, world: World) -> None:
        """A removed member's tasks are unassigned (with events) and they stop watching."""
        alice, bob = world.user("alice"), world.user("bob")
        project = world.project(alice, members=[bob])
        task = world.core.tasks.create_task(
            alice,
            project.id,
            title="t",
            assignee_id=bob.user_id,
            watchers=[alice.user_id, bob.user_id],
        )
        world.core.projects.remove_member(alice, project.id, bob.user_id)
        after = world.core.tasks.get_task(alice, task.id)
        assert (None, (alice.user_id,), 2) == (after.assignee_id, after.watchers, after.version)
        assert ["task.assigned", "project.member_removed"] == world.event_names()[-2:]
        assert [task.id] == world.events()[-1].details["unassigned_task_ids"]
        with pytest.raises(errors.ProjectNotFound):
            world.core.projects.get_project(bob, project.id)

    def test_any_member_may_leave(self, world: World) -> None:
        """A viewer may remove themself from a project."""
        alice, carol = world.user("alice"), world.user("carol")
        project = world.project(alice, viewers=[carol])
        world.core.projects.remove_member(carol, project.id, carol.user_id)
        assert 0 == world.core.projects.list_projects(carol).total

    def test_members_list_pages(self, world: World) -> None:
        """The members list pages by number and by cursor."""
        alice = world.user("alice")
        others = [world.user(f"user{i}") for i in range(4)]
        project = world.project(alice, members=others)
        page = world.core.projects.list_members(
            alice, project.id, page=PageRequest(page=2, per_page=2)
        )
        assert (["user1", "user2"], 5) == ([m.username for m in page.items], page.total)
        first = world.core.projects.list_members(alice, project.id, page=CursorRequest(per_page=3))
        assert first.next_cursor is not None
        rest = world.core.projects.list_members(
            alice, project.id, page=CursorRequest(after=first.next_cursor, per_page=3)
        )
        assert (["user2", "user3"], None) == ([m.username for m in rest.items], rest.next_cursor)

    def test_outsiders_cannot_list_members(self, world: World) -> None:
        """A non-member is told the project does not exist."""
        alice, mallory = world.user("alice"), world.user("mallory")
        project = world.project(alice)
        with pytest.raises(errors.ProjectNotFound):
            world.core.projects.list_members(mallory, project.id)
