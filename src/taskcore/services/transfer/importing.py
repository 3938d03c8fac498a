"""Importing tasks from a file's rows: the dry run, the run as a background job written in
chunks (each chunk commits with the run's progress and drops the staged rows it wrote, so
a run that stopped resumes after its last chunk), and updating instead of duplicating
what an earlier import of the same source made."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from typing import Any, Final

import attrs

from taskcore.domain.comments import Comment, snippet
from taskcore.domain.events import CommentAdded, DomainEvent, TaskCreated
from taskcore.domain.import_mapping import (
    ImportedTask,
    ImportField,
    ImportRun,
    Preview,
    Problem,
    ReadRow,
    RunStatus,
    check_mapping,
    guess_mapping,
    preview,
    read_row,
)
from taskcore.domain.tasks import Task, TaskPatch, TaskStatus, assignments
from taskcore.domain.values import UNSET
from taskcore.errors import NotFound, ProjectNotFound, TooLarge, ValidationError
from taskcore.ports.clock import Clock
from taskcore.ports.jobs import JobSpec
from taskcore.ports.uow import UnitOfWork
from taskcore.services import access
from taskcore.services.access import Actor
from taskcore.services.jobs import Jobs
from taskcore.uow import Transactions

IMPORT: Final = JobSpec(name="transfer.import", retries=5, timeout_seconds=3_600, lane="imports")
"""Writes one run, chunk after chunk (in a lane of its own: never in the request's
thread)."""
RESUME: Final = JobSpec(name="transfer.resume", retries=0)
"""Queues again the runs that stopped (a worker crashed) and have not moved since."""

CHUNK: Final = 500
"""Rows written per transaction."""
MAX_ROWS: Final = 200_000
"""The most rows one import takes."""
STALE_MINUTES: Final = 10
"""A queued or running run that has not moved for this long is queued again."""
MAX_RUN_PROBLEMS: Final = 1_000
"""Problems a run keeps (all are counted in ``skipped``)."""

WRITE_DENIED: Final = "You do not have permission to import into this project"

Rows = Sequence[tuple[int, Mapping[str, str]]]
"""A file's rows: the line each starts on, and its cells by column."""


@attrs.frozen
class _Writer:
    """The user who started a run, as an actor for the access rules."""

    user_id: int
    is_admin: bool


class ImportRunNotFound(NotFound):
    """No import run with this id the caller may see."""

    def __init__(self, run_id: int) -> None:
        super().__init__("Import not found")
        self.run_id = run_id


def _members(uow: UnitOfWork, project_id: int) -> dict[str, int]:
    found: dict[str, int] = {}
    offset = 0
    while True:
        batch = uow.projects.find_members(project_id, offset=offset, limit=500)
        found.update({m.username.lower(): m.user_id for m in batch})
        if len(batch) < 500:
            return found
        offset += 500


def _mapping(header: Sequence[str], mapping: Mapping[str, object] | None) -> dict[str, str]:
    if mapping:
        return check_mapping(mapping, header)
    guessed = guess_mapping(header)
    if ImportField.TITLE.value not in guessed:
        raise ValidationError(
            "mapping.title: no column looks like the title; give a mapping",
            field="mapping.title",
        )
    return guessed


def _read_all(
    rows: Rows,
    mapping: Mapping[str, str],
    members: Mapping[str, int],
    known_sources: set[str],
) -> list[ReadRow]:
    """Every row read, with the problems that span rows: an external id used twice, a
    parent that neither an earlier row nor an earlier import holds."""
    reads: list[ReadRow] = []
    seen: dict[str, int] = {}
    for line, cells in rows:
        read = read_row(line, cells, mapping, members)
        task = read.task
        if task is not None:
            problems: list[Problem] = []
            if task.external_id in seen:
                problems.append(
                    Problem(
                        line=line,
                        field=ImportField.EXTERNAL_ID.value,
                        reason=f"repeats the id of line {seen[task.external_id]}",
                    )
                )
            if (
                task.parent is not None
                and task.parent not in seen
                and (task.parent not in known_sources)
            ):
                problems.append(
                    Problem(
                        line=line,
                        field=ImportField.PARENT.value,
                        reason=f"no earlier row or import has the id {task.parent!r}",
                    )
                )
            if problems:
                read = ReadRow(task=None, problems=tuple(problems))
            else:
                seen[task.external_id] = line
        reads.append(read)
    return reads


class Importing:
    """Importing tasks into a project.

    Args:
        transactions: Opens units of work.
        clock: Source of the current time.
        jobs: Where import runs are queued (``None``: they cannot be started).
    """

    def __init__(self, *, transactions: Transactions, clock: Clock, jobs: Jobs | None) -> None:
        self._tx = transactions
        self._clock = clock
        self._jobs = jobs

    def _check_writer(self, uow: UnitOfWork, actor: Actor, project_id: int) -> None:
        role = access.visible_role(uow.projects, actor, project_id, ProjectNotFound(project_id))
        access.require_write(actor, role, project_id, WRITE_DENIED)
        required = [d.key for d in uow.tasks.fields_of([project_id]) if d.required]
        if required:
            # Imported tasks carry no custom-field values (as TaskService.import_tasks).
            key = required[0]
            raise ValidationError(
                f"custom_fields.{key} is required in this project; imported tasks carry no "
                "custom-field values",
                field=f"custom_fields.{key}",
            )

    def preview_import(
        self,
        actor: Actor,
        project_id: int,
        *,
        source: str,
        header: Sequence[str],
        rows: Rows,
        mapping: Mapping[str, object] | None = None,
    ) -> Preview:
        """The dry run: read and check every row as the import would, and say what it
        would do, changing nothing (owners and members).

        Args:
            source: Names where the rows come from (for parents imported earlier).
            header: The file's columns.
            rows: The file's rows.
            mapping: Field → column; guessed from the header when not given.

        Raises:
            ProjectNotFound: no such project, or the caller may not see it.
            ProjectRoleRequired: the caller is a viewer.
            ValidationError: a bad mapping (naming ``mapping.<field>``).
            TooLarge: more than :data:`MAX_ROWS` rows.
        """
        _check_size(rows)
        with self._tx(read_only=True) as work:
            uow = work.uow
            self._check_writer(uow, actor, project_id)
            applied = _mapping(header, mapping)
            members = _members(uow, project_id)
            parents = _parents(rows, applied)
            known = set(uow.imports.sources(project_id, source, parents))
        return preview(header, _read_all(rows, applied, members, known), applied)

    def start_import(
        self,
        actor: Actor,
        project_id: int,
        *,
        source: str,
        header: Sequence[str],
        rows: Rows,
        mapping: Mapping[str, object] | None = None,
    ) -> ImportRun:
        """Stage the rows and queue the run that writes them (owners and members); follow
        it with :meth:`get_import`.

        Raises:
            ProjectNotFound, ProjectRoleRequired, ValidationError, TooLarge: as
                :meth:`preview_import`.
            Unavailable: no job queue.
        """
        _check_size(rows)
        if not source.strip() or len(source) > 200:
            raise ValidationError("source must be 1 to 200 characters", field="source")
        now = self._clock.now()
        with self._tx() as work:
            uow = work.uow
            self._check_writer(uow, actor, project_id)
            applied = _mapping(header, mapping)
            run = uow.imports.add_run(
                ImportRun(
                    project_id=project_id,
                    user_id=actor.user_id,
                    source=source.strip(),
                    mapping=applied,
                    total=len(rows),
                    created_at=now,
                    updated_at=now,
                ),
                rows,
            )
            work.commit()
        self._queue(run.key)
        return run

    def _queue(self, run_id: int) -> None:
        if self._jobs is not None:
            self._jobs.enqueue(IMPORT, {"run_id": run_id})

    def get_import(self, actor: Actor, run_id: int) -> ImportRun:
        """A run and its progress (whoever started it, and the project's members).

        Raises:
            ImportRunNotFound: no such run, or the caller may not see its project.
        """
        with self._tx(read_only=True) as work:
            uow = work.uow
            run = uow.imports.get_run(run_id)
            if run is None:
                raise ImportRunNotFound(run_id)
            if run.user_id != actor.user_id:
                access.visible_role(uow.projects, actor, run.project_id, ImportRunNotFound(run_id))
            return run

    # -- the job ------------------------------------------------------------------------

    def run_import_job(self, args: Mapping[str, Any]) -> None:
        """Write a run, chunk after chunk, until it is done (a rerun resumes after the
        last committed chunk)."""
        run_id = int(args["run_id"])
        while self.write_chunk(run_id):
            pass

    def run_resume_job(self, args: Mapping[str, Any]) -> None:
        """Queue again the runs that have not moved for :data:`STALE_MINUTES`."""
        before = self._clock.now() - dt.timedelta(minutes=STALE_MINUTES)
        with self._tx(read_only=True) as work:
            stale = work.uow.imports.unfinished(before, 100)
        for run_id in stale:
            self._queue(run_id)

    def write_chunk(self, run_id: int) -> bool:
        """Write the next :data:`CHUNK` rows of a run in one transaction with its progress.

        Returns:
            Whether rows remain.
        """
        with self._tx() as work:
            uow = work.uow
            run = uow.imports.get_run(run_id, for_update=True)
            if run is None or run.status in (RunStatus.DONE, RunStatus.FAILED):
                return False
            now = self._clock.now()
            role = uow.projects.member_roles(run.project_id, [run.user_id]).get(run.user_id)
            user = uow.users.get(run.user_id)
            writer = (
                user is not None
                and user.is_active
                and access.can_write(_Writer(user.key, user.is_admin), role)
            )
            if not writer:
                run.status, run.error, run.updated_at = RunStatus.FAILED, WRITE_DENIED, now
                uow.imports.save_run(run)
                work.commit()
                return False
            # Each chunk drops the rows it wrote (below, in its transaction): the rows
            # left start with the next chunk's, read without skipping the handled ones.
            rows = uow.imports.rows(run_id, offset=0, limit=CHUNK)
            if not rows:
                run.status, run.updated_at = RunStatus.DONE, now
                uow.imports.drop_rows(run_id)
                uow.imports.save_run(run)
                work.commit()
                return False
            events = self._write(uow, run, rows, now)
            uow.imports.drop_rows(run_id, through_line=rows[-1][0])
            run.done += len(rows)
            run.status, run.updated_at = RunStatus.RUNNING, now
            uow.imports.save_run(run)
            work.record(*events)
            work.commit()
            return True

    def _write(
        self, uow: UnitOfWork, run: ImportRun, rows: Rows, now: dt.datetime
    ) -> list[DomainEvent]:
        """Write one chunk: new tasks in batches (a subtask whose parent is new in the same
        chunk waits for the batch before it), updates one by one."""
        members = _members(uow, run.project_id)
        reads = [read_row(line, cells, run.mapping, members) for line, cells in rows]
        wanted = {r.task.external_id for r in reads if r.task is not None}
        wanted.update(r.task.parent for r in reads if r.task is not None and r.task.parent)
        known = uow.imports.sources(run.project_id, run.source, wanted)
        events: list[DomainEvent] = []
        last: dict[TaskStatus, float | None] = {}
        batch: list[tuple[str, Task]] = []
        comments = {r.task.external_id: r.task.comments for r in reads if r.task is not None}

        def flush() -> None:
            if not batch:
                return
            stored = uow.tasks.add_many([task for _, task in batch])
            links = [
                (external, task.key) for (external, _), task in zip(batch, stored, strict=True)
            ]
            uow.imports.link_many(run.project_id, run.source, links)
            known.update(links)
            for task in stored:
                events.extend(_created(run.user_id, task, now))
            for (external, _), task in zip(batch, stored, strict=True):
                events.extend(_add_comments(uow, task, comments.get(external, ()), now))
            run.created += len(stored)
            batch.clear()

        for read in reads:
            item = read.task
            problems = list(read.problems)
            parent_id: int | None = None
            if item is not None and item.parent is not None:
                if any(external == item.parent for external, _ in batch):
                    flush()
                parent_id = known.get(item.parent)
                if parent_id is None:
                    problems.append(
                        Problem(
                            line=item.line,
                            field=ImportField.PARENT.value,
                            reason=f"no earlier row or import has the id {item.parent!r}",
                        )
                    )
            if item is None or problems:
                run.skipped += 1
                room = MAX_RUN_PROBLEMS - len(run.problems)
                run.problems.extend(attrs.asdict(p) for p in problems[: max(0, room)])
                continue
            existing = known.get(item.external_id)
            task = uow.tasks.get(existing) if existing is not None else None
            if task is not None and task.project_id == run.project_id:
                edit = task.edit(_patch(item, parent_id), now)
                task = uow.tasks.update(task, children_changed=edit.changed_children)
                events.extend(edit.events(run.user_id, task, now))
                run.updated += 1
                continue
            if item.status not in last:
                last[item.status] = uow.tasks.last_position(run.project_id, item.status)
            end = last[item.status]
            place = 1.0 if end is None else math.floor(end) + 1.0
            last[item.status] = place
            batch.append((item.external_id, _new_task(item, run.project_id, parent_id, place, now)))
        flush()
        return events


def _check_size(rows: Rows) -> None:
    if len(rows) > MAX_ROWS:
        raise TooLarge(f"At most {MAX_ROWS} rows can be imported at once")


def _parents(rows: Rows, mapping: Mapping[str, str]) -> set[str]:
    column = mapping.get(ImportField.PARENT.value)
    if column is None:
        return set()
    return {cells.get(column, "").strip() for _, cells in rows} - {""}


def _new_task(
    item: ImportedTask, project_id: int, parent_id: int | None, place: float, now: dt.datetime
) -> Task:
    task = Task(
        project_id=project_id,
        title=item.title,
        description=item.description,
        priority=item.priority,
        due_date=item.due_date,
        estimated_hours=item.estimated_hours,
        labels=item.labels,
        watchers=tuple(sorted(item.watchers)),
        assignee_ids=item.assignees,
        position=place,
        parent_id=parent_id,
        created_at=now,
        updated_at=now,
    )
    task.set_status(item.status, now)
    return task


def _patch(item: ImportedTask, parent_id: int | None) -> TaskPatch:
    """The fields the row gives, for updating the task an earlier import made."""
    given = item.given

    def has(field: ImportField) -> bool:
        return field.value in given

    return TaskPatch(
        title=item.title,
        description=item.description if has(ImportField.DESCRIPTION) else UNSET,
        status=item.status if has(ImportField.STATUS) else UNSET,
        priority=item.priority if has(ImportField.PRIORITY) else UNSET,
        due_date=item.due_date if has(ImportField.DUE_DATE) else UNSET,
        estimated_hours=item.estimated_hours if has(ImportField.ESTIMATED_HOURS) else UNSET,
        labels=item.labels if has(ImportField.LABELS) else UNSET,
        watchers=tuple(sorted(item.watchers)) if has(ImportField.WATCHERS) else UNSET,
        assignee_ids=item.assignees if has(ImportField.ASSIGNEES) else UNSET,
        parent_id=parent_id if has(ImportField.PARENT) else UNSET,
    )


def _add_comments(
    uow: UnitOfWork, task: Task, comments: Sequence[tuple[int, str]], now: dt.datetime
) -> list[DomainEvent]:
    """A new task's imported comments, by their authors, with their events."""
    events: list[DomainEvent] = []
    for author_id, content in comments:
        stored = uow.comments.add(
            Comment(
                task_id=task.key,
                author_id=author_id,
                content=content,
                created_at=now,
                updated_at=now,
            )
        )
        events.append(
            CommentAdded(
                occurred_at=now,
                actor_id=author_id,
                entity_id=stored.key,
                project_id=task.project_id,
                task_id=task.key,
                content_snippet=snippet(content),
            )
        )
    return events


def _created(actor_id: int, task: Task, now: dt.datetime) -> list[DomainEvent]:
    events: list[DomainEvent] = [
        TaskCreated(
            occurred_at=now,
            actor_id=actor_id,
            entity_id=task.key,
            entity_version=task.version,
            project_id=task.project_id,
            title=task.title,
            status=task.status.value,
            priority=task.priority.value,
            assignee_id=task.assignee_id,
            parent_id=task.parent_id,
        )
    ]
    events.extend(assignments(actor_id, task, (), now))
    return events
