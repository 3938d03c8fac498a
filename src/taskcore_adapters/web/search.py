"""Search from the header: the tasks whose title or description holds the words, and the
comments that hold them, across the projects the caller can see, grouped by project (the
core's ``search`` task filter and ``comments.find_comments``, project by project, so each
project's own access rules apply)."""

from __future__ import annotations

import re
from typing import Final

import attrs
from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import Response

from taskcore import errors
from taskcore.domain.comments import CommentMatch
from taskcore.domain.pagination import Page, PageRequest
from taskcore.domain.projects import ProjectView
from taskcore.domain.tasks import TaskView
from taskcore.services.tasks import TaskFilters
from taskcore_adapters.web.account import page_number
from taskcore_adapters.web.routing import PageRoute, page
from taskcore_adapters.web.session import Visit, Web

PROJECTS_PER_PAGE: Final = 20
"""Projects searched per results page (the next page searches the next ones)."""

HITS_PER_PROJECT: Final = 10
"""Tasks shown per project (the count says how many matched), and comments shown per
project."""

EXCERPT_CONTEXT: Final = 60
"""Characters of a matching comment shown on each side of the words."""

QUERY_MAX: Final = 200


@attrs.frozen(kw_only=True)
class Group:
    """One project's matching tasks."""

    project: ProjectView
    found: Page[TaskView]
    comments: list[CommentMatch]
    more_comments: bool


def search_text(request: Request) -> str:
    """The words searched for (``q``), trimmed.

    Raises:
        ValidationError: longer than :data:`QUERY_MAX` characters (field ``q``).
    """
    text = request.query_params.get("q", "").strip()
    if len(text) > QUERY_MAX:
        raise errors.ValidationError(f"q must be at most {QUERY_MAX} characters", field="q")
    return text


def search(web: Web, visit: Visit, request: Request) -> Response:
    """The results page: per project (those on this page of the caller's projects), the
    first matching tasks and how many matched."""
    text = search_text(request)
    groups: list[Group] = []
    projects = None
    if text:
        projects = web.core.projects.list_projects(
            visit.actor, page=PageRequest.of(page_number(request), PROJECTS_PER_PAGE)
        )
        for project in projects.items:
            found = web.core.tasks.list_tasks(
                visit.actor,
                project.id,
                filters=TaskFilters(search=text, sort="updated_at", order="desc"),
                page=PageRequest(per_page=HITS_PER_PROJECT),
            )
            comments = web.core.comments.find_comments(
                visit.actor, project.id, text, limit=HITS_PER_PROJECT + 1
            )
            if found.total or comments:
                groups.append(
                    Group(
                        project=project,
                        found=found,
                        comments=comments[:HITS_PER_PROJECT],
                        more_comments=len(comments) > HITS_PER_PROJECT,
                    )
                )
    return web.render(
        visit,
        "search.html",
        title=f"Search: {text}" if text else "Search",
        q=text,
        groups=groups,
        projects=projects,
        excerpt=excerpt,
    )


def excerpt(content: str, words: str) -> Markup:
    """The part of ``content`` around the first place it holds ``words`` (in any case),
    escaped, with the words marked; the start of ``content`` when they are not found as
    such (a database's case folding may differ from Python's)."""
    hit = re.search(re.escape(words), content, re.IGNORECASE)
    if hit is None:
        cut = content[: 2 * EXCERPT_CONTEXT]
        return escape(cut) + ("…" if len(content) > len(cut) else "")
    start = max(0, hit.start() - EXCERPT_CONTEXT)
    end = min(len(content), hit.end() + EXCERPT_CONTEXT)
    return Markup("{}{}<mark>{}</mark>{}{}").format(
        "…" if start else "",
        content[start : hit.start()],
        hit.group(0),
        content[hit.end() : end],
        "…" if end < len(content) else "",
    )


def routes(web: Web) -> list[PageRoute]:
    """The search page."""
    return [PageRoute("/search", page(web, search), methods=["GET"])]
