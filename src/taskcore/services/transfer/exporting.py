"""Exporting a project: everything it holds, read in one transaction."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from typing import Final, TypeVar

import attrs

from taskcore.domain.pagination import Keyset
from taskcore.domain.tasks import Task, TaskCriteria, TaskOrder, TaskSort
from taskcore.domain.transfer import (
    ExportedAttachment,
    ExportedComment,
    ExportedField,
    ExportedMember,
    ExportedRelation,
    ExportedTask,
    ProjectExport,
)
from taskcore.errors import ProjectNotFound
from taskcore.ports.clock import Clock
from taskcore.ports.uow import UnitOfWork
from taskcore.services import access
from taskcore.services.access import Actor
from taskcore.uow import Transactions

PAGE: Final = 500
"""Rows read per query."""

T = TypeVar("T")

_OLDEST_FIRST = TaskOrder(sort=TaskSort.CREATED_AT, descending=False)


def _pages(read: Callable[[Keyset | None], Sequence[T]], key: Callable[[T], Keyset]) -> Iterator[T]:
    """Every row of a keyset-paged listing."""
    after: Keyset | None = None
    while True:
        batch = read(after)
        yield from batch
        if len(batch) < PAGE:
            return
        after = key(batch[-1])


class Names:
    """Usernames by user id, looked up once each (``#<id>`` for an account that is gone)."""

    def __init__(self, uow: UnitOfWork, known: dict[int, str]) -> None:
        self._uow = uow
        self._known = dict(known)

    def __call__(self, user_id: int) -> str:
        found = self._known.get(user_id)
        if found is None:
            user = self._uow.users.get(user_id)
            found = self._known[user_id] = user.username if user is not None else f"#{user_id}"
        return found


@attrs.frozen
class ProjectStream:
    """A project's export read as it is written (see :meth:`Exporting.stream_project`)."""

    head: ProjectExport
    """The project, its owner, members and custom fields; no tasks, no relations."""
    tasks: Iterator[ExportedTask]
    """The tasks, oldest first, each read when reached."""
    relations: dict[int, ExportedRelation]
    """The relations from the tasks read so far, by id."""


class Exporting:
    """Reading a whole project for export.

    Args:
        transactions: Opens units of work.
        clock: Source of the current time.
    """

    def __init__(self, *, transactions: Transactions, clock: Clock) -> None:
        self._tx = transactions
        self._clock = clock

    def export_project(self, actor: Actor, project_id: int) -> ProjectExport:
        """Everything a project holds (its members, tasks with their subtasks, labels,
        assignees, watchers, comments and attachments' metadata), people named by
        username, read in one transaction so the export is consistent (members, viewers
        included, and administrators).

        Raises:
            ProjectNotFound: no such project, or the caller may not see it.
        """
        with self.stream_project(actor, project_id) as stream:
            tasks = tuple(stream.tasks)
            return attrs.evolve(
                stream.head,
                tasks=tasks,
                relations=tuple(stream.relations[k] for k in sorted(stream.relations)),
            )

    @contextlib.contextmanager
    def stream_project(self, actor: Actor, project_id: int) -> Iterator[ProjectStream]:
        """:meth:`export_project` one task at a time: the project without its tasks and
        relations (``head``), its tasks read page by page as ``tasks`` is iterated, and
        the relations of the tasks read so far, all in one read transaction that lasts
        as long as the ``with`` block.

        Raises:
            ProjectNotFound: no such project, or the caller may not see it.
        """
        with self._tx(read_only=True) as work:
            uow = work.uow
            access.visible_role(uow.projects, actor, project_id, ProjectNotFound(project_id))
            project = uow.projects.get(project_id)
            if project is None:  # deleted since the check: same answer as before it
                raise ProjectNotFound(project_id)
            members = list(
                _pages(
                    lambda after: uow.projects.find_members(project_id, limit=PAGE, after=after),
                    lambda m: Keyset(value=m.added_at, id=m.user_id),
                )
            )
            names = Names(uow, {m.user_id: m.username for m in members})
            relations: dict[int, ExportedRelation] = {}

            def tasks() -> Iterator[ExportedTask]:
                criteria = TaskCriteria(project_id=project_id)
                for task in _pages(
                    lambda after: uow.tasks.find(criteria, _OLDEST_FIRST, limit=PAGE, after=after),
                    lambda t: Keyset(value=t.created_at, id=t.key),
                ):
                    item = self._task(uow, task, names)
                    relations.update((r.id, r) for r in _relations(uow, [item]))
                    yield item

            head = ProjectExport(
                custom_fields=tuple(
                    ExportedField(
                        key=f.key,
                        label=f.label,
                        type=str(f.type),
                        required=f.required,
                        options=tuple(f.options),
                    )
                    for f in uow.tasks.fields_of([project_id])
                ),
                project=project,
                owner=names(project.owner_id),
                members=tuple(
                    ExportedMember(username=m.username, role=m.role.value, added_at=m.added_at)
                    for m in members
                ),
                tasks=(),
                exported_at=self._clock.now(),
            )
            yield ProjectStream(head=head, tasks=tasks(), relations=relations)

    @staticmethod
    def _task(uow: UnitOfWork, task: Task, names: Names) -> ExportedTask:
        task_id = task.key
        comments: list[ExportedComment] = []
        offset = 0
        while True:
            batch = uow.comments.find(task_id, offset=offset, limit=PAGE)
            comments.extend(
                ExportedComment(
                    id=c.id,
                    author=c.author_name,
                    content=c.content,
                    created_at=c.created_at,
                    updated_at=c.updated_at,
                )
                for c in batch
            )
            if len(batch) < PAGE:
                break
            offset += PAGE
        files: list[ExportedAttachment] = []
        offset = 0
        while True:
            found = uow.attachments.find(task_id, offset=offset, limit=PAGE)
            files.extend(
                ExportedAttachment(
                    id=a.id,
                    original_filename=a.original_filename,
                    extension=a.extension,
                    file_size=a.file_size,
                    mime_type=a.mime_type,
                    file_hash=a.file_hash,
                    uploaded_by=names(a.uploaded_by),
                    created_at=a.created_at,
                    status=a.status.value,
                )
                for a in found
            )
            if len(found) < PAGE:
                break
            offset += PAGE
        files.sort(key=lambda a: (a.created_at, a.id))
        return ExportedTask(
            task=task,
            assignees=tuple(names(u) for u in task.assignee_ids),
            watchers=tuple(names(u) for u in task.watchers),
            comments=tuple(comments),
            attachments=tuple(files),
        )


def _relations(uow: UnitOfWork, tasks: Sequence[ExportedTask]) -> tuple[ExportedRelation, ...]:
    """The relations whose source is a task of the project, each once, by id."""
    found: dict[int, ExportedRelation] = {}
    for item in tasks:
        offset = 0
        while True:
            batch = uow.tasks.related(item.task.key, visible_to=None, offset=offset, limit=PAGE)
            for related in batch:
                r = related.relation
                if r.source_id == item.task.key:
                    found[r.key] = ExportedRelation(
                        id=r.key,
                        kind=str(r.kind.value),
                        source_id=r.source_id,
                        target_id=r.target_id,
                        lag_days=r.lag_days,
                    )
            if len(batch) < PAGE:
                break
            offset += PAGE
    return tuple(found[k] for k in sorted(found))
