"""The bare Starlette app the HTTP case compares taskcore with: one route that reads one
task row by primary key through SQLAlchemy and answers it as JSON.

Served by uvicorn with the settings ``taskcore serve`` uses (``create`` is the factory;
``BENCH_DATABASE_URL`` names the database).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator

from sqlalchemy import create_engine, select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from taskcore_adapters.sql.tables import tasks


def create() -> Starlette:
    engine = create_engine(os.environ["BENCH_DATABASE_URL"], pool_size=10, pool_pre_ping=True)

    def read_task(request: Request) -> JSONResponse:  # sync: runs in the thread pool
        with engine.connect() as conn:
            row = conn.execute(
                select(tasks).where(tasks.c.id == int(request.path_params["task_id"]))
            ).first()
        if row is None:
            return JSONResponse({"error": "not found"}, status_code=404)
        found = row._asdict()
        for key in ("created_at", "updated_at", "due_date", "completed_at"):
            if found[key] is not None:
                found[key] = found[key].isoformat()
        return JSONResponse({"task": found})

    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"status": "healthy"})

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        engine.dispose()

    return Starlette(
        routes=[Route("/tasks/{task_id:int}", read_task), Route("/health", health)],
        lifespan=lifespan,
    )
