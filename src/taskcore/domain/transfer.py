"""A project's export: everything it holds, with people named by username, as the JSON
document and the CSV rows hosts write, and read back by the importer.

Ids are the exporting instance's; an importer maps them onto its own. Times are ISO 8601
in UTC. The document names its format and version so a later version can still read it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

import attrs

from taskcore.domain.projects import Project
from taskcore.domain.tasks import Task

FORMAT: Final = "taskcore.project"
VERSION: Final = 1

CSV_COLUMNS: Final = (
    "id",
    "parent_id",
    "title",
    "description",
    "status",
    "priority",
    "due_date",
    "completed_at",
    "estimated_hours",
    "actual_hours",
    "assignees",
    "labels",
    "watchers",
    "position",
    "created_at",
    "updated_at",
)
"""The columns of a project's task CSV, in order (lists joined by ``, ``)."""


@attrs.frozen(kw_only=True)
class ExportedMember:
    username: str
    role: str
    added_at: dt.datetime


@attrs.frozen(kw_only=True)
class ExportedComment:
    id: int
    author: str
    content: str
    created_at: dt.datetime
    updated_at: dt.datetime


@attrs.frozen(kw_only=True)
class ExportedAttachment:
    """An attachment's metadata; ``file`` is the path of its bytes inside a zip export."""

    id: int
    original_filename: str
    extension: str
    file_size: int
    mime_type: str
    file_hash: str
    uploaded_by: str
    created_at: dt.datetime
    status: str

    @property
    def file(self) -> str:
        """The attachment's path inside a zip export."""
        return f"attachments/{self.id}/{self.original_filename}"


@attrs.frozen(kw_only=True)
class ExportedTask:
    task: Task
    assignees: tuple[str, ...]
    watchers: tuple[str, ...]
    comments: tuple[ExportedComment, ...] = ()
    attachments: tuple[ExportedAttachment, ...] = ()


@attrs.frozen(kw_only=True)
class ExportedRelation:
    """A relation from a task of the project (``target_id`` may be another project's)."""

    id: int
    kind: str
    source_id: int
    target_id: int
    lag_days: int | None


@attrs.frozen(kw_only=True)
class ExportedField:
    """A custom field of the project."""

    key: str
    label: str
    type: str
    required: bool
    options: tuple[str, ...]


@attrs.frozen(kw_only=True)
class ProjectExport:
    """One project as exported at ``exported_at``."""

    project: Project
    owner: str
    members: tuple[ExportedMember, ...]
    tasks: tuple[ExportedTask, ...]
    exported_at: dt.datetime
    relations: tuple[ExportedRelation, ...] = ()
    custom_fields: tuple[ExportedField, ...] = ()

    @property
    def labels(self) -> list[str]:
        """Every label used in the project, sorted."""
        return sorted({label for t in self.tasks for label in t.task.labels})


def _time(value: dt.datetime | dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def task_json(item: ExportedTask) -> dict[str, Any]:
    """One task of the document (without its comments and attachments)."""
    t = item.task
    return {
        "id": t.key,
        "parent_id": t.parent_id,
        "title": t.title,
        "description": t.description,
        "status": t.status.value,
        "priority": t.priority.value,
        "due_date": _time(t.due_date),
        "completed_at": _time(t.completed_at),
        "estimated_hours": t.estimated_hours,
        "actual_hours": t.actual_hours,
        "assignees": list(item.assignees),
        "labels": list(t.labels),
        "watchers": list(item.watchers),
        "position": t.position,
        "custom_fields": {
            k: list(v) if isinstance(v, tuple) else v for k, v in t.custom_fields.items()
        },
        "created_at": _time(t.created_at),
        "updated_at": _time(t.updated_at),
    }


def task_document(item: ExportedTask, *, with_files: bool = False) -> dict[str, Any]:
    """One task of the document, with its comments and attachments (``with_files``:
    each naming its path in the zip)."""
    entry = task_json(item)
    entry["comments"] = [
        {
            "id": c.id,
            "author": c.author,
            "content": c.content,
            "created_at": _time(c.created_at),
            "updated_at": _time(c.updated_at),
        }
        for c in item.comments
    ]
    entry["attachments"] = [
        {
            "id": a.id,
            "original_filename": a.original_filename,
            "extension": a.extension,
            "file_size": a.file_size,
            "mime_type": a.mime_type,
            "file_hash": a.file_hash,
            "uploaded_by": a.uploaded_by,
            "created_at": _time(a.created_at),
            "status": a.status,
            **({"file": a.file} if with_files else {}),
        }
        for a in item.attachments
    ]
    return entry


def document(export: ProjectExport, *, with_files: bool = False) -> dict[str, Any]:
    """The export as a JSON document (``with_files``: attachments name their path in the
    zip)."""
    p = export.project
    tasks = [task_document(item, with_files=with_files) for item in export.tasks]
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": _time(export.exported_at),
        "project": {
            "id": p.key,
            "name": p.name,
            "description": p.description,
            "status": p.status.value,
            "priority": p.priority.value,
            "start_date": _time(p.start_date),
            "end_date": _time(p.end_date),
            "owner": export.owner,
            "created_at": _time(p.created_at),
            "updated_at": _time(p.updated_at),
        },
        "members": [
            {"username": m.username, "role": m.role, "added_at": _time(m.added_at)}
            for m in export.members
        ],
        "labels": export.labels,
        "custom_fields": [
            {
                "key": f.key,
                "label": f.label,
                "type": f.type,
                "required": f.required,
                "options": list(f.options),
            }
            for f in export.custom_fields
        ],
        "tasks": tasks,
        "relations": [
            {
                "id": r.id,
                "kind": r.kind,
                "source_id": r.source_id,
                "target_id": r.target_id,
                "lag_days": r.lag_days,
            }
            for r in export.relations
        ],
    }


def csv_value(value: object) -> str:
    """A CSV cell: lists joined by ``, ``, ``None`` empty, a text a spreadsheet would run
    as a formula (``=``, ``+``, ``-``, ``@``, tab, carriage return) prefixed with ``'``."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    text = str(value)
    if isinstance(value, str) and text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def csv_rows(tasks: Iterable[ExportedTask], field_keys: Sequence[str] = ()) -> Iterable[list[str]]:
    """The task CSV: the header (:data:`CSV_COLUMNS`, then ``cf.<key>`` per custom field
    of ``field_keys``), then one row per task (a multi-select's options joined by ``, ``,
    a field without a value empty)."""
    yield [*CSV_COLUMNS, *(f"cf.{key}" for key in field_keys)]
    for item in tasks:
        row = task_json(item)
        values = row.pop("custom_fields", None) or {}
        yield [
            *(csv_value(row[c]) for c in CSV_COLUMNS),
            *(csv_value(values.get(key)) for key in field_keys),
        ]


def comparable(doc: Mapping[str, Any]) -> dict[str, Any]:
    """A document without what differs between two instances holding the same work: ids
    (references between tasks become positions in the task list), and the times of export,
    creation, change and completion; what two round trips must keep equal."""
    order = {t["id"]: n for n, t in enumerate(doc.get("tasks", ()))}

    def task(t: Mapping[str, Any]) -> dict[str, Any]:
        kept = {
            k: v
            for k, v in t.items()
            if k not in ("id", "created_at", "updated_at", "completed_at")
        }
        kept["parent_id"] = order.get(t.get("parent_id"))
        kept["comments"] = [
            {k: v for k, v in c.items() if k not in ("id", "created_at", "updated_at")}
            for c in t.get("comments", ())
        ]
        kept["attachments"] = [
            {k: v for k, v in a.items() if k not in ("id", "created_at", "file")}
            for a in t.get("attachments", ())
        ]
        return kept

    project = {
        k: v
        for k, v in doc.get("project", {}).items()
        if k not in ("id", "created_at", "updated_at")
    }
    members: Sequence[Mapping[str, Any]] = doc.get("members", ())
    return {
        "format": doc.get("format"),
        "version": doc.get("version"),
        "project": project,
        "members": sorted(
            ({k: v for k, v in m.items() if k != "added_at"} for m in members),
            key=lambda m: str(m.get("username")),
        ),
        "labels": doc.get("labels"),
        "custom_fields": doc.get("custom_fields", []),
        "tasks": [task(t) for t in doc.get("tasks", ())],
        "relations": [
            {
                "kind": r.get("kind"),
                "source": order.get(r.get("source_id")),
                "target": order.get(r.get("target_id")),
                "lag_days": r.get("lag_days"),
            }
            for r in doc.get("relations", ())
        ],
    }
