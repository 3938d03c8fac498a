"""Numbers of thousands of digits (and digits ``int()`` refuses, such as ``²``) in page
addresses, query strings and forms: a 404 or a form error, never a server error."""

from __future__ import annotations

import pytest

from taskcore_adapters.bootstrap import Runtime
from taskcore_adapters.web.testing import PASSWORD, Browser

HUGE = "9" * 5000
"""More digits than ``int()`` converts."""


@pytest.fixture
def task(browser: Browser) -> int:
    """Alice, logged in, owns project 1 with task 1."""
    browser.register("alice")
    browser.get("/projects")
    browser.post("/projects", {"name": "Apollo"})
    browser.post("/projects/1/tasks", {"title": "First", "status": "pending"})
    return 1


@pytest.mark.parametrize(
    "url",
    [
        f"/projects/{HUGE}",
        f"/projects/{HUGE}/members",
        f"/tasks/{HUGE}",
        f"/reports/{HUGE}/export",
        f"/projects/1/members/{HUGE}",
    ],
)
def test_page_addresses_with_thousands_of_digits_are_404(
    browser: Browser, task: int, url: str
) -> None:
    """A page address whose id has thousands of digits names no page."""
    assert 404 == browser.client.get(url).status_code


def test_forms_with_thousands_of_digits(browser: Browser, task: int) -> None:
    """A task form with a huge version, a non-ASCII-digit assignee or huge hours is a form
    error (or ignored, for the version), never a server error."""
    browser.get(f"/tasks/{task}")
    base = {"title": "First", "status": "pending", "priority": "medium"}
    stale = browser.post(f"/tasks/{task}", {**base, "version": HUGE})
    assert stale.status_code in (200, 303), stale.status_code
    for field, value in (("assignee_id", "²"), ("assignee_id", HUGE), ("estimated_hours", HUGE)):
        browser.get(f"/tasks/{task}")
        response = browser.post(f"/tasks/{task}", {**base, field: value})
        assert 400 == response.status_code, (field, value[:10])
        assert f'id="et-{field}-error"' in response.text or field in response.text


def test_admin_page_number_of_thousands_of_digits(browser: Browser, runtime: Runtime) -> None:
    """The users page reads a page number of thousands of digits as the first page."""
    runtime.core.users.create_admin(username="root", email="root@example.com", password=PASSWORD)
    browser.login("root")
    assert 200 == browser.client.get(f"/admin?page={HUGE}").status_code
