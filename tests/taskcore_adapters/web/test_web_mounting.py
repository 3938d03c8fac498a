"""The pages mounted under a path prefix: links, forms, redirects and static files carry
the prefix."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.testclient import TestClient

from taskcore_adapters import in_memory
from taskcore_adapters.host import create_app
from taskcore_adapters.memory import PlainPasswordHasher
from taskcore_adapters.web.session import with_prefix
from taskcore_adapters.web.testing import PASSWORD, Browser

OUTSIDE = re.compile(r"""\s(?:href|src|action|formaction)="/(?!tc/)""")
"""A link, resource or form pointing at a path outside the mount."""


@pytest.fixture
def browser() -> Iterator[Browser]:
    with in_memory(password_hasher=PlainPasswordHasher()) as rt:
        host = Starlette(routes=[Mount("/tc", app=create_app(rt))])
        with TestClient(host, base_url="http://localhost") as client:
            yield Browser(client)


def test_a_visit_under_the_prefix_stays_under_it(browser: Browser) -> None:
    anonymous = browser.client.get("/tc/projects?page=1", follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == "/tc/login?next=/projects%3Fpage%3D1"

    page = browser.get("/tc/register")
    assert not OUTSIDE.search(page.text)
    form = {"username": "mia", "email": "mia@example.com", "full_name": "Mia"}
    home = browser.post(
        "/tc/register", {**form, "password": PASSWORD, "confirm_password": PASSWORD}
    )
    assert home.url.path == "/tc/dashboard"
    assert 'href="/tc/dashboard" aria-current="page"' in home.text
    assert not OUTSIDE.search(home.text)

    created = browser.post("/tc/projects", {"name": "Apollo"})
    assert re.fullmatch(r"/tc/projects/\d+", created.url.path)
    assert "Apollo" in created.text
    assert not OUTSIDE.search(created.text)
    assert browser.client.get("/tc/static/app.css").status_code == 200


def test_logging_in_returns_to_the_page_asked_for(browser: Browser) -> None:
    browser.get("/tc/register")
    form = {"username": "mia", "email": "mia@example.com", "full_name": "Mia"}
    browser.post("/tc/register", {**form, "password": PASSWORD, "confirm_password": PASSWORD})
    browser.post("/tc/logout")
    login = browser.get("/tc/inbox")
    assert login.url.path == "/tc/login"
    back = browser.post(
        "/tc/login?next=/inbox", {"username": "mia", "password": PASSWORD, "next": "/inbox"}
    )
    assert back.url.path == "/tc/inbox"


def test_unknown_pages_under_the_prefix_are_html_404s(browser: Browser) -> None:
    response = browser.client.get("/tc/no-such-page")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert not OUTSIDE.search(response.text)


def test_with_prefix_rewrites_only_local_absolute_urls() -> None:
    page = '<a href="/x">x</a><a href="//cdn/y">y</a><a href="https://e/z">z</a><a href="#m">m</a>'
    assert with_prefix(page, "/tc") == (
        '<a href="/tc/x">x</a><a href="//cdn/y">y</a><a href="https://e/z">z</a><a href="#m">m</a>'
    )
    assert with_prefix(page, "") == page
