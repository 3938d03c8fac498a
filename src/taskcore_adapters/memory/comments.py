"""Comments in memory (see ``taskcore.ports.comments.CommentRepository``)."""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence

import attrs

from taskcore.domain.comments import Comment, CommentMatch, CommentView
from taskcore.domain.pagination import Keyset
from taskcore.errors import CommentNotFound, TaskNotFound, VersionMismatch
from taskcore_adapters.memory.support import window
from taskcore_adapters.memory.tables import Tables


class InMemoryCommentRepository:
    """Comments in memory (see ``taskcore.ports.comments.CommentRepository``)."""

    def __init__(self, tables: Tables) -> None:
        self._t = tables

    def add(self, comment: Comment) -> Comment:
        if comment.task_id not in self._t.tasks:
            raise TaskNotFound(comment.task_id)
        stored = attrs.evolve(comment, id=self._t.allocate("comments"), version=1)
        self._t.comments[stored.key] = stored
        return copy.deepcopy(stored)

    def _view(self, comment: Comment) -> CommentView:
        author = self._t.users.get(comment.author_id)
        return CommentView(
            id=comment.key,
            task_id=comment.task_id,
            project_id=self._t.tasks[comment.task_id].project_id,
            author_id=comment.author_id,
            author_name=author.username if author else "Unknown",
            content=comment.content,
            created_at=comment.created_at,
            updated_at=comment.updated_at,
            version=comment.version,
        )

    def get(self, comment_id: int) -> CommentView | None:
        found = self._t.comments.get(comment_id)
        return self._view(found) if found else None

    def update(self, comment: Comment) -> Comment:
        current = self._t.comments.get(comment.key)
        if current is None:
            raise CommentNotFound(comment.key)
        if current.version != comment.version:
            raise VersionMismatch()
        stored = attrs.evolve(comment, version=comment.version + 1)
        self._t.comments[comment.key] = stored
        return copy.deepcopy(stored)

    def delete(self, comment_id: int) -> None:
        self._t.comments.pop(comment_id, None)

    def _delete_where(self, keep: Callable[[Comment], bool]) -> int:
        gone = [k for k, c in self._t.comments.items() if not keep(c)]
        for key in gone:
            del self._t.comments[key]
        return len(gone)

    def delete_for_task(self, task_id: int) -> int:
        return self._delete_where(lambda c: c.task_id != task_id)

    def delete_in_project(self, project_id: int) -> int:
        tasks = {t.key for t in self._t.tasks.values() if t.project_id == project_id}
        return self._delete_where(lambda c: c.task_id not in tasks)

    def find(
        self, task_id: int, *, offset: int = 0, limit: int, after: Keyset | None = None
    ) -> Sequence[CommentView]:
        page = window(
            [c for c in self._t.comments.values() if c.task_id == task_id],
            lambda c: (c.created_at, c.key),
            descending=False,
            offset=offset,
            limit=limit,
            after=after,
        )
        return [self._view(c) for c in page]

    def count(self, task_id: int) -> int:
        return sum(1 for c in self._t.comments.values() if c.task_id == task_id)

    def search(self, project_id: int, text: str, *, limit: int) -> Sequence[CommentMatch]:
        term = text.lower()
        found = sorted(
            (
                c
                for c in self._t.comments.values()
                if self._t.tasks[c.task_id].project_id == project_id and term in c.content.lower()
            ),
            key=lambda c: (c.created_at, c.key),
            reverse=True,
        )
        return [
            CommentMatch(comment=self._view(c), task_title=self._t.tasks[c.task_id].title)
            for c in found[:limit]
        ]
