"""Two tabs renewing an expired access token at once: the tab whose refresh token the
other just used is sent to repeat its request, with its cookies kept, instead of being
logged out."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from starlette.testclient import TestClient

from taskcore import errors
from taskcore.services.users import LoginResult
from taskcore_adapters.bootstrap import Runtime, from_settings
from taskcore_adapters.config import Settings
from taskcore_adapters.host import create_app
from taskcore_adapters.security import Argon2PasswordHasher
from taskcore_adapters.web.session import ACCESS_COOKIE, REFRESH_COOKIE, RETRY_COOKIE
from taskcore_adapters.web.testing import Browser

DOMAIN = "testserver.local"


def cookie_names(response: httpx2.Response, *, deleted: bool) -> set[str]:
    """Names of the cookies a response (and its redirects) set, or deleted."""
    found: set[str] = set()
    for one in [*response.history, response]:
        for header in one.headers.get_list("set-cookie"):
            name = header.split("=", 1)[0]
            if ("max-age=0" in header.lower()) == deleted:
                found.add(name)
    return found


def other_tab_renews(browser: Browser, runtime: Runtime) -> LoginResult:
    """Expire the browser's access cookie and renew the session with its refresh cookie
    elsewhere first, as a second tab would; the browser still holds the old cookies."""
    refresh = browser.client.cookies[REFRESH_COOKIE]
    browser.client.cookies.set(ACCESS_COOKIE, "expired", domain=DOMAIN, path="/")
    return runtime.core.users.refresh(refresh)


def take_cookies(browser: Browser, renewed: LoginResult) -> None:
    """The browser stores the cookies of the other tab's answer."""
    browser.client.cookies.set(ACCESS_COOKIE, renewed.token, domain=DOMAIN, path="/")
    browser.client.cookies.set(REFRESH_COOKIE, renewed.refresh_token, domain=DOMAIN, path="/")


def live(runtime: Runtime, token: str) -> bool:
    try:
        runtime.core.users.authenticate(token)
    except errors.TokenInvalid:
        return False
    return True


def test_a_get_is_repeated_and_then_served_with_the_new_cookies(
    browser: Browser, runtime: Runtime
) -> None:
    """A page whose refresh token another tab just used answers 303 to itself without
    deleting any cookie; repeated with the other tab's cookies it renders, and the retry
    count is cleared."""
    browser.register("alice")
    renewed = other_tab_renews(browser, runtime)
    response = browser.client.get("/projects?page=2", follow_redirects=False)
    assert (303, "/projects?page=2") == (response.status_code, response.headers["location"])
    assert (set(), {RETRY_COOKIE}) == (
        cookie_names(response, deleted=True),
        cookie_names(response, deleted=False),
    )
    take_cookies(browser, renewed)
    again = browser.get("/projects?page=2", follow_redirects=False)
    assert (200, {RETRY_COOKIE}) == (again.status_code, cookie_names(again, deleted=True))
    assert "alice" in again.text
    assert live(runtime, renewed.token)


def test_a_post_is_resent_and_its_form_still_works(browser: Browser, runtime: Runtime) -> None:
    """A form sent with a refresh token another tab just used answers 307 to itself (the
    browser resends the same form), changes nothing and deletes no cookie; resent with the
    new cookies, the same form and CSRF token go through."""
    browser.register("alice")
    browser.get("/projects")
    form = {"csrf_token": browser.csrf, "name": "Apollo"}
    renewed = other_tab_renews(browser, runtime)
    response = browser.client.post("/projects", data=form, follow_redirects=False)
    assert (307, "/projects", set()) == (
        response.status_code,
        response.headers["location"],
        cookie_names(response, deleted=True),
    )
    take_cookies(browser, renewed)
    assert "Apollo" not in browser.client.get("/projects").text
    resent = browser.client.post("/projects", data=form, follow_redirects=False)
    assert 303 == resent.status_code
    assert "Apollo" in browser.get("/projects").text


def test_retries_stop_after_the_limit_without_a_logout(browser: Browser, runtime: Runtime) -> None:
    """A browser that never gets the new cookies is sent round three times, then to the
    login page, and its cookies are never deleted (the session lives on elsewhere)."""
    browser.register("alice")
    old_refresh = browser.client.cookies[REFRESH_COOKIE]
    renewed = other_tab_renews(browser, runtime)
    response = browser.client.get("/dashboard")
    locations = [one.headers["location"] for one in response.history]
    assert ["/dashboard"] * 3 + ["/login?next=/dashboard"] == locations
    assert (200, "/login", set()) == (
        response.status_code,
        response.url.path,
        cookie_names(response, deleted=True) & {ACCESS_COOKIE, REFRESH_COOKIE},
    )
    assert (old_refresh, True) == (
        browser.client.cookies[REFRESH_COOKIE],
        live(runtime, renewed.token),
    )


@pytest.fixture
def strict_browser(
    tmp_path: Path, database_url: str, hasher: Argon2PasswordHasher
) -> Iterator[tuple[Browser, Runtime]]:
    """A browser on an application without the reuse grace period, and its runtime."""
    built = from_settings(
        Settings(
            data_dir=tmp_path,
            database_url=database_url,
            secret_key="y" * 48,
            auth_rate_per_address="10000/minute",
            failed_login_rate="10000/minute",
            refresh_reuse_grace_seconds=0,
        ),
        password_hasher=hasher,
        migrate=False,
    )
    try:
        with TestClient(create_app(built), base_url="http://testserver") as client:
            yield Browser(client), built
    finally:
        built.close()


def test_without_a_grace_period_the_second_tab_ends_the_session(
    strict_browser: tuple[Browser, Runtime],
) -> None:
    """With ``TASKCORE_REFRESH_REUSE_GRACE_SECONDS=0`` the second tab's renewal is reuse:
    the session ends, the cookies are deleted and the login page shown."""
    browser, runtime = strict_browser
    browser.register("alice")
    renewed = other_tab_renews(browser, runtime)
    response = browser.client.get("/dashboard", follow_redirects=False)
    assert (303, "/login?next=/dashboard") == (response.status_code, response.headers["location"])
    assert {ACCESS_COOKIE, REFRESH_COOKIE} <= cookie_names(response, deleted=True)
    assert False is live(runtime, renewed.token)
