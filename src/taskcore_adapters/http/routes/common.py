"""Helpers shared by the route modules."""

from __future__ import annotations

from typing import Any, TypeVar

import attrs
from attrs import AttrsInstance
from starlette.convertors import Convertor, register_url_convertor
from starlette.exceptions import HTTPException
from starlette.requests import Request

from taskcore.domain.pagination import Page, PageRequest
from taskcore.errors import ValidationError
from taskcore_adapters.http import parsing, wire
from taskcore_adapters.http.answers import Pagination
from taskcore_adapters.http.context import HttpContext
from taskcore_adapters.http.endpoint import Param
from taskcore_adapters.http.parsing import oversized_integer
from taskcore_adapters.http.responses import to_json

B = TypeVar("B", bound=AttrsInstance)


def int_query(request: Request, name: str) -> int | None:
    """An integer query parameter; unparseable values count as absent (as in the original).

    Raises:
        ValidationError: the value is a number of more than ``QUERY_DIGITS_MAX`` (4,300)
            digits (``<name> is out of range``), refused before any conversion.
    """
    raw = request.query_params.get(name)
    if raw is None:
        return None
    if oversized_integer(raw):
        raise ValidationError(f"{name} is out of range", field=name)
    try:
        return int(raw)
    except ValueError:
        return None


MAX_PATH_ID = 2**31 - 1
"""Largest id the tables' integer keys can hold; a larger path id names nothing."""

PATH_ID_DIGITS = len(str(MAX_PATH_ID))
"""The most digits a path id has; a longer run of digits matches no route (404)."""


class PathIdConvertor(Convertor[int]):
    """Starlette's ``int`` path convertor, bounded: at most :data:`PATH_ID_DIGITS` digits,
    so a path segment of thousands of digits never reaches ``int()`` (which refuses more
    than 4,300 digits with an exception) and is simply a path that matches nothing."""

    regex = f"[0-9]{{1,{PATH_ID_DIGITS}}}"

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        return str(int(value))


PATH_ID_CONVERTOR = "taskcore_id"
register_url_convertor(PATH_ID_CONVERTOR, PathIdConvertor())


def bounded_path(path: str) -> str:
    """A declared route path with every ``{name:int}`` served by :class:`PathIdConvertor`.

    Routes are declared with Starlette's ``int`` (what the OpenAPI document shows); the API
    and the pages build their routes from this form of the path.
    """
    return path.replace(":int}", f":{PATH_ID_CONVERTOR}}}")


def path_id(request: Request, name: str) -> int:
    """An ``{name:int}`` path parameter.

    Raises:
        HTTPException: 404 for an id beyond :data:`MAX_PATH_ID`, which no row can have
            (the database would refuse to compare it with an integer key).
    """
    value: int = request.path_params[name]
    if value > MAX_PATH_ID:
        raise HTTPException(404)
    return value


MAX_PAGE = 2**31 - 1
"""Highest page number used; a larger one would overflow the database's row offset."""


def page_request(request: Request, *, default: int = 20, cap: int = 100) -> PageRequest:
    """``page`` and ``per_page`` from the query string, normalised (``page`` at most
    :data:`MAX_PAGE`)."""
    page = int_query(request, "page")
    return PageRequest.of(
        None if page is None else min(page, MAX_PAGE),
        int_query(request, "per_page"),
        default=default,
        cap=cap,
    )


def pagination(page: Page[Any]) -> dict[str, Any]:
    """The original's pagination block, with the values actually used."""
    return to_json(Pagination.of(page))


PAGE_PARAMS = (
    Param(name="page", description="1-based page number"),
    Param(name="per_page", description="items per page (capped)"),
)


async def strict_body(
    ctx: HttpContext, request: Request, cls: type[B], shown: type[AttrsInstance]
) -> B:
    """A JSON object body structured into ``cls``, refusing keys it does not know.

    The keys of ``shown`` (the response object the API answers with) are read-only ones a
    client may send back as it read them: they are accepted and ignored unless ``cls`` has
    them too. Any other key is refused.

    Raises:
        ValidationError: ``Unknown field: <key>`` (``Unknown fields: <a>, <b>``), naming
            the first in ``field``; the errors of :meth:`HttpContext.body`.
    """
    data = await wire.read_json(request)
    accepted = {f.name for f in attrs.fields(cls)}
    returned = {f.name for f in attrs.fields(shown)}
    unknown = sorted(k for k in data if k not in accepted and k not in returned)
    if unknown:
        plural = "s" if len(unknown) > 1 else ""
        raise ValidationError(f"Unknown field{plural}: {', '.join(unknown)}", field=unknown[0])
    return parsing.structure(ctx.converter, {k: v for k, v in data.items() if k in accepted}, cls)
