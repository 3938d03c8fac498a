"""Comments on tasks: endpoints C1-C7 of the original."""

from __future__ import annotations

import attrs
from starlette.requests import Request
from starlette.responses import Response

from taskcore.domain.comments import CommentView
from taskcore.domain.values import UNSET, Unset
from taskcore.errors import ValidationError
from taskcore.services.access import require_admin
from taskcore.services.comments import CommentService
from taskcore_adapters.http import schemas as s
from taskcore_adapters.http.answers import (
    CommentAnswer,
    CommentCount,
    CommentList,
    CommentMessage,
    CommentsDeleted,
    Message,
    listing,
)
from taskcore_adapters.http.context import HttpContext
from taskcore_adapters.http.endpoint import Endpoint, Param
from taskcore_adapters.http.etags import IF_MATCH, etag_header, if_match, last_write_wins
from taskcore_adapters.http.parsing import Id
from taskcore_adapters.http.responses import (
    CommentResponse,
    of,
    to_json,
)
from taskcore_adapters.http.routes.common import path_id
from taskcore_adapters.http.routes.paging import WINDOW_PARAMS, window
from taskcore_adapters.http.wire import JSON

BULK_MAX = 1000
"""Most task ids one bulk delete may name."""


@attrs.define(kw_only=True)
class CommentBody:
    content: str | None = None


@attrs.define(kw_only=True)
class CommentPatch:
    content: str | Unset | None = UNSET


@attrs.define(kw_only=True)
class BulkDeleteBody:
    task_ids: list[Id] | None = None


def comment_response(comment: CommentView) -> CommentResponse:
    """The original's comment object with ``author_name``, plus project, mentions, version."""
    return of(CommentResponse, comment)


def _one(comment: CommentView, status: int = 200, message: str | None = None) -> Response:
    shown = comment_response(comment)
    answer = (
        CommentAnswer(comment=shown)
        if message is None
        else CommentMessage(message=message, comment=shown)
    )
    return JSON(to_json(answer), status, headers=etag_header(comment.id, comment.version))


async def add_comment(ctx: HttpContext, request: Request) -> Response:
    comments: CommentService = ctx.runtime.core.comments
    actor = await ctx.slow(ctx.principal, request)
    task_id = path_id(request, "task_id")
    body = await ctx.body(request, CommentBody)
    comment = await ctx.slow(comments.add_comment, actor, task_id, content=body.content)
    return _one(comment, 201, message="Comment added successfully")


async def list_comments(ctx: HttpContext, request: Request) -> Response:
    comments: CommentService = ctx.runtime.core.comments
    actor = await ctx.slow(ctx.principal, request)
    found = await ctx.slow(
        comments.list_comments, actor, path_id(request, "task_id"), page=window(request)
    )
    return JSON(to_json(listing(CommentList, found, comment_response)))


async def get_comment(ctx: HttpContext, request: Request) -> Response:
    comments: CommentService = ctx.runtime.core.comments
    actor = await ctx.slow(ctx.principal, request)
    comment = await ctx.slow(comments.get_comment, actor, path_id(request, "comment_id"))
    return _one(comment)


async def edit_comment(ctx: HttpContext, request: Request) -> Response:
    comments: CommentService = ctx.runtime.core.comments
    actor = await ctx.slow(ctx.principal, request)
    comment_id = path_id(request, "comment_id")
    body = await ctx.body(request, CommentPatch)
    precondition = if_match(request, comment_id)

    def write() -> CommentView:
        expected = precondition.expected(lambda: comments.get_comment(actor, comment_id).version)
        return last_write_wins(
            lambda: comments.edit_comment(
                actor, comment_id, content=body.content, expected_version=expected
            ),
            expected,
        )

    comment = await ctx.slow(write)
    return _one(comment, message="Comment updated successfully")


async def delete_comment(ctx: HttpContext, request: Request) -> Response:
    comments: CommentService = ctx.runtime.core.comments
    actor = await ctx.slow(ctx.principal, request)
    comment_id = path_id(request, "comment_id")
    precondition = if_match(request, comment_id)

    def remove() -> None:
        expected = precondition.expected(lambda: comments.get_comment(actor, comment_id).version)
        comments.delete_comment(actor, comment_id, expected_version=expected)

    await ctx.slow(remove)
    return JSON(to_json(Message(message="Comment deleted successfully")))


async def count(ctx: HttpContext, request: Request) -> Response:
    comments: CommentService = ctx.runtime.core.comments
    actor = await ctx.slow(ctx.principal, request)
    task_id = path_id(request, "task_id")
    total = await ctx.slow(comments.count_comments, actor, task_id)
    return JSON(to_json(CommentCount(task_id=task_id, comment_count=total)))


async def bulk_delete(ctx: HttpContext, request: Request) -> Response:
    comments: CommentService = ctx.runtime.core.comments
    actor = await ctx.slow(ctx.principal, request)
    require_admin(actor)  # before reading the body, as the original did
    body = await ctx.body(request, BulkDeleteBody, allow_empty=True)
    if not body.task_ids:
        raise ValidationError("No task IDs provided", field="task_ids")
    if len(body.task_ids) > BULK_MAX:
        raise ValidationError(f"At most {BULK_MAX} task IDs per request", field="task_ids")
    # One transaction: every listed task's comments go, with their events, or none.
    deleted = await ctx.slow(comments.delete_task_comments, actor, body.task_ids)
    done = CommentsDeleted(
        message=f"Successfully deleted {deleted} comments", deleted_count=deleted
    )
    return JSON(to_json(done))


_TASK_ID = Param(name="task_id", where="path")
_COMMENT_ID = Param(name="comment_id", where="path")

ENDPOINTS: list[Endpoint] = [
    Endpoint(
        method="POST",
        path="/api/tasks/{task_id:int}/comments",
        idempotent=True,
        handler=add_comment,
        summary="Comment on a task (owners, members and admins)",
        tag="comments",
        params=[_TASK_ID],
        body=s.body_schema(CommentBody),
        etag=True,
        responses={
            201: ("Created", s.response_schema(CommentMessage)),
            **s.errors(400, 401, 403, 404),
        },
    ),
    Endpoint(
        method="GET",
        path="/api/tasks/{task_id:int}/comments",
        handler=list_comments,
        summary="A task's comments, oldest first (members and admins)",
        tag="comments",
        params=[_TASK_ID, *WINDOW_PARAMS],
        responses={
            200: ("A page of comments", s.response_schema(CommentList)),
            **s.errors(400, 401, 404),
        },
    ),
    Endpoint(
        method="GET",
        path="/api/comments/{comment_id:int}",
        handler=get_comment,
        summary="One comment (members of the task's project and admins)",
        tag="comments",
        params=[_COMMENT_ID],
        etag=True,
        responses={
            200: ("The comment", s.response_schema(CommentAnswer)),
            **s.errors(401, 404),
        },
    ),
    Endpoint(
        method="PUT",
        path="/api/comments/{comment_id:int}",
        handler=edit_comment,
        summary="Change a comment's text (its author while a writer, and admins)",
        tag="comments",
        params=[_COMMENT_ID, IF_MATCH],
        body=s.body_schema(CommentPatch),
        etag=True,
        responses={
            200: ("Updated", s.response_schema(CommentMessage)),
            **s.errors(400, 401, 403, 404),
            412: s.STALE_ANSWER,
        },
    ),
    Endpoint(
        method="DELETE",
        path="/api/comments/{comment_id:int}",
        handler=delete_comment,
        summary="Delete a comment (its author while a writer, project owners and admins)",
        tag="comments",
        params=[_COMMENT_ID, IF_MATCH],
        responses={
            200: ("Deleted", s.response_schema(Message)),
            **s.errors(401, 403, 404),
            412: s.STALE_ANSWER,
        },
    ),
    Endpoint(
        method="GET",
        path="/api/comments/count/{task_id:int}",
        handler=count,
        summary="How many comments a task has (members and admins)",
        tag="comments",
        params=[_TASK_ID],
        responses={
            200: ("The count", s.response_schema(CommentCount)),
            **s.errors(401, 404),
        },
    ),
    Endpoint(
        method="POST",
        path="/api/comments/bulk-delete",
        handler=bulk_delete,
        summary="Delete every comment of the given tasks (admins only)",
        tag="comments",
        body=s.body_schema(BulkDeleteBody),
        responses={
            200: ("Deleted", s.response_schema(CommentsDeleted)),
            **s.errors(400, 401, 403),
        },
    ),
]
"""The comment-area endpoints."""
