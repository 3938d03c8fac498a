"""The interactive API documentation at /docs: served from the package, under a strict
Content-Security-Policy, at any mount prefix."""

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


@pytest.fixture(scope="module", params=["", "/tc"])
def served(request: pytest.FixtureRequest) -> Iterator[tuple[TestClient, str]]:
    """The server at the root, and mounted under ``/tc``."""
    prefix: str = request.param
    with in_memory(password_hasher=PlainPasswordHasher()) as rt:
        app = create_app(rt)
        host = Starlette(routes=[Mount(prefix, app=app)]) if prefix else app
        with TestClient(host, base_url="http://localhost") as client:
            yield client, prefix


def test_docs_redirects_to_the_explorer_page(served: tuple[TestClient, str]) -> None:
    client, prefix = served
    response = client.get(f"{prefix}/docs", follow_redirects=False)
    assert response.status_code in (307, 308)
    assert response.headers["location"].endswith(f"{prefix}/docs/")


def test_the_page_loads_only_local_files_under_a_strict_policy(
    served: tuple[TestClient, str],
) -> None:
    client, prefix = served
    page = client.get(f"{prefix}/docs/")
    assert page.status_code == 200
    policy = page.headers["content-security-policy"]
    assert "script-src 'self';" in policy
    assert "connect-src 'self'" in policy
    assert "unsafe" not in policy
    assert "<script>" not in page.text  # no inline script
    assert "style=" not in page.text
    urls = re.findall(r'(?:src|href|data-openapi)="([^"]+)"', page.text)
    assert urls
    for url in urls:
        assert "//" not in url  # nothing from another origin
        if url.startswith("data:"):
            continue
        asset = client.get(f"{prefix}/docs/{url}")
        assert asset.status_code == 200, url
    spec = client.get(f"{prefix}/openapi.json").json()
    assert spec["info"]["title"] == "taskcore"


def test_the_explorer_is_no_api_operation(served: tuple[TestClient, str]) -> None:
    client, prefix = served
    spec = client.get(f"{prefix}/openapi.json").json()
    assert not [path for path in spec["paths"] if path.startswith("/docs")]
