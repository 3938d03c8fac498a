"""How values are written on the wire."""

from __future__ import annotations

import datetime as dt

import pytest

from taskcore_adapters.http.rendering import iso


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=dt.UTC), "2024-05-06T07:08:09"),
        (dt.datetime(2024, 5, 6, 7, 8, 9, 120, tzinfo=dt.UTC), "2024-05-06T07:08:09.000120"),
        (
            dt.datetime(2024, 5, 6, 1, 8, 9, tzinfo=dt.timezone(dt.timedelta(hours=-6))),
            "2024-05-06T07:08:09",
        ),
        (None, None),
    ],
)
def test_iso_is_naive_utc(value: dt.datetime | None, written: str | None) -> None:
    assert written == iso(value)
