"""Import runs, their staged rows and the sources of imported tasks, in SQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from typing import Any, Final

from sqlalchemy import Connection, delete, insert, select, text, update

from taskcore.domain.import_mapping import ImportRun, RunStatus
from taskcore_adapters.sql.tables import import_rows, import_runs, import_sources, tasks

ROW_BATCH: Final = 1_000
"""Rows inserted per statement."""
ANALYZE_AFTER_ROWS: Final = 10_000
"""PostgreSQL's statistics of a table an import writes to are refreshed once this many
rows (and a fifth of the table) changed since they were last taken: a run adds its tasks
and their sources 500 at a time, and with statistics taken when the tables were small the
planner keeps plans that read every earlier row (the sources lookup scanned all of a
source's links per chunk, 0.3 s a chunk at 17,000 links, growing with the run), whether
or not autovacuum is on and has come by yet."""
_ANALYZE: Final = {name: text(f"ANALYZE {name}") for name in ("import_sources", "tasks")}
_STALE = text(
    "SELECT CASE WHEN relid = 'tasks'::regclass THEN 'tasks' ELSE 'import_sources' END "
    "FROM pg_stat_user_tables "
    "WHERE relid IN ('import_sources'::regclass, 'tasks'::regclass) "
    "AND n_mod_since_analyze >= GREATEST(:least, n_live_tup / 5)"
)

_OPEN = (RunStatus.QUEUED.value, RunStatus.RUNNING.value)


def _run(row: Any) -> ImportRun:
    return ImportRun(
        id=row.id,
        project_id=row.project_id,
        user_id=row.user_id,
        source=row.source,
        mapping=dict(row.mapping),
        status=RunStatus(row.status),
        total=row.total,
        done=row.done,
        created=row.created,
        updated=row.updated,
        skipped=row.skipped,
        problems=list(row.problems),
        error=row.error,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _values(run: ImportRun) -> dict[str, Any]:
    return {
        "project_id": run.project_id,
        "user_id": run.user_id,
        "source": run.source,
        "mapping": run.mapping,
        "status": run.status.value,
        "total": run.total,
        "done": run.done,
        "created": run.created,
        "updated": run.updated,
        "skipped": run.skipped,
        "problems": run.problems,
        "error": run.error,
        "created_at": run.created_at,
        "updated_at": run.updated_at,
    }


class SqlAlchemyImportRepository:
    """See ``taskcore.ports.imports.ImportRepository``."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add_run(self, run: ImportRun, rows: Sequence[tuple[int, Mapping[str, str]]]) -> ImportRun:
        run_id = self._conn.execute(
            insert(import_runs).values(_values(run)).returning(import_runs.c.id)
        ).scalar_one()
        for start in range(0, len(rows), ROW_BATCH):
            self._conn.execute(
                insert(import_rows),
                [
                    {"run_id": run_id, "line": line, "cells": dict(cells)}
                    for line, cells in rows[start : start + ROW_BATCH]
                ],
            )
        if len(rows) >= ANALYZE_AFTER_ROWS and self._conn.dialect.name == "postgresql":
            # Fresh statistics, so that a chunk's read of the first rows left is an
            # ordered index scan rather than a sort of all the run's rows.
            self._conn.execute(text("ANALYZE import_rows"))
        run.id = run_id
        return run

    def get_run(self, run_id: int, *, for_update: bool = False) -> ImportRun | None:
        query = select(import_runs).where(import_runs.c.id == run_id)
        if for_update:
            query = query.with_for_update()
        row = self._conn.execute(query).first()
        return _run(row) if row else None

    def save_run(self, run: ImportRun) -> None:
        self._conn.execute(
            update(import_runs).where(import_runs.c.id == run.key).values(_values(run))
        )

    def rows(self, run_id: int, *, offset: int, limit: int) -> Sequence[tuple[int, dict[str, str]]]:
        found = self._conn.execute(
            select(import_rows.c.line, import_rows.c.cells)
            .where(import_rows.c.run_id == run_id)
            .order_by(import_rows.c.line)
            .offset(offset)
            .limit(limit)
        ).all()
        return [(r.line, dict(r.cells)) for r in found]

    def drop_rows(self, run_id: int, *, through_line: int | None = None) -> None:
        query = delete(import_rows).where(import_rows.c.run_id == run_id)
        if through_line is not None:
            query = query.where(import_rows.c.line <= through_line)
        self._conn.execute(query)

    def unfinished(self, updated_before: dt.datetime, limit: int) -> Sequence[int]:
        found = self._conn.execute(
            select(import_runs.c.id)
            .where(import_runs.c.status.in_(_OPEN), import_runs.c.updated_at < updated_before)
            .order_by(import_runs.c.updated_at)
            .limit(limit)
        ).all()
        return [r.id for r in found]

    def sources(
        self, project_id: int, source: str, external_ids: Collection[str]
    ) -> dict[str, int]:
        if not external_ids:
            return {}
        s = import_sources
        found = self._conn.execute(
            select(s.c.external_id, s.c.task_id)
            .join(tasks, tasks.c.id == s.c.task_id)
            .where(
                s.c.project_id == project_id,
                s.c.source == source,
                s.c.external_id.in_(sorted(external_ids)),
                tasks.c.project_id == project_id,  # not a task moved to another project since
            )
        ).all()
        return {r.external_id: r.task_id for r in found}

    def link(self, project_id: int, source: str, external_id: str, task_id: int) -> None:
        s = import_sources
        key = (s.c.project_id == project_id, s.c.source == source, s.c.external_id == external_id)
        changed = self._conn.execute(update(s).where(*key).values(task_id=task_id)).rowcount
        if not changed:
            self._conn.execute(
                insert(s).values(
                    project_id=project_id, source=source, external_id=external_id, task_id=task_id
                )
            )

    def link_many(self, project_id: int, source: str, links: Sequence[tuple[str, int]]) -> None:
        if links:
            self._conn.execute(
                insert(import_sources),
                [
                    {
                        "project_id": project_id,
                        "source": source,
                        "external_id": external,
                        "task_id": task_id,
                    }
                    for external, task_id in links
                ],
            )
            self._refresh_statistics()

    def _refresh_statistics(self) -> None:
        """On PostgreSQL, ``ANALYZE`` the sources and the tasks when their statistics are
        stale (see :data:`ANALYZE_AFTER_ROWS`)."""
        if self._conn.dialect.name != "postgresql":
            return
        stale = self._conn.execute(_STALE, {"least": ANALYZE_AFTER_ROWS}).scalars().all()
        for name in sorted(stale):
            self._conn.execute(_ANALYZE[name])
