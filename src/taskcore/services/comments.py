"""Comments on tasks: add, list, read, edit, delete; @mentions of project members."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TypedDict, overload

import attrs

from taskcore.domain import comments as rules
from taskcore.domain.comments import COMMENT_ORDER, Comment, CommentMatch, CommentView
from taskcore.domain.events import (
    CommentAdded,
    CommentDeleted,
    CommentEdited,
    DomainEvent,
    UserMentioned,
)
from taskcore.domain.pagination import CursorPage, CursorRequest, Page, PageRequest
from taskcore.domain.projects import Role
from taskcore.domain.task_fields import check_search
from taskcore.domain.values import UNSET, Unset
from taskcore.errors import (
    CommentNotFound,
    PermissionDenied,
    ProjectNotFound,
    ValidationError,
)
from taskcore.ports.clock import Clock
from taskcore.ports.uow import UnitOfWork
from taskcore.services import access, listing
from taskcore.services.access import Actor
from taskcore.services.scopes import guarded
from taskcore.uow import Transactions

BULK_BATCH = 500
"""Comments of one task read per query by :meth:`CommentService.delete_task_comments`."""

FIND_LIMIT_MAX = 100
"""The most comments :meth:`CommentService.find_comments` returns."""

_ID_MAX = 2**31 - 1


@guarded("comments")
class CommentService:
    """Use cases of the comments area.

    Access follows project membership: every member may read a task's comments; owners
    and members may comment; an author may edit their own comment while they may still
    write in the project; authors, project owners and administrators may delete.

    Args:
        transactions: Opens units of work.
        clock: Source of the current time.
    """

    def __init__(self, *, transactions: Transactions, clock: Clock) -> None:
        self._tx = transactions
        self._clock = clock

    def add_comment(self, actor: Actor, task_id: int, *, content: str | None) -> CommentView:
        """Comment on a task (owners and members).

        Project members mentioned as ``@username`` are listed in the result and each one
        other than the author gets a :class:`UserMentioned` event.

        Raises:
            TaskNotFound: ``Task not found or access denied`` (checked before the content).
            ProjectRoleRequired: the caller is a viewer.
            ValidationError: ``Comment content is required``, or the content is too long.
        """
        with self._tx() as work:
            uow = work.uow
            project_id, role = access.task_access(uow, actor, task_id)
            access.require_write(
                actor, role, project_id, "You do not have permission to comment on this task"
            )
            text = rules.check_content(content, message="Comment content is required")
            now = self._clock.now()
            stored = uow.comments.add(
                Comment(
                    task_id=task_id,
                    author_id=actor.user_id,
                    content=text,
                    created_at=now,
                    updated_at=now,
                )
            )
            view = uow.comments.get(stored.key)
            if view is None:  # pragma: no cover - read back in the same transaction
                raise CommentNotFound(stored.key)
            view = _with_mentions(uow, [view])[0]
            work.record(
                CommentAdded(
                    occurred_at=now,
                    actor_id=actor.user_id,
                    entity_id=view.id,
                    **_details(view),
                ),
                *_mention_events(uow, actor, view, (), now),
            )
            work.commit()
        return view

    @overload
    def list_comments(
        self, actor: Actor, task_id: int, *, page: PageRequest = ...
    ) -> Page[CommentView]: ...

    @overload
    def list_comments(
        self, actor: Actor, task_id: int, *, page: CursorRequest
    ) -> CursorPage[CommentView]: ...

    def list_comments(
        self,
        actor: Actor,
        task_id: int,
        *,
        page: PageRequest | CursorRequest = PageRequest(),  # noqa: B008 - immutable
    ) -> Page[CommentView] | CursorPage[CommentView]:
        """A task's comments, oldest first, with their authors' names and mentions.

        Raises:
            TaskNotFound: ``Task not found or access denied``.
            ValidationError: an invalid cursor.
        """
        with self._tx() as work:
            uow = work.uow
            access.task_access(uow, actor, task_id)
            repo = uow.comments
            found = listing.fetch(
                page,
                order=COMMENT_ORDER,
                parse=rules.parse_comment_sort_value,
                key=lambda c: (rules.comment_sort_value(c), c.id),
                count=lambda: repo.count(task_id),
                find=lambda offset, limit, after: repo.find(
                    task_id, offset=offset, limit=limit, after=after
                ),
            )
            return listing.convert(found, lambda views: _with_mentions(uow, views))

    def find_comments(
        self, actor: Actor, project_id: int, text: str, *, limit: int = 10
    ) -> list[CommentMatch]:
        """The comments on a project's tasks whose text contains ``text`` in any case,
        newest first, at most ``limit`` (1 to 100), each with its task's title and its
        mentions (members of the project and administrators).

        Raises:
            ProjectNotFound: no such project, or the caller is not a member.
            ValidationError: ``text`` blank or longer than 200 characters (field
                ``search``); ``limit`` out of range (field ``limit``).
        """
        wanted = check_search(text)
        if wanted is None:
            raise ValidationError("search must not be blank", field="search")
        if not 1 <= limit <= FIND_LIMIT_MAX:
            raise ValidationError(f"limit must be 1 to {FIND_LIMIT_MAX}", field="limit")
        with self._tx(read_only=True) as work:
            uow = work.uow
            access.visible_role(uow.projects, actor, project_id, ProjectNotFound(project_id))
            found = uow.comments.search(project_id, wanted, limit=limit)
            views = _with_mentions(uow, [m.comment for m in found])
        return [attrs.evolve(m, comment=v) for m, v in zip(found, views, strict=True)]

    def count_comments(self, actor: Actor, task_id: int) -> int:
        """How many comments a task has.

        Raises:
            TaskNotFound: ``Task not found or access denied``.
        """
        with self._tx() as work:
            access.task_access(work.uow, actor, task_id)
            return work.uow.comments.count(task_id)

    def get_comment(self, actor: Actor, comment_id: int) -> CommentView:
        """One comment (any member of the task's project, or an administrator).

        Raises:
            CommentNotFound: ``Comment not found``: it does not exist, or the caller is not
                a member of its project (the same answer, so ids reveal nothing).
        """
        with self._tx() as work:
            uow = work.uow
            view, _ = _comment(uow, actor, comment_id)
            return _with_mentions(uow, [view])[0]

    def edit_comment(
        self,
        actor: Actor,
        comment_id: int,
        *,
        content: str | Unset | None = UNSET,
        expected_version: int | None = None,
    ) -> CommentView:
        """Change a comment's text (its author while a writer in the project, or an
        administrator).

        Members newly mentioned get a :class:`UserMentioned` event.

        Raises:
            CommentNotFound: ``Comment not found``: it does not exist, or the caller may
                not see it (not a member of its project).
            PermissionDenied: ``You do not have permission to edit this comment``: a
                member who is not its author (or no longer a writer).
            ValidationError: ``No content provided for update`` (``content`` not given),
                ``Comment content cannot be empty``, or the content is too long.
            VersionMismatch: ``expected_version`` is not the current version.
        """
        with self._tx() as work:
            uow = work.uow
            view, role = _comment(uow, actor, comment_id)
            author = view.author_id == actor.user_id and role is not None and role.can_write
            if not (actor.is_admin or author):
                raise PermissionDenied("You do not have permission to edit this comment")
            if content is UNSET:
                raise ValidationError("No content provided for update", field="content")
            text = rules.check_content(content, message="Comment content cannot be empty")
            access.check_version(view.version, expected_version)
            before = _with_mentions(uow, [view])[0]
            comment = view.comment()
            now = self._clock.now()
            comment.edit(text, now)
            stored = uow.comments.update(comment)
            after = attrs.evolve(
                view, content=stored.content, updated_at=stored.updated_at, version=stored.version
            )
            after = _with_mentions(uow, [after])[0]
            work.record(
                CommentEdited(
                    occurred_at=now,
                    actor_id=actor.user_id,
                    entity_id=comment_id,
                    **_details(after),
                ),
                *_mention_events(uow, actor, after, before.mentions, now),
            )
            work.commit()
        return after

    def delete_comment(
        self, actor: Actor, comment_id: int, *, expected_version: int | None = None
    ) -> None:
        """Delete a comment (its author while a writer in the project, a project owner, or
        an administrator).

        Raises:
            CommentNotFound: ``Comment not found``: it does not exist, or the caller may
                not see it (not a member of its project).
            PermissionDenied: ``You do not have permission to delete this comment``: a
                member who is neither its author (while a writer) nor a project owner.
            VersionMismatch: ``expected_version`` is not the current version.
        """
        with self._tx() as work:
            uow = work.uow
            view, role = _comment(uow, actor, comment_id)
            author = view.author_id == actor.user_id and role is not None and role.can_write
            if not (actor.is_admin or author or role is Role.OWNER):
                raise PermissionDenied("You do not have permission to delete this comment")
            access.check_version(view.version, expected_version)
            uow.comments.delete(comment_id)
            work.record(
                CommentDeleted(
                    occurred_at=self._clock.now(),
                    actor_id=actor.user_id,
                    entity_id=comment_id,
                    **_details(view),
                )
            )
            work.commit()

    def delete_task_comments(self, actor: Actor, task_ids: Sequence[int]) -> int:
        """Delete every comment of the given tasks, all in one transaction with a
        :class:`CommentDeleted` event per comment (administrators only): either every
        comment goes, with its events, or none does.

        Repeated ids count once; ids that name no task are skipped.

        Returns:
            How many comments were deleted.

        Raises:
            AdminRequired: the caller is not an administrator.
        """
        access.require_admin(actor)
        deleted: list[DomainEvent] = []
        with self._tx() as work:
            uow = work.uow
            now = self._clock.now()
            for task_id in dict.fromkeys(task_ids):
                if not 0 < task_id <= _ID_MAX or uow.tasks.project_id_of(task_id) is None:
                    continue
                while batch := uow.comments.find(task_id, limit=BULK_BATCH):
                    for view in batch:
                        uow.comments.delete(view.id)
                        deleted.append(
                            CommentDeleted(
                                occurred_at=now,
                                actor_id=actor.user_id,
                                entity_id=view.id,
                                **_details(view),
                            )
                        )
            work.record(*deleted)
            work.commit()
        return len(deleted)


def _comment(uow: UnitOfWork, actor: Actor, comment_id: int) -> tuple[CommentView, Role | None]:
    """The comment and the caller's role in its project (``None``: an administrator who
    is not a member).

    Raises:
        CommentNotFound: no such comment, or the caller is neither a member of its project
            nor an administrator: who may not see a comment cannot tell it exists.
    """
    view = uow.comments.get(comment_id)
    if view is None:
        raise CommentNotFound(comment_id)
    role = access.visible_role(uow.projects, actor, view.project_id, CommentNotFound(comment_id))
    return view, role


def _with_mentions(uow: UnitOfWork, views: Sequence[CommentView]) -> list[CommentView]:
    """The views with their mentions resolved against project members, in one query."""
    names = {view.id: rules.mentioned_names(view.content) for view in views}
    wanted = {name for found in names.values() for name in found}
    if not wanted:
        return list(views)
    by_project: dict[int, dict[str, str]] = {}
    for project_id in {view.project_id for view in views}:
        members = uow.projects.members_named(project_id, wanted)
        by_project[project_id] = {m.username.lower(): m.username for m in members}
    return [
        attrs.evolve(
            view,
            mentions=tuple(
                by_project[view.project_id][name]
                for name in names[view.id]
                if name in by_project[view.project_id]
            ),
        )
        for view in views
    ]


def _mention_events(
    uow: UnitOfWork,
    actor: Actor,
    view: CommentView,
    already: Sequence[str],
    now: dt.datetime,
) -> list[DomainEvent]:
    """A :class:`UserMentioned` per member newly mentioned (not the author)."""
    fresh = [name for name in view.mentions if name not in already]
    if not fresh:
        return []
    members = uow.projects.members_named(view.project_id, fresh)
    return [
        UserMentioned(
            occurred_at=now,
            actor_id=actor.user_id,
            entity_id=view.id,
            **_details(view),
            user_id=member.user_id,
            username=member.username,
        )
        for member in sorted(members, key=lambda m: fresh.index(m.username))
        if member.user_id != view.author_id
    ]


class _CommentFields(TypedDict):
    project_id: int
    task_id: int
    content_snippet: str


def _details(view: CommentView) -> _CommentFields:
    """The fields every event of ``view`` carries."""
    return {
        "project_id": view.project_id,
        "task_id": view.task_id,
        "content_snippet": rules.snippet(view.content),
    }
