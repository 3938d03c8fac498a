"""Live-update cursors: their text form, delivery, gaps waited for and given up, and who
sees which event of a project."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from taskcore.domain.events import MemberInvited, TaskDeleted
from taskcore.domain.live import MAX_SEEN, Cursor, GapTracker, visible_in_project
from taskcore.domain.projects import Role
from taskcore.errors import ValidationError

NOW = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)


class TestCursorText:
    @settings(max_examples=50)
    @given(st.lists(st.integers(min_value=1, max_value=200), max_size=40))
    def test_round_trip(self, positions: list[int]) -> None:
        """Any cursor reached by delivering positions reads back from its text."""
        cursor = Cursor(0)
        for p in positions:
            cursor = cursor.add(p)
        assert cursor == Cursor.parse(cursor.text)

    @pytest.mark.parametrize(
        "text", ["", "x", "-1", "3+", "3+2", "3+a", "1" * 19, "5+" + "9" * 400]
    )
    def test_refuses_what_no_stream_sends(self, text: str) -> None:
        """Text that is not a cursor is refused, naming the field."""
        with pytest.raises(ValidationError) as caught:
            Cursor.parse(text, field="after")
        assert "after" == caught.value.field


class TestCursorDelivery:
    def test_watermark_moves_over_contiguous_positions(self) -> None:
        """Delivered positions just above the watermark raise it; others wait above."""
        cursor = Cursor(3).add(5).add(7)
        assert "3+5,7" == cursor.text
        assert [4, 6] == cursor.gaps()
        cursor = cursor.add(4)
        assert Cursor(5, frozenset({7})) == cursor
        assert cursor.has(2)
        assert cursor.has(7)
        assert not cursor.has(6)

    def test_settle_gives_up_gaps_below(self) -> None:
        """Settling moves the watermark and keeps only positions above it."""
        assert Cursor(8) == Cursor(3, frozenset({5, 8})).settle(6).add(7)

    @settings(max_examples=50)
    @given(st.sets(st.integers(min_value=2, max_value=10_000), max_size=200))
    def test_stays_short(self, positions: set[int]) -> None:
        """However scattered the deliveries, at most MAX_SEEN positions stay above the
        watermark and every delivered position counts as delivered."""
        cursor = Cursor(0)
        for p in sorted(positions, reverse=True):
            cursor = cursor.add(p)
        assert len(cursor.seen) <= MAX_SEEN
        assert all(cursor.has(p) for p in positions)


class TestGapTracker:
    def test_waits_for_a_gap_then_gives_it_up(self) -> None:
        """A missing position is waited for until its time is up, then passed over."""
        tracker = GapTracker(Cursor(0), wait=10.0)
        tracker.take([1, 3], now=100.0)
        assert [2] == tracker.cursor.gaps()
        tracker.take([], now=109.0)
        assert 1 == tracker.cursor.watermark
        tracker.take([4], now=110.0)
        assert Cursor(4) == tracker.cursor

    def test_a_late_gap_is_delivered(self) -> None:
        """A gap filled in time closes without waiting."""
        tracker = GapTracker(Cursor(0), wait=10.0)
        tracker.take([2], now=0.0)
        tracker.take([1], now=1.0)
        assert Cursor(2) == tracker.cursor


def deleted(project_id: int) -> TaskDeleted:
    return TaskDeleted(
        occurred_at=NOW,
        actor_id=1,
        entity_id=3,
        project_id=project_id,
        title="t",
        with_project=False,
    )


class TestVisibility:
    def test_only_the_projects_events(self) -> None:
        """A project's stream carries its own events, not another project's."""
        assert visible_in_project(deleted(1), 1, Role.VIEWER)
        assert not visible_in_project(deleted(2), 1, Role.OWNER)

    def test_invitations_for_owners_and_admins(self) -> None:
        """Invitations name outsiders: owners and administrators see them, others not."""
        invited = MemberInvited(
            occurred_at=NOW,
            actor_id=1,
            entity_id=4,
            project_id=1,
            invitation_id=4,
            user_id=9,
            role="member",
            invited_by=1,
            expires_at="2026-03-08T00:00:00+00:00",
        )
        assert visible_in_project(invited, 1, Role.OWNER)
        assert visible_in_project(invited, 1, None)
        assert not visible_in_project(invited, 1, Role.MEMBER)
