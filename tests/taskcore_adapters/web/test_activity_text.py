"""Activity entries in words, and relative times."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from taskcore.domain.activity import ActivityEntry, ActivityView
from taskcore.domain.recurrence import zone
from taskcore_adapters.web.activity_text import SENTENCES, relative, sentence, time_tag

NOW = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)
NAMES = {1: "maria", 2: "tom"}


def view(entity_type: str, action: str, details: dict[str, Any], user_id: int = 1) -> ActivityView:
    """An entry by Maria about entity 6."""
    entry = ActivityEntry(
        user_id=user_id,
        action=action,
        entity_type=entity_type,
        entity_id=6,
        details=details,
        created_at=NOW,
    )
    return ActivityView(entry=entry, username=NAMES.get(user_id, "Unknown"))


def test_assignment_names_who_what_and_whom() -> None:
    """ "Maria assigned *Pick a CMS* to Tom", the task linked."""
    item = view("task", "assign", {"title": "Pick a CMS", "assignee_id": 2, "project_id": 1})
    assert (
        '<strong>maria</strong> assigned <a href="/tasks/6"><em>Pick a CMS</em></a>'
        " to <strong>tom</strong>"
    ) == sentence(item, NAMES, viewer_id=2)


def test_the_viewer_is_you_and_unknown_people_someone() -> None:
    """The viewer's own entries start with "You"; a person the viewer cannot see is
    "someone"."""
    item = view("task", "assign", {"title": "T", "assignee_id": 99})
    assert sentence(item, NAMES, viewer_id=1).startswith("You assigned")
    assert sentence(item, NAMES, viewer_id=1).endswith("to someone")


def test_titles_are_escaped() -> None:
    """A title holding markup is text."""
    item = view("task", "create", {"title": "<script>x</script>"})
    assert "&lt;script&gt;x&lt;/script&gt;" in sentence(item, NAMES, viewer_id=None)


@pytest.mark.parametrize(
    ("entity_type", "action", "details", "words"),
    [
        ("task", "status_change", {"title": "T", "old": "pending", "new": "in_progress"},
         "moved"),
        ("task", "update", {"title": "New", "changes": {"title": {"old": "Old", "new": "New"}}},
         "renamed <em>Old</em> to"),
        ("task", "update", {"title": "T", "changes": {"due_date": {"old": None, "new": "x"}}},
         "changed the due date of"),
        ("comment", "add_comment", {"task_id": 3, "content_snippet": "hi"},
         'commented on <a href="/tasks/3">task 3</a>: “hi”'),
        ("time_entry", "log", {"task_id": 3, "minutes": 90}, "logged 1 h 30 min on"),
        ("project", "add_member", {"project_id": 4, "user_id": 2}, "added <strong>tom</strong>"),
        ("user", "login", {}, "logged in"),
    ],
)  # fmt: skip
def test_sentences(entity_type: str, action: str, details: dict[str, Any], words: str) -> None:
    """Each kind of entry reads as a sentence."""
    assert words in sentence(view(entity_type, action, details), NAMES, viewer_id=None)


def test_every_kind_has_a_sentence_and_unknown_ones_fall_back() -> None:
    """Every kind of event taskcore records has a sentence, which renders from empty
    details; an unknown kind still reads."""
    import taskcore.app  # noqa: F401 - registers every event class
    from taskcore.domain.event_base import registered

    assert [] == [c.name for c in registered() if (c.entity_type, c.action) not in SENTENCES]
    for entity_type, action in SENTENCES:
        assert sentence(view(entity_type, action, {}), NAMES, viewer_id=None)
    assert "<strong>maria</strong> — frobnicate gadget 6" == sentence(
        view("gadget", "frobnicate", {}), NAMES, viewer_id=None
    )


@pytest.mark.parametrize(
    ("delta", "words"),
    [
        (dt.timedelta(seconds=10), "just now"),
        (dt.timedelta(minutes=1), "1 minute ago"),
        (dt.timedelta(minutes=59), "59 minutes ago"),
        (dt.timedelta(hours=3, minutes=5), "3 hours ago"),
        (dt.timedelta(days=1, hours=2), "yesterday"),
        (dt.timedelta(days=4), "4 days ago"),
        (dt.timedelta(days=40), "on 2026-10-28"),
        (-dt.timedelta(minutes=5), "in 5 minutes"),
    ],
)
def test_relative_times(delta: dt.timedelta, words: str) -> None:
    """Relative times in words."""
    assert words == relative(NOW - delta, NOW)


def test_time_tag_carries_the_exact_time_in_the_viewer_zone() -> None:
    """The exact time in the viewer's zone is the datetime and the hover text."""
    tag = time_tag(NOW - dt.timedelta(hours=3), NOW, zone("Europe/Berlin"))
    assert (
        '<time datetime="2026-12-07T10:00:00+01:00" title="2026-12-07 10:00 (Europe/Berlin)">'
        "3 hours ago</time>"
    ) == tag


def test_updates_repeat_nothing_their_own_entries_say() -> None:
    """An update that only changed the status or assignees says nothing (the status and
    assignment entries say it); one that only reordered says so."""
    only_status = {"title": "T", "changes": {"status": {"old": "pending", "new": "completed"}}}
    assert "" == sentence(view("task", "update", only_status), NAMES, viewer_id=None)
    moved = {"title": "T", "changes": {"position": {"old": 1.0, "new": 2.0}}}
    assert "reordered" in sentence(view("task", "update", moved), NAMES, viewer_id=None)
    both = {"title": "T", "changes": {"status": {}, "due_date": {}, "position": {}}}
    assert sentence(view("task", "update", both), NAMES, viewer_id=None).endswith(
        'changed the due date of <a href="/tasks/6"><em>T</em></a>'
    )


def test_a_move_between_projects_says_so() -> None:
    """A task moved to another project is told as such, whatever else that changed."""
    changes = {"project_id": {"old": 1, "new": 2}, "position": {"old": 1.0, "new": 3.0}}
    moved = {"title": "T", "changes": changes}
    assert sentence(view("task", "update", moved), NAMES, viewer_id=None).endswith(
        'moved <a href="/tasks/6"><em>T</em></a> to another project'
    )
