"""A project export's document and CSV cells: formulas neutralised, and the comparison
that ignores ids and times."""

from __future__ import annotations

import pytest

from taskcore.domain.transfer import comparable, csv_value


class TestCsvValue:
    @pytest.mark.parametrize(
        ("value", "cell"),
        [
            ("=1+1", "'=1+1"),
            ("+1", "'+1"),
            ("-x", "'-x"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("plain", "plain"),
            (None, ""),
            (["a", "b"], "a, b"),
            (-1.5, "-1.5"),
        ],
    )
    def test_cells(self, value: object, cell: str) -> None:
        """Texts a spreadsheet would run get a quote; numbers and lists do not."""
        assert cell == csv_value(value)


class TestComparable:
    def test_ids_and_times_do_not_count(self) -> None:
        """Two documents that differ only in ids and times compare equal; references
        between tasks compare by position; content differences remain."""

        def doc(base: int, title: str) -> dict[str, object]:
            return {
                "format": "taskcore.project",
                "version": 1,
                "exported_at": f"t{base}",
                "project": {"id": base, "name": "P", "created_at": f"t{base}"},
                "members": [{"username": "a", "role": "owner", "added_at": f"t{base}"}],
                "labels": [],
                "tasks": [
                    {"id": base + 1, "parent_id": None, "title": title, "comments": []},
                    {"id": base + 2, "parent_id": base + 1, "title": "c", "comments": []},
                ],
            }

        assert comparable(doc(10, "x")) == comparable(doc(500, "x"))
        assert comparable(doc(10, "x")) != comparable(doc(10, "y"))
