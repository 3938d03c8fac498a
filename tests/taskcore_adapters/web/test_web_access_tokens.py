"""The personal-access-token section of the profile page: create (secret shown once), use,
list, revoke, and the forms' CSRF check."""

from __future__ import annotations

import re

from taskcore_adapters.web.testing import Browser

SECRET = re.compile(r'value="(tcp_[0-9A-Za-z]+)"')


def create(browser: Browser, **fields: str) -> str:
    browser.get("/profile")
    form = {"name": "ci", "expires_in": "30", "scope_tasks": "read"} | fields
    response = browser.post("/profile/tokens", form)
    found = SECRET.search(response.text)
    assert found is not None, response.text
    return found.group(1)


def me(browser: Browser, secret: str) -> int:
    headers = {"Authorization": f"Bearer {secret}"}
    return browser.client.get("/api/users/me", headers=headers).status_code


def test_a_token_is_shown_once_listed_and_works(browser: Browser) -> None:
    browser.register("alice")
    secret = create(browser, name="CI server", scope_comments="write")
    later = browser.get("/profile").text
    assert (200, False) == (me(browser, secret), secret in later)
    assert re.search(r"<td>CI server</td>\s*<td>comments:write, tasks:read</td>", later)


def test_a_bad_form_names_its_field(browser: Browser) -> None:
    browser.register("alice")
    browser.get("/profile")
    no_scope = browser.post("/profile/tokens", {"name": "ci", "expires_in": "30"})
    too_long = browser.post(
        "/profile/tokens", {"name": "ci", "expires_in": "999", "scope_tasks": "read"}
    )
    admin = browser.post(
        "/profile/tokens", {"name": "ci", "expires_in": "30", "scope_admin": "read"}
    )
    assert (400, "at least one scope is required") == (
        no_scope.status_code,
        re.search(r"at least one scope is required", no_scope.text).group(0),  # type: ignore[union-attr]
    )
    assert (400, True) == (too_long.status_code, "Choose how long the token lasts" in too_long.text)
    assert (400, True) == (admin.status_code, "at least one scope is required" in admin.text)


def test_revoking_from_the_page_stops_the_token(browser: Browser) -> None:
    browser.register("alice")
    secret = create(browser)
    token_id = re.search(r'action="/profile/tokens/(\d+)/revoke"', browser.get("/profile").text)
    assert token_id is not None
    revoked = browser.post(f"/profile/tokens/{token_id.group(1)}/revoke")
    assert ("Token revoked" in revoked.text, 401) == (True, me(browser, secret))


def test_the_token_forms_need_the_csrf_token(browser: Browser) -> None:
    browser.register("alice")
    secret = create(browser)
    browser.get("/profile")
    forged = browser.client.post(
        "/profile/tokens", data={"name": "x", "expires_in": "30", "scope_tasks": "read"}
    )
    revoke = browser.client.post("/profile/tokens/1/revoke", data={})
    assert (403, 403, 200) == (forged.status_code, revoke.status_code, me(browser, secret))
