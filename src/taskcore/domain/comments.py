"""Comments on tasks, and the @mentions inside them."""

from __future__ import annotations

import datetime as dt
import re

import attrs

from taskcore.domain import pagination
from taskcore.domain.pagination import SortValue
from taskcore.errors import ValidationError

CONTENT_MAX = 20_000
SNIPPET_LENGTH = 50
"""Events carry the first 50 characters of a comment (the activity log's snippet)."""

_MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9_][A-Za-z0-9_.\-]*)")


@attrs.define(kw_only=True)
class Comment:
    """A remark by a user on a task."""

    id: int | None = None
    task_id: int
    author_id: int
    content: str
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int = 1

    @property
    def key(self) -> int:
        """The id of a stored comment.

        Raises:
            ValueError: the comment has not been stored yet.
        """
        if self.id is None:
            raise ValueError("comment has no id yet")
        return self.id

    def edit(self, content: str, now: dt.datetime) -> None:
        """Replace the text (already checked with :func:`check_content`)."""
        self.content = content
        self.updated_at = now


@attrs.frozen(kw_only=True)
class CommentView:
    """A comment as callers see it.

    ``author_name`` is the author's username; ``project_id`` is the project of the task.
    ``mentions`` are the usernames of project members mentioned with ``@username`` in the
    content, in order of first mention (filled in by the service).
    """

    id: int
    task_id: int
    project_id: int
    author_id: int
    author_name: str
    content: str
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int
    mentions: tuple[str, ...] = ()

    def comment(self) -> Comment:
        """The aggregate behind this view, for changing it."""
        return Comment(
            id=self.id,
            task_id=self.task_id,
            author_id=self.author_id,
            content=self.content,
            created_at=self.created_at,
            updated_at=self.updated_at,
            version=self.version,
        )


COMMENT_ORDER = "comments:created_at:asc"
"""Comments are listed oldest first, ties broken by id."""


def comment_sort_value(comment: Comment | CommentView) -> SortValue:
    """The sort value of a comment in :data:`COMMENT_ORDER`."""
    return comment.created_at


parse_comment_sort_value = pagination.datetime_value


def check_content(content: str | None, *, message: str) -> str:
    """Comment text, stripped.

    Args:
        content: The raw text.
        message: The error text when it is missing or blank.

    Raises:
        ValidationError: missing or blank (``message``), or longer than 20,000 characters
            (field ``content``).
    """
    text = content.strip() if isinstance(content, str) else ""
    if not text:
        raise ValidationError(message, field="content")
    if len(text) > CONTENT_MAX:
        raise ValidationError(f"content must be at most {CONTENT_MAX} characters", field="content")
    return text


def snippet(content: str) -> str:
    """The first 50 characters of a comment, for events."""
    return content[:SNIPPET_LENGTH]


def mentioned_names(content: str) -> tuple[str, ...]:
    """The ``@username`` mentions in ``content``, lower-cased, in order, without repeats.

    A mention is ``@`` not preceded by a word character, followed by letters, digits,
    ``_``, ``.`` or ``-``; a trailing ``.`` or ``-`` (end of a sentence) is not part of it.
    """
    seen: dict[str, None] = {}
    for match in _MENTION.finditer(content):
        name = match.group(1).rstrip(".-").lower()
        if name:
            seen.setdefault(name, None)
    return tuple(seen)


@attrs.frozen(kw_only=True)
class CommentMatch:
    """A comment a search found, with the title of its task."""

    comment: CommentView
    task_title: str
