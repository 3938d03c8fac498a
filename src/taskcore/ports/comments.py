"""Storage of comments on tasks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from taskcore.domain.comments import Comment, CommentMatch, CommentView
from taskcore.domain.pagination import Keyset


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

    def search(self, project_id: int, text: str, *, limit: int) -> Sequence[CommentMatch]:
        """Comments on the tasks of a project whose content contains ``text`` in any case
        (``%`` and ``_`` are plain characters), newest first (``created_at``, then id),
        each with its task's title."""
        ...
