"""Reading a project's document (``project.json``) out of an export archive one task at a
time, so that importing an instance holds one chunk of tasks in memory, whatever the size
of its largest project.

:func:`taskcore_adapters.transfer.writing.write_project_stream` lays the document out as
the project's fields, then ``"tasks": [`` with one task per line, then ``],`` and the
``labels`` and ``relations`` after the tasks. A document laid out otherwise (written by
another tool, or indented) is read whole, as before.
"""

from __future__ import annotations

import io
import itertools
import json
import zipfile
from collections.abc import Iterator
from typing import IO, Any, Final

from taskcore.errors import ValidationError

FIELD: Final = "file"
TASKS_OPEN: Final = '  "tasks": ['
TASKS_CLOSE: Final = ("  ],", "  ]")


class ProjectDocument:
    """One ``project.json`` of an archive: :attr:`head` (everything but the tasks and what
    follows them), :meth:`tasks` (read again from the archive at each call) and
    :meth:`tail` (``labels`` and ``relations``)."""

    def __init__(self, archive: zipfile.ZipFile, name: str) -> None:
        self._archive = archive
        self._name = name
        self._whole: dict[str, Any] | None = None
        self.head = self._read_head()

    def tasks(self) -> Iterator[dict[str, Any]]:
        """The tasks in document order, one at a time.

        Raises:
            ValidationError: (``file``) a task line is not a JSON object.
        """
        if self._whole is not None:
            yield from self._whole.get("tasks") or ()
            return
        with self._open() as text:
            _skip_head(text)
            for number, line in enumerate(text, start=1):
                if line.rstrip("\n") in TASKS_CLOSE:
                    return
                task = self._load(line.strip().removesuffix(","), f"task {number}")
                if not isinstance(task, dict):
                    raise ValidationError(
                        f"{self._name}: task {number} is not an object", field=FIELD
                    )
                yield task
        raise ValidationError(f"{self._name}: the task list does not end", field=FIELD)

    def tail(self) -> dict[str, Any]:
        """What follows the tasks: ``labels`` and ``relations``."""
        if self._whole is not None:
            return {k: v for k, v in self._whole.items() if k in ("labels", "relations")}
        with self._open() as text:
            _skip_head(text)
            rest = itertools.dropwhile(lambda line: line.rstrip("\n") not in TASKS_CLOSE, text)
            next(rest, None)
            found = self._load("{" + "".join(rest), "the end of the document")
        return found if isinstance(found, dict) else {}

    def _read_head(self) -> dict[str, Any]:
        with self._open() as text:
            lines: list[str] = []
            for line in text:
                if line.rstrip("\n") == TASKS_OPEN:
                    following = text.readline().strip().removesuffix(",")
                    if following in ("]", "") or _is_object(following):
                        head = self._load("".join(lines).rstrip().removesuffix(",") + "\n}", "")
                        if isinstance(head, dict):
                            return head
                    break
                lines.append(line)
        self._whole = self._read_whole()
        return {k: v for k, v in self._whole.items() if k not in ("tasks", "labels", "relations")}

    def _read_whole(self) -> dict[str, Any]:
        with self._open() as text:
            doc = self._load(text.read(), "")
        if not isinstance(doc, dict):
            raise ValidationError(f"{self._name} is not a project export", field=FIELD)
        return doc

    def _open(self) -> IO[str]:
        try:
            raw = self._archive.open(self._name)
        except KeyError as exc:
            raise ValidationError(f"{self._name}: {exc}", field=FIELD) from exc
        return io.TextIOWrapper(raw, encoding="utf-8")

    def _load(self, text: str, where: str) -> Any:
        try:
            return json.loads(text)
        except ValueError as exc:
            place = f" ({where})" if where else ""
            raise ValidationError(f"{self._name}{place}: {exc}", field=FIELD) from exc


def _skip_head(text: IO[str]) -> None:
    for line in text:
        if line.rstrip("\n") == TASKS_OPEN:
            return


def _is_object(line: str) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False
