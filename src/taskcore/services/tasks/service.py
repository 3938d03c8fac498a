"""Tasks: create, read, list and filter, change, delete; the caller's tasks across projects."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import overload

import attrs

from taskcore.domain import tasks as rules
from taskcore.domain import validation
from taskcore.domain.events import (
    DomainEvent,
    TaskCreated,
    TaskDeleted,
)
from taskcore.domain.pagination import CursorPage, CursorRequest, Page, PageRequest
from taskcore.domain.projects import Priority, Role, check_priority, choose
from taskcore.domain.tasks import (
    Task,
    TaskCriteria,
    TaskOrder,
    TaskPatch,
    TaskSort,
    TaskStatus,
    TaskView,
)
from taskcore.domain.values import UNSET, Unset
from taskcore.errors import ProjectNotFound, TaskNotFound, ValidationError
from taskcore.ports.clock import Clock
from taskcore.ports.uow import UnitOfWork
from taskcore.services import access, listing
from taskcore.services.access import Actor
from taskcore.uow import Transactions

_Instant = str | dt.date | None
_Hours = float | str | None

WRITE_DENIED = "You do not have permission to change tasks in this project"


@attrs.frozen(kw_only=True)
class TaskFilters:
    """Filters and order of a task listing, as plain values (checked by the service).

    Args:
        status: Only this status (``pending``, ``in_progress``, ``completed``,
            ``cancelled``).
        priority: Only this priority (``low``, ``medium``, ``high``, ``critical``).
        assignee_id: Only tasks assigned to this user.
        label: Only tasks with this label (compared after normalisation).
        due_before: Only tasks due strictly before this ISO 8601 instant or date.
        due_after: Only tasks due at or after this ISO 8601 instant or date.
        overdue: ``True``: only tasks past due and still open; ``False``: only the others.
        search: Only tasks whose title or description contains this text, in any case.
        sort: ``created_at`` (default), ``updated_at``, ``due_date``, ``priority`` (by
            urgency) or ``position`` (board order).
        order: ``desc`` (default) or ``asc``.
    """

    status: str | None = None
    priority: str | None = None
    assignee_id: int | None = None
    label: str | None = None
    due_before: _Instant = None
    due_after: _Instant = None
    overdue: bool | None = None
    search: str | None = None
    sort: str = TaskSort.CREATED_AT.value
    order: str = "desc"


@attrs.frozen(kw_only=True)
class TaskDraft:
    """One task to create with :meth:`TaskService.import_tasks`, as plain values.

    The fields mean what the arguments of :meth:`TaskService.create_task` mean and are
    checked the same way.
    """

    title: str | None
    description: str | None = None
    status: str | None = None
    priority: str | None = None
    due_date: _Instant = None
    estimated_hours: _Hours = None
    actual_hours: _Hours = None
    assignee_id: int | None = None
    labels: Iterable[str] | None = None
    watchers: Iterable[int] | None = None
    position: float | None = None


@attrs.frozen(kw_only=True)
class _Checked:
    """A draft's values after the field checks, before membership and position."""

    title: str
    description: str
    status: TaskStatus
    priority: Priority
    due_date: dt.datetime | None
    estimated_hours: float | None
    actual_hours: float | None
    assignee_id: int | None
    labels: tuple[str, ...]
    watchers: tuple[int, ...]
    position: float | None

    def task(self, project_id: int, position: float, now: dt.datetime) -> Task:
        return Task(
            project_id=project_id,
            title=self.title,
            description=self.description,
            status=self.status,
            priority=self.priority,
            due_date=self.due_date,
            completed_at=now if self.status is TaskStatus.COMPLETED else None,
            estimated_hours=self.estimated_hours,
            actual_hours=self.actual_hours,
            assignee_id=self.assignee_id,
            labels=self.labels,
            watchers=self.watchers,
            position=position,
            created_at=now,
            updated_at=now,
        )


class TaskService:
    """Use cases of the tasks area.

    Args:
        transactions: Opens units of work.
        clock: Source of the current time.
    """

    def __init__(self, *, transactions: Transactions, clock: Clock) -> None:
        self._tx = transactions
        self._clock = clock

    def create_task(
        self,
        actor: Actor,
        project_id: int,
        *,
        title: str | None,
        description: str | None = None,
        status: str | None = None,
        priority: str | None = None,
        due_date: _Instant = None,
        estimated_hours: _Hours = None,
        actual_hours: _Hours = None,
        assignee_id: int | None = None,
        labels: Iterable[str] | None = None,
        watchers: Iterable[int] | None = None,
        position: float | None = None,
    ) -> TaskView:
        """Create a task in a project (owners and members).

        Checks run in this order (project, title, assignee, due_date, status,
        priority), then hours, lengths, labels, watchers, position and membership of the
        assignee and watchers. A task created as ``completed`` gets ``completed_at``; one
        created without ``position`` goes to the end of its status column.

        Raises:
            ProjectNotFound: no such project, or the caller is not a member.
            ProjectRoleRequired: the caller is a viewer.
            ValidationError: ``Task title is required``, ``Assignee user not found``,
                ``Invalid due_date format. Use ISO format``, ``Invalid status. Must be one
                of [...]``, ``Invalid priority. Must be one of [...]``, ``Estimated hours
                must be a number``, ``Estimated hours cannot be negative`` (and the same for
                actual hours), a field too long, bad labels, watchers or position,
                ``Assignee must be a member of the project``, ``Watchers must be members of
                the project``.
        """
        draft = TaskDraft(
            title=title,
            description=description,
            status=status,
            priority=priority,
            due_date=due_date,
            estimated_hours=estimated_hours,
            actual_hours=actual_hours,
            assignee_id=assignee_id,
            labels=labels,
            watchers=watchers,
            position=position,
        )
        with self._tx() as work:
            uow = work.uow
            role = access.visible_role(uow.projects, actor, project_id, ProjectNotFound(project_id))
            access.require_write(actor, role, project_id, WRITE_DENIED)
            checked = _check_draft(draft, lambda user_id: _check_user(uow, user_id))
            _check_members(uow, project_id, checked.assignee_id, checked.watchers)
            now = self._clock.now()
            place = checked.position
            if place is None:
                place = _end_of_column(uow, project_id, checked.status)
            task = uow.tasks.add(checked.task(project_id, place, now))
            work.record(*_created(actor, task, now))
            work.commit()
        return TaskView.of(task)

    def import_tasks(
        self, actor: Actor, project_id: int, items: Sequence[TaskDraft]
    ) -> list[TaskView]:
        """Create many tasks in a project at once, all or none (owners and members).

        Each item is checked exactly as :meth:`create_task` checks its arguments; the
        caller's membership, the assignees' accounts and the assignees' and watchers'
        memberships are each looked up once for the whole batch. The tasks are stored in
        one transaction with one batched insert, in the order given. Each task records the
        same events as :meth:`create_task` (``TaskCreated``, and ``TaskAssigned`` when it
        has an assignee), so every consumer treats an imported task like a created one.
        Items without ``position`` go to the end of their status column, one after the
        other, as if created one by one.

        Args:
            actor: Who imports.
            project_id: The project that receives the tasks.
            items: The tasks to create.

        Returns:
            The created tasks, in the order of ``items``.

        Raises:
            ProjectNotFound: no such project, or the caller is not a member.
            ProjectRoleRequired: the caller is a viewer.
            ValidationError: an item fails a check of :meth:`create_task`; the message
                starts with ``Item N:`` (counting from 0) and ``field`` is
                ``items[N].<field>``. Nothing is stored.
        """
        with self._tx() as work:
            uow = work.uow
            role = access.visible_role(uow.projects, actor, project_id, ProjectNotFound(project_id))
            access.require_write(actor, role, project_id, WRITE_DENIED)
            if not items:
                return []
            wanted_assignees = {i.assignee_id for i in items if i.assignee_id is not None}
            known = {u for u in wanted_assignees if uow.users.get(u) is not None}
            checked: list[_Checked] = []
            for index, item in enumerate(items):
                try:
                    checked.append(_check_draft(item, lambda u: _known_user(known, u)))
                except ValidationError as exc:
                    raise _item_error(index, exc) from exc
            people = {c.assignee_id for c in checked if c.assignee_id is not None}
            people.update(w for c in checked for w in c.watchers)
            roles = uow.projects.member_roles(project_id, people) if people else {}
            for index, one in enumerate(checked):
                try:
                    _check_roles(roles, one.assignee_id, one.watchers)
                except ValidationError as exc:
                    raise _item_error(index, exc) from exc
            now = self._clock.now()
            last: dict[TaskStatus, float | None] = {}
            new_tasks: list[Task] = []
            for one in checked:
                if one.status not in last:
                    last[one.status] = uow.tasks.last_position(project_id, one.status)
                place = one.position
                if place is None:
                    end = last[one.status]
                    place = 1.0 if end is None else math.floor(end) + 1.0
                end = last[one.status]
                last[one.status] = place if end is None else max(end, place)
                new_tasks.append(one.task(project_id, place, now))
            stored = uow.tasks.add_many(new_tasks)
            work.record(*(event for task in stored for event in _created(actor, task, now)))
            work.commit()
        return [TaskView.of(task) for task in stored]

    def get_task(self, actor: Actor, task_id: int) -> TaskView:
        """One task.

        Raises:
            TaskNotFound: no such task, or the caller is not a member of its project.
        """
        with self._tx(read_only=True) as work:
            task = _visible_task(work.uow, actor, task_id)[0]
        return TaskView.of(task)

    @overload
    def list_tasks(
        self,
        actor: Actor,
        project_id: int,
        *,
        filters: TaskFilters = ...,
        page: PageRequest = ...,
    ) -> Page[TaskView]: ...

    @overload
    def list_tasks(
        self,
        actor: Actor,
        project_id: int,
        *,
        filters: TaskFilters = ...,
        page: CursorRequest,
    ) -> CursorPage[TaskView]: ...

    def list_tasks(
        self,
        actor: Actor,
        project_id: int,
        *,
        filters: TaskFilters = TaskFilters(),
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
            return _fetch(work.uow, criteria, order, page)

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
        filters: TaskFilters = TaskFilters(),
        page: PageRequest | CursorRequest = PageRequest(),  # noqa: B008 - immutable
    ) -> Page[TaskView] | CursorPage[TaskView]:
        """The tasks assigned to the caller in every project they can see.

        ``filters.assignee_id`` is ignored: the assignee is the caller.

        Raises:
            ValidationError: a bad filter, sort, order or cursor.
        """
        criteria, order = self._criteria(
            attrs.evolve(filters, assignee_id=actor.user_id),
            member_id=None if actor.is_admin else actor.user_id,
        )
        with self._tx(read_only=True) as work:
            return _fetch(work.uow, criteria, order, page)

    def update_task(
        self,
        actor: Actor,
        task_id: int,
        *,
        title: str | Unset | None = UNSET,
        description: str | Unset | None = UNSET,
        status: str | Unset | None = UNSET,
        priority: str | Unset | None = UNSET,
        assignee_id: int | Unset | None = UNSET,
        estimated_hours: _Hours | Unset = UNSET,
        actual_hours: _Hours | Unset = UNSET,
        due_date: _Instant | Unset = UNSET,
        labels: Iterable[str] | Unset | None = UNSET,
        watchers: Iterable[int] | Unset | None = UNSET,
        position: float | Unset = UNSET,
        expected_version: int | None = None,
    ) -> TaskView:
        """Change a task (owners and members); only the fields given change.

        Checks run in this order (title, description, status, priority,
        assignee, estimated hours, actual hours, due_date), then lengths, labels, watchers,
        position and membership; nothing is saved if any fails. ``updated_at`` is bumped
        on every call, even one that changes nothing. ``None`` clears the
        assignee, the hours and the due date (an empty due date too). Moving into
        ``completed`` stamps ``completed_at``, moving out clears it; a task changing status
        without a new ``position`` goes to the end of its new column.

        Raises:
            TaskNotFound: no such task, or the caller is not a member of its project.
            ProjectRoleRequired: the caller is a viewer.
            VersionMismatch: ``expected_version`` is not the current version.
            ValidationError: ``Task title cannot be empty`` and the errors of
                :meth:`create_task`.
        """
        with self._tx() as work:
            uow = work.uow
            task, role = _visible_task(uow, actor, task_id)
            access.require_write(actor, role, task.project_id, WRITE_DENIED)
            access.check_version(task.version, expected_version)
            patch = _check_patch(
                uow,
                title=title,
                description=description,
                status=status,
                priority=priority,
                assignee_id=assignee_id,
                estimated_hours=estimated_hours,
                actual_hours=actual_hours,
                due_date=due_date,
                labels=labels,
                watchers=watchers,
                position=position,
            )
            _check_members(
                uow,
                task.project_id,
                patch.assignee_id if isinstance(patch.assignee_id, int) else None,
                patch.watchers if patch.watchers is not UNSET else (),
            )
            status_moves = patch.status is not UNSET and patch.status is not task.status
            if status_moves and patch.position is UNSET and patch.status is not UNSET:
                # A task changing column without a position goes to the end of the new one.
                end = _end_of_column(uow, task.project_id, patch.status)
                patch = attrs.evolve(patch, position=end)
            now = self._clock.now()
            edit = task.edit(patch, now)
            task = uow.tasks.update(task, children_changed=edit.changed_children)
            work.record(*edit.events(actor.user_id, task, now))
            work.commit()
        return TaskView.of(task)

    def set_watching(self, actor: Actor, task_id: int, *, watching: bool) -> TaskView:
        """Start or stop watching a task, for the caller only.

        Any member may watch, viewers included: it changes nothing but the caller's own
        subscription.

        Raises:
            TaskNotFound: no such task, or the caller is not a member of its project.
        """
        with self._tx() as work:
            uow = work.uow
            task, _ = _visible_task(uow, actor, task_id)
            current = set(task.watchers)
            wanted = current | {actor.user_id} if watching else current - {actor.user_id}
            if wanted == current:
                return TaskView.of(task)
            if watching and not uow.projects.member_roles(task.project_id, [actor.user_id]):
                raise ValidationError("Watchers must be members of the project", field="watchers")
            now = self._clock.now()
            edit = task.edit(TaskPatch(watchers=tuple(sorted(wanted))), now)
            task = uow.tasks.update(task)
            work.record(*edit.events(actor.user_id, task, now))
            work.commit()
        return TaskView.of(task)

    def delete_task(
        self, actor: Actor, task_id: int, *, expected_version: int | None = None
    ) -> None:
        """Delete a task with its comments, at once (owners and members).

        Raises:
            TaskNotFound: no such task, or the caller is not a member of its project.
            ProjectRoleRequired: the caller is a viewer.
            VersionMismatch: ``expected_version`` is not the current version.
        """
        with self._tx() as work:
            uow = work.uow
            task, role = _visible_task(uow, actor, task_id)
            access.require_write(actor, role, task.project_id, WRITE_DENIED)
            access.check_version(task.version, expected_version)
            removed = uow.comments.delete_for_task(task_id)
            uow.tasks.delete(task_id)
            work.record(
                TaskDeleted(
                    occurred_at=self._clock.now(),
                    actor_id=actor.user_id,
                    entity_id=task_id,
                    entity_version=task.version + 1,
                    project_id=task.project_id,
                    title=task.title,
                    with_project=False,
                    comments_deleted=removed,
                )
            )
            work.commit()

    def _criteria(
        self,
        filters: TaskFilters,
        *,
        project_id: int | None = None,
        member_id: int | None = None,
    ) -> tuple[TaskCriteria, TaskOrder]:
        sort = choose(TaskSort, filters.sort, what="sort", field="sort")
        if filters.order not in ("asc", "desc"):
            raise ValidationError("Invalid order. Must be one of ['asc', 'desc']", field="order")
        criteria = TaskCriteria(
            project_id=project_id,
            member_id=member_id,
            status=None if filters.status is None else rules.check_task_status(filters.status),
            priority=None if filters.priority is None else check_priority(filters.priority),
            assignee_id=filters.assignee_id,
            label=None if filters.label is None else rules.normalize_label(filters.label),
            due_before=rules.parse_instant(
                filters.due_before, "due_before", "Invalid due_before format. Use ISO format"
            ),
            due_after=rules.parse_instant(
                filters.due_after, "due_after", "Invalid due_after format. Use ISO format"
            ),
            overdue=filters.overdue,
            now=self._clock.now(),
            search=rules.check_search(filters.search),
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
    uow: UnitOfWork,
    criteria: TaskCriteria,
    order: TaskOrder,
    page: PageRequest | CursorRequest,
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
    return listing.convert(found, _views)


def _views(tasks: Sequence[Task]) -> list[TaskView]:
    return [TaskView.of(t) for t in tasks]


def _visible_task(uow: UnitOfWork, actor: Actor, task_id: int) -> tuple[Task, Role | None]:
    task = uow.tasks.get(task_id)
    if task is None:
        raise TaskNotFound(task_id)
    role = access.visible_role(uow.projects, actor, task.project_id, TaskNotFound(task_id))
    return task, role


def _check_user(uow: UnitOfWork, user_id: int) -> None:
    if uow.users.get(user_id) is None:
        raise ValidationError("Assignee user not found", field="assignee_id")


def _known_user(known: set[int], user_id: int) -> None:
    if user_id not in known:
        raise ValidationError("Assignee user not found", field="assignee_id")


def _check_draft(draft: TaskDraft, check_user: Callable[[int], None]) -> _Checked:
    """The field checks of a new task, in this order (title, assignee, due_date,
    status, priority), then hours, lengths, labels, watchers and position."""
    title = rules.check_title(draft.title, message="Task title is required")
    if draft.assignee_id is not None:
        check_user(draft.assignee_id)
    due = rules.parse_due_date(draft.due_date)
    status = TaskStatus.PENDING if draft.status is None else rules.check_task_status(draft.status)
    priority = Priority.MEDIUM if draft.priority is None else check_priority(draft.priority)
    estimated = rules.parse_hours(draft.estimated_hours, "estimated_hours", "Estimated hours")
    actual = rules.parse_hours(draft.actual_hours, "actual_hours", "Actual hours")
    rules.check_title_length(title)
    text = validation.clean_description(draft.description)
    validation.check_description_length(text)
    return _Checked(
        title=title,
        description=text,
        status=status,
        priority=priority,
        due_date=due,
        estimated_hours=estimated,
        actual_hours=actual,
        assignee_id=draft.assignee_id,
        labels=rules.normalize_labels(draft.labels),
        watchers=rules.normalize_watchers(draft.watchers),
        position=None if draft.position is None else rules.check_position(draft.position),
    )


def _check_patch(
    uow: UnitOfWork,
    *,
    title: str | Unset | None,
    description: str | Unset | None,
    status: str | Unset | None,
    priority: str | Unset | None,
    assignee_id: int | Unset | None,
    estimated_hours: _Hours | Unset,
    actual_hours: _Hours | Unset,
    due_date: _Instant | Unset,
    labels: Iterable[str] | Unset | None,
    watchers: Iterable[int] | Unset | None,
    position: float | Unset,
) -> TaskPatch:
    """The field checks of a task update, in this order (title, description, status,
    priority, assignee, estimated hours, actual hours, due_date), then lengths, labels,
    watchers and position; only the given fields are checked."""
    new_title = (
        UNSET if title is UNSET else rules.check_title(title, message="Task title cannot be empty")
    )
    new_description = UNSET if description is UNSET else validation.clean_description(description)
    new_status = UNSET if status is UNSET else rules.check_task_status(status)
    new_priority = UNSET if priority is UNSET else check_priority(priority)
    if assignee_id is not UNSET and assignee_id is not None:
        _check_user(uow, assignee_id)
    estimated = (
        UNSET
        if estimated_hours is UNSET
        else rules.parse_hours(estimated_hours, "estimated_hours", "Estimated hours")
    )
    actual = (
        UNSET
        if actual_hours is UNSET
        else rules.parse_hours(actual_hours, "actual_hours", "Actual hours")
    )
    due = UNSET if due_date is UNSET else rules.parse_due_date(due_date)
    if new_title is not UNSET:
        rules.check_title_length(new_title)
    if new_description is not UNSET:
        validation.check_description_length(new_description)
    return TaskPatch(
        title=new_title,
        description=new_description,
        status=new_status,
        priority=new_priority,
        assignee_id=assignee_id,
        estimated_hours=estimated,
        actual_hours=actual,
        due_date=due,
        labels=UNSET if labels is UNSET else rules.normalize_labels(labels),
        watchers=UNSET if watchers is UNSET else rules.normalize_watchers(watchers),
        position=UNSET if position is UNSET else rules.check_position(position),
    )


def _item_error(index: int, exc: ValidationError) -> ValidationError:
    field = f"items[{index}]" if exc.field is None else f"items[{index}].{exc.field}"
    return ValidationError(f"Item {index}: {exc}", field=field)


def _created(actor: Actor, task: Task, now: dt.datetime) -> list[DomainEvent]:
    events: list[DomainEvent] = [
        TaskCreated(
            occurred_at=now,
            actor_id=actor.user_id,
            entity_id=task.key,
            entity_version=task.version,
            project_id=task.project_id,
            title=task.title,
            status=task.status.value,
            priority=task.priority.value,
            assignee_id=task.assignee_id,
        )
    ]
    if task.assignee_id is not None:
        events.append(rules.assignment(actor.user_id, task, None, now))
    return events


def _check_members(
    uow: UnitOfWork, project_id: int, assignee_id: int | None, watchers: Sequence[int]
) -> None:
    wanted = set(watchers) | ({assignee_id} if assignee_id is not None else set())
    if not wanted:
        return
    _check_roles(uow.projects.member_roles(project_id, wanted), assignee_id, watchers)


def _check_roles(
    roles: Mapping[int, Role], assignee_id: int | None, watchers: Sequence[int]
) -> None:
    if assignee_id is not None and assignee_id not in roles:
        raise ValidationError("Assignee must be a member of the project", field="assignee_id")
    if any(w not in roles for w in watchers):
        raise ValidationError("Watchers must be members of the project", field="watchers")


def _end_of_column(uow: UnitOfWork, project_id: int, status: TaskStatus) -> float:
    last = uow.tasks.last_position(project_id, status)
    return 1.0 if last is None else math.floor(last) + 1.0
