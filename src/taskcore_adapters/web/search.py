"""Search from the header: the tasks whose title or description holds the words, across
the projects the caller can see, grouped by project (the core's ``search`` task filter,
project by project, so each project's own access rules apply)."""

from __future__ import annotations

from typing import Final

import attrs
from starlette.requests import Request
from starlette.responses import Response

from taskcore import errors
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
"""Tasks shown per project (the count says how many matched)."""

QUERY_MAX: Final = 200


@attrs.frozen(kw_only=True)
class Group:
    """One project's matching tasks."""

    project: ProjectView
    found: Page[TaskView]


def search_text(request: Request) -> str:
    """The words searched for (``q``), trimmed.

    Raises:
        ValidationError: longer than :data:`QUERY_MAX` characters (field ``q``).
    """
    text = request.query_params.get("q", "").strip()
    if len(text) > QUERY_MAX:
        raise errors.ValidationError(f"q must be at most {QUERY_MAX} characters", field="q")
    return text


async def search(web: Web, visit: Visit, request: Request) -> Response:
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
            if found.total:
                groups.append(Group(project=project, found=found))
    return web.render(
        visit,
        "search.html",
        title=f"Search: {text}" if text else "Search",
        q=text,
        groups=groups,
        projects=projects,
    )


def routes(web: Web) -> list[PageRoute]:
    """The search page."""
    return [PageRoute("/search", page(web, search), methods=["GET"])]
