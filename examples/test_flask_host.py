"""The Flask host example: taskcore's API and pages under /tasks beside the host's views."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient
from flask_host import OPERATOR_PASSWORD, PREFIX, create_host

from taskcore_adapters import in_memory
from taskcore_adapters.memory import PlainPasswordHasher

CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


@pytest.fixture
def client() -> Iterator[FlaskClient]:
    with in_memory(password_hasher=PlainPasswordHasher()) as rt:
        yield create_host(rt).test_client()


def test_the_api_under_the_prefix_and_the_hosts_views_share_one_taskcore(
    client: FlaskClient,
) -> None:
    login = client.post(
        f"{PREFIX}/api/login", json={"username": "operator", "password": OPERATOR_PASSWORD}
    )
    assert login.status_code == 200
    auth = {"Authorization": f"Bearer {login.get_json()['token']}"}
    created = client.post(f"{PREFIX}/api/projects", json={"name": "Hosted"}, headers=auth)
    assert created.status_code == 201
    assert client.get("/accounts/count").get_json() == {"accounts": 1}  # the operator
    assert client.get(f"{PREFIX}/openapi.json").get_json()["servers"] == [{"url": PREFIX}]


def test_a_person_registers_and_works_through_the_pages_under_the_prefix(
    client: FlaskClient,
) -> None:
    page = client.get(f"{PREFIX}/register", buffered=True)
    csrf = CSRF.search(page.text)
    assert csrf is not None
    form = {
        "csrf_token": csrf.group(1),
        "username": "mia",
        "email": "mia@example.com",
        "full_name": "Mia",
        "password": "a long passphrase",
        "confirm_password": "a long passphrase",
    }
    home = client.post(f"{PREFIX}/register", data=form, follow_redirects=True, buffered=True)
    assert home.request.path == f"{PREFIX}/dashboard"
    assert 'href="/tasks/projects"' in home.text
    assert not re.search(r'\s(?:href|src|action)="/(?!tasks/)', home.text)
    assert client.get(f"{PREFIX}/static/app.css", buffered=True).status_code == 200
