"""Import runs, their staged rows and the sources of imported tasks, in memory."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Collection, Mapping, Sequence

from taskcore.domain.import_mapping import ImportRun, RunStatus
from taskcore_adapters.memory.tables import Tables

_OPEN = (RunStatus.QUEUED, RunStatus.RUNNING)


class InMemoryImportRepository:
    """See ``taskcore.ports.imports.ImportRepository``."""

    def __init__(self, tables: Tables) -> None:
        self._t = tables

    def add_run(self, run: ImportRun, rows: Sequence[tuple[int, Mapping[str, str]]]) -> ImportRun:
        run.id = self._t.allocate("import_runs")
        self._t.import_runs[run.id] = copy.deepcopy(run)
        self._t.import_rows[run.id] = sorted((line, dict(cells)) for line, cells in rows)
        return run

    def get_run(self, run_id: int, *, for_update: bool = False) -> ImportRun | None:
        found = self._t.import_runs.get(run_id)
        return copy.deepcopy(found) if found is not None else None

    def save_run(self, run: ImportRun) -> None:
        if run.key in self._t.import_runs:
            self._t.import_runs[run.key] = copy.deepcopy(run)

    def rows(self, run_id: int, *, offset: int, limit: int) -> Sequence[tuple[int, dict[str, str]]]:
        return [
            (line, dict(cells))
            for line, cells in self._t.import_rows.get(run_id, [])[offset : offset + limit]
        ]

    def drop_rows(self, run_id: int, *, through_line: int | None = None) -> None:
        if through_line is None:
            self._t.import_rows.pop(run_id, None)
        elif run_id in self._t.import_rows:
            left = [row for row in self._t.import_rows[run_id] if row[0] > through_line]
            self._t.import_rows[run_id] = left

    def unfinished(self, updated_before: dt.datetime, limit: int) -> Sequence[int]:
        runs = sorted(
            (r for r in self._t.import_runs.values() if r.status in _OPEN),
            key=lambda r: r.updated_at,
        )
        return [r.key for r in runs if r.updated_at < updated_before][:limit]

    def sources(
        self, project_id: int, source: str, external_ids: Collection[str]
    ) -> dict[str, int]:
        found = {}
        for external in external_ids:
            task_id = self._t.import_sources.get((project_id, source, external))
            task = self._t.tasks.get(task_id) if task_id is not None else None
            if task is not None and task.project_id == project_id:
                found[external] = task.key
        return found

    def link(self, project_id: int, source: str, external_id: str, task_id: int) -> None:
        self._t.import_sources[(project_id, source, external_id)] = task_id

    def link_many(self, project_id: int, source: str, links: Sequence[tuple[str, int]]) -> None:
        for external, task_id in links:
            self._t.import_sources[(project_id, source, external)] = task_id
