"""Reading import files into a header and rows (line, cells by column): CSV, and a
taskcore project export (JSON). Bad files are refused with a message that says what is
wrong and where; nothing is guessed silently."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
from collections.abc import Mapping
from typing import Any, Final

import attrs

from taskcore.domain.import_mapping import MAX_CELL, ImportField
from taskcore.domain.transfer import FORMAT
from taskcore.errors import TooLarge, ValidationError

MAX_FILE_BYTES: Final = 50 * 1024 * 1024
"""The largest import file."""
MAX_COLUMNS: Final = 200
MAX_JSON_DEPTH: Final = 20
"""How deeply a JSON import may nest (a taskcore export needs 5)."""

FIELD = "file"


@attrs.frozen
class Table:
    """A file's columns and rows."""

    header: tuple[str, ...]
    rows: list[tuple[int, dict[str, str]]]
    mapping: dict[str, str] | None = None
    """The mapping the format implies (``None``: the caller's, or guessed)."""


def decode(data: bytes) -> str:
    """The text of a file: UTF-8 (with or without a byte-order mark) or UTF-16 with one.

    Raises:
        TooLarge: larger than :data:`MAX_FILE_BYTES`.
        ValidationError: (``file``) empty, not text in those encodings (naming the byte
            offset), or holding NUL characters.
    """
    if len(data) > MAX_FILE_BYTES:
        raise TooLarge(f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB")
    if not data.strip():
        raise ValidationError("The file is empty", field=FIELD)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        encoding = "utf-8-sig"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ValidationError(
            f"The file is not UTF-8 text (byte {exc.start} is not valid); "
            "save it as UTF-8 (CSV UTF-8 in spreadsheets) and try again",
            field=FIELD,
        ) from None
    if "\x00" in text:
        raise ValidationError("The file holds NUL characters: it is not a text file", field=FIELD)
    return text


def read_csv(data: bytes, *, delimiter: str = ",") -> Table:
    """A CSV file's header (its first row) and rows, each with the line it starts on.

    Raises:
        TooLarge, ValidationError: see :func:`decode`; also (``file``) a cell longer than
            :data:`~taskcore.domain.import_mapping.MAX_CELL` characters, a broken quote,
            no header, a header with an empty or repeated name, too many columns, or a
            row with more cells than the header — each naming its line.
    """
    if delimiter not in (",", ";", "\t", "|"):
        raise ValidationError("delimiter must be one of , ; | or a tab", field="delimiter")
    text = decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    previous = csv.field_size_limit(MAX_CELL + 1)
    try:
        header, rows = _rows(reader)
    except csv.Error as exc:
        line = reader.line_num
        reason = str(exc)
        if "field larger than field limit" in reason:
            reason = f"a cell is longer than {MAX_CELL} characters"
        raise ValidationError(f"Line {line}: {reason}", field=FIELD) from None
    finally:
        csv.field_size_limit(previous)
    return Table(header=header, rows=rows)


def _rows(reader: Any) -> tuple[tuple[str, ...], list[tuple[int, dict[str, str]]]]:
    try:
        first = next(reader)
    except StopIteration:
        raise ValidationError("The file has no header row", field=FIELD) from None
    header = tuple(h.strip() for h in first)
    if len(header) > MAX_COLUMNS:
        raise ValidationError(f"More than {MAX_COLUMNS} columns", field=FIELD)
    if any(not h for h in header) or len(set(header)) != len(header):
        raise ValidationError(
            "Line 1: every column needs a name of its own (a header row)", field=FIELD
        )
    rows: list[tuple[int, dict[str, str]]] = []
    start = reader.line_num + 1
    for cells in reader:
        if any(c.strip() for c in cells):
            if len(cells) > len(header):
                raise ValidationError(
                    f"Line {start}: {len(cells)} cells, but the header has {len(header)}",
                    field=FIELD,
                )
            rows.append((start, dict(zip(header, cells, strict=False))))
        start = reader.line_num + 1
    return header, rows


def _depth(value: object, limit: int) -> int:
    """How deeply ``value`` nests, counting no further than ``limit``."""
    deepest = 0
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return depth
        deepest = max(deepest, depth)
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return deepest


EXPORT_COLUMNS: Final = (
    "id",
    "parent_id",
    "title",
    "description",
    "status",
    "priority",
    "due_date",
    "estimated_hours",
    "assignees",
    "labels",
    "watchers",
    "comments",
)
EXPORT_MAPPING: Final[Mapping[str, str]] = {
    ImportField.EXTERNAL_ID.value: "id",
    ImportField.PARENT.value: "parent_id",
    ImportField.TITLE.value: "title",
    ImportField.DESCRIPTION.value: "description",
    ImportField.STATUS.value: "status",
    ImportField.PRIORITY.value: "priority",
    ImportField.DUE_DATE.value: "due_date",
    ImportField.ESTIMATED_HOURS.value: "estimated_hours",
    ImportField.ASSIGNEES.value: "assignees",
    ImportField.LABELS.value: "labels",
    ImportField.WATCHERS.value: "watchers",
    ImportField.COMMENTS.value: "comments",
}


def _cell(column: str, value: object) -> str:
    """An export's value as a cell (comments as a JSON list of author and content)."""
    if column != "comments":
        return _text(value)
    if not isinstance(value, list) or not value:
        return ""
    return json.dumps(
        [
            {"author": c.get("author"), "content": c.get("content")}
            for c in value
            if isinstance(c, dict)
        ]
    )


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def read_export(data: bytes) -> Table:
    """The tasks of a taskcore project export (``format`` ``taskcore.project``) as rows,
    parents before their subtasks, with the mapping that reads them (the task ids become
    external ids, so importing the same export again updates what the first import made).

    Raises:
        TooLarge, ValidationError: see :func:`decode`; also (``file``) not JSON, nested
            deeper than :data:`MAX_JSON_DEPTH`, or not a taskcore project export.
    """
    return export_table(_json(data))


def export_table(doc: object, *, parents_first: bool = True) -> Table:
    """:func:`read_export` of a document already parsed (a whole instance's export reads
    each project's document from its archive, without the upload size limit); with
    ``parents_first`` false, the rows keep the document's order.

    Raises:
        ValidationError: (``file``) not a taskcore project export.
    """
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ValidationError(f"Not a taskcore project export (format {FORMAT})", field=FIELD)
    tasks = doc.get("tasks")
    if not isinstance(tasks, list) or not all(isinstance(t, dict) for t in tasks):
        raise ValidationError("The export's tasks are not a list of objects", field=FIELD)
    ordered = _parents_first(tasks) if parents_first else tasks
    rows = [
        (n + 1, {c: _cell(c, task.get(c)) for c in EXPORT_COLUMNS})
        for n, task in enumerate(ordered)
    ]
    return Table(header=EXPORT_COLUMNS, rows=rows, mapping=dict(EXPORT_MAPPING))


def _parents_first(tasks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The tasks with every parent before its subtasks (otherwise in document order)."""
    by_id = {t.get("id"): t for t in tasks}
    placed: set[object] = set()
    ordered: list[dict[str, Any]] = []

    def place(task: dict[str, Any], depth: int) -> None:
        key = task.get("id")
        if key in placed or depth > len(tasks):
            return
        parent = by_id.get(task.get("parent_id"))
        if parent is not None:
            place(parent, depth + 1)
        placed.add(key)
        ordered.append(task)

    for task in tasks:
        place(task, 0)
    return ordered


# -- Jira's issue CSV ----------------------------------------------------------------------

JIRA_MAPPING: Final[Mapping[str, str]] = {
    ImportField.EXTERNAL_ID.value: "Issue id",
    ImportField.TITLE.value: "Summary",
    ImportField.DESCRIPTION.value: "Description",
    ImportField.STATUS.value: "Status",
    ImportField.PRIORITY.value: "Priority",
    ImportField.DUE_DATE.value: "Due Date",
    ImportField.ESTIMATED_HOURS.value: "Original estimate hours",
    ImportField.ASSIGNEES.value: "Assignee",
    ImportField.LABELS.value: "Labels",
    ImportField.WATCHERS.value: "Watchers",
    ImportField.PARENT.value: "Parent id",
}
"""How a Jira issue export reads: issues by their numeric id (sub-tasks name their
parent's), labels and watchers from their repeated columns, the estimate from seconds."""

_JIRA_DATES = ("%d/%b/%y %I:%M %p", "%d/%b/%Y %I:%M %p", "%Y-%m-%d %H:%M", "%Y-%m-%d")


def _jira_date(text: str) -> str:
    """A Jira date (``12/Mar/24 5:00 PM``) as ISO 8601 (what it does not know, as is:
    the row's problem then names it)."""
    for layout in _JIRA_DATES:
        try:
            return dt.datetime.strptime(text.strip(), layout).date().isoformat()  # noqa: DTZ007
        except ValueError:
            continue
    return text


def read_jira(data: bytes) -> Table:
    """A Jira issue export (CSV, all fields): repeated columns (``Labels``, ``Watchers``,
    ``Sprint``) joined, dates and the estimate converted, with :data:`JIRA_MAPPING`.

    Raises:
        TooLarge, ValidationError: as :func:`read_csv`; also when the file lacks
            ``Issue id`` or ``Summary``.
    """
    text = decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    previous = csv.field_size_limit(MAX_CELL + 1)
    raw: list[tuple[int, list[str]]] = []
    try:
        start = 1
        for cells in reader:
            raw.append((start, cells))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise ValidationError(f"Line {reader.line_num}: {exc}", field=FIELD) from None
    finally:
        csv.field_size_limit(previous)
    if not raw:
        raise ValidationError("The file has no header row", field=FIELD)
    names = [h.strip() for h in raw[0][1]]
    if len(names) > MAX_COLUMNS * 5:
        raise ValidationError(f"More than {MAX_COLUMNS * 5} columns", field=FIELD)
    for needed in ("Issue id", "Summary"):
        if needed not in names:
            raise ValidationError(f"Not a Jira issue export: no {needed!r} column", field=FIELD)
    header = tuple(dict.fromkeys([*names, "Original estimate hours"]))
    rows: list[tuple[int, dict[str, str]]] = []
    for number, cells in raw[1:]:
        if not any(c.strip() for c in cells):
            continue
        joined: dict[str, list[str]] = {}
        for name, cell in zip(names, cells, strict=False):
            if cell.strip():
                joined.setdefault(name, []).append(cell.strip())
        row = {name: ", ".join(values) for name, values in joined.items()}
        if row.get("Due Date"):
            row["Due Date"] = _jira_date(row["Due Date"])
        seconds = row.get("Original Estimate", "")
        if seconds.isdigit():
            row["Original estimate hours"] = f"{int(seconds) / 3600:g}"
        rows.append((number, row))
    return Table(header=header, rows=rows, mapping=dict(JIRA_MAPPING))


# -- Trello's board JSON --------------------------------------------------------------------

TRELLO_COLUMNS: Final = (
    "id",
    "name",
    "desc",
    "list",
    "due",
    "members",
    "labels",
    "checklist items",
)
TRELLO_MAPPING: Final[Mapping[str, str]] = {
    ImportField.EXTERNAL_ID.value: "id",
    ImportField.TITLE.value: "name",
    ImportField.DESCRIPTION.value: "desc",
    ImportField.STATUS.value: "list",
    ImportField.DUE_DATE.value: "due",
    ImportField.ASSIGNEES.value: "members",
    ImportField.LABELS.value: "labels",
}
"""How a Trello board reads: each open card a task, its list's name the status (``To
Do``, ``Doing``, ``Done``, ...: a list whose name is no status is the row's problem), its
members by username, its labels by name (or colour when unnamed)."""


def read_trello(data: bytes) -> Table:
    """A Trello board export (JSON): its open cards, in board order.

    Raises:
        TooLarge, ValidationError: see :func:`decode`; also (``file``) not JSON, nested
            too deeply, or not a Trello board (no ``cards`` and ``lists``).
    """
    doc = _json(data)
    if (
        not isinstance(doc, dict)
        or not isinstance(doc.get("cards"), list)
        or not isinstance(doc.get("lists"), list)
    ):
        raise ValidationError("Not a Trello board export (no cards and lists)", field=FIELD)
    lists = {x.get("id"): x for x in doc["lists"] if isinstance(x, dict)}
    members = {
        m.get("id"): str(m.get("username", ""))
        for m in doc.get("members", [])
        if isinstance(m, dict)
    }
    checklists: dict[object, int] = {}
    for checklist in doc.get("checklists", []):
        if isinstance(checklist, dict):
            count = len(checklist.get("checkItems") or [])
            card = checklist.get("idCard")
            checklists[card] = checklists.get(card, 0) + count
    cards = [c for c in doc["cards"] if isinstance(c, dict) and not c.get("closed")]
    cards.sort(key=lambda c: (_order(lists.get(c.get("idList"))), float(c.get("pos") or 0)))
    rows = []
    for number, card in enumerate(cards, start=1):
        label_names = [
            str(x.get("name") or x.get("color") or "")
            for x in card.get("labels") or []
            if isinstance(x, dict)
        ]
        listed = lists.get(card.get("idList")) or {}
        due = str(card.get("due") or "")
        rows.append(
            (
                number,
                {
                    "id": str(card.get("id", "")),
                    "name": str(card.get("name", "")),
                    "desc": str(card.get("desc", "")),
                    "list": str(listed.get("name", "")),
                    "due": due[:10],
                    "members": ", ".join(
                        members.get(m, str(m)) for m in card.get("idMembers") or []
                    ),
                    "labels": ", ".join(n for n in label_names if n),
                    "checklist items": str(checklists.get(card.get("id"), 0)),
                },
            )
        )
    return Table(header=TRELLO_COLUMNS, rows=rows, mapping=dict(TRELLO_MAPPING))


def _order(listed: dict[str, Any] | None) -> float:
    return float((listed or {}).get("pos") or 0)


def _json(data: bytes) -> Any:
    text = decode(data)
    try:
        doc = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        where = f" (line {exc.lineno})" if isinstance(exc, json.JSONDecodeError) else ""
        raise ValidationError(f"The file is not valid JSON{where}", field=FIELD) from None
    if _depth(doc, MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
        raise ValidationError(f"The JSON nests deeper than {MAX_JSON_DEPTH} levels", field=FIELD)
    return doc
