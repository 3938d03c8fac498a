"""The "limit API": the HTTP case's baseline, a small app written as well as it can be
written, with none of taskcore's code.

It serves the same HTTP shapes as taskcore's API for login, reading a task, listing a
project's tasks (a numbered page with its total), updating a task and creating one, on the
same PostgreSQL database and tables. What it does per request is the floor a clean design
stands on: an ``Authorization: Bearer`` HS256 JWT verified locally (PyJWT), then **one**
statement that checks the caller's membership of the task's project (a sub-select on
``project_members``) and reads or writes, answered with orjson. It skips what taskcore
adds on top: sessions (so no revocation), ETags, the activity entry, the outbox events and
webhooks.

Served by uvicorn with the settings ``taskcore serve`` uses (``create`` is the factory).
Environment: ``BENCH_DATABASE_URL`` (a ``postgresql+psycopg://`` URL),
``BENCH_JWT_KEY`` (the HS256 key) and ``BENCH_LIMIT_DRIVER``: ``psycopg`` (a bare psycopg 3
``AsyncConnectionPool``, the default) or ``sqlalchemy`` (SQLAlchemy's async Core on
psycopg 3). Neither pings a connection on checkout. Login checks an HMAC-SHA-256 digest in
``bench_limit_logins`` (created by the benchmark's seed): login is measured on its own.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import os
import re
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any, cast

import jwt
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

POOL_SIZE = 10
"""Connections per worker (taskcore's default pool size)."""

TASK_COLUMNS = (
    "id",
    "title",
    "description",
    "status",
    "priority",
    "due_date",
    "completed_at",
    "estimated_hours",
    "actual_hours",
    "created_at",
    "updated_at",
    "project_id",
    "assignee_id",
    "position",
    "version",
)
# Every statement checks the caller's membership (project_members) itself: no second
# round trip. Written out in full, one constant per operation.
GET_TASK = """
SELECT t.id, t.title, t.description, t.status, t.priority, t.due_date, t.completed_at,
    t.estimated_hours, t.actual_hours, t.created_at, t.updated_at, t.project_id,
    t.assignee_id, t.position, t.version,
    ARRAY(SELECT l.label FROM task_labels l WHERE l.task_id = t.id ORDER BY l.label) AS labels,
    ARRAY(SELECT w.user_id FROM task_watchers w WHERE w.task_id = t.id ORDER BY w.user_id)
        AS watchers
FROM tasks t
WHERE t.id = :id
  AND EXISTS (SELECT 1 FROM project_members m
              WHERE m.project_id = t.project_id AND m.user_id = :uid)
"""
LIST_TASKS = """
WITH allowed AS (
    SELECT EXISTS (SELECT 1 FROM project_members m
                   WHERE m.project_id = :pid AND m.user_id = :uid) AS ok
), total AS (
    SELECT count(*) AS n FROM tasks WHERE project_id = :pid AND (SELECT ok FROM allowed)
)
SELECT allowed.ok AS allowed, total.n AS total, page.*
FROM allowed CROSS JOIN total
LEFT JOIN LATERAL (
    SELECT t.id, t.title, t.description, t.status, t.priority, t.due_date, t.completed_at,
    t.estimated_hours, t.actual_hours, t.created_at, t.updated_at, t.project_id,
    t.assignee_id, t.position, t.version,
    ARRAY(SELECT l.label FROM task_labels l WHERE l.task_id = t.id ORDER BY l.label) AS labels,
    ARRAY(SELECT w.user_id FROM task_watchers w WHERE w.task_id = t.id ORDER BY w.user_id)
        AS watchers
    FROM tasks t
    WHERE t.project_id = :pid AND allowed.ok
    ORDER BY t.created_at DESC, t.id DESC
    LIMIT :limit OFFSET :offset
) page ON true
"""
CREATE_TASK = """
INSERT INTO tasks (project_id, title, description, status, priority, completed_at, position,
                   created_at, updated_at, version)
SELECT :pid, :title, :description, CAST(:status AS varchar), :priority, NULL,
       COALESCE((SELECT max(position) FROM tasks
                 WHERE project_id = :pid AND status = CAST(:status AS varchar)),
                0) + 1,
       now(), now(), 1
WHERE EXISTS (SELECT 1 FROM project_members m
              WHERE m.project_id = :pid AND m.user_id = :uid AND m.role <> 'viewer')
RETURNING id, title, description, status, priority, due_date, completed_at, estimated_hours,
    actual_hours, created_at, updated_at, project_id, assignee_id, position, version,
    ARRAY[]::varchar[] AS labels, ARRAY[]::integer[] AS watchers
"""
UPDATE_TASK = """
UPDATE tasks t
SET title = COALESCE(:title, t.title),
    description = COALESCE(:description, t.description),
    priority = COALESCE(:priority, t.priority),
    updated_at = now(),
    version = t.version + 1
WHERE t.id = :id
  AND EXISTS (SELECT 1 FROM project_members m
              WHERE m.project_id = t.project_id AND m.user_id = :uid AND m.role <> 'viewer')
RETURNING t.id, t.title, t.description, t.status, t.priority, t.due_date, t.completed_at,
    t.estimated_hours, t.actual_hours, t.created_at, t.updated_at, t.project_id,
    t.assignee_id, t.position, t.version,
    ARRAY(SELECT l.label FROM task_labels l WHERE l.task_id = t.id ORDER BY l.label) AS labels,
    ARRAY(SELECT w.user_id FROM task_watchers w WHERE w.task_id = t.id ORDER BY w.user_id)
        AS watchers
"""
LOGIN = "SELECT user_id, salt, digest FROM bench_limit_logins WHERE username = :username"

PRIORITIES = frozenset({"low", "medium", "high", "critical"})
TOKEN_SECONDS = 3600


class PsycopgDatabase:
    """A bare psycopg 3 ``AsyncConnectionPool`` in autocommit (each statement is its own
    transaction), statements prepared by psycopg after their fifth use."""

    def __init__(self, url: str) -> None:
        from psycopg_pool import AsyncConnectionPool

        self._pool = AsyncConnectionPool(
            _libpq_url(url),
            min_size=POOL_SIZE,
            max_size=POOL_SIZE,
            kwargs={"autocommit": True},
            open=False,
        )
        self._styled: dict[str, str] = {}

    async def open(self) -> None:
        await self._pool.open(wait=True)

    async def rows(self, sql: str, params: Mapping[str, Any]) -> Sequence[Mapping[str, Any]]:
        query = self._styled.get(sql)
        if query is None:
            query = self._styled[sql] = re.sub(r"(?<!:):([a-z_]+)", r"%(\1)s", sql)
        from psycopg.rows import dict_row

        async with (
            self._pool.connection() as conn,
            conn.cursor(row_factory=dict_row) as cursor,
        ):
            await cursor.execute(query, params)
            return await cursor.fetchall()

    async def close(self) -> None:
        await self._pool.close()


class SqlAlchemyDatabase:
    """SQLAlchemy's async Core on psycopg 3, no pre-ping, each statement in autocommit."""

    def __init__(self, url: str) -> None:
        from sqlalchemy.ext.asyncio import create_async_engine

        self._engine = create_async_engine(
            url,
            pool_size=POOL_SIZE,
            max_overflow=0,
            pool_pre_ping=False,
            isolation_level="AUTOCOMMIT",
        )
        self._texts: dict[str, Any] = {}

    async def open(self) -> None:
        async with self._engine.connect():
            pass

    async def rows(self, sql: str, params: Mapping[str, Any]) -> Sequence[Mapping[str, Any]]:
        from sqlalchemy import text

        statement = self._texts.get(sql)
        if statement is None:
            statement = self._texts[sql] = text(sql)
        async with self._engine.connect() as conn:
            result = await conn.execute(statement, dict(params))
            return cast(Sequence[Mapping[str, Any]], result.mappings().all())

    async def close(self) -> None:
        await self._engine.dispose()


def _libpq_url(url: str) -> str:
    return re.sub(r"^postgresql\+\w+://", "postgresql://", url)


def _naive(value: dt.datetime | None) -> dt.datetime | None:
    """The API's timestamps: naive UTC."""
    return None if value is None else value.astimezone(dt.UTC).replace(tzinfo=None)


def _task(row: Mapping[str, Any]) -> dict[str, Any]:
    task = {c: row[c] for c in TASK_COLUMNS}
    for key in ("due_date", "completed_at", "created_at", "updated_at"):
        task[key] = _naive(task[key])
    task["labels"] = list(row["labels"])
    task["watchers"] = list(row["watchers"])
    return task


def _json(content: Any, status: int = 200) -> Response:
    return Response(
        orjson.dumps(content, option=orjson.OPT_SORT_KEYS),
        status_code=status,
        media_type="application/json",
    )


def _error(status: int, message: str) -> Response:
    return _json({"error": message}, status)


def _int_query(request: Request, name: str, default: int) -> int:
    raw = request.query_params.get(name, "")
    return int(raw) if raw.isdigit() and len(raw) < 10 else default


async def _body(request: Request) -> dict[str, Any] | None:
    try:
        data = orjson.loads(await request.body())
    except orjson.JSONDecodeError:
        return None
    return data if isinstance(data, dict) and data else None


def _text(data: Mapping[str, Any], name: str, limit: int) -> tuple[str | None, str | None]:
    """A text field of ``data``: its value, or an error message naming it."""
    value = data.get(name)
    if value is None or (isinstance(value, str) and len(value.strip()) <= limit):
        return (value.strip() if isinstance(value, str) else None), None
    return None, f"{name} must be text of at most {limit} characters"


def create() -> Starlette:
    url = os.environ["BENCH_DATABASE_URL"]
    key = os.environ["BENCH_JWT_KEY"]
    db: PsycopgDatabase | SqlAlchemyDatabase = (
        SqlAlchemyDatabase(url)
        if os.environ.get("BENCH_LIMIT_DRIVER") == "sqlalchemy"
        else PsycopgDatabase(url)
    )

    def caller(request: Request) -> int | None:
        header = request.headers.get("authorization", "")
        if not header.startswith("Bearer "):
            return None
        try:
            claims = jwt.decode(  # noqa: TID251 - the limit API is not taskcore
                header[7:], key, algorithms=["HS256"], options={"require": ["exp", "sub"]}
            )
        except jwt.PyJWTError:
            return None
        return int(claims["sub"])

    async def login(request: Request) -> Response:
        data = await _body(request)
        if data is None:
            return _error(400, "Invalid JSON payload")
        found = await db.rows(LOGIN, {"username": str(data.get("username", ""))})
        password = str(data.get("password", "")).encode()
        if not found or not hmac.compare_digest(
            hmac.new(found[0]["salt"], password, hashlib.sha256).digest(), found[0]["digest"]
        ):
            return _error(401, "Invalid username or password")
        now = dt.datetime.now(dt.UTC)
        claims = {
            "sub": str(found[0]["user_id"]),
            "iat": now,
            "exp": now + dt.timedelta(seconds=TOKEN_SECONDS),
        }
        token = jwt.encode(claims, key, algorithm="HS256")
        return _json({"message": "Login successful", "token": token})

    async def get_task(request: Request) -> Response:
        uid = caller(request)
        if uid is None:
            return _error(401, "Token is invalid or expired")
        found = await db.rows(GET_TASK, {"id": request.path_params["task_id"], "uid": uid})
        if not found:
            return _error(404, "Task not found")
        return _json({"task": _task(found[0])})

    async def list_tasks(request: Request) -> Response:
        uid = caller(request)
        if uid is None:
            return _error(401, "Token is invalid or expired")
        per_page = min(max(_int_query(request, "per_page", 20), 1), 100)
        page = max(_int_query(request, "page", 1), 1)
        found = await db.rows(
            LIST_TASKS,
            {
                "pid": request.path_params["project_id"],
                "uid": uid,
                "limit": per_page,
                "offset": (page - 1) * per_page,
            },
        )
        if not found[0]["allowed"]:
            return _error(404, "Project not found")
        total = found[0]["total"]
        tasks = [_task(row) for row in found if row["id"] is not None]
        pages = (total + per_page - 1) // per_page
        return _json(
            {
                "tasks": tasks,
                "pagination": {"page": page, "pages": pages, "per_page": per_page, "total": total},
            }
        )

    async def update_task(request: Request) -> Response:
        uid = caller(request)
        if uid is None:
            return _error(401, "Token is invalid or expired")
        data = await _body(request)
        if data is None:
            return _error(400, "Invalid JSON payload")
        title, problem = _text(data, "title", 200)
        description, problem = (None, problem) if problem else _text(data, "description", 10_000)
        priority = data.get("priority")
        if problem is None and priority is not None and priority not in PRIORITIES:
            problem = "priority must be one of low, medium, high, critical"
        if problem is None and title == "":
            problem = "title must not be empty"
        if problem is not None:
            return _error(400, problem)
        found = await db.rows(
            UPDATE_TASK,
            {
                "id": request.path_params["task_id"],
                "uid": uid,
                "title": title,
                "description": description,
                "priority": priority,
            },
        )
        if not found:
            return _error(404, "Task not found")
        return _json({"message": "Task updated successfully", "task": _task(found[0])})

    async def create_task(request: Request) -> Response:
        uid = caller(request)
        if uid is None:
            return _error(401, "Token is invalid or expired")
        data = await _body(request)
        if data is None:
            return _error(400, "Invalid JSON payload")
        title, problem = _text(data, "title", 200)
        description, problem = (None, problem) if problem else _text(data, "description", 10_000)
        priority = data.get("priority") or "medium"
        if problem is None and not title:
            problem = "title is required"
        if problem is None and priority not in PRIORITIES:
            problem = "priority must be one of low, medium, high, critical"
        if problem is not None:
            return _error(400, problem)
        found = await db.rows(
            CREATE_TASK,
            {
                "pid": request.path_params["project_id"],
                "uid": uid,
                "title": title,
                "description": description or "",
                "status": "pending",
                "priority": priority,
            },
        )
        if not found:
            return _error(404, "Project not found")
        return _json({"message": "Task created successfully", "task": _task(found[0])}, 201)

    async def health(request: Request) -> Response:
        return _json({"status": "healthy"})

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await db.open()
        try:
            yield
        finally:
            await db.close()

    return Starlette(
        routes=[
            Route("/api/login", login, methods=["POST"]),
            Route("/api/tasks/{task_id:int}", get_task, methods=["GET"]),
            Route("/api/tasks/{task_id:int}", update_task, methods=["PUT"]),
            Route("/api/projects/{project_id:int}/tasks", list_tasks, methods=["GET"]),
            Route("/api/projects/{project_id:int}/tasks", create_task, methods=["POST"]),
            Route("/health", health),
        ],
        lifespan=lifespan,
    )
