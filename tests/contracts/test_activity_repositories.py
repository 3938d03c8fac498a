"""The repository contract of the activity log and its daily summaries, on every adapter."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import attrs
import pytest

from taskcore.domain.activity import ActivityCriteria, ActivityEntry, DayCount, NameCount
from taskcore.domain.users import User
from taskcore.ports.uow import UnitOfWork, UnitOfWorkFactory

NOW = dt.datetime(2026, 3, 10, 9, 30, 15, 123456, tzinfo=dt.UTC)


@pytest.fixture
def alice(uow_factory: UnitOfWorkFactory) -> int:
    """The id of a stored user named alice."""
    with uow_factory() as uow:
        user = uow.users.add(
            User(
                username="alice",
                email="alice@example.com",
                password_hash="hash",
                full_name=None,
                created_at=NOW,
            )
        )
        uow.commit()
    return user.key


def entry(n: int = 0, **changes: Any) -> ActivityEntry:
    base = ActivityEntry(
        user_id=None,
        action="create",
        entity_type="task",
        entity_id=n,
        details={"title": f"Task {n}", "changes": {"status": {"old": "a", "new": "b"}}},
        ip_address="203.0.113.7",
        user_agent="curl/8",
        session_id=None,
        service_name="taskcore",
        created_at=NOW - dt.timedelta(minutes=n),
    )
    return attrs.evolve(base, **changes)


def add(uow_factory: UnitOfWorkFactory, *entries: ActivityEntry) -> list[ActivityEntry]:
    with uow_factory() as uow:
        stored = [uow.activity.add(e) for e in entries]
        uow.commit()
    return stored


def ids(uow: UnitOfWork, criteria: ActivityCriteria, **kw: int) -> list[int]:
    return [
        v.id
        for v in uow.activity.find(
            criteria, limit=kw.get("limit", 100), **{k: v for k, v in kw.items() if k != "limit"}
        )
    ]


class TestEntries:
    def test_round_trip(self, uow_factory: UnitOfWorkFactory, alice: int) -> None:
        """A stored entry reads back with every field, its id and its user's name."""
        stored = add(uow_factory, entry(3, user_id=alice, session_id="s-1"))[0]
        with uow_factory() as uow:
            found = uow.activity.find(ActivityCriteria(), limit=10)
        assert 1 == len(found)
        assert stored == found[0].entry
        assert "alice" == found[0].username
        assert stored.id is not None

    def test_usernames_system_and_unknown(self, uow_factory: UnitOfWorkFactory, alice: int) -> None:
        """An entry without a user lists ``System``; one naming a missing user ``Unknown``."""
        add(uow_factory, entry(1, user_id=None), entry(2, user_id=alice + 50))
        with uow_factory() as uow:
            names = [v.username for v in uow.activity.find(ActivityCriteria(), limit=10)]
        assert ["System", "Unknown"] == names

    def test_null_details_stay_null(self, uow_factory: UnitOfWorkFactory) -> None:
        """``None`` details are stored as null, not as the JSON text ``null``."""
        add(uow_factory, entry(1, details=None))
        with uow_factory() as uow:
            assert uow.activity.find(ActivityCriteria(), limit=1)[0].entry.details is None

    def test_newest_first_with_ties_by_id(self, uow_factory: UnitOfWorkFactory) -> None:
        """Lists are newest first; entries created at the same instant, highest id first."""
        stored = add(uow_factory, entry(5), entry(1), entry(1), entry(9))
        with uow_factory() as uow:
            found = ids(uow, ActivityCriteria())
        assert [stored[2].id, stored[1].id, stored[0].id, stored[3].id] == found

    def test_filters_and_counts(self, uow_factory: UnitOfWorkFactory, alice: int) -> None:
        """Each filter narrows the list and the count alike; date bounds are inclusive."""
        stored = add(
            uow_factory,
            entry(0, user_id=alice),
            entry(1, action="delete"),
            entry(2, entity_type="comment", entity_id=7),
            entry(3, entity_id=7),
        )
        cases = {
            ActivityCriteria(user_id=alice): [stored[0].id],
            ActivityCriteria(action="delete"): [stored[1].id],
            ActivityCriteria(entity_type="comment", entity_id=7): [stored[2].id],
            ActivityCriteria(entity_id=7): [stored[2].id, stored[3].id],
            ActivityCriteria(
                start=NOW - dt.timedelta(minutes=2), end=NOW - dt.timedelta(minutes=1)
            ): [stored[1].id, stored[2].id],
        }
        with uow_factory() as uow:
            for criteria, expected in cases.items():
                assert (expected, len(expected)) == (
                    ids(uow, criteria),
                    uow.activity.count(criteria),
                )

    def test_pages(self, uow_factory: UnitOfWorkFactory) -> None:
        """``offset`` and ``limit`` cut consecutive pages of the ordered list."""
        stored = add(uow_factory, *(entry(n) for n in range(5)))
        with uow_factory() as uow:
            assert [stored[2].id, stored[3].id] == ids(uow, ActivityCriteria(), offset=2, limit=2)

    def test_add_many_stores_every_entry_in_order(self, uow_factory: UnitOfWorkFactory) -> None:
        """Entries added at once are all stored, with ids in the order given."""
        batch = [entry(n, action=f"action_{n}") for n in range(4)]
        with uow_factory() as uow:
            uow.activity.add_many(batch)
            uow.activity.add_many([])
            uow.commit()
        with uow_factory() as uow:
            views = uow.activity.find(ActivityCriteria(), limit=10)
        by_id = sorted(views, key=lambda v: v.id)
        assert ["action_0", "action_1", "action_2", "action_3"] == [v.entry.action for v in by_id]

    def test_rolled_back_entries_are_gone(self, uow_factory: UnitOfWorkFactory) -> None:
        """Entries added in a transaction that does not commit are not stored."""
        with uow_factory() as uow:
            uow.activity.add(entry(1))
        with uow_factory() as uow:
            assert 0 == uow.activity.count(ActivityCriteria())


class TestAggregates:
    def test_totals_and_top_lists(self, uow_factory: UnitOfWorkFactory, alice: int) -> None:
        """Totals count entries and distinct users in the period; top lists rank by count,
        ties by name, and stop at ``top``."""
        add(
            uow_factory,
            entry(1, user_id=alice, action="update"),
            entry(2, user_id=alice, action="update"),
            entry(3, user_id=alice + 1, action="delete", entity_type="comment"),
            entry(4, action="archive", entity_type="project"),
            entry(5, action="create"),
            entry(60 * 24 * 3, action="ancient"),
        )
        with uow_factory() as uow:
            totals = uow.activity.totals(NOW - dt.timedelta(days=1), top=3)
        assert (5, 2) == (totals.total, totals.unique_users)
        assert [
            NameCount(name="update", count=2),
            NameCount(name="archive", count=1),
            NameCount(name="create", count=1),
        ] == totals.top_actions
        assert [
            NameCount(name="task", count=3),
            NameCount(name="comment", count=1),
            NameCount(name="project", count=1),
        ] == totals.top_entity_types

    def test_totals_with_an_end(self, uow_factory: UnitOfWorkFactory) -> None:
        """``end`` excludes entries created at or after it."""
        add(uow_factory, entry(0), entry(10), entry(20))
        with uow_factory() as uow:
            totals = uow.activity.totals(
                NOW - dt.timedelta(minutes=20), NOW - dt.timedelta(minutes=5), top=10
            )
        assert 2 == totals.total

    def test_empty_totals(self, uow_factory: UnitOfWorkFactory) -> None:
        """With no entries everything is zero or empty."""
        with uow_factory() as uow:
            totals = uow.activity.totals(NOW - dt.timedelta(days=1), top=10)
        assert (0, 0, [], []) == (
            totals.total,
            totals.unique_users,
            totals.top_actions,
            totals.top_entity_types,
        )

    def test_daily_counts_by_utc_day(self, uow_factory: UnitOfWorkFactory) -> None:
        """Entries are counted per UTC day, oldest day first, days without entries left
        out; an instant given in another zone counts on its UTC day."""
        plus_two = dt.timezone(dt.timedelta(hours=2))
        add(
            uow_factory,
            entry(0, created_at=dt.datetime(2026, 3, 10, 0, 30, tzinfo=dt.UTC)),
            entry(1, created_at=dt.datetime(2026, 3, 10, 23, 59, tzinfo=dt.UTC)),
            entry(2, created_at=dt.datetime(2026, 3, 10, 1, 0, tzinfo=plus_two)),
            entry(3, created_at=dt.datetime(2026, 3, 7, 12, 0, tzinfo=dt.UTC)),
            entry(4, created_at=dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)),
        )
        with uow_factory() as uow:
            days = uow.activity.daily_counts(dt.datetime(2026, 3, 4, tzinfo=dt.UTC))
        assert [
            DayCount(date=dt.date(2026, 3, 7), count=1),
            DayCount(date=dt.date(2026, 3, 9), count=1),
            DayCount(date=dt.date(2026, 3, 10), count=2),
        ] == list(days)


class TestDeletion:
    def test_deletes_the_oldest_in_batches(self, uow_factory: UnitOfWorkFactory) -> None:
        """Only entries before the cutoff go, oldest first, at most ``limit`` per call."""
        stored = add(uow_factory, *(entry(n) for n in range(6)))
        cutoff = NOW - dt.timedelta(minutes=1, seconds=30)  # keeps entries 0 and 1
        with uow_factory() as uow:
            first = uow.activity.delete_older_than(cutoff, limit=3)
            uow.commit()
        with uow_factory() as uow:
            remaining = ids(uow, ActivityCriteria())
        assert (3, [stored[0].id, stored[1].id, stored[2].id]) == (first, remaining)
        with uow_factory() as uow:
            second = uow.activity.delete_older_than(cutoff, limit=3)
            third = uow.activity.delete_older_than(cutoff, limit=3)
            uow.commit()
        assert (1, 0) == (second, third)


class TestSummaries:
    def test_upsert_keeps_one_per_date(self, uow_factory: UnitOfWorkFactory) -> None:
        """Saving a date again updates its summary (same id and created_at), never adds one."""
        day = dt.date(2026, 3, 9)
        with uow_factory() as uow:
            first = uow.activity.save_summary(
                date=day,
                total_activities=3,
                unique_users=1,
                top_actions=[NameCount(name="create", count=3)],
                now=NOW,
            )
            uow.commit()
        later = NOW + dt.timedelta(hours=1)
        with uow_factory() as uow:
            second = uow.activity.save_summary(
                date=day,
                total_activities=5,
                unique_users=2,
                top_actions=[NameCount(name="update", count=4), NameCount(name="x", count=1)],
                now=later,
            )
            uow.commit()
        with uow_factory() as uow:
            listed = uow.activity.summaries(day, day)
        assert [second] == list(listed)
        assert (first.id, NOW, later, 5) == (
            second.id,
            second.created_at,
            second.updated_at,
            second.total_activities,
        )
        assert [NameCount(name="update", count=4), NameCount(name="x", count=1)] == (
            second.top_actions
        )

    def test_range_newest_first(self, uow_factory: UnitOfWorkFactory) -> None:
        """Summaries of the dates in the inclusive range come newest first."""
        with uow_factory() as uow:
            for day in range(1, 6):
                uow.activity.save_summary(
                    date=dt.date(2026, 3, day),
                    total_activities=day,
                    unique_users=0,
                    top_actions=[],
                    now=NOW,
                )
            uow.commit()
        with uow_factory() as uow:
            dates = [
                s.date.day for s in uow.activity.summaries(dt.date(2026, 3, 2), dt.date(2026, 3, 4))
            ]
        assert [4, 3, 2] == dates

    def test_concurrent_upserts_of_one_date(self, uow_factory: UnitOfWorkFactory) -> None:
        """Transactions saving the same date at once all succeed and leave one summary."""
        day = dt.date(2026, 3, 9)
        errors: list[BaseException] = []

        def save(n: int) -> None:
            try:
                with uow_factory() as uow:
                    uow.activity.save_summary(
                        date=day, total_activities=n, unique_users=0, top_actions=[], now=NOW
                    )
                    uow.commit()
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=save, args=(n,)) for n in range(1, 6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        with uow_factory() as uow:
            listed = uow.activity.summaries(day, day)
        assert ([], 1) == (errors, len(listed))
        assert listed[0].total_activities in range(1, 6)
