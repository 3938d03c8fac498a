"""Reading tasks: one task, a project's tasks and the caller's tasks, filtered,
sorted and paged."""

from __future__ import annotations

from collections.abc import Sequence
from typing import overload

import attrs

from taskcore.domain import task_fields as fields
from taskcore.domain.pagination import CursorPage, CursorRequest, Page, PageRequest
from taskcore.domain.projects import choose
from taskcore.domain.tasks import Task, TaskCriteria, TaskOrder, TaskSort, TaskStatus, TaskView
from taskcore.errors import ProjectNotFound, ValidationError
from taskcore.ports.uow import UnitOfWork
from taskcore.services import access, listing
from taskcore.services.access import Actor
from taskcore.services.tasks.base import TasksBase, view_of, views_of, visible_task
from taskcore.services.tasks.custom_fields import with_custom_fields
from taskcore.services.tasks.inputs import TaskFilters, task_priority, task_status

NO_FILTERS = TaskFilters()
"""No filter: every task, newest first."""

SUBTASK_ORDER = TaskFilters(sort="position", order="asc")
"""No filter, in board order: a task's subtasks by default."""

COLUMN_SIZE = 100
"""The tasks of a board column :meth:`Reading.list_columns` reads by default."""

COLUMN_MAX = 500
"""The most tasks of a board column :meth:`Reading.list_columns` reads."""


class Reading(TasksBase):
    """Reading one task and listing tasks."""

    def get_task(self, actor: Actor, task_id: int) -> TaskView:
        """One task.

        Raises:
            TaskNotFound: no such task, or the caller is not a member of its project.
        """
        with self._tx(read_only=True) as work:
            task = visible_task(work.uow, actor, task_id)[0]
            return view_of(work.uow, task)

    @overload
    def list_subtasks(
        self, actor: Actor, task_id: int, *, filters: TaskFilters = ..., page: PageRequest = ...
    ) -> Page[TaskView]: ...

    @overload
    def list_subtasks(
        self, actor: Actor, task_id: int, *, filters: TaskFilters = ..., page: CursorRequest
    ) -> CursorPage[TaskView]: ...

    def list_subtasks(
        self,
        actor: Actor,
        task_id: int,
        *,
        filters: TaskFilters = SUBTASK_ORDER,
        page: PageRequest | CursorRequest = PageRequest(),  # noqa: B008 - immutable
    ) -> Page[TaskView] | CursorPage[TaskView]:
        """A task's direct subtasks, filtered and sorted (board order by default).

        ``filters.parent_id`` is ignored: the parent is the task.

        Raises:
            TaskNotFound: no such task, or the caller is not a member of its project.
            ValidationError: a bad filter, sort, order or cursor.
        """
        with self._tx(read_only=True) as work:
            task = visible_task(work.uow, actor, task_id)[0]
            criteria, order = self._criteria(
                attrs.evolve(filters, parent_id=task_id), project_id=task.project_id
            )
            criteria, order = with_custom_fields(
                work.uow, task.project_id, filters, criteria, order
            )
            return _fetch(work.uow, criteria, order, page)

    @overload
    def list_tasks(
        self, actor: Actor, project_id: int, *, filters: TaskFilters = ..., page: PageRequest = ...
    ) -> Page[TaskView]: ...

    @overload
    def list_tasks(
        self, actor: Actor, project_id: int, *, filters: TaskFilters = ..., page: CursorRequest
    ) -> CursorPage[TaskView]: ...

    def list_tasks(
        self,
        actor: Actor,
        project_id: int,
        *,
        filters: TaskFilters = NO_FILTERS,
        page: PageRequest | CursorRequest = PageRequest(),  # noqa: B008 - immutable
    ) -> Page[TaskView] | CursorPage[TaskView]:
        """A project's tasks, filtered and sorted (newest first by default).

        Raises:
            ProjectNotFound: no such project, or the caller is not a member.
            ValidationError: a bad filter, sort, order or cursor.
        """
        with self._tx(read_only=True) as work:
            access.visible_role(work.uow.projects, actor, project_id, ProjectNotFound(project_id))
            criteria, order = self._criteria(filters, project_id=project_id)
            criteria, order = with_custom_fields(work.uow, project_id, filters, criteria, order)
            return _fetch(work.uow, criteria, order, page)

    def list_columns(
        self,
        actor: Actor,
        project_id: int,
        *,
        filters: TaskFilters = SUBTASK_ORDER,
        per_column: int = COLUMN_SIZE,
    ) -> list[tuple[TaskStatus, Page[TaskView]]]:
        """A project's board: for each status in order, the first ``per_column`` (1 to
        :data:`COLUMN_MAX`) of its tasks matching ``filters`` (board order by default;
        ``filters.status`` is ignored), with how many match: what :meth:`list_tasks`
        answers for each status, read in one transaction, with one access check and the
        subtask roll-ups and blocking relations of every card read at once. A column
        holding fewer tasks than ``per_column`` is not counted apart.

        Raises:
            ProjectNotFound: no such project, or the caller is not a member.
            ValidationError: a bad filter, sort or order; ``per_column`` out of range
                (field ``per_page``).
        """
        if not 1 <= per_column <= COLUMN_MAX:
            raise ValidationError(f"per_page must be 1 to {COLUMN_MAX}", field="per_page")
        with self._tx(read_only=True) as work:
            uow = work.uow
            access.visible_role(uow.projects, actor, project_id, ProjectNotFound(project_id))
            criteria, order = self._criteria(
                attrs.evolve(filters, status=None), project_id=project_id
            )
            criteria, order = with_custom_fields(uow, project_id, filters, criteria, order)
            found: list[tuple[TaskStatus, Sequence[Task], int]] = []
            for status in TaskStatus:
                one = attrs.evolve(criteria, status=status)
                tasks = uow.tasks.find(one, order, offset=0, limit=per_column)
                total = uow.tasks.count(one) if len(tasks) == per_column else len(tasks)
                found.append((status, tasks, total))
            views = iter(views_of(uow, [t for _, tasks, _ in found for t in tasks]))
            return [
                (
                    status,
                    Page(
                        items=[next(views) for _ in tasks],
                        page=1,
                        per_page=per_column,
                        total=total,
                    ),
                )
                for status, tasks, total in found
            ]

    @overload
    def list_my_tasks(
        self, actor: Actor, *, filters: TaskFilters = ..., page: PageRequest = ...
    ) -> Page[TaskView]: ...

    @overload
    def list_my_tasks(
        self, actor: Actor, *, filters: TaskFilters = ..., page: CursorRequest
    ) -> CursorPage[TaskView]: ...

    def list_my_tasks(
        self,
        actor: Actor,
        *,
        filters: TaskFilters = NO_FILTERS,
        page: PageRequest | CursorRequest = PageRequest(),  # noqa: B008 - immutable
    ) -> Page[TaskView] | CursorPage[TaskView]:
        """The tasks assigned to the caller in every project they can see.

        ``filters.assignee_id`` is ignored: the assignee is the caller.

        Raises:
            ValidationError: a bad filter, sort, order or cursor.
        """
        if filters.custom or filters.sort.startswith("cf."):
            raise ValidationError(
                "Custom field filters and sorting work in a project's task list", field="cf"
            )
        criteria, order = self._criteria(
            attrs.evolve(filters, assignee_id=actor.user_id),
            member_id=None if actor.is_admin else actor.user_id,
        )
        with self._tx(read_only=True) as work:
            return _fetch(work.uow, criteria, order, page)

    def _criteria(
        self, filters: TaskFilters, *, project_id: int | None = None, member_id: int | None = None
    ) -> tuple[TaskCriteria, TaskOrder]:
        by_field = filters.sort.startswith("cf.")
        sort = (
            TaskSort.CREATED_AT
            if by_field
            else choose(TaskSort, filters.sort, what="sort", field="sort")
        )
        if filters.order not in ("asc", "desc"):
            raise ValidationError("Invalid order. Must be one of ['asc', 'desc']", field="order")
        criteria = TaskCriteria(
            project_id=project_id,
            member_id=member_id,
            status=None if filters.status is None else task_status(filters.status),
            priority=None if filters.priority is None else task_priority(filters.priority),
            assignee_id=filters.assignee_id,
            label=None if filters.label is None else fields.normalize_label(filters.label),
            due_before=fields.check_instant(
                filters.due_before, "due_before", "Invalid due_before format. Use ISO format"
            ),
            due_after=fields.check_instant(
                filters.due_after, "due_after", "Invalid due_after format. Use ISO format"
            ),
            overdue=filters.overdue,
            now=self._clock.now(),
            search=fields.check_search(filters.search),
            parent_id=filters.parent_id,
            top_level=filters.top_level,
            blocked=filters.blocked,
        )
        return criteria, TaskOrder(sort=sort, descending=filters.order == "desc")


@overload
def _fetch(
    uow: UnitOfWork, criteria: TaskCriteria, order: TaskOrder, page: PageRequest
) -> Page[TaskView]: ...


@overload
def _fetch(
    uow: UnitOfWork, criteria: TaskCriteria, order: TaskOrder, page: CursorRequest
) -> CursorPage[TaskView]: ...


def _fetch(
    uow: UnitOfWork, criteria: TaskCriteria, order: TaskOrder, page: PageRequest | CursorRequest
) -> Page[TaskView] | CursorPage[TaskView]:
    repo = uow.tasks
    found = listing.fetch(
        page,
        order=order.name,
        parse=order.parser(),
        key=lambda t: (order.value(t), t.key),
        count=lambda: repo.count(criteria),
        find=lambda offset, limit, after: repo.find(
            criteria, order, offset=offset, limit=limit, after=after
        ),
    )
    return listing.convert(found, lambda tasks: views_of(uow, tasks))
