"""Repositories: collections of aggregates, reached only through a unit of work.

Repositories never commit. Ids are assigned by :meth:`add` so events can carry them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from typing import Protocol

from taskcore.domain.attachments import Attachment, AttachmentStats, AttachmentView, BlobDeletion
from taskcore.domain.comments import Comment, CommentView
from taskcore.domain.events import DomainEvent
from taskcore.domain.pagination import Keyset, Page, PageRequest
from taskcore.domain.projects import (
    Membership,
    MemberView,
    Project,
    ProjectAccess,
    ProjectCriteria,
    ProjectView,
    Role,
)
from taskcore.domain.tasks import Task, TaskCriteria, TaskOrder, TaskStatus
from taskcore.domain.users import User


class UserRepository(Protocol):
    """Stores user accounts.

    Usernames and e-mail addresses are unique by their keys
    (:attr:`User.username_key`, :attr:`User.email_key`: NFKC and Unicode case folding,
    computed by the core), which are stored beside them and used for every lookup.
    ``add`` and ``update`` raise :class:`~taskcore.errors.UsernameAlreadyExists` or
    :class:`~taskcore.errors.EmailAlreadyExists` when a uniqueness rule is broken, also
    when a concurrent transaction got there first.
    """

    def add(self, user: User) -> User:
        """Store a new user and return it with its id assigned."""
        ...

    def get(self, user_id: int) -> User | None:
        """The user with this id, or ``None``."""
        ...

    def get_by_username(self, username: str) -> User | None:
        """The user whose username has the key of ``username``
        (:func:`taskcore.domain.identifiers.username_key`), or ``None``."""
        ...

    def get_by_email(self, email: str) -> User | None:
        """The user whose e-mail address has the key of ``email``
        (:func:`taskcore.domain.identifiers.email_key`), or ``None``."""
        ...

    def get_by_skeleton(self, skeleton: str) -> User | None:
        """A user whose :attr:`User.username_skeleton` is ``skeleton``, or ``None``."""
        ...

    def update(self, user: User) -> User:
        """Save changed fields of a stored user; returns it with its version bumped.

        Raises:
            UserNotFound: no such user.
            VersionMismatch: the stored version is not ``user.version``.
        """
        ...

    def record_login(self, user_id: int, when: dt.datetime) -> User:
        """Atomically increment ``login_count`` and set ``last_login``; returns the user.

        Raises:
            UserNotFound: no such user.
        """
        ...

    def list(self, page: PageRequest) -> Page[User]:
        """All users, oldest first."""
        ...

    def count_active_admins(self) -> int:
        """How many active administrators exist."""
        ...


class ProjectRepository(Protocol):
    """Stores projects and their memberships.

    Listings take ``offset``/``limit`` for numbered pages or ``after`` (a
    :class:`~taskcore.domain.pagination.Keyset`) for keyset pages; ``after`` wins when
    both are given. Read models (:class:`ProjectView`, :class:`MemberView`) are built in one
    query per page, task counts and names included.
    """

    def add(self, project: Project) -> Project:
        """Store a new project and return it with its id assigned and version 1."""
        ...

    def get(self, project_id: int, *, for_update: bool = False) -> Project | None:
        """The project with this id, or ``None``.

        Args:
            project_id: The project.
            for_update: Lock the project until the end of the transaction (before deleting
                it), so concurrent writers to it wait.
        """
        ...

    def update(self, project: Project) -> Project:
        """Save a changed project; returns it with its version bumped.

        Raises:
            ProjectNotFound: no such project.
            VersionMismatch: the stored version is not ``project.version``.
        """
        ...

    def delete(self, project_id: int) -> None:
        """Delete a project and its memberships (its tasks must be deleted first)."""
        ...

    def access(self, project_id: int, user_id: int) -> ProjectAccess | None:
        """Whether the project exists (``None`` if not) and ``user_id``'s role in it."""
        ...

    def view(self, project_id: int, *, viewer_id: int) -> ProjectView | None:
        """The project with its task count and ``viewer_id``'s role, or ``None``."""
        ...

    def find(
        self,
        criteria: ProjectCriteria,
        *,
        offset: int = 0,
        limit: int,
        after: Keyset | None = None,
    ) -> Sequence[ProjectView]:
        """Projects meeting ``criteria``, newest first (``created_at``, then id)."""
        ...

    def count(self, criteria: ProjectCriteria) -> int:
        """How many projects meet ``criteria``."""
        ...

    def add_member(self, membership: Membership) -> None:
        """Make a user a member of a project.

        Raises:
            MemberAlreadyExists: the user is already a member (also when a concurrent
                transaction added them first).
        """
        ...

    def member(self, project_id: int, user_id: int) -> MemberView | None:
        """One membership with the user's name, or ``None``."""
        ...

    def set_role(self, project_id: int, user_id: int, role: Role) -> None:
        """Change a member's role (nothing happens for a non-member)."""
        ...

    def remove_member(self, project_id: int, user_id: int) -> None:
        """End a membership (nothing happens for a non-member)."""
        ...

    def member_roles(self, project_id: int, user_ids: Collection[int]) -> dict[int, Role]:
        """The roles of those of ``user_ids`` who are members of the project.

        The memberships found stay locked against removal until the end of the transaction,
        so a user checked here cannot leave the project before the change that relies on
        the check is committed.
        """
        ...

    def owner_ids(self, project_id: int) -> Sequence[int]:
        """The ids of the project's owners, locked until the end of the transaction, so two
        concurrent changes cannot both remove "one of two" owners."""
        ...

    def members_named(self, project_id: int, usernames: Collection[str]) -> Sequence[MemberView]:
        """The members whose usernames are among ``usernames`` (compared case-insensitively)."""
        ...

    def find_members(
        self, project_id: int, *, offset: int = 0, limit: int, after: Keyset | None = None
    ) -> Sequence[MemberView]:
        """A project's members, in the order they joined (``added_at``, then user id)."""
        ...

    def count_members(self, project_id: int) -> int:
        """How many members the project has."""
        ...


class TaskRepository(Protocol):
    """Stores tasks with their labels and watchers.

    ``add`` raises :class:`~taskcore.errors.ProjectNotFound` if the project is gone
    (deleted by a concurrent transaction).
    """

    def add(self, task: Task) -> Task:
        """Store a new task and return it with its id assigned and version 1.

        Raises:
            ProjectNotFound: the project does not exist.
        """
        ...

    def add_many(self, tasks: Sequence[Task]) -> list[Task]:
        """Store new tasks in one batch; returns them in the same order, each with its id
        assigned (increasing) and version 1.

        Raises:
            ProjectNotFound: a task's project does not exist.
        """
        ...

    def get(self, task_id: int) -> Task | None:
        """The task with this id, or ``None``."""
        ...

    def project_id_of(self, task_id: int) -> int | None:
        """The project of the task with this id, or ``None`` if there is no such task."""
        ...

    def update(self, task: Task, *, children_changed: bool = True) -> Task:
        """Save a changed task (labels and watchers included, unless ``children_changed``
        says they are as stored); returns it with its version bumped.

        Raises:
            TaskNotFound: no such task.
            VersionMismatch: the stored version is not ``task.version``.
        """
        ...

    def delete(self, task_id: int) -> None:
        """Delete a task with its labels and watchers (its comments must go first)."""
        ...

    def delete_in_project(self, project_id: int) -> Sequence[Task]:
        """Delete every task of a project, with labels and watchers; returns them."""
        ...

    def last_position(self, project_id: int, status: TaskStatus) -> float | None:
        """The largest ``position`` among the project's tasks with ``status``, if any."""
        ...

    def release_member(self, project_id: int, user_id: int, now: dt.datetime) -> Sequence[Task]:
        """Unassign a user from the project's tasks and stop them watching any.

        Returns:
            The tasks that were assigned to the user, as they are after the change
            (version bumped, ``updated_at`` set to ``now``).
        """
        ...

    def find(
        self,
        criteria: TaskCriteria,
        order: TaskOrder,
        *,
        offset: int = 0,
        limit: int,
        after: Keyset | None = None,
    ) -> Sequence[Task]:
        """Tasks meeting ``criteria`` in ``order``."""
        ...

    def count(self, criteria: TaskCriteria) -> int:
        """How many tasks meet ``criteria``."""
        ...


class CommentRepository(Protocol):
    """Stores comments on tasks.

    Read models (:class:`CommentView`) carry the author's username and the task's project,
    read in the same query as the comments.
    """

    def add(self, comment: Comment) -> Comment:
        """Store a new comment and return it with its id assigned and version 1.

        Raises:
            TaskNotFound: the task does not exist.
        """
        ...

    def get(self, comment_id: int) -> CommentView | None:
        """The comment with this id, or ``None``."""
        ...

    def update(self, comment: Comment) -> Comment:
        """Save a changed comment; returns it with its version bumped.

        Raises:
            CommentNotFound: no such comment.
            VersionMismatch: the stored version is not ``comment.version``.
        """
        ...

    def delete(self, comment_id: int) -> None:
        """Delete a comment."""
        ...

    def delete_for_task(self, task_id: int) -> int:
        """Delete every comment of a task; returns how many."""
        ...

    def delete_in_project(self, project_id: int) -> int:
        """Delete every comment on the tasks of a project; returns how many."""
        ...

    def find(
        self, task_id: int, *, offset: int = 0, limit: int, after: Keyset | None = None
    ) -> Sequence[CommentView]:
        """A task's comments, oldest first (``created_at``, then id)."""
        ...

    def count(self, task_id: int) -> int:
        """How many comments a task has."""
        ...


class RevokedTokenRepository(Protocol):
    """Remembers revoked access tokens until they would have expired anyway."""

    def revoke(self, token_id: str, *, user_id: int, expires_at: dt.datetime) -> None:
        """Mark a token revoked (revoking twice is harmless)."""
        ...

    def is_revoked(self, token_id: str) -> bool:
        """Whether this token was revoked."""
        ...

    def purge_expired(self, now: dt.datetime) -> int:
        """Forget revocations of tokens that have expired; returns how many."""
        ...


class Outbox(Protocol):
    """Durable record of domain events, written in the same transaction as the change."""

    def append(
        self, events: Sequence[DomainEvent], *, published_at: dt.datetime | None = None
    ) -> None:
        """Store events: to be published after commit, or already published at
        ``published_at`` when their deliveries are created in the same transaction."""
        ...

    def pending(self, limit: int) -> Sequence[DomainEvent]:
        """Events not yet marked published, oldest first."""
        ...

    def mark_published(self, event_ids: Sequence[str], when: dt.datetime) -> None:
        """Mark events as handed to the event bus / job queue."""
        ...

    def get(self, event_id: str) -> DomainEvent | None:
        """One stored event by its id, published or not."""
        ...

    def purgeable(self, published_before: dt.datetime, limit: int) -> Sequence[str]:
        """Ids of at most ``limit`` events published before ``published_before`` none of
        whose deliveries is pending or failed (all done, or none at all), oldest
        publication first."""
        ...

    def delete_settled(self, event_ids: Sequence[str]) -> int:
        """Delete those of these events that are published and have no pending or failed
        delivery (done deliveries are not checked, nor deleted); returns how many."""
        ...


class AttachmentRepository(Protocol):
    """Stores attachments' metadata (their blobs live in a ``FileStore``).

    Read models (:class:`AttachmentView`) carry the uploader's username and the task's
    project, read in the same query as the attachments.

    An attachment row outlives the deletion of its task until the end of the transaction,
    so :meth:`delete_for_tasks` still finds it; a transaction that deletes a task and
    leaves its attachments behind cannot commit.
    """

    def add(self, attachment: Attachment) -> Attachment:
        """Store a new attachment and return it with its id assigned.

        The task is locked against deletion until the end of the transaction.

        Raises:
            TaskNotFound: the task does not exist (also when a concurrent transaction has
                just deleted it).
        """
        ...

    def get(self, attachment_id: int) -> AttachmentView | None:
        """The attachment with this id, or ``None``."""
        ...

    def delete(self, attachment_id: int) -> Attachment | None:
        """Delete an attachment; returns it as it was, or ``None`` if there was none."""
        ...

    def delete_for_tasks(self, task_ids: Collection[int]) -> Sequence[Attachment]:
        """Delete every attachment of these tasks (also of tasks already deleted in this
        transaction); returns them as they were, by id."""
        ...

    def find(
        self, task_id: int, *, offset: int = 0, limit: int, after: Keyset | None = None
    ) -> Sequence[AttachmentView]:
        """A task's attachments, newest first (``created_at``, then id)."""
        ...

    def count(self, task_id: int) -> int:
        """How many attachments a task has."""
        ...

    def stats(self) -> AttachmentStats:
        """Counts and sizes over every attachment, in total and by extension and type."""
        ...

    def referenced_keys(self, blob_keys: Collection[str]) -> set[str]:
        """Those of ``blob_keys`` that belong to an attachment."""
        ...

    def blob_keys(self, *, after_id: int = 0, limit: int) -> Sequence[tuple[int, str]]:
        """``(id, blob_key)`` of attachments with an id above ``after_id``, by id."""
        ...

    def reserve_space(self, user_id: int, size: int, quota: int | None) -> bool:
        """Add ``size`` bytes to the storage a user uses, unless that would exceed ``quota``
        (``None``: no limit); whether it was added.

        Atomic against concurrent reservations of the same user: of several that fit only
        together, some fail. The usage counts stored files and reservations of uploads
        in progress.
        """
        ...

    def release_space(self, user_id: int, size: int) -> None:
        """Take ``size`` bytes off the storage a user uses (never below zero)."""
        ...

    def used_space(self, user_id: int) -> int:
        """The bytes a user's stored files and uploads in progress take."""
        ...


class BlobDeletionRepository(Protocol):
    """Remembers blobs to remove from the file store after their attachment rows are gone.

    Written in the same transaction as the rows' deletion, so a blob is never forgotten
    when removing it fails or the process dies before trying.
    """

    def add(self, blob_keys: Collection[str], requested_at: dt.datetime) -> None:
        """Remember blobs to remove (a key already remembered is kept as it is)."""
        ...

    def pending(self, limit: int) -> Sequence[BlobDeletion]:
        """Blobs still to remove, oldest request first (then by key)."""
        ...

    def forget(self, blob_keys: Collection[str]) -> None:
        """Drop blobs that have been removed (unknown keys are ignored)."""
        ...

    def record_failure(self, blob_key: str, error: str) -> None:
        """Count a failed attempt to remove a blob, with the error's description."""
        ...

    def count(self) -> int:
        """How many blobs are still to remove."""
        ...
