"""Import runs, their staged rows, and which task each imported item became."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from typing import Protocol

from taskcore.domain.import_mapping import ImportRun


class ImportRepository(Protocol):
    """Import runs with their rows, and the sources of imported tasks.

    A run's rows are kept in line order until they are handled: each chunk drops the rows
    it wrote in its own transaction, so the next chunk's rows are always the first ones
    left. The source of a task
    (project, source, external id) is unique; a task's deletion forgets it.
    """

    def add_run(self, run: ImportRun, rows: Sequence[tuple[int, Mapping[str, str]]]) -> ImportRun:
        """Store a new run (assigning its id) and its rows (line, cells)."""
        ...

    def get_run(self, run_id: int, *, for_update: bool = False) -> ImportRun | None:
        """One run (``for_update``: locked until the transaction ends)."""
        ...

    def save_run(self, run: ImportRun) -> None:
        """Store a run's progress."""
        ...

    def rows(self, run_id: int, *, offset: int, limit: int) -> Sequence[tuple[int, dict[str, str]]]:
        """At most ``limit`` of a run's rows (line, cells) in line order, from ``offset``."""
        ...

    def drop_rows(self, run_id: int, *, through_line: int | None = None) -> None:
        """Forget a run's rows: those up to ``through_line`` (included), or all."""
        ...

    def unfinished(self, updated_before: dt.datetime, limit: int) -> Sequence[int]:
        """Ids of queued or running runs not updated since ``updated_before``."""
        ...

    def sources(
        self, project_id: int, source: str, external_ids: Collection[str]
    ) -> dict[str, int]:
        """The tasks earlier imports of ``source`` made, by external id (only those still
        in the project: one moved to another project since is left out)."""
        ...

    def link(self, project_id: int, source: str, external_id: str, task_id: int) -> None:
        """Remember that ``task_id`` came from ``external_id`` of ``source`` (replacing
        what it was remembered as before)."""
        ...

    def link_many(self, project_id: int, source: str, links: Sequence[tuple[str, int]]) -> None:
        """Remember new tasks' external ids (external id, task id), none of them linked
        yet (the tasks were just created)."""
        ...
