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
from typing import IO, Final

from taskcore.domain.transfer import ProjectExport, csv_rows, document
from taskcore.errors import TaskcoreError

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
