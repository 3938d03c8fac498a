"""Calendar feeds (secret URLs and what they serve), on the in-memory adapters."""

from __future__ import annotations

import datetime as dt

import pytest

from taskcore import errors
from taskcore.domain.calendar_feeds import digest
from taskcore_adapters.testing import World


class TestCalendarFeeds:
    def test_secret_is_stored_hashed_and_regenerating_replaces_it(self) -> None:
        """Only the digest is stored; a regenerated secret retires the old one."""
        world = World.create()
        alice = world.user("alice")
        feeds = world.core.time
        assert feeds.calendar_feed(alice) is None
        first = feeds.create_calendar_feed(alice)
        assert (False, digest(first.secret)) == (first.regenerated, first.feed.secret_digest)
        assert first.secret not in repr(world.store.snapshot().calendar_feeds)
        assert alice.user_id == feeds.calendar(first.secret).user_id
        second = feeds.create_calendar_feed(alice)
        assert second.regenerated
        with pytest.raises(errors.NotFound):
            feeds.calendar(first.secret)
        assert "alice" == feeds.calendar(second.secret).username
        feeds.delete_calendar_feed(alice)
        with pytest.raises(errors.NotFound):
            feeds.calendar(second.secret)
        with pytest.raises(errors.NotFound):
            feeds.delete_calendar_feed(alice)
        assert [
            "calendar_feed.created",
            "calendar_feed.created",
            "calendar_feed.deleted",
        ] == [n for n in world.event_names() if n.startswith("calendar_feed")]

    def test_lists_assigned_and_watched_tasks_with_due_dates(self) -> None:
        """Assigned or watched tasks with due dates are served; others are not."""
        world = World.create()
        alice, bob = world.user("alice"), world.user("bob")
        project = world.project(alice, members=[bob])
        tasks = world.core.tasks
        due = world.clock.now() + dt.timedelta(days=2)
        mine = tasks.create_task(
            alice, project.id, title="mine", assignee_id=alice.user_id, due_date=due
        )
        watched = tasks.create_task(bob, project.id, title="watched", due_date=due)
        tasks.set_watching(alice, watched.id, watching=True)
        tasks.create_task(alice, project.id, title="no due date", assignee_id=alice.user_id)
        tasks.create_task(bob, project.id, title="bob's", assignee_id=bob.user_id, due_date=due)
        secret = world.core.time.create_calendar_feed(alice).secret
        view = world.core.time.calendar(secret)
        assert {mine.id, watched.id} == {t.id for t in view.tasks}
        assert "UTC" == view.timezone
        for bad in ("", "x" * 101, "nope"):
            with pytest.raises(errors.NotFound):
                world.core.time.calendar(bad)
