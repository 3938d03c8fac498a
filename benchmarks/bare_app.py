"""The bare Starlette app the start-up case compares ``taskcore serve`` with: one
``/health`` route and nothing else."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


async def health(request: Request) -> JSONResponse:
    return JSONResponse({"status": "healthy"})


app = Starlette(routes=[Route("/health", health)])
