"""Reading import rows: the mapping a header suggests, each field's words and checks,
and the preview's counts."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from taskcore.domain.import_mapping import (
    MAX_CELL,
    guess_mapping,
    preview,
    read_row,
)
from taskcore.domain.projects import Priority
from taskcore.domain.tasks import TaskStatus

MAPPING = {"title": "T", "status": "S", "priority": "P", "assignees": "A", "labels": "L"}
MEMBERS = {"bob": 2, "alice": 1}


class TestGuessMapping:
    def test_usual_names_of_other_trackers(self) -> None:
        """Jira's and Trello's column names find their fields; unknown columns are left."""
        header = ["Issue key", "Summary", "Status", "Priority", "Assignee", "Labels", "Sprint"]
        assert {
            "external_id": "Issue key",
            "title": "Summary",
            "status": "Status",
            "priority": "Priority",
            "assignees": "Assignee",
            "labels": "Labels",
        } == guess_mapping(header)


class TestReadRow:
    def test_words_of_other_trackers_map(self) -> None:
        """Statuses and priorities in other trackers' words map onto ours; people by
        username (any case, with or without @); labels split on commas and semicolons."""
        read = read_row(
            7,
            {"T": " Ship it ", "S": "In Progress", "P": "Blocker", "A": "@Bob; ALICE", "L": "a;b"},
            MAPPING,
            MEMBERS,
        )
        assert read.task is not None
        task = read.task
        assert ("Ship it", TaskStatus.IN_PROGRESS, Priority.CRITICAL, (2, 1), ("a", "b")) == (
            task.title,
            task.status,
            task.priority,
            task.assignees,
            task.labels,
        )
        assert "line:7" == task.external_id

    @pytest.mark.parametrize(
        ("cells", "field", "words"),
        [
            ({"T": "=1+2"}, "title", "formula"),
            ({"T": "@SUM(A1)"}, "title", "formula"),
            ({"T": "x" * (MAX_CELL + 1)}, "title", "longer"),
            ({"T": "ok", "S": "someday"}, "status", "unknown status"),
            ({"T": "ok", "P": "meh"}, "priority", "unknown priority"),
            ({"T": "ok", "A": "carol"}, "assignees", "not a member"),
            ({"T": ""}, "title", "empty"),
        ],
    )
    def test_problems_name_line_field_and_reason(
        self, cells: dict[str, str], field: str, words: str
    ) -> None:
        """A value that cannot be mapped keeps the row out, with the reason."""
        read = read_row(3, cells, MAPPING, MEMBERS)
        assert read.task is None
        assert any(p.line == 3 and p.field == field and words in p.reason for p in read.problems)

    def test_negative_numbers_and_dashes_are_not_formulas(self) -> None:
        """A title starting with a minus and a digit, or a dash and a space, is text."""
        for title in ("-1 day", "- item"):
            read = read_row(2, {"T": title}, MAPPING, MEMBERS)
            assert read.task is not None

    @settings(max_examples=50)
    @given(st.dictionaries(st.sampled_from(["T", "S", "P", "A", "L"]), st.text(max_size=30)))
    def test_never_raises(self, cells: dict[str, str]) -> None:
        """Any cells give a task or problems, never an error."""
        read = read_row(2, cells, MAPPING, MEMBERS)
        assert (read.task is None) == bool(read.problems)


class TestPreview:
    def test_counts_and_unmapped_columns(self) -> None:
        """The preview counts rows, good and bad, and names the columns left out."""
        reads = [
            read_row(2, {"T": "a"}, MAPPING, MEMBERS),
            read_row(3, {"T": "=x"}, MAPPING, MEMBERS),
        ]
        found = preview(["T", "S", "Extra"], reads, {"title": "T", "status": "S"})
        assert (2, 1, 1, 1, ("Extra",)) == (
            found.total,
            found.valid,
            found.invalid,
            found.problem_count,
            found.unmapped_columns,
        )


class TestComments:
    def test_comments_by_members_and_problems_for_others(self) -> None:
        """An export's comments keep their member authors; one by an outsider, or text
        that is not a list of comments, is the row's problem."""
        mapping = {"title": "T", "comments": "C"}
        good = read_row(
            2, {"T": "a", "C": '[{"author": "Bob", "content": "hi"}]'}, mapping, MEMBERS
        )
        assert good.task is not None
        assert ((2, "hi"),) == good.task.comments
        for cells in ('[{"author": "zed", "content": "x"}]', "not json", '{"a": 1}'):
            bad = read_row(3, {"T": "a", "C": cells}, mapping, MEMBERS)
            assert bad.task is None
            assert "comments" == bad.problems[0].field
