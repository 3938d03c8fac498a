"""Finding comments by their text in one project (``comments.find_comments``)."""

from __future__ import annotations

import pytest

from taskcore import errors
from taskcore.services.users import Principal
from taskcore_adapters.testing import World


@pytest.fixture
def world() -> World:
    return World.create()


def test_members_and_viewers_find_their_projects_comments(world: World) -> None:
    """A viewer finds the project's matching comments, newest first, with the task's
    title and the mentions resolved; the limit caps them."""
    alice, bob, carol = world.user("alice"), world.user("bob"), world.user("carol")
    project = world.project(alice, members=[bob], viewers=[carol]).id
    task = world.core.tasks.create_task(alice, project, title="Pick a CMS").id
    comments = world.core.comments
    comments.add_comment(alice, task, content="Hugo? @bob")
    comments.add_comment(bob, task, content="hugo is fine")
    comments.add_comment(bob, task, content="Zola")
    found = comments.find_comments(carol, project, "HUGO")
    assert [("hugo is fine", "Pick a CMS", ()), ("Hugo? @bob", "Pick a CMS", ("bob",))] == [
        (m.comment.content, m.task_title, m.comment.mentions) for m in found
    ]
    assert ["hugo is fine"] == [
        m.comment.content for m in comments.find_comments(carol, project, "hugo", limit=1)
    ]


def test_outsiders_find_nothing_and_learn_nothing(world: World) -> None:
    """Someone outside the project gets 404 whether or not it exists; an administrator
    may search any project."""
    alice, eve = world.user("alice"), world.user("eve")
    root = world.user("root", admin=True)
    project = world.project(alice).id
    task = world.core.tasks.create_task(alice, project, title="t").id
    world.core.comments.add_comment(alice, task, content="the secret plan")
    for project_id in (project, 999):
        with pytest.raises(errors.ProjectNotFound):
            world.core.comments.find_comments(eve, project_id, "secret")
    assert 1 == len(world.core.comments.find_comments(root, project, "secret"))


@pytest.mark.parametrize(
    ("text", "limit", "field"),
    [("  ", 10, "search"), ("x" * 201, 10, "search"), ("x", 0, "limit"), ("x", 101, "limit")],
)
def test_bad_input_names_the_field(world: World, text: str, limit: int, field: str) -> None:
    alice: Principal = world.user("alice")
    project = world.project(alice).id
    with pytest.raises(errors.ValidationError) as exc:
        world.core.comments.find_comments(alice, project, text, limit=limit)
    assert field == exc.value.field
