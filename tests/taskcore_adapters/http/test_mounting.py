"""The API mounted under a path prefix by a host application."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.testclient import TestClient

from taskcore_adapters import in_memory
from taskcore_adapters.host import create_app
from taskcore_adapters.http.mounting import prefixed, route_path
from taskcore_adapters.memory import PlainPasswordHasher


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    """A host whose own routes sit beside taskcore, mounted at ``/tc``."""
    with in_memory(password_hasher=PlainPasswordHasher()) as rt:
        host = Starlette(routes=[Mount("/tc", app=create_app(rt))])
        with TestClient(host, base_url="http://localhost") as test_client:
            yield test_client


def test_the_api_works_under_the_prefix(client: TestClient) -> None:
    account = {"username": "mia", "password": "a long passphrase", "email": "mia@example.com"}
    assert client.post("/tc/api/register", json={**account, "full_name": "Mia"}).status_code == 201
    login = client.post("/tc/api/login", json=account)
    assert login.status_code == 200
    me = client.get(
        "/tc/api/users/me", headers={"Authorization": f"Bearer {login.json()['token']}"}
    )
    assert me.json()["user"]["username"] == "mia"
    assert me.headers["cache-control"] == "no-store"
    assert client.get("/tc/health").json()["checks"]["database"] == "ok"
    assert client.get("/api/users/me").status_code == 404  # nothing outside the mount


def test_unknown_api_paths_under_the_prefix_answer_json(client: TestClient) -> None:
    response = client.get("/tc/api/no-such-thing")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")


def test_the_openapi_document_names_the_prefix_as_its_server(client: TestClient) -> None:
    spec = client.get("/tc/openapi.json").json()
    assert spec["servers"] == [{"url": "/tc"}]
    assert "/api/login" in spec["paths"]


def test_without_a_prefix_the_document_has_no_servers() -> None:
    with (
        in_memory(password_hasher=PlainPasswordHasher()) as rt,
        TestClient(create_app(rt), base_url="http://localhost") as plain,
    ):
        assert "servers" not in plain.get("/openapi.json").json()


@pytest.mark.parametrize(
    ("root", "path", "inside", "outside"),
    [
        ("", "/login", "/login", "/login"),
        ("/tc", "/tc/login", "/login", "/tc/login"),
        ("/tc/", "/tc", "/", "/tc/login"),
        ("/tc", "/other", "/other", "/tc/login"),
    ],
)
def test_route_path_and_prefixed(root: str, path: str, inside: str, outside: str) -> None:
    scope = {"root_path": root, "path": path}
    assert route_path(scope) == inside
    assert prefixed(scope, "/login") == outside
    assert prefixed(scope, "//evil.example/") == "//evil.example/"
    assert prefixed(scope, "https://example.com/") == "https://example.com/"
