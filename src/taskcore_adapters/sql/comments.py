"""Comments in SQL (see ``taskcore.ports.comments.CommentRepository``).

Each read joins the task (for its project) and the author (for the name), so a page of
comments is one query.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs
from sqlalchemy import Connection, Select, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from taskcore.domain.comments import Comment, CommentMatch, CommentView
from taskcore.domain.pagination import Keyset
from taskcore.errors import CommentNotFound, TaskNotFound, VersionMismatch
from taskcore_adapters.sql.support import is_foreign_key_violation, keyset_after, keyset_order
from taskcore_adapters.sql.tables import comments, tasks, users

_VIEW: Select[Any] = select(
    comments,
    tasks.c.project_id,
    func.coalesce(users.c.username, "Unknown").label("author_name"),
).select_from(
    comments.join(tasks, tasks.c.id == comments.c.task_id).outerjoin(
        users, users.c.id == comments.c.author_id
    )
)


def _view(row: Any) -> CommentView:
    return CommentView(
        id=row.id,
        task_id=row.task_id,
        project_id=row.project_id,
        author_id=row.author_id,
        author_name=row.author_name,
        content=row.content,
        created_at=row.created_at,
        updated_at=row.updated_at,
        version=row.version,
    )


class SqlAlchemyCommentRepository:
    """Comments in SQL."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, comment: Comment) -> Comment:
        try:
            new_id = self._conn.execute(
                insert(comments)
                .values(
                    task_id=comment.task_id,
                    author_id=comment.author_id,
                    content=comment.content,
                    created_at=comment.created_at,
                    updated_at=comment.updated_at,
                    version=1,
                )
                .returning(comments.c.id)
            ).scalar_one()
        except IntegrityError as exc:
            if is_foreign_key_violation(exc, "fk_comments_task_id_tasks"):
                raise TaskNotFound(comment.task_id) from exc
            raise
        return attrs.evolve(comment, id=new_id, version=1)

    def get(self, comment_id: int) -> CommentView | None:
        row = self._conn.execute(_VIEW.where(comments.c.id == comment_id)).first()
        return _view(row) if row else None

    def update(self, comment: Comment) -> Comment:
        result = self._conn.execute(
            update(comments)
            .where(comments.c.id == comment.key, comments.c.version == comment.version)
            .values(
                content=comment.content,
                updated_at=comment.updated_at,
                version=comment.version + 1,
            )
        )
        if result.rowcount == 0:
            found = self._conn.execute(select(comments.c.id).where(comments.c.id == comment.key))
            if found.first() is None:
                raise CommentNotFound(comment.key)
            raise VersionMismatch()
        return attrs.evolve(comment, version=comment.version + 1)

    def delete(self, comment_id: int) -> None:
        self._conn.execute(delete(comments).where(comments.c.id == comment_id))

    def delete_for_task(self, task_id: int) -> int:
        return self._conn.execute(delete(comments).where(comments.c.task_id == task_id)).rowcount

    def delete_in_project(self, project_id: int) -> int:
        return self._conn.execute(
            delete(comments).where(
                comments.c.task_id.in_(select(tasks.c.id).where(tasks.c.project_id == project_id))
            )
        ).rowcount

    def find(
        self, task_id: int, *, offset: int = 0, limit: int, after: Keyset | None = None
    ) -> Sequence[CommentView]:
        how = {"descending": False, "nullable": False}
        query = (
            _VIEW.where(comments.c.task_id == task_id)
            .order_by(*keyset_order(comments.c.created_at, comments.c.id, **how))
            .limit(limit)
        )
        if after is not None:
            query = query.where(keyset_after(comments.c.created_at, comments.c.id, after, **how))
        else:
            query = query.offset(offset)
        return [_view(row) for row in self._conn.execute(query)]

    def count(self, task_id: int) -> int:
        return self._conn.execute(
            select(func.count()).select_from(comments).where(comments.c.task_id == task_id)
        ).scalar_one()

    def search(self, project_id: int, text: str, *, limit: int) -> Sequence[CommentMatch]:
        query = (
            _VIEW.add_columns(tasks.c.title.label("task_title"))
            .where(
                tasks.c.project_id == project_id,
                func.lower(comments.c.content).contains(text.lower(), autoescape=True),
            )
            .order_by(comments.c.created_at.desc(), comments.c.id.desc())
            .limit(limit)
        )
        return [
            CommentMatch(comment=_view(row), task_title=row.task_title)
            for row in self._conn.execute(query)
        ]
