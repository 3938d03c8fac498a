"""Use cases of live updates, on the in-memory adapters: who may follow a project, and
what a resuming subscriber is given."""

from __future__ import annotations

import pytest

from taskcore import errors
from taskcore.domain.live import Cursor
from taskcore.services import live as live_module
from taskcore.services.live import LiveService
from taskcore.services.users import Principal
from taskcore_adapters.testing import World


@pytest.fixture
def world() -> World:
    """A fresh in-memory taskcore."""
    return World.create()


@pytest.fixture
def service(world: World) -> LiveService:
    return LiveService(transactions=world.core.transactions)


Team = tuple[Principal, Principal, Principal, int, int]


@pytest.fixture
def team(world: World) -> Team:
    """Alice owns a project Bob views; Carol owns another project."""
    alice, bob, carol = world.user("alice"), world.user("bob"), world.user("carol")
    mine = world.project(alice, viewers=[bob])
    theirs = world.project(carol)
    return alice, bob, carol, mine.id, theirs.id


class TestProjectRole:
    def test_members_only(self, service: LiveService, team: Team) -> None:
        """Members get their role; an outsider is told the project does not exist."""
        alice, bob, carol, mine, _ = team
        assert "owner" == service.project_role(alice, mine)
        assert "viewer" == service.project_role(bob, mine)
        with pytest.raises(errors.ProjectNotFound):
            service.project_role(carol, mine)


class TestProjectBacklog:
    def test_what_was_missed_in_this_project_only(
        self, world: World, service: LiveService, team: Team
    ) -> None:
        """From a cursor, the project's later events come back in order with the cursor
        after each; the other project's events only move the cursor."""
        alice, bob, carol, mine, theirs = team
        start = Cursor(service.heads()[0])
        first = world.core.tasks.create_task(alice, mine, title="one")
        world.core.tasks.create_task(carol, theirs, title="elsewhere")
        second = world.core.tasks.create_task(alice, mine, title="two")
        head = service.heads()[0]
        backlog = service.project_backlog(bob, mine, start, upto=head)
        assert [first.id, second.id] == [e.event.entity_id for e, _ in backlog.items if e.event]
        assert Cursor(head) == backlog.cursor
        cursors = [c for _, c in backlog.items]
        assert cursors[0].watermark < cursors[1].watermark
        again = service.project_backlog(bob, mine, cursors[0], upto=head)
        assert [second.id] == [e.event.entity_id for e, _ in again.items if e.event]

    def test_too_far_behind_starts_from_the_present(
        self, world: World, service: LiveService, team: Team, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Further behind than the limit, nothing is replayed and the cursor jumps to the
        present."""
        alice, bob, _, mine, _ = team
        monkeypatch.setattr(live_module, "MAX_BACKLOG", 1)
        for n in range(3):
            world.core.tasks.create_task(alice, mine, title=f"t{n}")
        head = service.heads()[0]
        backlog = service.project_backlog(bob, mine, Cursor(0), upto=head)
        assert (False, (), Cursor(head)) == (backlog.complete, tuple(backlog.items), backlog.cursor)

    def test_outsiders_get_nothing(self, service: LiveService, team: Team) -> None:
        """The backlog checks access first."""
        _, _, carol, mine, _ = team
        with pytest.raises(errors.ProjectNotFound):
            service.project_backlog(carol, mine, Cursor(0), upto=10)
