"""The personal-access-token section of the profile page: create (the secret shown once,
on the page that answers the form), list and revoke one's tokens."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, Final

from starlette.requests import Request
from starlette.responses import Response

from taskcore import errors
from taskcore.domain.access_tokens import ADMIN, AREAS, READ, WRITE
from taskcore.domain.pagination import PageRequest
from taskcore_adapters.http.errors import status_of
from taskcore_adapters.http.routes.common import path_id
from taskcore_adapters.web.routing import PageRoute, page
from taskcore_adapters.web.session import Visit, Web, field_errors

PAGE_SIZE: Final = 20
EXPIRY_DAYS: Final = (
    ("7", "7 days"),
    ("30", "30 days"),
    ("90", "90 days"),
    ("180", "180 days"),
    ("365", "1 year"),
)
"""The lifetimes offered, in days (a token lasts at most a year)."""
LEVELS: Final = (("", "no access"), (READ, "read"), (WRITE, "read and write"))

ProfileRenderer = Callable[..., Response]
"""Renders the profile page with extra context (``status`` and the template's values)."""


def areas_for(visit: Visit) -> tuple[str, ...]:
    """The areas the caller may grant (``admin`` only to administrators)."""
    return tuple(a for a in AREAS if a != ADMIN or visit.actor.is_admin)


def context(web: Web, visit: Visit, page_number: int) -> dict[str, Any]:
    """The values the profile template's token section needs, on an empty form."""
    found = web.core.users.list_my_tokens(visit.actor, PageRequest.of(page_number, PAGE_SIZE))
    return {
        "tokens": found,
        "token_areas": areas_for(visit),
        "token_levels": LEVELS,
        "expiry_days": EXPIRY_DAYS,
        "token_values": {"name": "", "expires_in": "30"},
        "token_errors": {},
        "created_token": None,  # nosec B105 - no token made yet
    }


def _requested_scopes(visit: Visit) -> list[object]:
    scopes: list[object] = []
    for area in areas_for(visit):
        level = visit.field(f"scope_{area}")
        if level:
            scopes.append(f"{area}:{level}")
    return scopes


def _expiry(web: Web, days: str) -> dt.datetime:
    if days not in dict(EXPIRY_DAYS):
        raise errors.ValidationError("Choose how long the token lasts", field="expires_in")
    return web.core.clock.now() + dt.timedelta(days=int(days))


def routes(web: Web, render: ProfileRenderer) -> list[PageRoute]:
    """The token forms of the profile page."""

    async def create(web: Web, visit: Visit, request: Request) -> Response:
        values = {"name": visit.field("name"), "expires_in": visit.field("expires_in")}
        values.update({f"scope_{a}": visit.field(f"scope_{a}") for a in areas_for(visit)})
        try:
            created = await web.ctx.slow(
                web.core.users.create_token,
                visit.actor,
                name=values["name"],
                scopes=_requested_scopes(visit),
                expires_at=_expiry(web, values["expires_in"]),
            )
        except errors.TaskcoreError as exc:
            return render(
                web,
                visit,
                status=status_of(exc),
                token_values=values,
                token_errors=field_errors(exc),
            )
        return render(web, visit, created_token=created)

    def revoke(web: Web, visit: Visit, request: Request) -> Response:
        try:
            web.core.users.revoke_my_token(visit.actor, path_id(request, "token_id"))
        except errors.AccessTokenNotFound as exc:
            return web.redirect(visit, "/profile", notice=exc.message)
        return web.redirect(visit, "/profile", notice="Token revoked: it no longer works.")

    return [
        PageRoute("/profile/tokens", page(web, create), methods=["POST"]),
        PageRoute("/profile/tokens/{token_id:int}/revoke", page(web, revoke), methods=["POST"]),
    ]
