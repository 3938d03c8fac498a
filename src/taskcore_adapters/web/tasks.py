"""The task page: fields and their editing, custom-field values (the card of
:mod:`.task_fields`), comments, attachments and history."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Final

from starlette.concurrency import iterate_in_threadpool, run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response, StreamingResponse

from taskcore import errors
from taskcore.domain.files import ALLOWED_EXTENSIONS, CHUNK_SIZE, FILE_FIELD, NO_FILE_PROVIDED
from taskcore.domain.pagination import PageRequest
from taskcore.domain.tasks import TaskView
from taskcore.services import access
from taskcore.services.attachments import PendingUpload
from taskcore_adapters import wire_fields as wire
from taskcore_adapters.http.multipart import FilePart, MultipartReader
from taskcore_adapters.http.parsing import whole_number
from taskcore_adapters.http.routes.attachments import (
    DOWNLOAD_HEADERS,
    UPLOAD_OVERHEAD,
    content_disposition,
)
from taskcore_adapters.http.routes.common import path_id
from taskcore_adapters.web.account import ctx_status
from taskcore_adapters.web.markdown import Renderer, renderer_for
from taskcore_adapters.web.projects import label_list, optional_id, task_form_context
from taskcore_adapters.web.routing import PageRoute, page
from taskcore_adapters.web.session import (
    CSRF_FIELD,
    PAGE_HEADERS,
    Visit,
    Web,
    apply_cookies,
    field_errors,
)
from taskcore_adapters.web.task_fields import FormValues, fields_context

COMMENTS_SIZE: Final = 100
ATTACHMENTS_SIZE: Final = 100
HISTORY_SIZE: Final = 50
PREVIEW_FIELDS: Final = ("content", "description")
"""The fields a preview may render: a comment's text, a task's description."""
STRUCTURE_SIZE: Final = 50
"""The most subtasks and relations a task page shows."""

EDIT_FIELDS: Final = (
    "title",
    "description",
    "status",
    "priority",
    "assignee_id",
    "due_date",
    "estimated_hours",
    "actual_hours",
    "labels",
)


def human_size(size: int) -> str:
    """A byte count for people: ``512 bytes``, ``1.5 KiB``, ``16 MiB``."""
    value = float(size)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{int(value)} {unit}" if unit == "bytes" else f"{value:.3g} {unit}"
        value /= 1024
    return f"{size} bytes"  # pragma: no cover - the loop always returns


def _values(task: TaskView) -> dict[str, str]:
    def text(value: object) -> str:
        return "" if value is None else str(value)

    return {
        "title": task.title,
        "description": task.description,
        "status": task.status.value,
        "priority": task.priority.value,
        "assignee_id": text(task.assignee_id),
        "due_date": task.due_date.date().isoformat() if task.due_date else "",
        "estimated_hours": text(task.estimated_hours),
        "actual_hours": text(task.actual_hours),
        "labels": ", ".join(task.labels),
    }


def render_task_page(
    web: Web,
    visit: Visit,
    task_id: int,
    *,
    status: int = 200,
    values: dict[str, str] | None = None,
    errors_: dict[str, str] | None = None,
    comment: str = "",
    comment_errors: dict[str, str] | None = None,
    upload_errors: dict[str, str] | None = None,
    preview: tuple[str, str] | None = None,
    cf_values: FormValues | None = None,
    cf_errors: dict[str, str] | None = None,
) -> Response:
    """The task page with ``status``: the edit form as typed (``values``, ``errors_``),
    likewise the comment form, the upload's refusal, a preview of a text, and the
    custom-fields card's inputs as typed and their refusals (``cf_values``,
    ``cf_errors``); what is not given shows as stored."""
    core = web.core
    actor = visit.actor
    task: TaskView = core.tasks.get_task(actor, task_id)
    project = core.projects.get_project(actor, task.project_id)
    form_context = task_form_context(web, visit, project)
    md = markdown_for(web, visit, form_context["names"], project.id)
    comments = core.comments.list_comments(actor, task_id, page=PageRequest(per_page=COMMENTS_SIZE))
    attachments = core.attachments.list_attachments(
        actor, task_id, page=PageRequest(per_page=ATTACHMENTS_SIZE)
    )
    history = core.activity.task_history(actor, task_id, page=PageRequest(per_page=HISTORY_SIZE))
    structure = PageRequest(per_page=STRUCTURE_SIZE)
    subtasks = core.tasks.list_subtasks(actor, task_id, page=structure)
    relations = core.tasks.list_relations(actor, task_id, page=structure)
    return web.render(
        visit,
        "task.html",
        status=status,
        title=task.title,
        task=task,
        project=project,
        **form_context,
        **fields_context(web, visit, task, cf_values, cf_errors, names=form_context["names"]),
        comments=comments,
        attachments=attachments,
        history=history,
        subtasks=subtasks,
        relations=relations,
        is_owner=access.can_manage(actor, project.role),
        values=values or _values(task),
        errors=errors_ or {},
        comment=comment,
        comment_errors=comment_errors or {},
        upload_errors=upload_errors or {},
        max_upload=human_size(core.attachments.max_upload_bytes),
        max_upload_bytes=core.attachments.max_upload_bytes,
        extensions=ALLOWED_EXTENSIONS,
        human_size=human_size,
        md=md,
        preview_of=preview[0] if preview else "",
        preview=md(preview[1]) if preview else "",
    )


def markdown_for(web: Web, visit: Visit, names: dict[int, str], project_id: int) -> Renderer:
    """The Markdown renderer of a project's texts for the caller: ``#123`` links only to
    tasks the caller may see."""
    actor = visit.actor
    return renderer_for(lambda task_id: web.core.tasks.get_task(actor, task_id), names, project_id)


def task_page(web: Web, visit: Visit, request: Request) -> Response:
    """A task with its comments, attachments and (for administrators) history."""
    return render_task_page(web, visit, path_id(request, "task_id"))


def preview(web: Web, visit: Visit, request: Request) -> Response:
    """A text rendered as it will show (``text``, or the field ``preview_of`` names): a
    fragment for the page's script (``X-Preview: fragment``), otherwise the task page
    again with the form as typed and the preview under it (no script needed)."""
    task_id = path_id(request, "task_id")
    target = visit.field("preview_of")
    if target not in PREVIEW_FIELDS:
        raise errors.ValidationError(
            "preview_of must be content or description", field="preview_of"
        )
    text = visit.field(target)
    if request.headers.get("x-preview") == "fragment":
        task = web.core.tasks.get_task(visit.actor, task_id)
        project = web.core.projects.get_project(visit.actor, task.project_id)
        names = task_form_context(web, visit, project)["names"]
        html = markdown_for(web, visit, names, project.id)(text)
        response = HTMLResponse(f'<div class="markdown">{html}</div>', headers=PAGE_HEADERS)
        apply_cookies(visit, response)
        return response
    if target == "content":
        return render_task_page(web, visit, task_id, comment=text, preview=(target, text))
    values = {name: visit.field(name) for name in EDIT_FIELDS}
    return render_task_page(web, visit, task_id, values=values, preview=(target, text))


def update_task(web: Web, visit: Visit, request: Request) -> Response:
    """Change a task with ``tasks.update_task``; a stale form gets the core's conflict."""
    task_id = path_id(request, "task_id")
    values = {name: visit.field(name) for name in EDIT_FIELDS}
    version = visit.field("version")
    try:
        web.core.tasks.update_task(
            visit.actor,
            task_id,
            title=values["title"],
            description=values["description"],
            status=wire.task_status(values["status"]),
            priority=wire.priority(values["priority"]),
            assignee_id=optional_id(values["assignee_id"], "assignee_id"),
            due_date=wire.due_date(values["due_date"] or None),
            estimated_hours=wire.hours(values["estimated_hours"] or None, "estimated_hours"),
            actual_hours=wire.hours(values["actual_hours"] or None, "actual_hours"),
            labels=label_list(values["labels"]),
            expected_version=whole_number(version, digits=18),
        )
    except (errors.ValidationError, errors.Conflict) as exc:
        return render_task_page(
            web,
            visit,
            task_id,
            status=ctx_status(exc),
            values=values,
            errors_=field_errors(exc),
        )
    return web.redirect(visit, f"/tasks/{task_id}", notice="Task saved.")


def delete_task(web: Web, visit: Visit, request: Request) -> Response:
    """Delete a task with ``tasks.delete_task``."""
    task_id = path_id(request, "task_id")
    task = web.core.tasks.get_task(visit.actor, task_id)
    web.core.tasks.delete_task(visit.actor, task_id)
    return web.redirect(visit, f"/projects/{task.project_id}", notice="Task deleted.")


def add_comment(web: Web, visit: Visit, request: Request) -> Response:
    """Comment with ``comments.add_comment``."""
    task_id = path_id(request, "task_id")
    content = visit.field("content")
    try:
        added = web.core.comments.add_comment(visit.actor, task_id, content=content)
    except errors.ValidationError as exc:
        return render_task_page(
            web,
            visit,
            task_id,
            status=ctx_status(exc),
            comment=content,
            comment_errors=field_errors(exc, {errors.ValidationError: "content"}),
        )
    return web.redirect(visit, f"/tasks/{task_id}#comment-{added.id}", notice="Comment added.")


def add_subtask(web: Web, visit: Visit, request: Request) -> Response:
    """Add a subtask (by title) with ``tasks.create_task``; a refusal is the notice."""
    task_id = path_id(request, "task_id")
    parent = web.core.tasks.get_task(visit.actor, task_id)
    try:
        web.core.tasks.create_task(
            visit.actor, parent.project_id, title=visit.field("title"), parent_id=task_id
        )
    except errors.ValidationError as exc:
        return web.redirect(visit, f"/tasks/{task_id}#subtasks", notice=exc.message)
    return web.redirect(visit, f"/tasks/{task_id}#subtasks", notice="Subtask added.")


def add_relation(web: Web, visit: Visit, request: Request) -> Response:
    """Relate the task to another by id with ``tasks.add_relation``."""
    task_id = path_id(request, "task_id")
    other = whole_number(visit.field("other_id").strip())
    try:
        web.core.tasks.add_relation(visit.actor, task_id, kind=visit.field("kind"), other_id=other)
    except (errors.ValidationError, errors.Conflict) as exc:
        return web.redirect(visit, f"/tasks/{task_id}#relations", notice=exc.message)
    return web.redirect(visit, f"/tasks/{task_id}#relations", notice="Relation added.")


def remove_relation(web: Web, visit: Visit, request: Request) -> Response:
    """Remove a relation of the task with ``tasks.remove_relation``."""
    task_id = path_id(request, "task_id")
    web.core.tasks.remove_relation(visit.actor, task_id, path_id(request, "relation_id"))
    return web.redirect(visit, f"/tasks/{task_id}#relations", notice="Relation removed.")


def edit_comment(web: Web, visit: Visit, request: Request) -> Response:
    """Change a comment with ``comments.edit_comment`` (the core decides who may)."""
    comment_id = path_id(request, "comment_id")
    found = web.core.comments.get_comment(visit.actor, comment_id)
    try:
        web.core.comments.edit_comment(visit.actor, comment_id, content=visit.field("content"))
    except (errors.ValidationError, errors.Conflict) as exc:
        return web.redirect(
            visit, f"/tasks/{found.task_id}#comment-{comment_id}", notice=exc.message
        )
    return web.redirect(
        visit, f"/tasks/{found.task_id}#comment-{comment_id}", notice="Comment saved."
    )


def delete_comment(web: Web, visit: Visit, request: Request) -> Response:
    """Delete a comment with ``comments.delete_comment`` (the core decides who may)."""
    comment_id = path_id(request, "comment_id")
    found = web.core.comments.get_comment(visit.actor, comment_id)
    web.core.comments.delete_comment(visit.actor, comment_id)
    return web.redirect(visit, f"/tasks/{found.task_id}#comments", notice="Comment deleted.")


async def receive_file(
    web: Web,
    visit: Visit,
    request: Request,
    open_sink: Callable[[FilePart], PendingUpload],
    *,
    max_bytes: int,
) -> PendingUpload:
    """Stream a page's upload form into the sink ``open_sink`` makes, checking the form's
    CSRF token (a field sent before the file) before the sink is opened.

    Raises:
        CsrfRefused: no valid token came before the file.
        TooLarge: the body exceeds ``max_bytes``.
        ValidationError: no file, or a malformed body.
    """
    reader = MultipartReader(
        request.headers.get("content-type"),
        max_bytes=max_bytes,
        content_length=request.headers.get("content-length"),
    )
    sink: PendingUpload | None = None
    buffer = bytearray()
    try:
        async for item in reader.read(request.stream()):
            if isinstance(item, FilePart):
                web.check_csrf(visit, reader.fields.get(CSRF_FIELD))
                sink = await run_in_threadpool(open_sink, item)
                continue
            buffer += item
            if len(buffer) >= CHUNK_SIZE and sink is not None:
                await run_in_threadpool(sink.write, bytes(buffer))
                buffer.clear()
        if sink is None:  # pragma: no cover - read() raises without a file part
            raise errors.ValidationError(NO_FILE_PROVIDED, field=FILE_FIELD)
        if buffer:
            await run_in_threadpool(sink.write, bytes(buffer))
    except BaseException:
        if sink is not None:
            await run_in_threadpool(sink.abort)
        raise
    return sink


async def upload(web: Web, visit: Visit, request: Request) -> Response:
    """Attach a file, streamed into the file store like the API's upload; nothing is
    stored unless the form's CSRF token, sent before the file, is right."""
    task_id = path_id(request, "task_id")
    attachments = web.core.attachments
    try:
        permit = attachments.authorize_upload(visit.actor, task_id)

        def open_sink(part: FilePart) -> PendingUpload:
            return attachments.start_upload(
                permit, filename=part.filename, declared_type=part.content_type
            )

        sink = await receive_file(
            web,
            visit,
            request,
            open_sink,
            max_bytes=attachments.max_upload_bytes + UPLOAD_OVERHEAD,
        )
        view = await web.ctx.slow(attachments.finish_upload, sink)
    except (errors.ValidationError, errors.TooLarge, errors.UnsupportedType) as exc:
        return render_task_page(
            web,
            visit,
            task_id,
            status=ctx_status(exc),
            upload_errors={"file": exc.message},
        )
    return web.redirect(
        visit, f"/tasks/{task_id}#attachments", notice=f"{view.original_filename} uploaded."
    )


async def download(web: Web, visit: Visit, request: Request) -> Response:
    """An attachment's file, as the API serves it (never rendered by the browser)."""
    attachment_id = path_id(request, "attachment_id")
    attachments = web.core.attachments
    view = attachments.get_attachment(visit.actor, attachment_id)
    opened = await web.ctx.slow(attachments.open_download, visit.actor, attachment_id)

    async def stream() -> AsyncIterator[bytes]:
        chunks = opened.chunks
        try:
            async for chunk in iterate_in_threadpool(chunks):
                yield chunk
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()

    return StreamingResponse(
        stream(),
        headers={
            **DOWNLOAD_HEADERS,
            "Content-Disposition": content_disposition(view.original_filename),
            "Content-Length": str(view.file_size),
        },
        media_type=view.mime_type or "application/octet-stream",
    )


async def delete_attachment(web: Web, visit: Visit, request: Request) -> Response:
    """Delete an attachment with ``attachments.delete_attachment`` (the core decides who
    may)."""
    attachment_id = path_id(request, "attachment_id")
    view = web.core.attachments.get_attachment(visit.actor, attachment_id)
    await web.ctx.slow(web.core.attachments.delete_attachment, visit.actor, attachment_id)
    return web.redirect(visit, f"/tasks/{view.task_id}#attachments", notice="Attachment deleted.")


def routes(web: Web) -> list[PageRoute]:
    """The task pages."""
    return [
        PageRoute("/tasks/{task_id:int}", page(web, task_page), methods=["GET"]),
        PageRoute("/tasks/{task_id:int}", page(web, update_task), methods=["POST"]),
        PageRoute("/tasks/{task_id:int}/delete", page(web, delete_task), methods=["POST"]),
        PageRoute("/tasks/{task_id:int}/preview", page(web, preview), methods=["POST"]),
        PageRoute("/tasks/{task_id:int}/comments", page(web, add_comment), methods=["POST"]),
        PageRoute("/tasks/{task_id:int}/subtasks", page(web, add_subtask), methods=["POST"]),
        PageRoute("/tasks/{task_id:int}/relations", page(web, add_relation), methods=["POST"]),
        PageRoute(
            "/tasks/{task_id:int}/relations/{relation_id:int}/delete",
            page(web, remove_relation),
            methods=["POST"],
        ),
        PageRoute("/comments/{comment_id:int}", page(web, edit_comment), methods=["POST"]),
        PageRoute("/comments/{comment_id:int}/delete", page(web, delete_comment), methods=["POST"]),
        PageRoute(
            "/tasks/{task_id:int}/attachments",
            page(web, upload, csrf="stream"),
            methods=["POST"],
        ),
        PageRoute(
            "/attachments/{attachment_id:int}/download", page(web, download), methods=["GET"]
        ),
        PageRoute(
            "/attachments/{attachment_id:int}/delete",
            page(web, delete_attachment),
            methods=["POST"],
        ),
    ]
