"""Unknown addresses and methods: an HTML error page in the site's layout on page paths,
the API's JSON answer under /api, /openapi.json and /health."""

from __future__ import annotations

import pytest

from taskcore_adapters.web import is_page_path
from taskcore_adapters.web.session import PAGE_CSP
from taskcore_adapters.web.testing import Browser

NOT_FOUND_JSON = {
    "error": "Not Found",
    "message": "404 Not Found: The requested URL was not found on the server. If you entered "
    "the URL manually please check your spelling and try again.",
}
NOT_ALLOWED_JSON = {
    "error": "Method Not Allowed",
    "message": "The method is not allowed for the requested URL.",
}


@pytest.mark.parametrize(
    "url", ["/no-such-page", "/projects/nope/xyz", "/tasks/1/nothing", "/static/nope.css"]
)
def test_unknown_pages_get_an_html_page_not_found(browser: Browser, url: str) -> None:
    """An unknown page address answers 404 with an HTML page in the site's layout and the
    pages' security headers."""
    response = browser.client.get(url)
    assert (404, "text/html; charset=utf-8") == (
        response.status_code,
        response.headers["content-type"],
    )
    assert "<title>Page not found · taskcore</title>" in response.text
    assert 'class="brand"' in response.text
    assert (PAGE_CSP, "no-store", "nosniff", "DENY") == (
        response.headers["content-security-policy"],
        response.headers["cache-control"],
        response.headers["x-content-type-options"],
        response.headers["x-frame-options"],
    )


def test_the_not_found_page_knows_who_is_logged_in(browser: Browser) -> None:
    """A logged-in user sees their navigation on the not-found page."""
    browser.register("alice")
    response = browser.get("/projects/nope/xyz")
    assert 404 == response.status_code
    assert 'href="/profile"' in response.text
    assert ">alice</a>" in response.text


def test_a_wrong_method_on_a_page_gets_an_html_page(browser: Browser) -> None:
    """A method a page does not take answers 405 with an HTML page and the ``Allow``
    header."""
    response = browser.client.delete("/dashboard")
    assert (405, "text/html; charset=utf-8", {"GET", "HEAD"}) == (
        response.status_code,
        response.headers["content-type"],
        set(response.headers["allow"].split(", ")),
    )
    assert "<title>Not allowed · taskcore</title>" in response.text
    assert PAGE_CSP == response.headers["content-security-policy"]


def test_the_html_answer_does_not_depend_on_accept(browser: Browser) -> None:
    """A page path gets HTML even when JSON is asked for, and an API path JSON even when
    HTML is asked for: the path alone decides."""
    page = browser.client.get("/no-such-page", headers={"Accept": "application/json"})
    api = browser.client.get("/api/nope", headers={"Accept": "text/html"})
    assert ("text/html; charset=utf-8", NOT_FOUND_JSON) == (
        page.headers["content-type"],
        api.json(),
    )


@pytest.mark.parametrize(
    ("method", "url", "status", "body"),
    [
        ("GET", "/api/nope", 404, NOT_FOUND_JSON),
        ("GET", "/api", 404, NOT_FOUND_JSON),
        ("GET", "/api/projects/1/nope", 404, NOT_FOUND_JSON),
        ("GET", "/health/nope", 404, NOT_FOUND_JSON),
        ("GET", "/openapi.json/nope", 404, NOT_FOUND_JSON),
        ("DELETE", "/api/login", 405, NOT_ALLOWED_JSON),
        ("POST", "/openapi.json", 405, NOT_ALLOWED_JSON),
        ("POST", "/health", 405, NOT_ALLOWED_JSON),
    ],
)
def test_api_paths_keep_their_json_answers(
    browser: Browser, method: str, url: str, status: int, body: dict[str, str]
) -> None:
    """Unknown API addresses and methods answer the API's JSON body and strict CSP."""
    response = browser.client.request(method, url)
    assert (status, "application/json", body) == (
        response.status_code,
        response.headers["content-type"],
        response.json(),
    )
    assert response.headers["content-security-policy"].startswith("default-src 'none'")


@pytest.mark.parametrize(
    ("path", "page"),
    [
        ("/api", False),
        ("/api/", False),
        ("/api/tasks/1", False),
        ("/openapi.json", False),
        ("/health", False),
        ("/health/ready", False),
        ("/apis", True),
        ("/healthy", True),
        ("/", True),
        ("/projects/api", True),
        ("/static/x.css", True),
    ],
)
def test_the_prefix_rule(path: str, page: bool) -> None:
    """/api, /openapi.json and /health and everything under them are API paths; the rest
    are pages."""
    assert page == is_page_path(path)
