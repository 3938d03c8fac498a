"""Use cases of the comments area, on the in-memory adapters."""

from __future__ import annotations

import functools

import pytest

from taskcore import errors
from taskcore.domain.comments import mentioned_names
from taskcore.domain.events import UserMentioned
from taskcore.domain.pagination import CursorRequest, PageRequest
from taskcore.services.users import Principal
from taskcore_adapters.testing import World

TASK_MISSING = "Task not found or access denied"


@pytest.fixture
def world() -> World:
    """A fresh in-memory taskcore."""
    return World.create()


@pytest.fixture
def team(world: World) -> tuple[Principal, Principal, Principal, int]:
    """An owner, a member and a viewer of one project, and a task's id in it."""
    alice, bob, carol = world.user("alice"), world.user("bob"), world.user("carol")
    project = world.project(alice, members=[bob], viewers=[carol])
    task = world.core.tasks.create_task(alice, project.id, title="t")
    return alice, bob, carol, task.id


Team = tuple[Principal, Principal, Principal, int]


class TestAddComment:
    def test_adds_trimmed_comment_with_author_name(self, world: World, team: Team) -> None:
        """A member's comment is trimmed and comes back with the author's username."""
        _, bob, _, task_id = team
        comment = world.core.comments.add_comment(bob, task_id, content="  looks good  ")
        assert ("looks good", bob.user_id, "bob", task_id, 1) == (
            comment.content,
            comment.author_id,
            comment.author_name,
            comment.task_id,
            comment.version,
        )
        assert (world.clock.now(), world.clock.now()) == (comment.created_at, comment.updated_at)

    def test_records_comment_added(self, world: World, team: Team) -> None:
        """CommentAdded carries the project, the task and the first 50 characters."""
        _, bob, _, task_id = team
        comment = world.core.comments.add_comment(bob, task_id, content="x" * 80)
        event = world.events()[-1]
        project_id = world.core.tasks.get_task(bob, task_id).project_id
        assert ("comment.added", comment.id) == (event.name, event.entity_id)
        assert {"project_id": project_id, "task_id": task_id, "content_snippet": "x" * 50} == (
            event.details
        )

    def test_task_access_is_checked_before_content(self, world: World, team: Team) -> None:
        """An unknown task or an outsider gets 'Task not found or access denied', even with
        no content."""
        _, bob, _, task_id = team
        mallory = world.user("mallory")
        for user, target in ((bob, 999), (mallory, task_id)):
            with pytest.raises(errors.TaskNotFound) as caught:
                world.core.comments.add_comment(user, target, content=None)
            assert TASK_MISSING == caught.value.message

    def test_viewers_may_not_comment(self, world: World, team: Team) -> None:
        """A viewer reads comments but may not add one."""
        _, _, carol, task_id = team
        with pytest.raises(errors.ProjectRoleRequired):
            world.core.comments.add_comment(carol, task_id, content="hi")

    @pytest.mark.parametrize("content", [None, "", "   "])
    def test_content_is_required(self, world: World, team: Team, content: str | None) -> None:
        """Missing or blank content is refused and nothing is saved."""
        _, bob, _, task_id = team
        before = world.event_names()
        with pytest.raises(errors.ValidationError) as caught:
            world.core.comments.add_comment(bob, task_id, content=content)
        assert ("Comment content is required", "content") == (
            caught.value.message,
            caught.value.field,
        )
        assert before == world.event_names()

    def test_too_long_content(self, world: World, team: Team) -> None:
        """Content longer than 20,000 characters is refused."""
        _, bob, _, task_id = team
        with pytest.raises(errors.ValidationError) as caught:
            world.core.comments.add_comment(bob, task_id, content="x" * 20_001)
        assert "content" == caught.value.field

    def test_mentions_of_members_become_events(self, world: World, team: Team) -> None:
        """Mentioned members are returned and notified; strangers and the author are not."""
        alice, bob, carol, task_id = team
        world.user("mallory")
        comment = world.core.comments.add_comment(
            bob,
            task_id,
            content="@CAROL and @alice, see this. cc @mallory @bob @nobody email@alice.com",
        )
        assert ("carol", "alice", "bob") == comment.mentions
        mentioned = [e for e in world.events() if isinstance(e, UserMentioned)]
        assert [(carol.user_id, "carol"), (alice.user_id, "alice")] == [
            (e.details["user_id"], e.details["username"]) for e in mentioned
        ]
        assert {comment.id} == {e.entity_id for e in mentioned}


class TestListComments:
    def test_oldest_first_with_pages(self, world: World, team: Team) -> None:
        """Comments are listed oldest first, by numbered page or by cursor."""
        alice, bob, carol, task_id = team
        ids = []
        for i in range(5):
            world.clock.advance(minutes=1)
            ids.append(world.core.comments.add_comment(bob, task_id, content=f"c{i}").id)
        page = world.core.comments.list_comments(carol, task_id, page=PageRequest(per_page=2))
        assert (ids[:2], 5, 3) == ([c.id for c in page.items], page.total, page.pages)
        seen: list[int] = []
        cursor: str | None = None
        while True:
            chunk = world.core.comments.list_comments(
                alice, task_id, page=CursorRequest(after=cursor, per_page=2)
            )
            seen.extend(c.id for c in chunk.items)
            cursor = chunk.next_cursor
            if cursor is None:
                break
        assert ids == seen
        assert 5 == world.core.comments.count_comments(carol, task_id)

    def test_list_resolves_mentions(self, world: World, team: Team) -> None:
        """Listed comments carry the members they mention."""
        alice, bob, _, task_id = team
        world.core.comments.add_comment(alice, task_id, content="thanks @bob")
        world.core.comments.add_comment(alice, task_id, content="no mention")
        page = world.core.comments.list_comments(bob, task_id)
        assert [("bob",), ()] == [c.mentions for c in page.items]

    def test_outsiders_get_not_found(self, world: World, team: Team) -> None:
        """A non-member cannot list or count a task's comments."""
        _, _, _, task_id = team
        mallory = world.user("mallory")
        with pytest.raises(errors.TaskNotFound) as caught:
            world.core.comments.list_comments(mallory, task_id)
        assert TASK_MISSING == caught.value.message
        with pytest.raises(errors.TaskNotFound):
            world.core.comments.count_comments(mallory, task_id)


class TestGetComment:
    def test_members_and_admins_read(self, world: World, team: Team) -> None:
        """Any member, and an administrator, may read a comment."""
        _, bob, carol, task_id = team
        root = world.user("root", admin=True)
        comment = world.core.comments.add_comment(bob, task_id, content="hi")
        assert [comment, comment] == [
            world.core.comments.get_comment(u, comment.id) for u in (carol, root)
        ]

    def test_outsiders_are_told_it_does_not_exist(self, world: World, team: Team) -> None:
        """An outsider gets 'Comment not found' for an existing comment, exactly as for an
        unknown id, when reading, editing or deleting it."""
        _, bob, _, task_id = team
        mallory = world.user("mallory")
        comment = world.core.comments.add_comment(bob, task_id, content="hi")
        comments = world.core.comments
        for comment_id in (999, comment.id):
            for attempt in (
                functools.partial(comments.get_comment, mallory, comment_id),
                functools.partial(comments.edit_comment, mallory, comment_id, content="x"),
                functools.partial(comments.delete_comment, mallory, comment_id),
            ):
                with pytest.raises(errors.CommentNotFound) as missing:
                    attempt()
                assert ("Comment not found", comment_id) == (
                    missing.value.message,
                    missing.value.comment_id,
                )
        assert "hi" == comments.get_comment(bob, comment.id).content


class TestEditComment:
    def test_author_edits(self, world: World, team: Team) -> None:
        """The author changes the text; updated_at and version move, created_at stays."""
        _, bob, _, task_id = team
        comment = world.core.comments.add_comment(bob, task_id, content="draft")
        world.clock.advance(minutes=3)
        edited = world.core.comments.edit_comment(bob, comment.id, content="  final ")
        assert ("final", comment.created_at, world.clock.now(), 2) == (
            edited.content,
            edited.created_at,
            edited.updated_at,
            edited.version,
        )
        assert edited == world.core.comments.get_comment(bob, comment.id)
        assert "comment.edited" == world.event_names()[-1]

    def test_admin_edits_any_comment(self, world: World, team: Team) -> None:
        """A system administrator may edit anyone's comment."""
        _, bob, _, task_id = team
        root = world.user("root", admin=True)
        comment = world.core.comments.add_comment(bob, task_id, content="draft")
        assert (
            "fixed" == world.core.comments.edit_comment(root, comment.id, content="fixed").content
        )

    def test_errors_in_order(self, world: World, team: Team) -> None:
        """Not found, then permission, then missing content, then empty content."""
        alice, bob, _, task_id = team
        comment = world.core.comments.add_comment(bob, task_id, content="draft")
        with pytest.raises(errors.CommentNotFound):
            world.core.comments.edit_comment(bob, 999)
        with pytest.raises(errors.PermissionDenied) as denied:
            world.core.comments.edit_comment(alice, comment.id)
        assert "You do not have permission to edit this comment" == denied.value.message
        with pytest.raises(errors.ValidationError) as missing:
            world.core.comments.edit_comment(bob, comment.id)
        assert "No content provided for update" == missing.value.message
        for blank in ("  ", None):
            with pytest.raises(errors.ValidationError) as empty:
                world.core.comments.edit_comment(bob, comment.id, content=blank)
            assert "Comment content cannot be empty" == empty.value.message

    def test_author_demoted_to_viewer_may_not_edit(self, world: World, team: Team) -> None:
        """An author who became a viewer can no longer edit their comment."""
        alice, bob, _, task_id = team
        comment = world.core.comments.add_comment(bob, task_id, content="draft")
        project_id = world.core.tasks.get_task(alice, task_id).project_id
        world.core.projects.change_member_role(alice, project_id, bob.user_id, role="viewer")
        with pytest.raises(errors.PermissionDenied):
            world.core.comments.edit_comment(bob, comment.id, content="x")

    def test_expected_version(self, world: World, team: Team) -> None:
        """A stale expected_version is refused."""
        _, bob, _, task_id = team
        comment = world.core.comments.add_comment(bob, task_id, content="draft")
        world.core.comments.edit_comment(bob, comment.id, content="v2", expected_version=1)
        with pytest.raises(errors.VersionMismatch):
            world.core.comments.edit_comment(bob, comment.id, content="v3", expected_version=1)

    def test_only_new_mentions_notify(self, world: World, team: Team) -> None:
        """Editing notifies members mentioned for the first time only."""
        alice, bob, carol, task_id = team
        comment = world.core.comments.add_comment(bob, task_id, content="@alice")
        edited = world.core.comments.edit_comment(bob, comment.id, content="@alice @carol")
        mentioned = [e.details["user_id"] for e in world.events() if isinstance(e, UserMentioned)]
        assert ([alice.user_id, carol.user_id], ("alice", "carol")) == (
            mentioned,
            edited.mentions,
        )


class TestDeleteComment:
    def test_author_owner_and_admin_may_delete(self, world: World, team: Team) -> None:
        """The author, a project owner and an administrator may each delete a comment."""
        alice, bob, _, task_id = team
        root = world.user("root", admin=True)
        for deleter in (bob, alice, root):
            comment = world.core.comments.add_comment(bob, task_id, content="bye")
            world.core.comments.delete_comment(deleter, comment.id)
            with pytest.raises(errors.CommentNotFound):
                world.core.comments.get_comment(bob, comment.id)
        assert 0 == world.core.comments.count_comments(bob, task_id)
        assert "comment.deleted" == world.event_names()[-1]

    def test_others_may_not_delete(self, world: World, team: Team) -> None:
        """Another member, a viewer and an outsider may not delete someone's comment (the
        outsider is told it does not exist)."""
        alice, bob, carol, task_id = team
        dave, mallory = world.user("dave"), world.user("mallory")
        project_id = world.core.tasks.get_task(alice, task_id).project_id
        world.join(alice, project_id, dave)
        comment = world.core.comments.add_comment(bob, task_id, content="mine")
        for user in (dave, carol):
            with pytest.raises(errors.PermissionDenied) as denied:
                world.core.comments.delete_comment(user, comment.id)
            assert "You do not have permission to delete this comment" == denied.value.message
        with pytest.raises(errors.CommentNotFound):
            world.core.comments.delete_comment(mallory, comment.id)
        with pytest.raises(errors.CommentNotFound):
            world.core.comments.delete_comment(bob, 999)
        with pytest.raises(errors.VersionMismatch):
            world.core.comments.delete_comment(bob, comment.id, expected_version=2)


class TestMentionParsing:
    @pytest.mark.parametrize(
        ("content", "expected"),
        [
            ("@alice", ("alice",)),
            ("hi @Alice, @bob.", ("alice", "bob")),
            ("@j.doe-x and @j.doe-x again", ("j.doe-x",)),
            ("mail me at x@alice.com", ()),
            ("@@alice", ()),
            ("(@carol)", ("carol",)),
        ],
    )
    def test_mentioned_names(self, content: str, expected: tuple[str, ...]) -> None:
        """Mentions are lower-cased, in order, without repeats or e-mail addresses."""
        assert expected == mentioned_names(content)
