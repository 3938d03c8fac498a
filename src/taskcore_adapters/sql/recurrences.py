"""Recurrences in SQL (see ``taskcore.ports.time``): one row per recurring task, with its
place in the series."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs
from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from taskcore.domain.recurrence import RecurrenceMode, TaskRecurrence
from taskcore.errors import Conflict, NotFound, TaskNotFound, VersionMismatch
from taskcore_adapters.sql.support import is_foreign_key_violation
from taskcore_adapters.sql.tables import task_recurrences


def _recurrence(row: Any) -> TaskRecurrence:
    return TaskRecurrence(
        task_id=row.task_id,
        rule=row.rule,
        mode=RecurrenceMode(row.mode),
        timezone=row.timezone,
        series_start=row.series_start,
        occurrence=row.occurrence,
        previous_task_id=row.previous_task_id,
        next_task_id=row.next_task_id,
        created_by=row.created_by,
        created_at=row.created_at,
        updated_at=row.updated_at,
        version=row.version,
    )


def _recurrence_values(recurrence: TaskRecurrence) -> dict[str, Any]:
    return {
        "rule": recurrence.rule,
        "mode": recurrence.mode.value,
        "timezone": recurrence.timezone,
        "series_start": recurrence.series_start,
        "occurrence": recurrence.occurrence,
        "previous_task_id": recurrence.previous_task_id,
        "next_task_id": recurrence.next_task_id,
        "created_by": recurrence.created_by,
        "created_at": recurrence.created_at,
        "updated_at": recurrence.updated_at,
    }


class SqlAlchemyRecurrenceRepository:
    """Recurrences in SQL: one row per recurring task."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def get(self, task_id: int) -> TaskRecurrence | None:
        row = self._conn.execute(
            select(task_recurrences).where(task_recurrences.c.task_id == task_id)
        ).first()
        return _recurrence(row) if row else None

    def add(self, recurrence: TaskRecurrence) -> TaskRecurrence:
        try:
            self._conn.execute(
                insert(task_recurrences).values(
                    task_id=recurrence.task_id, version=1, **_recurrence_values(recurrence)
                )
            )
        except IntegrityError as exc:
            if is_foreign_key_violation(exc, "fk_task_recurrences_task_id_tasks"):
                raise TaskNotFound(recurrence.task_id) from exc
            raise Conflict("The task already recurs") from exc
        return attrs.evolve(recurrence, version=1)

    def update(self, recurrence: TaskRecurrence) -> TaskRecurrence:
        result = self._conn.execute(
            update(task_recurrences)
            .where(
                task_recurrences.c.task_id == recurrence.task_id,
                task_recurrences.c.version == recurrence.version,
            )
            .values(version=recurrence.version + 1, **_recurrence_values(recurrence))
        )
        if result.rowcount == 0:
            if self.get(recurrence.task_id) is None:
                raise NotFound("The task does not recur")
            raise VersionMismatch()
        return attrs.evolve(recurrence, version=recurrence.version + 1)

    def delete(self, task_id: int) -> bool:
        result = self._conn.execute(
            delete(task_recurrences).where(task_recurrences.c.task_id == task_id)
        )
        return result.rowcount > 0

    def delete_for_tasks(self, task_ids: Sequence[int]) -> int:
        if not task_ids:
            return 0
        wanted = list(task_ids)
        removed = self._conn.execute(
            delete(task_recurrences).where(task_recurrences.c.task_id.in_(wanted))
        ).rowcount
        for column in (task_recurrences.c.previous_task_id, task_recurrences.c.next_task_id):
            self._conn.execute(
                update(task_recurrences).where(column.in_(wanted)).values({column.name: None})
            )
        return removed
