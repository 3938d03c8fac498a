"""Projects themselves: create, read, list, change and delete them."""

from __future__ import annotations

import datetime as dt
from typing import overload

from taskcore.domain import projects as rules
from taskcore.domain import validation
from taskcore.domain.events import (
    Change,
    ProjectCreated,
    ProjectDeleted,
    ProjectUpdated,
    TaskDeleted,
    change,
    json_value,
)
from taskcore.domain.pagination import CursorPage, CursorRequest, Page, PageRequest, datetime_value
from taskcore.domain.projects import (
    Membership,
    Project,
    ProjectCriteria,
    ProjectStatus,
    ProjectView,
    Role,
)
from taskcore.domain.values import UNSET, Unparsed, Unset
from taskcore.errors import AdminRequired, ProjectNotFound
from taskcore.services import access, listing
from taskcore.services.access import Actor
from taskcore.services.projects.base import ProjectsBase

PROJECT_ORDER = "projects:created_at:desc"

_DateInput = dt.date | Unparsed | None
_Status = ProjectStatus | Unparsed | None
_Priority = rules.Priority | Unparsed | None


class ProjectLifecycle(ProjectsBase):
    """Creating, reading, listing, changing and deleting projects."""

    def create_project(
        self,
        actor: Actor,
        *,
        name: str | None,
        description: str | None = None,
        status: _Status = None,
        priority: _Priority = None,
        start_date: _DateInput = None,
        end_date: _DateInput = None,
    ) -> ProjectView:
        r"""Create a project; the caller becomes its owner.

        Checks run in this order (name, dates, status, priority), then the
        lengths and the date range. ``None`` dates are no dates; ``None`` status and
        priority mean the defaults (``active``, ``medium``). Fields take typed values (a
        :class:`ProjectStatus`, a :class:`Priority`, ``date``\ s); hosts parse wire text
        with :func:`~taskcore.domain.projects.check_project_status`,
        :func:`~taskcore.domain.projects.check_priority` and
        :func:`~taskcore.domain.projects.parse_date`, passing
        :class:`~taskcore.domain.values.Unparsed` for text that does not parse.

        Returns:
            The new project.

        Raises:
            ValidationError: ``Project name is required``, ``Invalid date format. Use
                YYYY-MM-DD``, ``Invalid status. Must be one of [...]``, ``Invalid
                priority. Must be one of [...]``, a field too long, or ``End date cannot be
                before start date``.
        """
        clean_name = rules.check_name(name, message="Project name is required")
        start = rules.check_date(start_date, "start_date")
        end = rules.check_date(end_date, "end_date")
        new_status = ProjectStatus.ACTIVE if status is None else _project_status(status)
        new_priority = rules.Priority.MEDIUM if priority is None else _priority(priority)
        rules.check_name_length(clean_name)
        text = validation.clean_description(description)
        validation.check_description_length(text)
        rules.check_date_range(start, end)
        with self._tx() as work:
            now = self._clock.now()
            project = work.uow.projects.add(
                Project(
                    name=clean_name,
                    description=text,
                    status=new_status,
                    priority=new_priority,
                    start_date=start,
                    end_date=end,
                    owner_id=actor.user_id,
                    created_at=now,
                    updated_at=now,
                )
            )
            work.uow.projects.add_member(
                Membership(
                    project_id=project.key, user_id=actor.user_id, role=Role.OWNER, added_at=now
                )
            )
            work.record(
                ProjectCreated(
                    occurred_at=now,
                    actor_id=actor.user_id,
                    entity_id=project.key,
                    project_id=project.key,
                    project_name=project.name,
                    owner_id=actor.user_id,
                )
            )
            work.commit()
        return ProjectView.of(project, task_count=0, role=Role.OWNER)

    def get_project(self, actor: Actor, project_id: int) -> ProjectView:
        """One project, with its task count and the caller's role.

        Raises:
            ProjectNotFound: no such project, or the caller is not a member.
        """
        with self._tx(read_only=True) as work:
            access.visible_role(work.uow.projects, actor, project_id, ProjectNotFound(project_id))
            found = work.uow.projects.view(project_id, viewer_id=actor.user_id)
        if found is None:
            raise ProjectNotFound(project_id)
        return found

    @overload
    def list_projects(
        self,
        actor: Actor,
        *,
        all: bool = ...,
        status: _Status = ...,
        page: PageRequest = ...,
    ) -> Page[ProjectView]: ...

    @overload
    def list_projects(
        self,
        actor: Actor,
        *,
        all: bool = ...,
        status: _Status = ...,
        page: CursorRequest,
    ) -> CursorPage[ProjectView]: ...

    def list_projects(
        self,
        actor: Actor,
        *,
        all: bool = False,
        status: _Status = None,
        page: PageRequest | CursorRequest = PageRequest(),  # noqa: B008 - immutable
    ) -> Page[ProjectView] | CursorPage[ProjectView]:
        """The projects the caller belongs to, newest first, with task counts.

        Args:
            actor: The caller.
            all: Every project, not only the caller's (administrators only).
            status: Only projects with this status.
            page: A numbered page (:class:`PageRequest`) or a keyset slice
                (:class:`CursorRequest`).

        Raises:
            AdminRequired: ``all`` was asked for by a non-administrator.
            ValidationError: an invalid status or cursor.
        """
        if all and not actor.is_admin:
            raise AdminRequired()
        criteria = ProjectCriteria(
            viewer_id=actor.user_id,
            member_id=None if all else actor.user_id,
            status=None if status is None else _project_status(status),
        )
        with self._tx(read_only=True) as work:
            repo = work.uow.projects
            return listing.fetch(
                page,
                order=PROJECT_ORDER,
                parse=datetime_value,
                key=lambda p: (p.created_at, p.id),
                count=lambda: repo.count(criteria),
                find=lambda offset, limit, after: repo.find(
                    criteria, offset=offset, limit=limit, after=after
                ),
            )

    def update_project(
        self,
        actor: Actor,
        project_id: int,
        *,
        name: str | Unset | None = UNSET,
        description: str | Unset | None = UNSET,
        status: _Status | Unset = UNSET,
        priority: _Priority | Unset = UNSET,
        start_date: _DateInput | Unset = UNSET,
        end_date: _DateInput | Unset = UNSET,
        expected_version: int | None = None,
    ) -> ProjectView:
        """Change a project (owners only); only the fields given change.

        ``updated_at`` is bumped on every call, even one that changes nothing. Checks run
        in the order name, description, status, priority, start_date, end_date, then
        lengths and the date range; nothing is saved if any fails. A ``None`` date clears
        it. Fields take the typed values :meth:`create_project` takes.

        Raises:
            ProjectNotFound: no such project, or the caller is not a member.
            ProjectRoleRequired: the caller is not an owner.
            VersionMismatch: ``expected_version`` is not the current version.
            ValidationError: ``Project name cannot be empty``, and the errors of
                :meth:`create_project`.
        """
        with self._tx() as work:
            repo = work.uow.projects
            role = access.visible_role(repo, actor, project_id, ProjectNotFound(project_id))
            access.require_manage(
                actor, role, project_id, "Only project owners can update the project"
            )
            project = repo.get(project_id)
            if project is None:
                raise ProjectNotFound(project_id)
            access.check_version(project.version, expected_version)
            new = _checked_edits(
                project,
                name=name,
                description=description,
                status=status,
                priority=priority,
                start_date=start_date,
                end_date=end_date,
            )
            changes = _apply(project, new)
            now = self._clock.now()
            project.updated_at = now
            project = repo.update(project)
            work.record(
                ProjectUpdated(
                    occurred_at=now,
                    actor_id=actor.user_id,
                    entity_id=project_id,
                    project_id=project_id,
                    project_name=project.name,
                    changes=changes,
                )
            )
            found = repo.view(project_id, viewer_id=actor.user_id)
            work.commit()
        if found is None:  # pragma: no cover - read back in the same transaction
            raise ProjectNotFound(project_id)
        return found

    def delete_project(
        self, actor: Actor, project_id: int, *, expected_version: int | None = None
    ) -> None:
        """Delete a project with its tasks and their comments (owners only), at once.

        Records :class:`TaskDeleted` for each task, then :class:`ProjectDeleted`.

        Raises:
            ProjectNotFound: no such project, or the caller is not a member.
            ProjectRoleRequired: the caller is not an owner.
            VersionMismatch: ``expected_version`` is not the current version.
        """
        with self._tx() as work:
            uow = work.uow
            role = access.visible_role(uow.projects, actor, project_id, ProjectNotFound(project_id))
            access.require_manage(
                actor, role, project_id, "Only project owners can delete the project"
            )
            project = uow.projects.get(project_id, for_update=True)
            if project is None:
                raise ProjectNotFound(project_id)
            access.check_version(project.version, expected_version)
            uow.comments.delete_in_project(project_id)
            tasks = uow.tasks.delete_in_project(project_id)
            uow.invitations.delete_in_project(project_id)
            uow.projects.delete(project_id)
            now = self._clock.now()
            for task in tasks:
                work.record(
                    TaskDeleted(
                        occurred_at=now,
                        actor_id=actor.user_id,
                        entity_id=task.key,
                        entity_version=task.version + 1,
                        project_id=project_id,
                        title=task.title,
                        with_project=True,
                    )
                )
            work.record(
                ProjectDeleted(
                    occurred_at=now,
                    actor_id=actor.user_id,
                    entity_id=project_id,
                    project_id=project_id,
                    project_name=project.name,
                    task_ids=[t.key for t in tasks],
                )
            )
            work.commit()


def _project_status(value: _Status) -> ProjectStatus:
    return rules.given(ProjectStatus, value, what="status", field="status")


def _priority(value: _Priority) -> rules.Priority:
    return rules.given(rules.Priority, value, what="priority", field="priority")


def _checked_edits(
    project: Project,
    *,
    name: str | Unset | None,
    description: str | Unset | None,
    status: _Status | Unset,
    priority: _Priority | Unset,
    start_date: _DateInput | Unset,
    end_date: _DateInput | Unset,
) -> dict[str, object]:
    """The new values of the fields given, checked in the order
    :meth:`ProjectLifecycle.update_project` states (each value, then the lengths and the
    date range, which takes the project's current date for one not given)."""
    new: dict[str, object] = {}
    if name is not UNSET:
        new["name"] = rules.check_name(name, message="Project name cannot be empty")
    if description is not UNSET:
        new["description"] = validation.clean_description(description)
    if status is not UNSET:
        new["status"] = _project_status(status)
    if priority is not UNSET:
        new["priority"] = _priority(priority)
    start = project.start_date
    if start_date is not UNSET:
        new["start_date"] = start = rules.check_date(start_date, "start_date")
    end = project.end_date
    if end_date is not UNSET:
        new["end_date"] = end = rules.check_date(end_date, "end_date")
    if name is not UNSET:
        rules.check_name_length(str(new["name"]))
    if description is not UNSET:
        validation.check_description_length(str(new["description"]))
    rules.check_date_range(start, end)
    return new


def _apply(project: Project, new: dict[str, object]) -> dict[str, Change]:
    """Set the values that differ on ``project``; what changed, old and new, as JSON."""
    changes: dict[str, Change] = {}
    for field, value in new.items():
        old = getattr(project, field)
        if old != value:
            changes[field] = change(json_value(old), json_value(value))
            setattr(project, field, value)
    return changes
