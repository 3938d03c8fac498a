"""Writing a project's export: the JSON document, the task CSV, and a zip holding the
document (``project.json``), the CSV (``tasks.csv``) and every attachment's file."""

from __future__ import annotations

import csv
import io
import json
import logging
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from typing import IO, TYPE_CHECKING, Final

import attrs

from taskcore.domain.transfer import (
    ExportedRelation,
    ProjectExport,
    csv_rows,
    document,
    task_document,
)
from taskcore.errors import TaskcoreError

if TYPE_CHECKING:
    from taskcore.services.transfer.exporting import ProjectStream

log = logging.getLogger(__name__)

SPOOL_BYTES: Final = 8 * 1024 * 1024
"""A zip export stays in memory up to this size, then goes to a temporary file."""

ChunkOpener = Callable[[int], Iterator[bytes]]
"""Opens an attachment's bytes by its id (raises a core error when it cannot)."""


def json_bytes(export: ProjectExport, *, with_files: bool = False) -> bytes:
    """The export's JSON document, UTF-8, indented."""
    return json.dumps(document(export, with_files=with_files), ensure_ascii=False, indent=2).encode(
        "utf-8"
    )


def csv_text(export: ProjectExport) -> str:
    """The export's tasks as CSV (spreadsheet formulas neutralised)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows(csv_rows(export.tasks, [f.key for f in export.custom_fields]))
    return out.getvalue()


def write_zip(export: ProjectExport, open_file: ChunkOpener) -> IO[bytes]:
    """The zip export in a spooled temporary file, rewound: ``project.json`` (attachments
    naming their ``file``), ``tasks.csv`` and ``attachments/<id>/<name>`` per attachment
    whose bytes could be read (one that cannot — quarantined, missing — is listed in
    ``missing.txt`` instead)."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - returned
    with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        write_project(archive, export, open_file)
    spool.seek(0)
    return spool


def write_project(
    archive: zipfile.ZipFile, export: ProjectExport, open_file: ChunkOpener, prefix: str = ""
) -> list[str]:
    """Write a project's zip export into ``archive``, each entry's name after ``prefix``
    (a folder of a larger archive), attachments chunk by chunk.

    Returns:
        The attachments whose bytes could not be read (also listed in ``missing.txt``).
    """
    missing: list[str] = []
    archive.writestr(f"{prefix}project.json", json_bytes(export, with_files=True))
    archive.writestr(f"{prefix}tasks.csv", csv_text(export))
    for item in export.tasks:
        for attachment in item.attachments:
            try:
                chunks = open_file(attachment.id)
            except TaskcoreError as exc:
                missing.append(f"{attachment.file}: {exc}")
                continue
            with archive.open(f"{prefix}{attachment.file}", "w", force_zip64=True) as target:
                for chunk in chunks:
                    target.write(chunk)
    if missing:
        archive.writestr(f"{prefix}missing.txt", "\n".join(missing) + "\n")
    return missing


@attrs.define
class Written:
    """What :func:`write_project_stream` wrote."""

    tasks: int = 0
    comments: int = 0
    attachments: int = 0
    people: set[str] = attrs.Factory(set)
    """Every username the project names."""
    missing: list[str] = attrs.Factory(list)
    """The attachments whose bytes could not be read."""


def write_project_stream(
    archive: zipfile.ZipFile, stream: ProjectStream, open_file: ChunkOpener, prefix: str = ""
) -> Written:
    """:func:`write_project` one task at a time: ``project.json`` is written as the tasks
    are read (the same document, ``labels`` and ``relations`` after ``tasks``), the CSV
    goes to a spooled temporary file meanwhile, then the attachments' files; memory holds
    one task, the labels, the relations and the attachments' ids."""
    head = stream.head
    written = Written(people={head.owner, *(m.username for m in head.members)})
    top = document(head, with_files=True)
    for key in ("labels", "tasks", "relations"):
        del top[key]
    labels: set[str] = set()
    files: list[tuple[int, str]] = []
    keys = [f.key for f in head.custom_fields]
    with tempfile.SpooledTemporaryFile(
        max_size=SPOOL_BYTES, mode="w+", encoding="utf-8", newline=""
    ) as rows:
        table = csv.writer(rows, lineterminator="\r\n")
        table.writerow(next(iter(csv_rows((), keys))))
        with archive.open(f"{prefix}project.json", "w", force_zip64=True) as raw:
            out = io.TextIOWrapper(raw, encoding="utf-8")
            out.write(_dumps(top).removesuffix("\n}") + ',\n  "tasks": [')
            for item in stream.tasks:
                out.write(("," if written.tasks else "") + "\n    ")
                out.write(json.dumps(task_document(item, with_files=True), ensure_ascii=False))
                table.writerows(list(csv_rows([item], keys))[1:])
                labels.update(item.task.labels)
                files.extend((a.id, a.file) for a in item.attachments)
                written.tasks += 1
                written.comments += len(item.comments)
                written.people.update(
                    (*item.assignees, *item.watchers, *(c.author for c in item.comments))
                )
                written.people.update(a.uploaded_by for a in item.attachments)
            relations = document(attrs.evolve(head, relations=_sorted(stream.relations)))
            out.write(f'\n  ],\n  "labels": {json.dumps(sorted(labels), ensure_ascii=False)},')
            out.write(f'\n  "relations": {json.dumps(relations["relations"])}\n}}\n')
            out.flush()
            out.detach()
        rows.seek(0)
        with archive.open(f"{prefix}tasks.csv", "w", force_zip64=True) as target:
            while text := rows.read(SPOOL_BYTES // 8):
                target.write(text.encode("utf-8"))
    for attachment_id, path in files:
        written.attachments += 1
        try:
            chunks = open_file(attachment_id)
        except TaskcoreError as exc:
            written.missing.append(f"{path}: {exc}")
            continue
        with archive.open(f"{prefix}{path}", "w", force_zip64=True) as target:
            for chunk in chunks:
                target.write(chunk)
    if written.missing:
        archive.writestr(f"{prefix}missing.txt", "\n".join(written.missing) + "\n")
    return written


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)


def _sorted(relations: dict[int, ExportedRelation]) -> tuple[ExportedRelation, ...]:
    return tuple(relations[k] for k in sorted(relations))
