"""Importing tasks from rows of a file: which column feeds which field, reading each row
into a task or into the problems that keep it out, and the preview of a dry run.

Nothing a row holds is dropped silently: a value that cannot be mapped (an unknown status,
a person who is not a member, a date that is not one) is a problem naming the row's line,
the field and the reason, and the row is not imported. Cells a spreadsheet would run as a
formula, and cells too long for any field, are problems too.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Final

import attrs

from taskcore.domain.comments import CONTENT_MAX
from taskcore.domain.projects import Priority
from taskcore.domain.task_fields import (
    TITLE_MAX,
    normalize_labels,
    parse_due_date,
    parse_hours,
)
from taskcore.domain.tasks import TaskStatus
from taskcore.errors import ValidationError


class ImportField(enum.StrEnum):
    """The fields a column may feed."""

    EXTERNAL_ID = "external_id"
    TITLE = "title"
    DESCRIPTION = "description"
    STATUS = "status"
    PRIORITY = "priority"
    DUE_DATE = "due_date"
    ESTIMATED_HOURS = "estimated_hours"
    ASSIGNEES = "assignees"
    LABELS = "labels"
    WATCHERS = "watchers"
    PARENT = "parent"
    COMMENTS = "comments"
    """A JSON list of ``{"author": username, "content": text}`` (a taskcore export's)."""


MAX_CELL: Final = 65_536
"""The longest cell read (characters); a longer one is a problem."""
DESCRIPTION_MAX: Final = 50_000
MAX_PROBLEMS_SHOWN: Final = 1_000
"""Problems a preview lists (all are counted)."""
SAMPLE_ROWS: Final = 5

_SYNONYMS: Final[Mapping[ImportField, tuple[str, ...]]] = {
    ImportField.EXTERNAL_ID: ("external_id", "id", "key", "issue key", "issue id", "ref"),
    ImportField.TITLE: ("title", "summary", "name", "task", "subject"),
    ImportField.DESCRIPTION: ("description", "details", "notes", "body"),
    ImportField.STATUS: ("status", "state", "column", "list"),
    ImportField.PRIORITY: ("priority",),
    ImportField.DUE_DATE: ("due_date", "due", "due date", "deadline"),
    ImportField.ESTIMATED_HOURS: ("estimated_hours", "estimate", "hours", "original estimate"),
    ImportField.ASSIGNEES: ("assignees", "assignee", "assigned to", "owner"),
    ImportField.LABELS: ("labels", "label", "tags"),
    ImportField.WATCHERS: ("watchers", "watcher"),
    ImportField.PARENT: ("parent", "parent_id", "parent id"),
}

STATUS_WORDS: Final[Mapping[str, TaskStatus]] = {
    **{s.value: s for s in TaskStatus},
    "todo": TaskStatus.PENDING,
    "to do": TaskStatus.PENDING,
    "open": TaskStatus.PENDING,
    "new": TaskStatus.PENDING,
    "backlog": TaskStatus.PENDING,
    "in progress": TaskStatus.IN_PROGRESS,
    "doing": TaskStatus.IN_PROGRESS,
    "started": TaskStatus.IN_PROGRESS,
    "done": TaskStatus.COMPLETED,
    "closed": TaskStatus.COMPLETED,
    "complete": TaskStatus.COMPLETED,
    "resolved": TaskStatus.COMPLETED,
    "canceled": TaskStatus.CANCELLED,
    "won't do": TaskStatus.CANCELLED,
}
"""Status words of other trackers and how they map (case and spaces ignored)."""

PRIORITY_WORDS: Final[Mapping[str, Priority]] = {
    **{p.value: p for p in Priority},
    "lowest": Priority.LOW,
    "minor": Priority.LOW,
    "normal": Priority.MEDIUM,
    "major": Priority.HIGH,
    "highest": Priority.CRITICAL,
    "blocker": Priority.CRITICAL,
    "urgent": Priority.CRITICAL,
}
"""Priority words of other trackers and how they map."""

_FORMULA = re.compile(r"^(=|@|[+-][^\d\s.])")
_SPLIT = re.compile(r"[,;]")


@attrs.frozen(kw_only=True)
class Problem:
    """Why a row (``line``: its line in the file) is not imported: ``field`` and the
    reason."""

    line: int
    field: str
    reason: str


@attrs.frozen(kw_only=True)
class ImportedTask:
    """A row read into a task: people by lower-case username (the caller maps them to
    ids), the parent by its external id."""

    line: int
    external_id: str
    title: str
    description: str = ""
    status: TaskStatus = TaskStatus.PENDING
    priority: Priority = Priority.MEDIUM
    due_date: dt.datetime | None = None
    estimated_hours: float | None = None
    assignees: tuple[int, ...] = ()
    labels: tuple[str, ...] = ()
    watchers: tuple[int, ...] = ()
    parent: str | None = None
    comments: tuple[tuple[int, str], ...] = ()
    """(author's user id, text), oldest first: added when the task is created."""
    given: frozenset[str] = frozenset()
    """The fields the row sets (a re-import changes only those)."""


@attrs.frozen(kw_only=True)
class ReadRow:
    """One row read: the task, or the problems that keep it out."""

    task: ImportedTask | None
    problems: tuple[Problem, ...] = ()


Mapping_ = Mapping[str, str]
"""Field name → column name."""


def guess_mapping(header: Sequence[str]) -> dict[str, str]:
    """The mapping a header suggests: each field fed by the first column whose name is
    one of its usual names (case and surrounding spaces ignored)."""
    by_name = {h.strip().lower(): h for h in header}
    found: dict[str, str] = {}
    for field, names in _SYNONYMS.items():
        for name in names:
            if name in by_name and by_name[name] not in found.values():
                found[field.value] = by_name[name]
                break
    return found


def check_mapping(mapping: Mapping[str, object], header: Sequence[str]) -> dict[str, str]:
    """A mapping the caller gave, checked against the file's header.

    Raises:
        ValidationError: naming ``mapping.<field>``: an unknown field, a column the file
            does not have, or no column for ``title``.
    """
    known = {f.value for f in ImportField}
    columns = set(header)
    checked: dict[str, str] = {}
    for field, column in mapping.items():
        if field not in known:
            raise ValidationError(
                f"mapping.{field}: unknown field. Must be one of {sorted(known)}",
                field=f"mapping.{field}",
            )
        if not isinstance(column, str) or column not in columns:
            raise ValidationError(
                f"mapping.{field}: the file has no column {column!r}", field=f"mapping.{field}"
            )
        checked[field] = column
    if ImportField.TITLE.value not in checked:
        raise ValidationError("mapping.title: a column must feed the title", field="mapping.title")
    return checked


_PEOPLE: Final = frozenset({ImportField.ASSIGNEES.value, ImportField.WATCHERS.value})
"""Fields read as usernames (``@bob`` is a mention there, not a formula): never stored as
given."""


def _hostile(field: str, text: str) -> str | None:
    if len(text) > MAX_CELL:
        return f"longer than {MAX_CELL} characters"
    if field not in _PEOPLE and _FORMULA.match(text):
        return "looks like a spreadsheet formula; refused"
    if "\x00" in text:
        return "contains a NUL character"
    return None


def _names(text: str) -> list[str]:
    return [p.strip().lstrip("@").lower() for p in _SPLIT.split(text) if p.strip()]


def _value(field: str, text: str, members: Mapping[str, int]) -> tuple[object, list[str]]:
    """One field's value read from its (stripped, non-hostile) text, and the reasons it
    cannot be."""
    match field:
        case ImportField.EXTERNAL_ID | ImportField.PARENT:
            return text[:200], []
        case ImportField.TITLE:
            if not text:
                return None, ["is empty"]
            if len(text) > TITLE_MAX:
                return None, [f"longer than {TITLE_MAX} characters"]
            return text, []
        case ImportField.DESCRIPTION:
            if len(text) > DESCRIPTION_MAX:
                return None, [f"longer than {DESCRIPTION_MAX} characters"]
            return text, []
        case ImportField.STATUS:
            status = STATUS_WORDS.get(" ".join(text.lower().replace("_", " ").split()))
            status = status or STATUS_WORDS.get(text.lower())
            return (status, []) if status is not None else (None, [f"unknown status {text!r}"])
        case ImportField.PRIORITY:
            priority = PRIORITY_WORDS.get(text.lower())
            if priority is None:
                return None, [f"unknown priority {text!r}"]
            return priority, []
        case ImportField.DUE_DATE:
            try:
                return parse_due_date(text), []
            except ValidationError:
                return None, [f"not a date (YYYY-MM-DD or ISO 8601): {text[:40]!r}"]
        case ImportField.ESTIMATED_HOURS:
            try:
                return parse_hours(text, field, "Estimated hours"), []
            except ValidationError as exc:
                return None, [str(exc)]
        case ImportField.LABELS:
            try:
                return normalize_labels(p for p in _SPLIT.split(text) if p.strip()), []
            except ValidationError as exc:
                return None, [str(exc)]
        case ImportField.COMMENTS:
            return _comments(text, members)
        case _:  # assignees, watchers
            names = _names(text)
            unknown = [f"{n!r} is not a member of the project" for n in names if n not in members]
            ids = tuple(dict.fromkeys(members[n] for n in names if n in members))
            return ids, unknown


def _comments(text: str, members: Mapping[str, int]) -> tuple[object, list[str]]:
    """Comments given as a JSON list of ``{"author", "content"}``."""
    try:
        items = json.loads(text)
    except ValueError:
        return None, ["not a JSON list of comments"]
    if not isinstance(items, list):
        return None, ["not a JSON list of comments"]
    found: list[tuple[int, str]] = []
    reasons: list[str] = []
    for n, item in enumerate(items):
        author = str(item.get("author", "")).lower() if isinstance(item, dict) else ""
        content = str(item.get("content", "")).strip() if isinstance(item, dict) else ""
        if author not in members:
            reasons.append(f"comment {n + 1}: its author {author!r} is not a member of the project")
        elif not content or len(content) > CONTENT_MAX:
            reasons.append(f"comment {n + 1}: its text must be 1 to {CONTENT_MAX} characters")
        else:
            found.append((members[author], content))
    return tuple(found), reasons


def read_row(
    line: int,
    cells: Mapping[str, str],
    mapping: Mapping[str, str],
    members: Mapping[str, int],
) -> ReadRow:
    """Read one row (``cells``: column → text) through ``mapping``; ``members`` are the
    project's members by lower-case username."""
    problems: list[Problem] = []
    given: set[str] = set()
    values: dict[str, object] = {}
    for field, column in mapping.items():
        text = (cells.get(column) or "").strip()
        hostile = _hostile(field, text)
        reasons = [hostile] if hostile is not None else []
        if not reasons and (text or field == ImportField.TITLE):
            given.add(field)
            values[field], reasons = _value(field, text, members)
        problems.extend(Problem(line=line, field=field, reason=r) for r in reasons)
    if problems:
        return ReadRow(task=None, problems=tuple(problems))
    external = values.pop(ImportField.EXTERNAL_ID.value, None)
    return ReadRow(
        task=ImportedTask(
            line=line,
            external_id=str(external) if external else f"line:{line}",
            given=frozenset(given),
            **values,  # type: ignore[arg-type]
        )
    )


@attrs.frozen(kw_only=True)
class Preview:
    """What a dry run found: counts, the mapping applied, the columns left out, every
    problem (the first :data:`MAX_PROBLEMS_SHOWN` listed) and the first rows read."""

    total: int
    valid: int
    invalid: int
    mapping: Mapping[str, str]
    unmapped_columns: tuple[str, ...]
    problems: tuple[Problem, ...]
    problem_count: int
    sample: tuple[ImportedTask, ...]


def preview(header: Sequence[str], reads: Iterable[ReadRow], mapping: Mapping[str, str]) -> Preview:
    """Sum up the rows read with ``mapping``."""
    total = valid = count = 0
    problems: list[Problem] = []
    sample: list[ImportedTask] = []
    for read in reads:
        total += 1
        if read.task is not None:
            valid += 1
            if len(sample) < SAMPLE_ROWS:
                sample.append(read.task)
        count += len(read.problems)
        problems.extend(read.problems[: max(0, MAX_PROBLEMS_SHOWN - len(problems))])
    used = set(mapping.values())
    return Preview(
        total=total,
        valid=valid,
        invalid=total - valid,
        mapping=dict(mapping),
        unmapped_columns=tuple(h for h in header if h not in used),
        problems=tuple(problems),
        problem_count=count,
        sample=tuple(sample),
    )


class RunStatus(enum.StrEnum):
    """Where an import run is."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


@attrs.define(kw_only=True)
class ImportRun:
    """One import into a project: its rows are staged with it, then written in chunks;
    ``done`` counts the rows handled (each chunk commits with its tasks), so a run that
    stopped resumes after them.

    Attributes:
        source: Names where the rows came from; with each row's external id it finds the
            task an earlier import of the same source made, which is updated instead of
            duplicated.
        created: Tasks created; ``updated``: tasks an earlier run made, changed;
            ``skipped``: rows whose problems kept them out (found when the run wrote
            them: a member who left since the preview, a parent that is not there).
    """

    id: int | None = None
    project_id: int
    user_id: int
    source: str
    mapping: dict[str, str]
    status: RunStatus = RunStatus.QUEUED
    total: int = 0
    done: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    problems: list[dict[str, object]] = attrs.field(factory=list)
    error: str | None = None
    created_at: dt.datetime
    updated_at: dt.datetime

    @property
    def key(self) -> int:
        """The id of a stored run."""
        if self.id is None:
            raise ValueError("import run is not stored yet")
        return self.id
