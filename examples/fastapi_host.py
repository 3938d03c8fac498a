"""taskcore inside a FastAPI application: the API and the pages under ``/tasks``.

The host keeps its own routes; taskcore's HTTP API answers at ``/tasks/api/...``, its
pages at ``/tasks/...`` and its OpenAPI document at ``/tasks/openapi.json``. The host's
own code calls the same use cases directly, in the same process. Until taskcore accepts
the host's identities, each host user gets a taskcore account (``create_admin`` for the
operators, ``register`` for the others).

Run: python examples/fastapi_host.py (exercises the host once), or serve it with
``uvicorn --factory fastapi_host:create_host --app-dir examples``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from taskcore.domain.pagination import PageRequest
from taskcore.services.users import Principal
from taskcore_adapters import Runtime, in_memory
from taskcore_adapters.host import create_app

PREFIX = "/tasks"
OPERATOR_PASSWORD = "kept in the host's secret store"


def operator(rt: Runtime) -> Principal:
    """The host's operator account in taskcore (created, or promoted if it exists)."""
    users = rt.core.users
    user, _ = users.create_admin(
        username="operator", email="ops@example.com", password=OPERATOR_PASSWORD
    )
    return Principal(user_id=user.id, username=user.username, is_admin=True)


def create_host(rt: Runtime | None = None) -> FastAPI:
    """The host application, with taskcore mounted at :data:`PREFIX`.

    Args:
        rt: The taskcore to serve; by default a fresh in-memory one, closed with the host.
    """
    runtime = rt or in_memory()
    taskcore_app = create_app(runtime, close_on_shutdown=rt is None)
    ops = operator(runtime)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # A mounted application's own start-up and shut-down are the host's to run.
        async with taskcore_app.router.lifespan_context(taskcore_app):
            yield

    host = FastAPI(title="Example host", lifespan=lifespan)

    @host.get("/")
    def home() -> dict[str, str]:
        return {"app": "example host", "tasks": f"{PREFIX}/", "api": f"{PREFIX}/openapi.json"}

    @host.get("/accounts/count")
    def account_count() -> dict[str, int]:
        """Host code calling taskcore's use cases directly."""
        return {"accounts": runtime.core.users.list_users(ops, PageRequest(per_page=1)).total}

    host.mount(PREFIX, taskcore_app)
    return host


def main() -> None:
    with in_memory() as rt, TestClient(create_host(rt), base_url="http://localhost") as client:
        login = client.post(
            f"{PREFIX}/api/login", json={"username": "operator", "password": OPERATOR_PASSWORD}
        )
        auth = {"Authorization": f"Bearer {login.json()['token']}"}
        created: Any = client.post(f"{PREFIX}/api/projects", json={"name": "Hosted"}, headers=auth)
        print("created through the mounted API:", created.json()["project"]["name"])
        print("counted by the host's own route:", client.get("/accounts/count").json())
        page = client.get(f"{PREFIX}/dashboard", follow_redirects=False)
        print("the pages redirect within the prefix:", page.headers["location"])


if __name__ == "__main__":
    main()
