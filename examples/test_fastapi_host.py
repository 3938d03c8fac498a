"""The FastAPI host example: taskcore's API and pages under /tasks beside the host's routes."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from fastapi_host import OPERATOR_PASSWORD, PREFIX, create_host

from taskcore_adapters import in_memory
from taskcore_adapters.memory import PlainPasswordHasher


@pytest.fixture
def client() -> Iterator[TestClient]:
    with (
        in_memory(password_hasher=PlainPasswordHasher()) as rt,
        TestClient(create_host(rt), base_url="http://localhost") as test_client,
    ):
        yield test_client


def token(client: TestClient, username: str, password: str) -> dict[str, str]:
    login = client.post(f"{PREFIX}/api/login", json={"username": username, "password": password})
    assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['token']}"}


def test_the_api_under_the_prefix_and_the_hosts_routes_share_one_taskcore(
    client: TestClient,
) -> None:
    account = {"username": "mia", "email": "mia@example.com", "full_name": "Mia"}
    registered = client.post(f"{PREFIX}/api/register", json={**account, "password": "a long pw!"})
    assert registered.status_code == 201
    auth = token(client, "mia", "a long pw!")
    created = client.post(f"{PREFIX}/api/projects", json={"name": "Hosted"}, headers=auth)
    assert created.status_code == 201
    assert client.get("/accounts/count").json() == {"accounts": 2}  # the operator and mia
    assert client.get("/").json()["tasks"] == "/tasks/"


def test_the_hosts_operator_is_a_taskcore_administrator(client: TestClient) -> None:
    auth = token(client, "operator", OPERATOR_PASSWORD)
    me = client.get(f"{PREFIX}/api/users/me", headers=auth).json()["user"]
    assert me["is_admin"] is True


def test_the_openapi_document_and_the_pages_know_the_prefix(client: TestClient) -> None:
    assert client.get(f"{PREFIX}/openapi.json").json()["servers"] == [{"url": PREFIX}]
    redirect = client.get(f"{PREFIX}/projects", follow_redirects=False)
    assert redirect.headers["location"] == f"{PREFIX}/login?next=/projects"
    login = client.get(f"{PREFIX}/login")
    assert 'action="/tasks/login"' in login.text
    assert not re.search(r'\s(?:href|src|action)="/(?!tasks/)', login.text)
