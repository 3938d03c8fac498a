"""The python-dateutil recurrence rules: checking rules part by part, and properties of
the next occurrence (always later, never skipping an included date, wall-clock times
kept across daylight-saving changes, month ends) checked against simple oracles."""

from __future__ import annotations

import calendar
import datetime as dt
import itertools
import zoneinfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from taskcore import errors
from taskcore_adapters.rrule import DateutilRecurrenceRules

RULES = DateutilRecurrenceRules()
ZONES = [zoneinfo.ZoneInfo(name) for name in ("Europe/Paris", "America/New_York", "UTC")]
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
STEPS = 8

starts = st.builds(
    lambda day, hour, minute, where: dt.datetime.combine(day, dt.time(hour, minute), where),
    st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2028, 12, 31)),
    st.integers(0, 23),
    st.sampled_from([0, 15, 30, 45]),
    st.sampled_from(ZONES),
)


def occurrences(rule: str, start: dt.datetime, steps: int = STEPS) -> list[dt.datetime]:
    """Up to ``steps`` occurrences after ``start``, each found from the one before."""
    found: list[dt.datetime] = []
    previous = start
    for _ in range(steps):
        following = RULES.next_after(rule, start=start, after=previous)
        if following is None:
            break
        found.append(following)
        previous = following
    return found


def utc(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC)


def assert_increasing_at_wall_time(start: dt.datetime, found: list[dt.datetime]) -> None:
    """Each occurrence is later than the one before (as instants) and keeps the start's
    wall-clock time in its zone."""
    for before, after in zip([start, *found], found, strict=False):
        assert utc(before) < utc(after)
    for value in found:
        assert start.time() == value.time()
        assert start.tzinfo is value.tzinfo


class TestCheck:
    @pytest.mark.parametrize(
        ("rule", "part"),
        [
            ("FREQ=SECONDLY", "FREQ"),
            ("FREQ=DAILY;BYSECOND=1,2", "BYSECOND"),
            ("FREQ=WEEKLY;BYDAY=MO,9XX", "BYDAY"),
            ("FREQ=MONTHLY;BYMONTHDAY=32", "BYMONTHDAY"),
            ("FREQ=YEARLY;BYMONTH=13", "BYMONTH"),
            ("FREQ=DAILY;INTERVAL=-1", "INTERVAL"),
            ("FREQ=DAILY;WKST=XX", "WKST"),
            ("FREQ=DAILY;FREQ=WEEKLY", "FREQ"),
            ("FREQ=DAILY;UNTIL=20261399", "UNTIL"),
            ("FREQ", "'FREQ'"),
        ],
    )
    def test_errors_name_the_part(self, rule: str, part: str) -> None:
        """Each bad rule is refused with a message naming its bad part (field rule)."""
        with pytest.raises(errors.ValidationError) as caught:
            RULES.check(rule)
        assert "rule" == caught.value.field
        assert part in caught.value.message

    def test_canonical_form(self) -> None:
        """Parts are upper-cased and ordered; a leading RRULE: is dropped."""
        assert "FREQ=MONTHLY;INTERVAL=2;BYDAY=-1FR" == RULES.check(
            "RRULE:byday=-1fr;interval=2;freq=monthly"
        )


class TestNextOccurrence:
    @settings(max_examples=40)
    @given(start=starts, interval=st.integers(1, 3))
    def test_daily_never_skips_a_day(self, start: dt.datetime, interval: int) -> None:
        """DAILY;INTERVAL=n gives every n-th day, at the same wall time, in order."""
        found = occurrences(f"FREQ=DAILY;INTERVAL={interval}", start)
        assert [start.date() + dt.timedelta(days=interval * k) for k in range(1, STEPS + 1)] == [
            value.date() for value in found
        ]
        assert_increasing_at_wall_time(start, found)

    @settings(max_examples=40)
    @given(start=starts, days=st.sets(st.sampled_from(WEEKDAYS), min_size=1))
    def test_weekly_by_day_takes_every_included_day(
        self, start: dt.datetime, days: set[str]
    ) -> None:
        """WEEKLY;BYDAY=... gives exactly the days of those weekdays after the start."""
        rule = RULES.check(f"FREQ=WEEKLY;BYDAY={','.join(sorted(days))}")
        wanted = {WEEKDAYS.index(day) for day in days}
        expected: list[dt.date] = []
        day = start.date()
        while len(expected) < STEPS:
            day += dt.timedelta(days=1)
            if day.weekday() in wanted:
                expected.append(day)
        found = occurrences(rule, start)
        assert expected == [value.date() for value in found]
        assert_increasing_at_wall_time(start, found)

    @settings(max_examples=40)
    @given(start=starts)
    def test_monthly_skips_months_without_the_day(self, start: dt.datetime) -> None:
        """MONTHLY from day d gives day d of each following month that has one (Jan 31:
        Mar 31, May 31, ...)."""
        expected: list[dt.date] = []
        year, month = start.year, start.month
        while len(expected) < STEPS:
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
            if start.day <= calendar.monthrange(year, month)[1]:
                expected.append(dt.date(year, month, start.day))
        found = occurrences("FREQ=MONTHLY", start)
        assert expected == [value.date() for value in found]
        assert_increasing_at_wall_time(start, found)

    def test_january_31(self) -> None:
        """The month-end case spelled out."""
        start = dt.datetime(2026, 1, 31, 9, tzinfo=ZONES[0])
        assert [dt.date(2026, 3, 31), dt.date(2026, 5, 31), dt.date(2026, 7, 31)] == [
            value.date() for value in occurrences("FREQ=MONTHLY", start, 3)
        ]

    @pytest.mark.parametrize("where", ZONES[:2], ids=["Paris", "New_York"])
    def test_daylight_saving_keeps_wall_time(self, where: zoneinfo.ZoneInfo) -> None:
        """Across both changes of 2026 a daily 09:00 stays 09:00 local; the UTC gap is
        23 or 25 hours on the change days."""
        gaps = set()
        for month in (3, 10):
            start = dt.datetime(2026, month, 5, 9, tzinfo=where)
            found = occurrences("FREQ=DAILY", start, 30)
            gaps |= {utc(b) - utc(a) for a, b in itertools.pairwise(found)}
            assert {dt.time(9, 0)} == {value.time() for value in found}
        assert {dt.timedelta(hours=h) for h in (23, 24, 25)} == gaps

    @settings(max_examples=30)
    @given(start=starts, count=st.integers(1, 6))
    def test_count_ends_the_series(self, start: dt.datetime, count: int) -> None:
        """COUNT=n counts the start: n - 1 occurrences follow it."""
        assert count - 1 == len(occurrences(f"FREQ=DAILY;COUNT={count}", start, 10))

    @settings(max_examples=30)
    @given(start=starts, days=st.integers(0, 6))
    def test_until_date_includes_that_day(self, start: dt.datetime, days: int) -> None:
        """UNTIL as a date ends the series after that local day, including it."""
        last = start.date() + dt.timedelta(days=days)
        found = occurrences(f"FREQ=DAILY;UNTIL={last:%Y%m%d}", start, 10)
        assert [start.date() + dt.timedelta(days=k) for k in range(1, days + 1)] == [
            value.date() for value in found
        ]
